// Warp-specialized mainloop of the sm_90 mixed-input GEMM (transposed problem Y^T = W^T . X^T):
// the producer (producer_sm90.cuh) streams stages of kStageTiles 64-deep K tiles into shared
// memory; each consumer warpgroup runs one of two consumers over its 64 weight rows:
//   - ConsumerScaledSums (consumer_scaled_sums.cuh): q - z into the MMA, scales on the fp32
//     sums; token tiles of 8 and 16 at every group size (warp-level mma.sync), 32 at group sizes
//     that are multiples of 64 (wgmma);
//   - ConsumerScaledWeights (consumer_scaled_weights.cuh) otherwise: scaled weights into the MMA.
#pragma once

#include <cstdint>

#include "kernels/consumer_scaled_sums.cuh"
#include "kernels/consumer_scaled_weights.cuh"
#include "kernels/mainloop_common.cuh"
#include "kernels/producer_sm90.cuh"

namespace mixgemm::kernels {

template <class Cfg>
struct MainloopSm90 {
  using Pipeline = StagePipeline;
  static constexpr int kStages = Cfg::kStages;
  static constexpr int kStageTiles = Cfg::kStageTiles;
  // Scaling fp32 sums costs BlkM/2 FFMA per tile against 16 HMUL2 for scaling the weights: equal
  // at 32 tokens, where the decode form still measured 1.04-1.27x faster (no per-pair scale
  // broadcasts); at 64 it measured 0.93x (its per-stage MMA drain; docs/perf-notes.md v8b, v8c).
  static constexpr bool kScaleSums = Cfg::kBlkM <= kScaleSumsMaxBlockM;

  static constexpr int kCopyRoles = ProducerSm90<Cfg>::kCopyRoles;
  __device__ static void produce(const GemmParams& p, const Pipeline& pipe, const CtaWork& first, int role) {
    ProducerSm90<Cfg>::produce(p, pipe, first, role);
  }

  // One tile's K range [k_begin, k_end) of 64-deep tiles; its first stage is pipeline iteration
  // slot0 (numbered across the CTA's tiles, as the producer numbers them).
  __device__ static void consume(const GemmParams& p, const Pipeline& pipe, int consumer, bool active, int slot0,
                                 int k_begin, int k_end, float (&acc)[Cfg::kBlkM / 2]) {
    const ThreadCoords tc = thread_coords();
    if (!active) {  // no weight rows for this warpgroup: just keep the pipeline turning
      const int iters = (k_end - k_begin + kStageTiles - 1) / kStageTiles;
      for (int slot = slot0; slot < slot0 + iters; ++slot) release_stage(pipe, wait_stage_full<kStages>(pipe, slot));
      return;
    }
    if constexpr (ConsumerScaledSums<Cfg>::kWarpMma) {  // every group size (32 or multiples of 64)
      ConsumerScaledSums<Cfg>::consume(p, pipe, consumer, tc, slot0, k_begin, k_end, acc);
    } else {
      if constexpr (kScaleSums) {
        if (scales_fp32_sums(Cfg::kBlkM, p.group_size)) {  // groups of whole K tiles
          ConsumerScaledSums<Cfg>::consume(p, pipe, consumer, tc, slot0, k_begin, k_end, acc);
          return;
        }
      }
      ConsumerScaledWeights<Cfg>::consume(p, pipe, consumer, tc, slot0, k_begin, k_end, acc);
    }
  }
};

}  // namespace mixgemm::kernels
