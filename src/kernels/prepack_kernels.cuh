// GPU prepack: GPTQ-packed int32 weights -> the tiled fragment order of
// docs/prepacked-format.md, and scales / zero points -> [N/64][groups][64]. Each weight thread
// builds one 16-byte chunk (one thread's plane of one tile) by walking the fragment elements it
// holds, the inverse of the CPU prepack's walk over (k, n): the two agree only if both follow
// the format.
#pragma once

#include <cstdint>

#include "common/prepacked_layout.h"
#include "mixgemm/types.h"

namespace mixgemm::kernels {

template <int Bits>
__global__ void prepack_weights_kernel(const int32_t* __restrict__ qweight, uint8_t* __restrict__ out, int64_t n,
                                       int64_t k) {
  constexpr int kPlanes = layout::planes(Bits);
  constexpr int kPerWord = 32 / Bits;
  const int64_t chunks = (n / layout::kTileN) * (k / layout::kTileK) * kPlanes * layout::kTileThreads;
  const int64_t idx = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (idx >= chunks) return;
  const int t = int(idx % layout::kTileThreads);
  const int plane = int((idx / layout::kTileThreads) % kPlanes);
  const int64_t tile = idx / (layout::kTileThreads * kPlanes);
  const int64_t k_tiles = k / layout::kTileK;
  const int64_t nb = tile / k_tiles, kb = tile % k_tiles;

  uint32_t words[4] = {0, 0, 0, 0};
#pragma unroll
  for (int j = 0; j < layout::kStepsPerTile; ++j) {
#pragma unroll
    for (int e = 0; e < 8; ++e) {
      const layout::WeightPos pos = layout::fragment_pos(Bits, t, j, e);
      const int64_t in_chunk = pos.byte - int64_t(plane) * layout::kPlaneBytes - int64_t(t) * 16;
      if (in_chunk < 0 || in_chunk >= 16) continue;  // element of another plane
      const layout::TileCoord c = layout::fragment_coord(t, j, e);
      const int64_t row = nb * layout::kTileN + c.row, depth = kb * layout::kTileK + c.depth;
      const uint32_t word = uint32_t(qweight[(depth / kPerWord) * n + row]);
      const uint32_t q = (word >> (Bits * (depth % kPerWord))) & ((1u << Bits) - 1);
      words[in_chunk / 4] |= q << (8 * (in_chunk % 4) + pos.shift);
    }
  }
  *reinterpret_cast<uint4*>(out + tile * layout::tile_bytes(Bits) + int64_t(plane) * layout::kPlaneBytes +
                            int64_t(t) * 16) = make_uint4(words[0], words[1], words[2], words[3]);
}

// Zero points outside [0, 2^bits) cannot be reported from here without a synchronisation; they
// are masked to `bits` bits (prepack_host rejects them).
__global__ void prepack_group_params_kernel(const uint16_t* __restrict__ scales, const uint8_t* __restrict__ zeros,
                                            uint16_t* __restrict__ scales_out, uint16_t* __restrict__ zeros_out,
                                            int64_t n, int64_t groups, int bits, ActType act) {
  const int64_t idx = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (idx >= n * groups) return;
  const int64_t g = idx / n, col = idx % n;
  const int64_t dst = layout::group_param_index(groups, g, col);
  scales_out[dst] = scales[idx];
  if (zeros != nullptr) zeros_out[dst] = layout::small_int_to_act_bits(zeros[idx] & ((1 << bits) - 1), act);
}

}  // namespace mixgemm::kernels
