// Producer of the sm_90 mainloop (one thread of warpgroup 0): per stage it bulk-copies each
// consumer's prepacked weight tiles (contiguous along K: 2 or 4 KB per tile), the scales / zero
// points of the groups the stage touches, and the TMA boxes of X (BlkM rows x 64, 128-byte
// swizzle), completing on the stage's "full" mbarrier.
#pragma once

#include <cstdint>

#include "kernels/mainloop_common.cuh"

namespace mixgemm::kernels {

template <class Cfg>
struct ProducerSm90 {
  using Common = MainloopCommon<Cfg>;
  static constexpr int kStages = Cfg::kStages, kStageTiles = Cfg::kStageTiles;

  __device__ static uint32_t stage_tx_bytes(const StageRange& r, int active) {
    return kStageTiles * Cfg::kXSlabBytes +
           active * (r.tiles * Cfg::kWTileBytes + r.group_rows * Cfg::kGroupRowBytes * (Cfg::kHasZero ? 2 : 1));
  }

  // Weights and group parameters of one stage: one bulk copy each per consumer (the prepacked
  // tiles of a 64-row block are contiguous along K, and so are its groups).
  __device__ static void issue_weight_copies(const GemmParams& p, const StagePipeline& pipe, int stage, int nb0,
                                             int active, const StageRange& r, uint64_t policy) {
    uint8_t* s = pipe.smem + stage * Cfg::kStageBytes;
    const int64_t k_tiles = p.k / Cfg::kBlkK;
    for (int c = 0; c < active; ++c) {
      const uint8_t* src = p.weights + ((nb0 + c) * k_tiles + r.kt0) * int64_t(Cfg::kWTileBytes);
      ptx::bulk_copy_g2s(s + Cfg::kWOffset + c * Cfg::kWBytes, src, r.tiles * Cfg::kWTileBytes, &pipe.full[stage],
                         policy);
      const int64_t idx = layout::group_param_index(p.groups, r.group_first, int64_t(nb0 + c) * layout::kTileN);
      const uint32_t bytes = r.group_rows * Cfg::kGroupRowBytes;
      ptx::bulk_copy_g2s(s + Cfg::kSOffset + c * Cfg::kGroupBytes, p.scales + idx, bytes, &pipe.full[stage], policy);
      if constexpr (Cfg::kHasZero) {
        ptx::bulk_copy_g2s(s + Cfg::kZOffset + c * Cfg::kGroupBytes, p.zeros + idx, bytes, &pipe.full[stage], policy);
      }
    }
  }

  __device__ static void issue_x_copies(const GemmParams& p, const StagePipeline& pipe, int stage, int m0,
                                        const StageRange& r, uint64_t policy) {
    uint8_t* s = pipe.smem + stage * Cfg::kStageBytes + Cfg::kXOffset;
    // Every slab is loaded; past the end of the split's K range the box starts at column K, so
    // TMA fills it with zeros (it meets zeroed weights in the consumers).
    for (int t = 0; t < kStageTiles; ++t) {
      const int k_col = t < r.tiles ? (r.kt0 + t) * Cfg::kBlkK : int(p.k);
      ptx::tma_load_2d(s + t * Cfg::kXSlabBytes, &p.x_map, &pipe.full[stage], k_col, m0, policy);
    }
  }

  // Runs on one thread. nb0: first 64-row weight block of the CTA; active: weight blocks in range.
  __device__ static void produce(const GemmParams& p, const StagePipeline& pipe, int nb0, int active, int m0, int k_begin,
                                 int k_end) {
    const uint64_t policy_w = ptx::policy_evict_first();
    const uint64_t policy_x = ptx::policy_evict_last();
    ptx::prefetch_tensor_map(&p.x_map);
    const int iters = (k_end - k_begin + kStageTiles - 1) / kStageTiles;

    // Prologue: the first stages' weights do not depend on the previous kernel in the stream, so
    // they are requested before waiting on it (programmatic dependent launch): the weight stream
    // starts while that kernel drains.
    const int prologue = iters < kStages ? iters : kStages;
    for (int it = 0; it < prologue; ++it) {
      const StageRange r = Common::stage_range(p, k_begin, k_end, it);
      ptx::mbarrier_arrive_expect_tx(&pipe.full[it], stage_tx_bytes(r, active));
      issue_weight_copies(p, pipe, it, nb0, active, r, policy_w);
    }
    ptx::grid_dependency_wait();  // X is written by the preceding kernel
    for (int it = 0; it < prologue; ++it) issue_x_copies(p, pipe, it, m0, Common::stage_range(p, k_begin, k_end, it), policy_x);

    for (int it = prologue; it < iters; ++it) {
      const int stage = it % kStages;
      ptx::mbarrier_wait(&pipe.empty[stage], ((it / kStages) - 1) & 1);  // consumers freed the last use
      const StageRange r = Common::stage_range(p, k_begin, k_end, it);
      ptx::mbarrier_arrive_expect_tx(&pipe.full[stage], stage_tx_bytes(r, active));
      issue_weight_copies(p, pipe, stage, nb0, active, r, policy_w);
      issue_x_copies(p, pipe, stage, m0, r, policy_x);
    }
  }

};

}  // namespace mixgemm::kernels
