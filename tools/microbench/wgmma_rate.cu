// wgmma-rate: issue rate of bf16 warpgroup MMAs on this GPU, for the shapes the small-M kernels
// could use. Answers one design question: does an m64nNk16 cost time in proportion to N (MAC
// count) or does each instruction carry a fixed cost, and does the register-A form (weights as
// A, the transposed problem) differ from the shared-memory form (weights as B)?
//
// Every SM runs one CTA of W warpgroups; each warpgroup issues `iters` x 4 MMAs back to back
// (one commit group per 4, at most two groups in flight, as the GEMM mainloop does) on random
// data already in shared memory / registers, and reads clock64 around the loop. No global
// memory traffic. Prints cycles per instruction per SM and the weights per cycle per SM that
// rate allows (RS transposed: 64 x 16 weights per MMA; SS with weights as B: 16 x N).
//
// Then the warp-level mma.sync m16n8k16 of the 8- and 16-token decode consumers (warp_mma.cuh):
// W warps per SM, each running C independent accumulator chains. One warp with one chain gives
// the MMA's latency; many warps and chains its rate per SM, which bounds how many MMAs per weight
// the decode consumers can afford (docs/perf-notes.md v23d).
#include <cuda_runtime.h>

#include <cstdio>
#include <cstdlib>
#include <utility>
#include <vector>

#include "kernels/sm90_ptx.cuh"
#include "kernels/warp_mma.cuh"
#include "kernels/wgmma.cuh"

namespace mk = mixgemm::kernels;
namespace ptx = mixgemm::ptx;

#define CHECK(x)                                                                                 \
  do {                                                                                           \
    cudaError_t e_ = (x);                                                                        \
    if (e_ != cudaSuccess) {                                                                     \
      std::fprintf(stderr, "%s:%d %s: %s\n", __FILE__, __LINE__, #x, cudaGetErrorString(e_));    \
      std::exit(2);                                                                              \
    }                                                                                            \
  } while (0)

template <int N>
struct SsAtom;
#define WGMMA_RATE_SS(N)                                                                        \
  template <>                                                                                   \
  struct SsAtom<N> {                                                                            \
    using type = mk::gmma::MMA_64x##N##x16_F32BF16BF16_SS<mk::gmma::Major::K, mk::gmma::Major::K>; \
  };
WGMMA_RATE_SS(8)
WGMMA_RATE_SS(64)
WGMMA_RATE_SS(128)
WGMMA_RATE_SS(256)
#undef WGMMA_RATE_SS

template <class Atom, size_t... I>
__device__ __forceinline__ void ss_impl(uint64_t da, uint64_t db, float (&d)[sizeof...(I)], std::index_sequence<I...>) {
  Atom::fma(da, db, d[I]...);
}

constexpr int kABytes = 64 * 128;    // A: 64 rows x 64 bf16 (one 128-byte swizzle slab)
constexpr int kBBytes = 256 * 128;   // B: up to 256 rows x 64 bf16
constexpr int kSmem = kABytes + kBBytes;

__device__ uint32_t mix(uint32_t x) {
  x ^= x >> 16; x *= 0x7feb352d; x ^= x >> 15; x *= 0x846ca68b; x ^= x >> 16;
  return x;
}
// Two random bf16 in [1, 2) with random signs: finite, non-zero, no denormals.
__device__ uint32_t random_bf16x2(uint32_t seed) {
  const uint32_t r = mix(seed);
  return 0x3F803F80u | (r & 0x807F807Fu);
}

template <int N, bool SS>
__global__ void __launch_bounds__(256, 1) wgmma_rate_kernel(long long* cycles, float* sink, int iters) {
  extern __shared__ __align__(1024) uint8_t smem[];
  for (int i = threadIdx.x; i < kSmem / 4; i += blockDim.x)
    reinterpret_cast<uint32_t*>(smem)[i] = random_bf16x2(i * 977 + blockIdx.x);
  asm volatile("fence.proxy.async.shared::cta;" ::: "memory");  // generic writes -> wgmma reads
  __syncthreads();

  const int wg = threadIdx.x / 128;
  uint32_t a[4];
  for (int q = 0; q < 4; ++q) a[q] = random_bf16x2(threadIdx.x * 4 + q);
  float acc[N / 2];
  for (int v = 0; v < N / 2; ++v) acc[v] = 0.0f;
  const uint32_t a_addr = ptx::smem_u32(smem);
  const uint32_t b_addr = ptx::smem_u32(smem + kABytes);

  const long long t0 = clock64();
  for (int it = 0; it < iters; ++it) {
    for (int v = 0; v < N / 2; ++v) ptx::fence_operand(acc[v]);
    ptx::wgmma_fence();
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      const uint64_t db = mk::SmemDescSw128(b_addr).at(j * 32);
      if constexpr (SS) {
        ss_impl<typename SsAtom<N>::type>(mk::SmemDescSw128(a_addr).at(j * 32), db, acc,
                                          std::make_index_sequence<N / 2>{});
      } else {
        mk::wgmma_rs<mixgemm::ActType::bf16, N>(a, db, acc);
      }
    }
    ptx::wgmma_commit();
    ptx::wgmma_wait<1>();
    for (int v = 0; v < N / 2; ++v) ptx::fence_operand(acc[v]);
  }
  ptx::wgmma_wait<0>();
  const long long t1 = clock64();
  float s = 0;
  for (int v = 0; v < N / 2; ++v) s += acc[v];
  sink[blockIdx.x * blockDim.x + threadIdx.x] = s;
  if (threadIdx.x % 128 == 0) cycles[blockIdx.x * 2 + wg] = t1 - t0;
}

// After the launches: the largest of the n cycle counts the kernel wrote (the slowest warp or
// warpgroup decides the rate).
long long slowest(const long long* d_cycles, int n) {
  CHECK(cudaGetLastError());
  CHECK(cudaDeviceSynchronize());
  std::vector<long long> c(n);
  CHECK(cudaMemcpy(c.data(), d_cycles, sizeof(long long) * c.size(), cudaMemcpyDeviceToHost));
  long long worst = 0;
  for (long long v : c) worst = v > worst ? v : worst;
  return worst;
}

template <int N, bool SS>
void run(int sms, int warpgroups, long long* d_cycles, float* d_sink) {
  const int iters = 2048;
  auto kernel = wgmma_rate_kernel<N, SS>;
  CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, kSmem));
  CHECK(cudaMemset(d_cycles, 0, sizeof(long long) * sms * 2));
  kernel<<<sms, 128 * warpgroups, kSmem>>>(d_cycles, d_sink, iters);  // warm-up
  kernel<<<sms, 128 * warpgroups, kSmem>>>(d_cycles, d_sink, iters);
  const long long worst = slowest(d_cycles, sms * 2);
  // All warpgroups of an SM share its tensor cores: per-SM cycles per instruction.
  const double per_instr = double(worst) / (double(iters) * 4 * warpgroups);
  const double weights = SS ? 16.0 * N : 64.0 * 16.0;
  std::printf("%-3s m64n%-3dk16  warpgroups/SM %d  cycles/instr/SM %7.1f  MAC/cycle/SM %7.0f  weights/cycle/SM %6.1f\n",
              SS ? "SS" : "RS", N, warpgroups, per_instr, 64.0 * N * 16 / per_instr, weights / per_instr);
}

// Each warp: `iters` rounds of kChains independent m16n8k16 MMAs (bf16, fp32 accumulators),
// each accumulating into its own chain, on random register operands.
template <int kChains>
__global__ void __launch_bounds__(512, 1) mma_sync_rate_kernel(long long* cycles, float* sink, int iters) {
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  uint32_t a[4];
  for (int q = 0; q < 4; ++q) a[q] = random_bf16x2(threadIdx.x * 4 + q + blockIdx.x * 4096);
  const uint32_t b0 = random_bf16x2(lane + 7 * blockIdx.x), b1 = random_bf16x2(lane + 91);
  float acc[kChains][4] = {};
  __syncwarp();
  const long long t0 = clock64();
  for (int it = 0; it < iters; ++it) {
#pragma unroll
    for (int c = 0; c < kChains; ++c) mk::mma_m16n8k16<mixgemm::ActType::bf16>(acc[c], a, b0, b1, acc[c]);
  }
  float s = 0;
  for (int c = 0; c < kChains; ++c) s += acc[c][0] + acc[c][1] + acc[c][2] + acc[c][3];
  const long long t1 = clock64();  // after the sums: every chain's last MMA has completed
  sink[blockIdx.x * blockDim.x + threadIdx.x] = s;
  if (lane == 0) cycles[blockIdx.x * 16 + warp] = t1 - t0;
}

template <int kChains>
void run_mma_sync(int sms, int warps, long long* d_cycles, float* d_sink) {
  const int iters = 4096;
  CHECK(cudaMemset(d_cycles, 0, sizeof(long long) * sms * 16));
  mma_sync_rate_kernel<kChains><<<sms, 32 * warps>>>(d_cycles, d_sink, iters);  // warm-up
  mma_sync_rate_kernel<kChains><<<sms, 32 * warps>>>(d_cycles, d_sink, iters);
  const long long worst = slowest(d_cycles, sms * 16);
  const double per_warp_instr = double(worst) / (double(iters) * kChains);  // one warp's cycles per MMA
  const double per_sm_instr = per_warp_instr / warps;
  std::printf("mma.sync m16n8k16  warps/SM %2d  chains/warp %d  cycles/MMA/warp %6.1f  cycles/MMA/SM %6.2f  "
              "MAC/cycle/SM %6.0f\n",
              warps, kChains, per_warp_instr, per_sm_instr, 16.0 * 8 * 16 / per_sm_instr);
}

int main() {
  int dev = 0, sms = 0;
  CHECK(cudaGetDevice(&dev));
  CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev));
  cudaDeviceProp prop{};
  CHECK(cudaGetDeviceProperties(&prop, dev));
  std::printf("wgmma-rate on %s, %d SMs (bf16 inputs, fp32 accumulators)\n", prop.name, sms);
  long long* d_cycles;
  float* d_sink;
  CHECK(cudaMalloc(&d_cycles, sizeof(long long) * sms * 2));
  CHECK(cudaMalloc(&d_sink, sizeof(float) * sms * 256));
  for (int wgs : {1, 2}) {
    run<8, false>(sms, wgs, d_cycles, d_sink);
    run<64, false>(sms, wgs, d_cycles, d_sink);
    run<256, false>(sms, wgs, d_cycles, d_sink);
    run<8, true>(sms, wgs, d_cycles, d_sink);
    run<64, true>(sms, wgs, d_cycles, d_sink);
    run<128, true>(sms, wgs, d_cycles, d_sink);
    run<256, true>(sms, wgs, d_cycles, d_sink);
  }
  CHECK(cudaFree(d_cycles));
  CHECK(cudaFree(d_sink));
  CHECK(cudaMalloc(&d_cycles, sizeof(long long) * sms * 16));
  CHECK(cudaMalloc(&d_sink, sizeof(float) * sms * 512));
  run_mma_sync<1>(sms, 1, d_cycles, d_sink);  // latency
  for (int warps : {4, 8, 16}) {
    run_mma_sync<1>(sms, warps, d_cycles, d_sink);
    run_mma_sync<2>(sms, warps, d_cycles, d_sink);
    run_mma_sync<4>(sms, warps, d_cycles, d_sink);
  }
  CHECK(cudaFree(d_cycles));
  CHECK(cudaFree(d_sink));
  return 0;
}
