// sm_90 warp-specialized mixed-input GEMM kernel: composition of the mainloop (producer /
// consumers, mainloop_sm90_ws.cuh) and the epilogue (epilogue.cuh), plus its host launcher.
//
// Computes, for each work item (one CTA tile of 128 weight rows (n) x BlkM tokens (m) and one
// K split), Y^T[n, m] = sum_k dequant(W)[k, n] . X[m, k]. One-dimensional grid: tile_scheduler.cuh
// says which items each CTA computes (one, or several in a persistent grid); the last split of
// a split tile to finish sums the others' partials (splitk_reduce.cuh).
// Limits: n, k multiples of 64; group size 32 or a multiple of 64 dividing k; X rows 16-byte
// aligned (TMA). Built for every M: BlkM picks the wgmma N extent (8 for decode .. 256).
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <atomic>

#include "kernels/epilogue.cuh"
#include "kernels/gemm_config.cuh"
#include "kernels/gemm_params.h"
#include "kernels/mainloop_sm90_ws.cuh"
#include "kernels/one_cta_per_sm.h"
#include "kernels/sm90_ptx.cuh"
#include "kernels/splitk_cluster.cuh"
#include "kernels/splitk_reduce.cuh"
#include "kernels/tile_scheduler.cuh"
#include "kernels/timeline.h"

namespace mixgemm::kernels {

// Whether a consumer's 64 weight rows of the item's tile exist (not past N in a tail tile).
template <class Cfg>
__device__ __forceinline__ bool owns_weight_rows(const GemmParams& p, const CtaWork& w, int consumer) {
  return int64_t(w.n_tile * Cfg::kConsumers + consumer) * layout::kTileN < p.n;
}

// One work item of a consumer warpgroup (`work` = work_item(p, item)): the mainloop over its K
// range, whose first stage is pipeline iteration slot0, then the epilogue. Returns the item's
// pipeline iterations.
template <class Cfg>
__device__ __forceinline__ int consume_item(const GemmParams& p, const StagePipeline& pipe, int consumer, int item,
                                            const CtaWork& work, int slot0) {
  using Mainloop = MainloopSm90<Cfg>;
  float acc[Cfg::kBlkM / 2];
#pragma unroll
  for (int v = 0; v < Cfg::kBlkM / 2; ++v) acc[v] = 0.0f;
#ifdef MIXGEMM_TIMELINE
  // Stamps the first stage's arrival: one thread waits on it here, and its own wait in the
  // mainloop then returns at once (the stage stays full until the consumers release it).
  if (slot0 == 0 && threadIdx.x == 128) {
    ptx::mbarrier_wait(&pipe.full[0], 0);
    MIXGEMM_TIMELINE_MARK(p, timeline::kFirstStageFull);
  }
#endif
  Mainloop::consume(p, pipe, consumer, owns_weight_rows<Cfg>(p, work, consumer), slot0, work.k_begin, work.k_end, acc);
  if (threadIdx.x == 128) MIXGEMM_TIMELINE_MARK(p, timeline::kMainloopDone);
  const int iters = (work.k_end - work.k_begin + Cfg::kStageTiles - 1) / Cfg::kStageTiles;

  // The tile again, recomputed rather than kept live through the mainloop (the consumers need
  // every register there): from the index through an opaque move, or, with one item per CTA,
  // from the CTA index read again, so not even the index stays live (one more live register
  // spilled inside the decode consumers' mainloop at 16 tokens, two CTAs per SM).
  const CtaWork done =
      item_tile<Cfg::kLoopsOverItems>(p, Cfg::kLoopsOverItems ? ptx::opaque(item) : ptx::cta_index());
  const bool owns_rows = owns_weight_rows<Cfg>(p, done, consumer);
  const int64_t n_block = int64_t(done.n_tile * Cfg::kConsumers + consumer) * layout::kTileN;
  const int64_t m_block = int64_t(done.m_tile) * Cfg::kBlkM;
  if (done.splits == 1) {
    if (owns_rows) store_accumulators<Cfg>(p, acc, n_block, m_block, pipe.smem);
  } else {
    bool in_cluster = false;
    if constexpr (Cfg::kClusterSplitK) in_cluster = p.cluster_splits > 1;
    if (in_cluster)
      ClusterSplitK<Cfg>::store_and_reduce(p, pipe.smem, acc, owns_rows, n_block, m_block, done.split, done.splits);
    else
      splitk_store_and_reduce<Cfg>(p, acc, owns_rows, n_block, m_block, done, pipe.smem);
  }
  if (threadIdx.x == 128) MIXGEMM_TIMELINE_MARK(p, timeline::kExit);
  return iters;
}

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
  // The CTA's first item, the only one where CTAs do not loop: computed once for both roles
  // before the producer gives up its registers (inside its 24 registers at two CTAs per SM, the
  // index arithmetic cost the consumers a spill).
  const int item0 = Cfg::kLoopsOverItems ? first_item(p) : ptx::cta_index();
  const CtaWork first = work_item<Cfg::kLoopsOverItems>(p, item0);

  if (threadIdx.x == 0) {
    MIXGEMM_TIMELINE_MARK(p, timeline::kSm);
    MIXGEMM_TIMELINE_MARK(p, timeline::kEntry);
  }

  // Programmatic dependent launch: the next kernel in the stream (typically the next GEMM) may
  // launch now, so its CTAs take the SM slots ours free as they finish and start streaming their
  // weights while this grid drains; they wait for this grid's completion before touching its
  // results. Split-K is summed inside this grid (splitk_reduce.cuh), so this holds there too;
  // releasing split-K dependents after the mainloop instead measured 0.95x (docs/perf-notes.md).
  ptx::launch_dependents();

  if (threadIdx.x == 0) {
    for (int s = 0; s < Cfg::kStages; ++s) {
      ptx::mbarrier_init(&full_bar[s], Mainloop::kCopyRoles);
      ptx::mbarrier_init(&empty_bar[s], Cfg::kConsumers * 128);
    }
    if constexpr (Cfg::kClusterSplitK)
      if (p.cluster_splits > 1) ClusterSplitK<Cfg>::init(smem, p.cluster_splits);
    if constexpr (Cfg::kEpilogueStaging) {
      uint64_t* ring_bars = reinterpret_cast<uint64_t*>(smem + Cfg::kRingBarOffset);
      ptx::mbarrier_init(&ring_bars[0], 1);
      ptx::mbarrier_init(&ring_bars[1], 1);
    }
    ptx::fence_barrier_init();
  }
  __syncthreads();
  if (threadIdx.x == 0) MIXGEMM_TIMELINE_MARK(p, timeline::kCtaSynced);
  // Clusters: every thread arrives (some exit early); the consumers wait before the reduction.
  if constexpr (Cfg::kClusterSplitK)
    if (p.cluster_splits > 1) ptx::cluster_arrive_relaxed();

  if (warpgroup == 0) {
    ptx::setmaxnreg_dec<Cfg::kProducerRegs>();
    if (Mainloop::kCopyRoles == 1 ? threadIdx.x == 0 : threadIdx.x % 32 == 0 && threadIdx.x / 32 < Mainloop::kCopyRoles)
      Mainloop::produce(p, pipe, first, threadIdx.x / 32);  // lane 0 of each copy role's warp
  } else {
    ptx::setmaxnreg_inc<Cfg::kConsumerRegs>();
    if (threadIdx.x == 128) MIXGEMM_TIMELINE_MARK(p, timeline::kConsumerStart);
    // Wait for the previous kernel here, before the mainloop: the consumers have nothing to do
    // until it completes anyway (the producer loads X only after its own wait, and every stage
    // carries X), and this one wait orders everything they touch afterwards (Y, the bias, the
    // split-K workspace). Sleeping here instead of polling the first stage's mbarrier measured
    // neutral (within 1 %, docs/perf-notes.md v7): mbarrier.try_wait already suspends.
    ptx::grid_dependency_wait();
    if (threadIdx.x == 128) MIXGEMM_TIMELINE_MARK(p, timeline::kConsumerWaited);
    const int consumer = warpgroup - 1;
    if constexpr (Cfg::kLoopsOverItems) {
      // The CTA's items in the producer's order (tile_scheduler.cuh); slot0 numbers the
      // pipeline iterations across them, as the producer does.
      int slot0 = 0;
      for (int item = item0; item >= 0; item = next_item(p, item))
        slot0 += consume_item<Cfg>(p, pipe, consumer, item, work_item<true>(p, item), slot0);
    } else {
      consume_item<Cfg>(p, pipe, consumer, item0, first, 0);  // one item per CTA: no loop state
    }
  }
}

// one_cta_per_sm_smem_bytes (one_cta_per_sm.h) for device `dev`, from its attributes: host
// queries, once per device. 0 where they fail.
inline int device_one_cta_per_sm_smem_bytes(int dev) {
  static std::atomic<int> cached[64] = {};  // bytes + 1; 0: not asked
  if (dev < 0 || dev >= 64) return 0;
  int bytes = cached[dev].load() - 1;
  if (bytes < 0) {
    int per_sm = 0, reserved = 0;
    if (cudaDeviceGetAttribute(&per_sm, cudaDevAttrMaxSharedMemoryPerMultiprocessor, dev) != cudaSuccess ||
        cudaDeviceGetAttribute(&reserved, cudaDevAttrReservedSharedMemoryPerBlock, dev) != cudaSuccess) {
      (void)cudaGetLastError();
      per_sm = 0;
    }
    bytes = per_sm > 0 ? one_cta_per_sm_smem_bytes(per_sm, reserved) : 0;
    cached[dev].store(bytes + 1);
  }
  return bytes;
}

// Sets the kernel's shared-memory limit once per device (a host-side attribute, no stream work):
// two-CTA kernels up to device_one_cta_per_sm_smem_bytes, with the carveout at its most shared memory
// so a pinned CTA and a neighbour's fit one SM.
template <class Cfg>
cudaError_t prepare_gemm_kernel(int dev) {
  static std::atomic<int> done_mask[2] = {};  // devices 0..63
  const int word = (dev / 32) & 1, bit = dev % 32;
  if (dev < 64 && (done_mask[word].load() >> bit) & 1) return cudaSuccess;
  int limit = Cfg::kSmemBytes;
  if constexpr (Cfg::kCtasPerSm == 2) limit = std::max(limit, device_one_cta_per_sm_smem_bytes(dev));
  cudaError_t e = cudaFuncSetAttribute(gemm_sm90_ws_kernel<Cfg>, cudaFuncAttributeMaxDynamicSharedMemorySize, limit);
  if (e == cudaSuccess && Cfg::kCtasPerSm == 2)
    e = cudaFuncSetAttribute(gemm_sm90_ws_kernel<Cfg>, cudaFuncAttributePreferredSharedMemoryCarveout,
                             int(cudaSharedmemCarveoutMaxShared));
  if (e == cudaSuccess && dev < 64) done_mask[word].fetch_or(1 << bit);
  return e;
}

// The dynamic shared memory of a launch: the configuration's, or for a two-CTA kernel's grid of
// at most one CTA per SM the pinned request (one_cta_per_sm.h).
template <class Cfg>
size_t launch_smem_bytes(int dev, bool one_cta_per_sm) {
  if (Cfg::kCtasPerSm == 2 && one_cta_per_sm)
    return std::max<size_t>(Cfg::kSmemBytes, size_t(device_one_cta_per_sm_smem_bytes(dev)));
  return Cfg::kSmemBytes;
}

// How many clusters of `size` CTAs the GPU holds at once, as launched (a host occupancy query).
template <class Cfg>
cudaError_t max_active_clusters(int dev, bool one_cta_per_sm, int size, int* clusters) {
  cudaLaunchConfig_t cfg = {};
  cfg.gridDim = dim3(unsigned(size));
  cfg.blockDim = dim3(Cfg::kThreads);
  cfg.dynamicSmemBytes = launch_smem_bytes<Cfg>(dev, one_cta_per_sm);
  cudaLaunchAttribute attr;
  attr.id = cudaLaunchAttributeClusterDimension;
  attr.val.clusterDim.x = unsigned(size);
  attr.val.clusterDim.y = 1;
  attr.val.clusterDim.z = 1;
  cfg.attrs = &attr;
  cfg.numAttrs = 1;
  return cudaOccupancyMaxActiveClusters(clusters, gemm_sm90_ws_kernel<Cfg>, &cfg);
}

// Whether `ctas` CTAs launched as clusters of `size` all start at once (one wave). A cluster's
// CTAs must be co-resident in one GPC, and the GPCs' SM counts are not multiples of every
// cluster size: a grid that fits one wave as plain CTAs may not as clusters (8192x8192 at M = 1:
// 64 clusters of 4 at two CTAs per SM left two to a second wave, 0.76x), and in a grid of
// several waves a cluster waits until `size` slots of one GPC are free at once (13824x5120 at
// M = 1, 8 splits: 0.87x; docs/perf-notes.md v18a-b). A pinned grid (one_cta_per_sm) needs a
// cluster's CTAs on as many SMs of one GPC, so fewer clusters fit. The capacity is a host-side
// occupancy query with the launch's shared memory, asked once per kernel, device, size and pin.
template <class Cfg>
bool clusters_fit_one_wave(int dev, int64_t ctas, int size, bool one_cta_per_sm) {
  static std::atomic<int> cached[64][kSplitKMaxSplits + 1][2] = {};  // clusters per wave + 1; 0: not asked
  if (dev < 0 || dev >= 64 || size < 2 || size > kSplitKMaxSplits) return false;
  std::atomic<int>& slot = cached[dev][size][one_cta_per_sm ? 1 : 0];
  int clusters = slot.load() - 1;
  if (clusters < 0) {
    if (max_active_clusters<Cfg>(dev, one_cta_per_sm, size, &clusters) != cudaSuccess) {
      (void)cudaGetLastError();  // a refused query is no launch error: fall back to the L2 path
      clusters = 0;
    }
    slot.store(clusters + 1);
  }
  return cluster_grid_fits_one_wave(ctas, size, clusters);
}

// GemmResidency (kernel_registry.h): CTAs per SM, or clusters of cluster_size per GPU.
template <class Cfg>
cudaError_t resident_ctas_sm90_ws(int dev, bool one_cta_per_sm, int cluster_size, int* count) {
  const cudaError_t e = prepare_gemm_kernel<Cfg>(dev);
  if (e != cudaSuccess) return e;
  if (cluster_size > 1) return max_active_clusters<Cfg>(dev, one_cta_per_sm, cluster_size, count);
  return cudaOccupancyMaxActiveBlocksPerMultiprocessor(count, gemm_sm90_ws_kernel<Cfg>, Cfg::kThreads,
                                                       launch_smem_bytes<Cfg>(dev, one_cta_per_sm));
}

// dev: the current device's ordinal, which the caller has read already (no runtime query per call).
// one_cta_per_sm: a two-CTA kernel's grid of at most one CTA per SM (schedules.h); pin: launch it
// with device_one_cta_per_sm_smem_bytes of shared memory (pinning on, mixgemm.h).
template <class Cfg>
cudaError_t launch_gemm_sm90_ws(GemmParams& p, int64_t ctas, int dev, cudaStream_t stream, bool pdl, bool one_cta_per_sm,
                                bool pin) {
  const cudaError_t e = prepare_gemm_kernel<Cfg>(dev);
  if (e != cudaSuccess) return e;
  // Clusters only where they all start at once; otherwise the same tiles reduce through L2 (the
  // workspace is planned for both), with the same bits. A grid of at most one CTA per SM keeps
  // them only where they fit pinned, whether or not it is pinned: unpinned (the tuner's one-layer
  // chains, MIXGEMM_PINNING=0) its split tiles then run as they do pinned, not as clusters that
  // put two CTAs on an SM (docs/perf-notes.md v32f).
  if (p.cluster_splits > 1 && !clusters_fit_one_wave<Cfg>(dev, ctas, p.cluster_splits, one_cta_per_sm))
    p.cluster_splits = 0;
  // Pinning only adds the shared-memory request that keeps a second CTA of this grid off the SM.
  const bool pinned = one_cta_per_sm && pin;
  cudaLaunchConfig_t cfg = {};
  cfg.gridDim = dim3(unsigned(ctas));  // one-dimensional: tile_scheduler.cuh maps CTAs to work
  cfg.blockDim = dim3(Cfg::kThreads);
  cfg.dynamicSmemBytes = launch_smem_bytes<Cfg>(dev, pinned);
  cfg.stream = stream;
  cudaLaunchAttribute attr[2];
  unsigned n = 0;
  if (pdl) {
    attr[n].id = cudaLaunchAttributeProgrammaticStreamSerialization;
    attr[n++].val.programmaticStreamSerializationAllowed = 1;
  }
  if (p.cluster_splits > 1) {  // one cluster per split tile (splitk_cluster.cuh)
    attr[n].id = cudaLaunchAttributeClusterDimension;
    attr[n].val.clusterDim.x = unsigned(p.cluster_splits);
    attr[n].val.clusterDim.y = 1;
    attr[n++].val.clusterDim.z = 1;
  }
  cfg.attrs = attr;
  cfg.numAttrs = n;
  return cudaLaunchKernelEx(&cfg, gemm_sm90_ws_kernel<Cfg>, p);
}

}  // namespace mixgemm::kernels
