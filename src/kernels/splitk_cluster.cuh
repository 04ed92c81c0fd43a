// Split-K inside a thread-block cluster: the S CTAs that split one output tile's K range are one
// cluster (dims 1 x 1 x S, S <= 8). Each leaves its fp32 partial tile in its own shared memory
// (the pipeline's stage buffers, free once both consumers are done); CTA r then sums the 8-column
// chunks i with i % S == r over all S partials, always in split order 0..S-1, reading its
// partners' shared memory directly (distributed shared memory), and stores them.
// Deterministic (the order never depends on timing), no workspace, no reduction kernel, and the
// partials never travel through L2.
#pragma once

#include <cstdint>

#include "kernels/sm90_ptx.cuh"

namespace mixgemm::kernels {

template <class Cfg>
struct ClusterSplitK {
  static constexpr int kAcc = Cfg::kBlkM / 2;
  static constexpr int kConsumerThreads = 128 * Cfg::kConsumers;
  static constexpr int kPartialBytes = kConsumerThreads * kAcc * 4;
  static_assert(kPartialBytes <= Cfg::kStages * Cfg::kStageBytes, "partials reuse the stage buffers");

  // Word (consumer c, accumulator v, thread t): consecutive threads write and read consecutive
  // words, free of bank conflicts.
  __device__ static int partial_offset(int consumer, int v, int t) { return ((consumer * kAcc + v) * 128 + t) * 4; }

  // Reduction barriers (in this CTA's shared memory): every consumer thread of every CTA in the
  // cluster arrives once on each CTA's barriers.
  __device__ static void init_barriers(uint64_t* ready, uint64_t* done, int splits) {
    ptx::mbarrier_init(ready, splits * kConsumerThreads);
    ptx::mbarrier_init(done, splits * kConsumerThreads);
  }

  // Called by every consumer thread (active or not) after the named barrier that ends both
  // consumers' mainloops. On return acc holds the full sums of this CTA's chunks.
  __device__ static void reduce(uint8_t* smem, uint64_t* ready, uint64_t* done, int consumer, int splits, int rank,
                                float (&acc)[kAcc]) {
    const int t = threadIdx.x % 128;
#pragma unroll
    for (int v = 0; v < kAcc; ++v) *reinterpret_cast<float*>(smem + partial_offset(consumer, v, t)) = acc[v];
    const uint32_t ready_addr = ptx::smem_u32(ready);
    for (int s = 0; s < splits; ++s) ptx::mbarrier_arrive_cluster(ptx::map_to_cluster_rank(ready_addr, s));
    ptx::mbarrier_wait_cluster(ready, 0);  // every partner's partial is in its shared memory

    const uint32_t base = ptx::smem_u32(smem);
#pragma unroll
    for (int i = 0; i < kAcc / 4; ++i) {
      if (i % splits != rank) continue;
      float sum[4] = {0.0f, 0.0f, 0.0f, 0.0f};
      for (int s = 0; s < splits; ++s) {
        const uint32_t remote = ptx::map_to_cluster_rank(base, s);
#pragma unroll
        for (int q = 0; q < 4; ++q) sum[q] += ptx::ld_shared_cluster(remote + partial_offset(consumer, 4 * i + q, t));
      }
#pragma unroll
      for (int q = 0; q < 4; ++q) acc[4 * i + q] = sum[q];
    }
    const uint32_t done_addr = ptx::smem_u32(done);
    for (int s = 0; s < splits; ++s) ptx::mbarrier_arrive_cluster(ptx::map_to_cluster_rank(done_addr, s));
  }

  // A CTA's shared memory must outlive its partners' reads: wait for them before exiting.
  __device__ static void wait_partners(uint64_t* done) { ptx::mbarrier_wait_cluster(done, 0); }
};

}  // namespace mixgemm::kernels
