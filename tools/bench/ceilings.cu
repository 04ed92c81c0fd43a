#include "ceilings.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <type_traits>

#include "check.h"
#include "device_buffer.h"
#include "timing.h"

namespace mixgemm::bench {

namespace {

// Bytes in flight decide the bandwidth reached (Little's law: ~20-30 KB outstanding per SM on
// an H100): each thread keeps kUnroll independent 16-byte loads in flight, and the grid fills
// every SM with as many warps as fit.
constexpr int kUnroll = 8;

__global__ void fill_kernel(uint4* p, size_t n) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) {
    const uint32_t v = static_cast<uint32_t>(i) * 2654435761u;  // non-constant data
    p[i] = make_uint4(v, v ^ 1u, v ^ 2u, v ^ 3u);
  }
}

// Uniform random values in [-1, 1) in the activation type, like the data a user would time
// (constant or all-zero inputs lower the tensor cores' power draw and overstate the rate).
template <typename T>
__global__ void fill_random_kernel(T* p, size_t n, uint32_t seed) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) {
    uint32_t h = static_cast<uint32_t>(i) ^ seed;  // one round of a 32-bit integer hash
    h = (h ^ (h >> 16)) * 0x7feb352du;
    h = (h ^ (h >> 15)) * 0x846ca68bu;
    h ^= h >> 16;
    const float v = static_cast<float>(h) * (2.0f / 4294967296.0f) - 1.0f;
    if constexpr (std::is_same_v<T, __nv_bfloat16>) {
      p[i] = __float2bfloat16(v);
    } else {
      p[i] = __float2half(v);
    }
  }
}

// Reads n 16-byte vectors once. __ldcs (evict-first, streaming) keeps the pass from polluting
// L2 for nothing; the XOR of everything goes to *sink only if it matches a value it never
// takes in practice, so the compiler must keep every load but nothing is written.
__global__ void stream_read_kernel(const uint4* __restrict__ p, size_t n, uint32_t* sink) {
  const size_t stride = size_t(gridDim.x) * blockDim.x;
  size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x;
  uint32_t acc = 0;
  // Each load instruction of a warp covers 512 contiguous bytes; the kUnroll loads of a thread
  // are one grid stride apart.
  for (; i + (kUnroll - 1) * stride < n; i += kUnroll * stride) {
    uint4 v[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) v[u] = __ldcs(p + i + u * stride);
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) acc ^= v[u].x ^ v[u].y ^ v[u].z ^ v[u].w;
  }
  for (; i < n; i += stride) {
    const uint4 v = __ldcs(p + i);
    acc ^= v.x ^ v.y ^ v.z ^ v.w;
  }
  if (acc == 0x9e3779b9u) *sink = acc;
}

// At least 1 GiB (20x an H100's L2): the read pass cannot be served from cache.
constexpr size_t kStreamBytes = size_t(1) << 30;

double measure_hbm_read(const DeviceInfo& dev, cudaStream_t stream) {
  DeviceBuffer buf(kStreamBytes), sink(sizeof(uint32_t));
  const size_t n = kStreamBytes / sizeof(uint4);
  fill_kernel<<<dev.sm_count * 8, 512, 0, stream>>>(buf.as<uint4>(), n);
  BENCH_CUDA_CHECK_LAUNCH();
  // The best of a few block sizes, each at full occupancy: this is a ceiling, so take the max.
  double best = 0;
  for (int threads : {256, 512, 1024}) {
    int blocks_per_sm = 0;
    BENCH_CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks_per_sm, stream_read_kernel, threads, 0));
    const int grid = dev.sm_count * std::max(1, blocks_per_sm);
    TimingOptions opt;
    opt.repeats = 10;
    const Timing t = time_graph(
        stream,
        [&](int, cudaStream_t s) {
          stream_read_kernel<<<grid, threads, 0, s>>>(buf.as<uint4>(), n, sink.as<uint32_t>());
          BENCH_CUDA_CHECK_LAUNCH();
        },
        4, opt);
    best = std::max(best, kStreamBytes / (t.median_us * 1e3));
  }
  return best;
}

double measure_d2d_copy(cudaStream_t stream) {
  DeviceBuffer src(kStreamBytes), dst(kStreamBytes);
  BENCH_CUDA_CHECK(cudaMemsetAsync(src.get(), 0x5a, kStreamBytes, stream));
  // Timed on the stream, not in a graph: a captured copy becomes a memcpy node, which the driver
  // may run on a copy engine instead of the SMs; the stream copy is what this ceiling means.
  const auto copy = [&](int, cudaStream_t s) {
    BENCH_CUDA_CHECK(cudaMemcpyAsync(dst.get(), src.get(), kStreamBytes, cudaMemcpyDeviceToDevice, s));
  };
  TimingOptions opt;
  opt.repeats = 10;
  const Timing t = time_eager(stream, copy, 4, opt);
  // Each copied byte is read once and written once (bandwidthTest's convention).
  return 2.0 * kStreamBytes / (t.median_us * 1e3);
}

double measure_dense(const CublasLt& lt, ActType act, cudaStream_t stream) {
  constexpr int64_t d = 8192;
  const size_t bytes = size_t(d) * d * 2;
  DeviceBuffer x(bytes), w(bytes), y(bytes);
  const size_t n = size_t(d) * d;
  if (act == ActType::bf16) {
    fill_random_kernel<<<1024, 256, 0, stream>>>(x.as<__nv_bfloat16>(), n, 1u);
    BENCH_CUDA_CHECK_LAUNCH();
    fill_random_kernel<<<1024, 256, 0, stream>>>(w.as<__nv_bfloat16>(), n, 2u);
  } else {
    fill_random_kernel<<<1024, 256, 0, stream>>>(x.as<__half>(), n, 1u);
    BENCH_CUDA_CHECK_LAUNCH();
    fill_random_kernel<<<1024, 256, 0, stream>>>(w.as<__half>(), n, 2u);
  }
  BENCH_CUDA_CHECK_LAUNCH();
  DenseGemm gemm(lt, act, d, d, d, d, d);
  // Timed like every point of the sweep (the same graph length and repeats), so that %dense
  // compares like with like: on an H100 the rate depends on how long the tensor cores have
  // been busy as power and clocks settle (measured here with random data: ~790 TFLOP/s over
  // ~35 ms, ~740 at the sweep's 4 ms graphs, ~720 over 300 ms; ~820 on all-zero data).
  const TimingOptions opt{};
  const Timing t = time_calls(
      stream, [&](int, cudaStream_t s) { gemm.run(x.get(), w.get(), y.get(), s); }, 1, opt);
  return 2.0 * d * d * d / (t.median_us * 1e6);
}

}  // namespace

Ceilings measure_ceilings(const DeviceInfo& dev, const CublasLt& lt, cudaStream_t stream, bool fp16) {
  Ceilings c;
  c.hbm_read_gbps = measure_hbm_read(dev, stream);
  c.d2d_copy_gbps = measure_d2d_copy(stream);
  c.dense_bf16_tflops = measure_dense(lt, ActType::bf16, stream);
  c.dense_fp16_tflops = fp16 ? measure_dense(lt, ActType::fp16, stream) : NAN;
  BENCH_CUDA_CHECK(cudaStreamSynchronize(stream));
  return c;
}

std::string describe(const Ceilings& c) {
  char buf[512];
  int n = std::snprintf(buf, sizeof buf,
                        "ceilings (measured now): HBM read %.0f GB/s (1 GiB streaming read, 16-byte loads), "
                        "D2D copy %.0f GB/s (read+write), dense bf16 %.1f TFLOP/s (cuBLASLt 8192^3)",
                        c.hbm_read_gbps, c.d2d_copy_gbps, c.dense_bf16_tflops);
  std::string s(buf, std::max(0, std::min<int>(n, sizeof buf - 1)));
  if (std::isfinite(c.dense_fp16_tflops)) {
    std::snprintf(buf, sizeof buf, ", dense fp16 %.1f TFLOP/s", c.dense_fp16_tflops);
    s += buf;
  }
  return s + "\n";
}

std::vector<JsonField> ceilings_json(const Ceilings& c) {
  return {json_number("hbm_read_gbps", c.hbm_read_gbps), json_number("d2d_copy_gbps", c.d2d_copy_gbps),
          json_number("dense_bf16_tflops", c.dense_bf16_tflops),
          json_number("dense_fp16_tflops", c.dense_fp16_tflops)};
}

}  // namespace mixgemm::bench
