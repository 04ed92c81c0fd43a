// sm_90 warp-specialized mixed-input GEMM kernel: composition of the mainloop (producer /
// consumers, mainloop_sm90_ws.cuh) and the epilogue (epilogue.cuh), plus its host launcher.
//
// Computes, for one CTA tile of 128 weight rows (n) x BlkM tokens (m) and one K split,
// Y^T[n, m] = sum_k dequant(W)[k, n] . X[m, k]. Grid: (n tiles, m tiles, K splits); the last
// split of a tile to finish sums the others' partials (splitk_reduce.cuh).
// Limits: n, k multiples of 64; group size 32 or a multiple of 64 dividing k; X rows 16-byte
// aligned (TMA). Built for every M: BlkM picks the wgmma N extent (8 for decode .. 256).
#pragma once

#include <cuda_runtime.h>

#include <atomic>

#include "kernels/epilogue.cuh"
#include "kernels/gemm_config.cuh"
#include "kernels/gemm_params.h"
#include "kernels/mainloop_sm90_ws.cuh"
#include "kernels/sm90_ptx.cuh"
#include "kernels/splitk_reduce.cuh"

namespace mixgemm::kernels {

template <class Cfg>
__global__ void __launch_bounds__(Cfg::kThreads, Cfg::kCtasPerSm) gemm_sm90_ws_kernel(const __grid_constant__ GemmParams p) {
  using Mainloop = MainloopSm90<Cfg>;
  // All shared memory is dynamic, so its base is the start of the CTA's window: 1024-byte
  // aligned, as the 128-byte swizzle pattern requires. Indexing it directly (no pointer
  // arithmetic through integers) keeps the compiler aware it is shared memory: LDS, not the
  // slower generic loads.
  extern __shared__ __align__(1024) uint8_t smem[];
  uint64_t* full_bar = reinterpret_cast<uint64_t*>(smem + Cfg::kBarrierOffset);
  uint64_t* empty_bar = full_bar + Cfg::kStages;
  const typename Mainloop::Pipeline pipe{full_bar, empty_bar, smem};

  const int warpgroup = threadIdx.x / 128;
  const int64_t k_tiles = p.k / Cfg::kBlkK;
  const int split = blockIdx.z;
  const int k_begin = split * p.k_tiles_per_split;
  const int k_end = int(min(int64_t(k_begin) + p.k_tiles_per_split, k_tiles));
  const int nb0 = blockIdx.x * Cfg::kConsumers;  // first 64-row weight block
  const int active = int(min(int64_t(Cfg::kConsumers), p.n / layout::kTileN - nb0));
  const int64_t m0 = int64_t(blockIdx.y) * Cfg::kBlkM;

  // Programmatic dependent launch: the next kernel in the stream (typically the next GEMM) may
  // launch now, so its CTAs take the SM slots ours free as they finish and start streaming their
  // weights while this grid drains; they wait for this grid's completion before touching its
  // results. Split-K is summed inside this grid (splitk_reduce.cuh), so this holds there too;
  // releasing split-K dependents after the mainloop instead measured 0.95x (docs/perf-notes.md).
  ptx::launch_dependents();

  if (threadIdx.x == 0) {
    for (int s = 0; s < Cfg::kStages; ++s) {
      ptx::mbarrier_init(&full_bar[s], 1);
      ptx::mbarrier_init(&empty_bar[s], Cfg::kConsumers * 128);
    }
    ptx::fence_barrier_init();
  }
  __syncthreads();

  if (warpgroup == 0) {
    ptx::setmaxnreg_dec<Cfg::kProducerRegs>();
    if (threadIdx.x == 0) Mainloop::produce(p, pipe, nb0, active, int(m0), k_begin, k_end);
  } else {
    ptx::setmaxnreg_inc<Cfg::kConsumerRegs>();
    // Wait for the previous kernel here, before the mainloop: the consumers have nothing to do
    // until it completes anyway (the producer loads X only after its own wait, and every stage
    // carries X), and this one wait orders everything they touch afterwards (Y, the bias, the
    // split-K workspace). Sleeping here instead of polling the first stage's mbarrier measured
    // neutral (within 1 %, docs/perf-notes.md v7): mbarrier.try_wait already suspends.
    ptx::grid_dependency_wait();
    const int consumer = warpgroup - 1;
    float acc[Cfg::kBlkM / 2];
#pragma unroll
    for (int v = 0; v < Cfg::kBlkM / 2; ++v) acc[v] = 0.0f;
    Mainloop::consume(p, pipe, consumer, consumer < active, k_begin, k_end, acc);

    const int64_t n_block = int64_t(nb0 + consumer) * layout::kTileN;
    if (gridDim.z == 1) {
      if (consumer < active) store_accumulators<Cfg>(p, acc, n_block, m0);
    } else {
      splitk_store_and_reduce<Cfg>(p, acc, consumer < active, n_block, m0);
    }
  }
}

// Sets the kernel's shared-memory limit once per device (a host-side attribute, no stream work).
template <class Cfg>
cudaError_t prepare_gemm_kernel() {
  static std::atomic<int> done_mask[2] = {};  // devices 0..63
  int dev = 0;
  cudaError_t e = cudaGetDevice(&dev);
  if (e != cudaSuccess) return e;
  const int word = (dev / 32) & 1, bit = dev % 32;
  if (dev < 64 && (done_mask[word].load() >> bit) & 1) return cudaSuccess;
  e = cudaFuncSetAttribute(gemm_sm90_ws_kernel<Cfg>, cudaFuncAttributeMaxDynamicSharedMemorySize, Cfg::kSmemBytes);
  if (e == cudaSuccess && dev < 64) done_mask[word].fetch_or(1 << bit);
  return e;
}

template <class Cfg>
cudaError_t launch_gemm_sm90_ws(const GemmParams& p, int splits, cudaStream_t stream, bool pdl) {
  cudaError_t e = prepare_gemm_kernel<Cfg>();
  if (e != cudaSuccess) return e;
  cudaLaunchConfig_t cfg = {};
  cfg.gridDim = dim3(unsigned((p.n + Cfg::kBlkN - 1) / Cfg::kBlkN), unsigned((p.m + Cfg::kBlkM - 1) / Cfg::kBlkM),
                     unsigned(splits));
  cfg.blockDim = dim3(Cfg::kThreads);
  cfg.dynamicSmemBytes = Cfg::kSmemBytes;
  cfg.stream = stream;
  cudaLaunchAttribute attr[1];
  attr[0].id = cudaLaunchAttributeProgrammaticStreamSerialization;
  attr[0].val.programmaticStreamSerializationAllowed = 1;
  cfg.attrs = attr;
  cfg.numAttrs = pdl ? 1 : 0;
  return cudaLaunchKernelEx(&cfg, gemm_sm90_ws_kernel<Cfg>, p);
}

}  // namespace mixgemm::kernels
