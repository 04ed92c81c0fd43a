// Compile-time configuration of the warp-specialized sm_90 GEMM: tile shape, shared-memory stage
// layout and pipeline depth, all derived from (activation type, weight type, token tile BlkM).
#pragma once

#include "common/prepacked_layout.h"
#include "kernels/gemm_params.h"
#include "kernels/one_cta_per_sm.h"
#include "mixgemm/types.h"

namespace mixgemm::kernels {

// CtasPerSm: 1, or 2 for small token tiles: two co-resident CTAs double the consumer warps per
// scheduler, hiding the conversion and wgmma latencies that bound small-M throughput, at the
// price of half the registers and shared memory each.
template <ActType A, WeightType W, int BlkM, int CtasPerSm = 1>
struct GemmConfig {
  static constexpr ActType kAct = A;
  static constexpr WeightType kWType = W;
  static constexpr int kBits = weight_bits(W);
  static constexpr bool kHasZero = has_zero_points(W);
  static constexpr int kZeroBias = weight_bias(W);

  // Token (M) columns per CTA = the wgmma N extent; 8..256 in powers of two.
  static constexpr int kBlkM = BlkM;
  static_assert(BlkM >= 8 && BlkM <= 256 && (BlkM & (BlkM - 1)) == 0, "wgmma N extent");
  // Two consumer warpgroups, each owning one 64-row weight tile: 128 weight rows per CTA. Two
  // consumers let one up-convert weights while the other's MMAs run.
  static constexpr int kConsumers = 2;
  static constexpr int kBlkN = layout::kTileN * kConsumers;
  static constexpr int kBlkK = layout::kTileK;
  static constexpr int kThreads = 128 * (1 + kConsumers);  // producer warpgroup + consumers
  // Whether a CTA loops over several work items (gemm_params.h: kPersistentMinBlockM).
  static constexpr bool kLoopsOverItems = BlkM >= kPersistentMinBlockM;

  // K depth of one pipeline stage, in 64-deep prepacked tiles. Each stage costs the consumers a
  // fixed latency (barrier wake-up, shared-memory load, conversion, the wgmma round trip); at
  // small M the MMAs are tiny, so deeper stages amortize that latency over more weight bytes.
  // Large M has enough MMA work per tile, and its accumulators need the registers.
  static constexpr int kCtasPerSm = CtasPerSm;
  static_assert(CtasPerSm == 1 || (CtasPerSm == 2 && BlkM <= 64), "two CTAs per SM only fit small token tiles");
  // (8-bit weights at BlkM 16 with two CTAs per SM: one tile, as two tiles' A fragments, their
  // two 8-bit planes and the partial sums exceed the 80 registers a thread has there. 4-bit
  // weights at BlkM 8 and 16 with two CTAs: four tiles, which the warp-level decode consumer holds
  // in 80 registers (at BlkM 16 by reading X one tile at a time); half the per-stage costs
  // measured 1.03-1.16x at M <= 8 and 1.04-1.13x at M = 9-16, docs/perf-notes.md v16e, v17a.
  // One CTA at BlkM 64: four tiles, not two, measured 1.00-1.05x (v21a).)
  static constexpr int kStageTiles =
      CtasPerSm == 2 ? (BlkM <= 16 ? (kBits == 8 && BlkM == 16 ? 1 : (kBits == 4 ? 4 : 2)) : 1)
                     : (BlkM <= 64 ? 4 : (BlkM <= 128 ? 2 : 1));

  // ---- one pipeline stage in shared memory ----------------------------------------------------
  // X: kStageTiles slabs of BlkM rows x 64 elements (128 bytes) with the 128-byte swizzle; first,
  // so each slab sits on the 1024-byte boundary the swizzle pattern is anchored to.
  static constexpr int kXSlabBytes = BlkM * kBlkK * 2;
  static constexpr int kXBytes = kStageTiles * kXSlabBytes;
  static constexpr int kWTileBytes = layout::tile_bytes(kBits);
  static constexpr int kWBytes = kStageTiles * kWTileBytes;  // per consumer: contiguous tiles
  // Group parameters: the groups a stage's K range touches (two per tile at group size 32).
  static constexpr int kGroupRowsMax = 2 * kStageTiles;
  static constexpr int kGroupRowBytes = layout::kTileN * 2;
  static constexpr int kGroupBytes = kGroupRowsMax * kGroupRowBytes;  // per consumer

  static constexpr int kXOffset = 0;
  static constexpr int kWOffset = kXOffset + kXBytes;
  static constexpr int kSOffset = kWOffset + kConsumers * kWBytes;
  static constexpr int kZOffset = kSOffset + kConsumers * kGroupBytes;
  static constexpr int kStageBytes =
      int(layout::align_up(kZOffset + (kHasZero ? kConsumers * kGroupBytes : 0), 1024));

  // Deep pipelines keep enough weight bytes in flight per SM to cover DRAM latency at small M
  // (Little's law: ~20-30 KB per SM); capped by shared memory (227 KB per CTA on sm_90).
  // Token tiles of 128 and 256 stage their output through shared memory (epilogue.cuh,
  // StagedWriter): 2 KB per consumer warp, beside the stages (227 KB per CTA on sm_90).
  static constexpr bool kEpilogueStaging = CtasPerSm == 1 && BlkM >= 128;
  static constexpr int kEpilogueBytes = kEpilogueStaging ? kConsumers * 4 * 2048 : 0;
  static constexpr int kSmemBudget =
      CtasPerSm == 1 ? (kEpilogueStaging ? 227 * 1024 - kEpilogueBytes - 512 : 220 * 1024) : 110 * 1024;
  static constexpr int kMaxStages = 16;
  static constexpr int kStages =
      kSmemBudget / kStageBytes < kMaxStages ? kSmemBudget / kStageBytes : kMaxStages;
  static_assert(kStages >= 2, "at least double buffering");
  static constexpr int kBarrierOffset = kStages * kStageBytes;  // full[kStages], empty[kStages]
  // Split-K over a thread-block cluster (splitk_cluster.cuh) for decode tiles, one item per CTA:
  // two more mbarriers; the other splits' partials land in the first split's stage buffers.
  static constexpr bool kClusterSplitK = BlkM <= kClusterSplitKMaxBlockM && !kLoopsOverItems;
  static constexpr int kEpilogueOffset =
      int(layout::align_up(kBarrierOffset + 2 * kStages * 8 + (kClusterSplitK ? 2 * 8 : 0), 128));
  // Two more mbarriers for split-K partials copied into the idle stage ring (splitk_reduce.cuh).
  static constexpr int kRingBarOffset = kEpilogueOffset + kEpilogueBytes;
  static constexpr int kSmemBytes = kRingBarOffset + (kEpilogueStaging ? 2 * 8 : 0);
  static_assert(kSmemBytes <= 227 * 1024, "sm_90's shared memory per CTA");
  // A two-CTA grid of at most one CTA per SM is pinned one per SM by its shared memory; the next
  // launch's two-CTA CTAs must still fit beside it (one_cta_per_sm.h).
  static_assert(CtasPerSm == 1 || fits_beside_pinned_cta(kSmemBytes, kSm90SmemPerSm, kSm90ReservedSmemPerCta),
                "a two-CTA configuration no longer fits beside a pinned CTA");

  // Registers per thread after setmaxnreg: the producer needs few; consumers hold BlkM/2 fp32
  // accumulators plus the converted A fragments. 128*40 + 256*232 <= 64K registers.
  // setmaxnreg can only hand out registers the CTA got at launch (threads x the compiled count):
  // one CTA per SM: 384 x 168 >= 128 x 40 + 256 x 232; two: 384 x 80 >= 128 x 24 + 256 x 104.
  // (Asking for more than the CTA holds blocks the consumers forever.)
  static constexpr int kProducerRegs = CtasPerSm == 1 ? 40 : 24;
  static constexpr int kConsumerRegs = CtasPerSm == 1 ? 232 : 104;
  static_assert(128 * kProducerRegs + 256 * kConsumerRegs <= kThreads * (CtasPerSm == 1 ? 168 : 80),
                "register reallocation exceeds the CTA's allocation");
};

}  // namespace mixgemm::kernels
