// Producer of the sm_90 mainloop: per stage it bulk-copies each consumer's prepacked weight
// tiles (contiguous along K: 2 or 4 KB per tile), the scales / zero points of the groups the
// stage touches, and the TMA boxes of X (BlkM rows x 64, 128-byte swizzle), completing on the
// stage's "full" mbarrier. One thread issues them all at one CTA per SM; at two, kCopyRoles
// threads share them, lane 0 of the producer warpgroup's first warps: one for X, one per
// consumer for its weights and group parameters. Each of those warps sits on its own warp
// scheduler of the SM, beside one warp of each consumer warpgroup, and a warpgroup's wgmma waits
// for its slowest warp: one thread put all of the producer's ~150 instructions per stage on one
// scheduler (split: 1.02-1.10x on most two-CTA decode points; 0.90-1.0x at one CTA per SM,
// hence not there; docs/perf-notes.md v13c).
#pragma once

#include <cstdint>

#include "kernels/mainloop_common.cuh"
#include "kernels/tile_scheduler.cuh"
#include "kernels/timeline.h"

namespace mixgemm::kernels {

template <class Cfg>
struct ProducerSm90 {
  using Common = MainloopCommon<Cfg>;
  static constexpr int kStages = Cfg::kStages, kStageTiles = Cfg::kStageTiles;
  // Copy roles (two CTAs per SM): 0 issues X, 1 + c consumer c's weights and group parameters.
  // Each arrives once per stage on "full" with the bytes of its own copies (arrive.expect_tx
  // before it issues them, so a copy never completes ahead of its expectation); "full" counts
  // kCopyRoles arrivals. One role: the one thread issues everything, with one arrival.
  static constexpr int kCopyRoles = Cfg::kCtasPerSm == 2 ? 1 + Cfg::kConsumers : 1;

  // What every copy of one work item shares: its first 64-row weight block, how many consumers
  // have weight rows in it (the last N tile may be partial), its first token row, and its
  // pipeline iterations.
  struct TileCopyPlan {
    int nb0, active, m0, iters;
    __device__ static TileCopyPlan of(const GemmParams& p, const CtaWork& w) {
      const int nb0 = w.n_tile * Cfg::kConsumers;
      return {nb0, min(Cfg::kConsumers, int(p.n / layout::kTileN) - nb0), w.m_tile * Cfg::kBlkM,
              (w.k_end - w.k_begin + kStageTiles - 1) / kStageTiles};
    }
  };

  // Waits until the consumers released the previous use of pipeline iteration `slot`'s stage;
  // returns the stage. A stage's first use (slot < kStages) waits on parity 1, which a fresh
  // mbarrier reports complete at once.
  __device__ static int wait_stage_empty(const StagePipeline& pipe, int slot) {
    const int stage = slot % kStages;
    ptx::mbarrier_wait(&pipe.empty[stage], ((slot / kStages) - 1) & 1);
    return stage;
  }

  __device__ static uint32_t stage_tx_bytes(const StageRange& r, int active) {
    return kStageTiles * Cfg::kXSlabBytes + active * weight_tx_bytes(r);
  }

  __device__ static uint32_t weight_tx_bytes(const StageRange& r) {
    return r.tiles * Cfg::kWTileBytes + r.group_rows * Cfg::kGroupRowBytes * (Cfg::kHasZero ? 2 : 1);
  }

  // Consumer c's weights and group parameters of one stage: one bulk copy each (the prepacked
  // tiles of a 64-row block are contiguous along K, and so are its groups).
  __device__ static void issue_weight_copies(const GemmParams& p, const StagePipeline& pipe, int stage, int nb0, int c,
                                             const StageRange& r, uint64_t policy) {
    uint8_t* s = pipe.smem + stage * Cfg::kStageBytes;
    const int64_t k_tiles = p.k / Cfg::kBlkK;
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

  // One role's part of pipeline iteration `it` of a tile's K range: its expectation and arrival
  // on "full", then its copies (none for a consumer without weight rows in this tile: it only
  // arrives). The X role needs only the stage's tiles, not its groups.
  __device__ static void issue_role(const GemmParams& p, const StagePipeline& pipe, int role, int stage,
                                    const TileCopyPlan& plan, const CtaWork& w, int it, uint64_t policy) {
    if (role == 0) {
      ptx::mbarrier_arrive_expect_tx(&pipe.full[stage], kStageTiles * Cfg::kXSlabBytes);
      const int kt0 = w.k_begin + it * kStageTiles;  // the X slabs do not depend on the groups
      issue_x_copies(p, pipe, stage, plan.m0, kt0, min(kStageTiles, w.k_end - kt0), policy);
    } else if (role - 1 < plan.active) {
      const StageRange r = Common::stage_range(p, w.k_begin, w.k_end, it);
      ptx::mbarrier_arrive_expect_tx(&pipe.full[stage], weight_tx_bytes(r));
      issue_weight_copies(p, pipe, stage, plan.nb0, role - 1, r, policy);
    } else {
      ptx::mbarrier_arrive(&pipe.full[stage]);
    }
  }

  // X slabs of the stage's tiles kt0 .. kt0 + tiles - 1.
  __device__ static void issue_x_copies(const GemmParams& p, const StagePipeline& pipe, int stage, int m0, int kt0,
                                        int tiles, uint64_t policy) {
    uint8_t* s = pipe.smem + stage * Cfg::kStageBytes + Cfg::kXOffset;
    // Every slab is loaded; past the end of the split's K range the box starts at column K, so
    // TMA fills it with zeros (it meets zeroed weights in the consumers).
    for (int t = 0; t < kStageTiles; ++t) {
      const int k_col = t < tiles ? (kt0 + t) * Cfg::kBlkK : int(p.k);
      ptx::tma_load_2d(s + t * Cfg::kXSlabBytes, &p.x_map, &pipe.full[stage], k_col, m0, policy);
    }
  }

  // One tile's stages issued by one thread, pipeline iterations slot0 .. slot0 + iters - 1
  // (numbered across the CTA's tiles: the stage ring and its mbarrier phases carry on from one
  // tile to the next). The first tile of a CTA (slot0 == 0) requests its first stages' weights
  // before waiting on the previous kernel in the stream (programmatic dependent launch): they do
  // not depend on it, so the weight stream starts while that kernel drains; X is written by it
  // and waits. Returns the tile's iterations (the next tile's slot0 follows them).
  __device__ static int produce_tile_one_thread(const GemmParams& p, const StagePipeline& pipe, const CtaWork& w,
                                                int slot0, uint64_t policy_w, uint64_t policy_x) {
    const TileCopyPlan plan = TileCopyPlan::of(p, w);
    int it = 0;
    if (slot0 == 0) {
      const int prologue = plan.iters < kStages ? plan.iters : kStages;
      for (; it < prologue; ++it) {
        const StageRange r = Common::stage_range(p, w.k_begin, w.k_end, it);
        ptx::mbarrier_arrive_expect_tx(&pipe.full[it], stage_tx_bytes(r, plan.active));
        for (int c = 0; c < plan.active; ++c) issue_weight_copies(p, pipe, it, plan.nb0, c, r, policy_w);
      }
      MIXGEMM_TIMELINE_MARK(p, timeline::kWeightsIssued);
      ptx::grid_dependency_wait();
      MIXGEMM_TIMELINE_MARK(p, timeline::kProducerWaited);
      for (int i = 0; i < prologue; ++i) {
        const StageRange r = Common::stage_range(p, w.k_begin, w.k_end, i);
        issue_x_copies(p, pipe, i, plan.m0, r.kt0, r.tiles, policy_x);
      }
    }
    for (; it < plan.iters; ++it) {
      // The consumers freed this stage's previous use (a CTA's first stages had none: above).
      const int stage = wait_stage_empty(pipe, slot0 + it);
      const StageRange r = Common::stage_range(p, w.k_begin, w.k_end, it);
      ptx::mbarrier_arrive_expect_tx(&pipe.full[stage], stage_tx_bytes(r, plan.active));
      for (int c = 0; c < plan.active; ++c) issue_weight_copies(p, pipe, stage, plan.nb0, c, r, policy_w);
      issue_x_copies(p, pipe, stage, plan.m0, r.kt0, r.tiles, policy_x);
    }
    return plan.iters;
  }

  // One role's part of one tile's stages, pipeline iterations slot0 .. slot0 + iters - 1
  // (numbered across the CTA's tiles: the stage ring and its mbarrier phases carry on from one
  // tile to the next). The first tile of a CTA (slot0 == 0) requests its first stages' weights
  // before waiting on the previous kernel in the stream (programmatic dependent launch): they do
  // not depend on it, so the weight stream starts while that kernel drains; X is written by it,
  // so the X role waits first. (Holding back some splits' requests until the wait gained in
  // chains of one layer but lost in decode stacks: docs/perf-notes.md v17f, v18c.)
  __device__ static void produce_tile(const GemmParams& p, const StagePipeline& pipe, const CtaWork& w, int slot0,
                                      int role, uint64_t policy) {
    const TileCopyPlan plan = TileCopyPlan::of(p, w);
    int it = 0;
    if (slot0 == 0) {
      // A CTA's first stages had no previous use: no wait for the consumers.
      if (role == 0) {
        ptx::grid_dependency_wait();
        MIXGEMM_TIMELINE_MARK(p, timeline::kProducerWaited);
      }
      const int prologue = plan.iters < kStages ? plan.iters : kStages;
      for (; it < prologue; ++it) issue_role(p, pipe, role, it, plan, w, it, policy);
      if (role == 1) MIXGEMM_TIMELINE_MARK(p, timeline::kWeightsIssued);
    }
    for (; it < plan.iters; ++it) {
      const int stage = wait_stage_empty(pipe, slot0 + it);  // the consumers freed its previous use
      issue_role(p, pipe, role, stage, plan, w, it, policy);
    }
  }

  // Runs on lane 0 of warp `role` (< kCopyRoles): every item of the CTA (tile_scheduler.cuh), in
  // the consumers' order; `first` = item blockIdx.x, computed before the register split, the
  // only one where CTAs do not loop. In a persistent grid it runs ahead into the next tile while
  // the consumers store the last one.
  __device__ static void produce(const GemmParams& p, const StagePipeline& pipe, const CtaWork& first, int role) {
    // Weights are read once: evict first; X is re-read by every CTA of its token rows: keep it.
    if constexpr (kCopyRoles == 1) {
      const uint64_t policy_w = ptx::policy_evict_first();
      const uint64_t policy_x = ptx::policy_evict_last();
      ptx::prefetch_tensor_map(&p.x_map);
      if constexpr (Cfg::kLoopsOverItems) {
        int slot0 = 0;
        for (int item = first_item(p); item >= 0; item = next_item(p, item))
          slot0 += produce_tile_one_thread(p, pipe, work_item<true>(p, item), slot0, policy_w, policy_x);
      } else {
        produce_tile_one_thread(p, pipe, first, 0, policy_w, policy_x);
      }
    } else {
      // Two CTAs per SM: small token tiles, one work item per CTA.
      static_assert(!Cfg::kLoopsOverItems, "copy roles are built for one item per CTA");
      const uint64_t policy = role == 0 ? ptx::policy_evict_last() : ptx::policy_evict_first();
      if (role == 0) ptx::prefetch_tensor_map(&p.x_map);
      produce_tile(p, pipe, first, 0, role, policy);
    }
  }

};

}  // namespace mixgemm::kernels
