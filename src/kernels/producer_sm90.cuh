// Producer of the sm_90 mainloop (one thread of warpgroup 0): per stage it bulk-copies each
// consumer's prepacked weight tiles (contiguous along K: 2 or 4 KB per tile), the scales / zero
// points of the groups the stage touches, and the TMA boxes of X (BlkM rows x 64, 128-byte
// swizzle), completing on the stage's "full" mbarrier.
#pragma once

#include <cstdint>

#include "kernels/mainloop_common.cuh"
#include "kernels/tile_scheduler.cuh"

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

  // One tile's stages, pipeline iterations slot0 .. slot0 + iters - 1 (numbered across the CTA's
  // tiles: the stage ring and its mbarrier phases carry on from one tile to the next). The first
  // tile of a CTA (slot0 == 0) requests its first stages' weights before waiting on the previous
  // kernel in the stream (programmatic dependent launch): they do not depend on it, so the
  // weight stream starts while that kernel drains; X is written by it and waits.
  __device__ static void produce_tile(const GemmParams& p, const StagePipeline& pipe, const CtaWork& w, int slot0,
                                      uint64_t policy_w, uint64_t policy_x) {
    const int nb0 = w.n_tile * Cfg::kConsumers;  // first 64-row weight block
    const int active = min(Cfg::kConsumers, int(p.n / layout::kTileN) - nb0);
    const int m0 = w.m_tile * Cfg::kBlkM;
    const int iters = (w.k_end - w.k_begin + kStageTiles - 1) / kStageTiles;
    int it = 0;
    if (slot0 == 0) {
      const int prologue = iters < kStages ? iters : kStages;
      for (; it < prologue; ++it) {
        const StageRange r = Common::stage_range(p, w.k_begin, w.k_end, it);
        ptx::mbarrier_arrive_expect_tx(&pipe.full[it], stage_tx_bytes(r, active));
        issue_weight_copies(p, pipe, it, nb0, active, r, policy_w);
      }
      ptx::grid_dependency_wait();
      for (int i = 0; i < prologue; ++i)
        issue_x_copies(p, pipe, i, m0, Common::stage_range(p, w.k_begin, w.k_end, i), policy_x);
    }
    for (; it < iters; ++it) {
      const int slot = slot0 + it;
      const int stage = slot % kStages;
      // The consumers freed this stage's previous use (a CTA's first stages had none: above).
      ptx::mbarrier_wait(&pipe.empty[stage], ((slot / kStages) - 1) & 1);
      const StageRange r = Common::stage_range(p, w.k_begin, w.k_end, it);
      ptx::mbarrier_arrive_expect_tx(&pipe.full[stage], stage_tx_bytes(r, active));
      issue_weight_copies(p, pipe, stage, nb0, active, r, policy_w);
      issue_x_copies(p, pipe, stage, m0, r, policy_x);
    }
  }

  // Runs on one thread: every item of the CTA (tile_scheduler.cuh), in the consumers' order;
  // `first` = item blockIdx.x, computed before the register split, the only one where CTAs do
  // not loop. In a persistent grid it runs ahead into the next tile while the consumers store
  // the last one.
  __device__ static void produce(const GemmParams& p, const StagePipeline& pipe, const CtaWork& first) {
    const uint64_t policy_w = ptx::policy_evict_first();
    const uint64_t policy_x = ptx::policy_evict_last();
    ptx::prefetch_tensor_map(&p.x_map);
    if constexpr (Cfg::kLoopsOverItems) {
      int slot0 = 0;
      for (int item = ptx::cta_index(); item < p.work_items; item += int(gridDim.x)) {
        const CtaWork w = work_item(p, item);
        produce_tile(p, pipe, w, slot0, policy_w, policy_x);
        slot0 += (w.k_end - w.k_begin + kStageTiles - 1) / kStageTiles;
      }
    } else {
      produce_tile(p, pipe, first, 0, policy_w, policy_x);
    }
  }

};

}  // namespace mixgemm::kernels
