#include "host/launchers.h"
#include "kernels/prepack_kernels.cuh"

namespace mixgemm::detail {

cudaError_t launch_prepack(const PrepackArgs& a, cudaStream_t stream) {
  const int bits = weight_bits(a.w.wtype);
  const int64_t groups = a.w.groups();
  const layout::Sections sec = layout::sections(bits, has_zero_points(a.w.wtype), a.w.n, a.w.k, groups);
  uint8_t* out = static_cast<uint8_t*>(a.out);
  constexpr int kThreads = 256;
  // Section padding is zeroed so the GPU and CPU prepacks give identical buffers byte for byte.
  cudaError_t e = cudaMemsetAsync(out, 0, size_t(sec.total_bytes), stream);
  if (e != cudaSuccess) return e;

  const int64_t chunks = (a.w.n / layout::kTileN) * (a.w.k / layout::kTileK) * layout::planes(bits) * layout::kTileThreads;
  const unsigned blocks = unsigned((chunks + kThreads - 1) / kThreads);
  if (bits == 4)
    kernels::prepack_weights_kernel<4><<<blocks, kThreads, 0, stream>>>(a.qweight, out + sec.weights_offset, a.w.n, a.w.k);
  else
    kernels::prepack_weights_kernel<8><<<blocks, kThreads, 0, stream>>>(a.qweight, out + sec.weights_offset, a.w.n, a.w.k);
  e = cudaGetLastError();
  if (e != cudaSuccess) return e;

  const int64_t params = a.w.n * groups;
  kernels::prepack_group_params_kernel<<<unsigned((params + kThreads - 1) / kThreads), kThreads, 0, stream>>>(
      static_cast<const uint16_t*>(a.scales), a.zeros, reinterpret_cast<uint16_t*>(out + sec.scales_offset),
      reinterpret_cast<uint16_t*>(out + sec.zeros_offset), a.w.n, groups, bits, a.w.act);
  return cudaGetLastError();
}

}  // namespace mixgemm::detail
