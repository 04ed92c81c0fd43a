// Split-K inside a thread-block cluster: the S splits of an output tile run as one cluster of S
// CTAs (ranks 0 .. S-1 = splits 0 .. S-1) and are summed over distributed shared memory instead
// of through L2. At two CTAs per SM the L2 path's three round trips (partials stored, the
// arrival counter, the other partials loaded) queue behind the next launch's weight requests:
// the last reducing CTA left 3.9-5.0 us after its mainloop (docs/perf-notes.md v17c). Here no
// request of the reduction leaves the GPC.
//
// Protocol (two mbarriers per CTA, after the pipeline's):
//   - at the kernel's start each CTA initializes `ready` (one arrival) and `partials` (one
//     arrival); rank 0 arrives on its `partials` expecting (S - 1) partials' bytes; every thread
//     arrives on the cluster barrier, which the consumers wait on before their first remote access;
//   - rank 0, its mainloop done (its stage buffers idle), arrives on every other rank's `ready`;
//   - rank r > 0, its mainloop done, waits on its `ready`, then stores its partial with st.async
//     into rank 0's stage buffers (slot r - 1), counted on rank 0's `partials`, and exits;
//   - rank 0 waits on `partials`, sums the S partials in split order 0 .. S-1 (its own from its
//     registers) and writes Y: the same additions in the same order as splitk_reduce.cuh, so
//     both paths give the same bits.
#pragma once

#include <cstdint>

#include "kernels/epilogue.cuh"
#include "kernels/gemm_params.h"
#include "kernels/sm90_ptx.cuh"
#include "kernels/splitk_reduce.cuh"
#include "kernels/tile_scheduler.cuh"

namespace mixgemm::kernels {

template <class Cfg>
struct ClusterSplitK {
  using Slab = SplitKSlab<Cfg>;
  static constexpr int kPartialBytes = Slab::kFloat4s * 16;  // one split's partial of the tile
  static_assert(!Cfg::kClusterSplitK || (kSplitKMaxSplits - 1) * kPartialBytes <= Cfg::kBarrierOffset,
                "the other splits' partials fit the first split's stage buffers");

  // The two mbarriers, after the pipeline's full[kStages] and empty[kStages].
  __device__ static uint64_t* ready_bar(uint8_t* smem) {
    return reinterpret_cast<uint64_t*>(smem + Cfg::kBarrierOffset) + 2 * Cfg::kStages;
  }
  __device__ static uint64_t* partials_bar(uint8_t* smem) { return ready_bar(smem) + 1; }

  // Thread 0, with the pipeline's barriers (before their fence).
  __device__ static void init(uint8_t* smem, int splits) {
    ptx::mbarrier_init(ready_bar(smem), 1);
    ptx::mbarrier_init(partials_bar(smem), 1);
    if (ptx::cluster_cta_rank() == 0) ptx::mbarrier_arrive_expect_tx(partials_bar(smem), (splits - 1) * kPartialBytes);
  }

  // All 256 consumer threads after the mainloop. `split` is the CTA's cluster rank.
  __device__ static void store_and_reduce(const GemmParams& p, uint8_t* smem, const float (&acc)[Cfg::kBlkM / 2],
                                          bool owns_rows, int64_t n_block, int64_t m0, int split, int splits) {
    const int tid = threadIdx.x - 128;
    ptx::cluster_wait();  // every CTA of the cluster has initialized its barriers
    if (split != 0) {
      ptx::mbarrier_wait_cluster(ready_bar(smem), 0);  // rank 0's stage buffers are idle
      const uint32_t slot = ptx::cluster_map(ptx::smem_u32(smem) + (split - 1) * kPartialBytes, 0);
      const uint32_t bar = ptx::cluster_map(ptx::smem_u32(partials_bar(smem)), 0);
#pragma unroll
      for (int i = 0; i < Slab::kChunks; ++i)  // chunk-major, as the L2 slabs: conflict-free
        ptx::st_async_16(slot + (i * Slab::kThreads + tid) * 16, acc[4 * i], acc[4 * i + 1], acc[4 * i + 2],
                         acc[4 * i + 3], bar);
      return;
    }
    // Rank 0: its consumers are done with the stage buffers; their reads come before the other
    // ranks' async-proxy writes into them.
    ptx::fence_proxy_async_shared();
    ptx::named_barrier_sync(kSplitKBarrier, Slab::kThreads);
    if (tid < splits - 1) ptx::mbarrier_arrive_cluster(ptx::cluster_map(ptx::smem_u32(ready_bar(smem)), tid + 1));
    ptx::mbarrier_wait(partials_bar(smem), 0);
    if (!owns_rows) return;
    const OutputWriter<Cfg> out(p, n_block, m0);
    const float4* parts = reinterpret_cast<const float4*>(smem);
#pragma unroll
    for (int i = 0; i < Slab::kChunks; ++i) {
      float v[4] = {acc[4 * i], acc[4 * i + 1], acc[4 * i + 2], acc[4 * i + 3]};
      for (int s = 1; s < splits; ++s) add_chunk(v, parts[((s - 1) * Slab::kChunks + i) * Slab::kThreads + tid]);
      out.store_chunk(p, i, v);
    }
  }
};

}  // namespace mixgemm::kernels
