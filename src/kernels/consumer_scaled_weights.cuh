// The general consumer of the sm_90 mainloop (token tiles of 64 and more, and group size 32):
// per stage it loads its weight fragments with LDS.128, up-converts them in registers with the
// group scale applied to every weight (dequant.cuh), issues four wgmma m64nBlkMk16 per tile with
// the weights as the register A operand and X from shared memory, then waits for the *previous*
// stage's MMAs and releases that stage on its "empty" mbarrier: conversion of one stage overlaps
// the MMAs of the one before.
#pragma once

#include <cstdint>

#include "kernels/mainloop_common.cuh"
#include "kernels/wgmma.cuh"

namespace mixgemm::kernels {

template <class Cfg>
struct ConsumerScaledWeights {
  using Common = MainloopCommon<Cfg>;
  using Converter = typename Common::Converter;
  using Offset = typename Common::Offset;
  using AFragments = typename Common::AFragments;
  static constexpr int kStages = Cfg::kStages, kStageTiles = Cfg::kStageTiles;
  // Whether the mainloop runs its full stages in a loop of their own (consume): for the two-tile
  // stages of 4-bit weights at one CTA per SM (128 tokens), whose loop otherwise outgrew the
  // instruction cache. Elsewhere the extra copies of the stage code cost ptxas the registers it
  // needs to keep the wgmma pipelined (C7511/C7512; the 4-tile stages of 32 and 64 tokens too,
  // docs/perf-notes.md v21a) or spilled (zero points at 128 tokens), or the loop was small
  // already.
  static constexpr bool kLoopFullOnly =
      kStageTiles == 2 && Cfg::kCtasPerSm == 1 && Cfg::kBits == 4 && !Cfg::kHasZero;

  // Scales and zero-point offsets of the group being converted, kept in registers while
  // consecutive tiles share a group (group sizes >= 128 span several tiles): the shared-memory
  // loads and broadcasts then happen once per group, not once per tile.
  struct GroupCache {
    int group = -1;             // absolute group index of the cached values; -1: none yet
    uint32_t s_lo[2], s_hi[2];  // rows row_lo / row_lo + 8, for k16 steps 0-1 and 2-3
    Offset o_lo[2], o_hi[2];
  };

  // group_row: the group's row among the stage's group parameters.
  __device__ static void load_group(int group_size, const uint8_t* s, int consumer, const ThreadCoords& tc,
                                    int group_row, GroupCache& gc) {
    // Group rows of steps 0-1 and 2-3 (they differ only at group size 32).
    const int row_b = group_size == 32 ? group_row + 1 : group_row;
    gc.s_lo[0] = broadcast2(Common::group_scale(s, consumer, group_row, tc.row_lo));
    gc.s_hi[0] = broadcast2(Common::group_scale(s, consumer, group_row, tc.row_lo + 8));
    gc.s_lo[1] = broadcast2(Common::group_scale(s, consumer, row_b, tc.row_lo));
    gc.s_hi[1] = broadcast2(Common::group_scale(s, consumer, row_b, tc.row_lo + 8));
    gc.o_lo[0] = Common::group_offset(s, consumer, group_row, tc.row_lo);
    gc.o_hi[0] = Common::group_offset(s, consumer, group_row, tc.row_lo + 8);
    gc.o_lo[1] = Common::group_offset(s, consumer, row_b, tc.row_lo);
    gc.o_hi[1] = Common::group_offset(s, consumer, row_b, tc.row_lo + 8);
  }

  // Loads and up-converts one prepacked tile (4 k16 steps) of this thread's fragment.
  __device__ static void convert_tile(const uint8_t* s, int consumer, const ThreadCoords& tc, int tile_in_stage,
                                      const GroupCache& gc, uint32_t (&a)[layout::kStepsPerTile][4]) {
    Common::for_each_step(s, consumer, tc, tile_in_stage, [&](int j, const auto& words) {
      const int h = j >> 1;  // steps 0-1 and 2-3 may belong to different groups (group size 32)
      Converter::convert(words, gc.o_lo[h], gc.o_hi[h], gc.s_lo[h], gc.s_hi[h], a[j]);
    });
  }

  // What the consumer steps through from stage to stage, in registers: the ring position (an add
  // and a compare per stage, not a division by the stage count for the stage, its parity and the
  // released stage), the stage's first K tile, and the group parameters. Read from the kernel
  // parameters after every "full" wait (no load may move above the wait's asm), those sat, with
  // the group arithmetic, between the wait and the stage's first shared-memory load.
  struct StageWalk {
    StageCursor<kStages> cur;
    int prev_stage = 0;  // the stage whose MMAs the next iteration retires
    int kt0;             // first 64-deep K tile of the stage
    MultiplyShiftDivider group_div;
    int group_size;
    __device__ StageWalk(const GemmParams& p, int slot0, int k_begin) : cur(slot0), kt0(k_begin), group_size(ptx::opaque(p.group_size)) {
      group_div.magic_lo = uint32_t(ptx::opaque(int(p.group_div.magic_lo)));
      group_div.shift = ptx::opaque(p.group_div.shift);
    }
    __device__ int group_of_k(int k) const { return group_div.divide(uint32_t(k)); }
  };

  // Converts a stage's tiles. kFull: all kStageTiles tiles are inside K (every stage but the
  // last of a split), compiled without the tail checks.
  template <bool kFull>
  __device__ static void convert_stage(const StageWalk& walk, const uint8_t* s, int consumer, const ThreadCoords& tc,
                                       const StageRange& r, GroupCache& gc, AFragments& a) {
#pragma unroll
    for (int t = 0; t < kStageTiles; ++t) {
      if (kFull || t < r.tiles) {
        const int group = walk.group_of_k((r.kt0 + t) * Cfg::kBlkK);
        if (walk.group_size == 32 || group != gc.group) {
          load_group(walk.group_size, s, consumer, tc, group - r.group_first, gc);
          gc.group = group;
        }
        convert_tile(s, consumer, tc, t, gc, a[t]);
      } else {
        Common::zero_tile(a[t]);  // past the end of K
      }
    }
  }

  // One pipeline iteration of an active consumer: convert the stage's weights into the A buffer
  // `a` (the other buffer may still be read by the previous stage's MMAs), issue its MMAs, then
  // wait for the previous stage's MMAs and release that stage. kKnownFull: the caller knows every
  // tile of the stage is inside K (else the stage checks: a split's last stage may be short).
  template <bool kKnownFull>
  __device__ static void consume_stage(const StagePipeline& pipe, int consumer, const ThreadCoords& tc, int k_end, int it,
                                       StageWalk& walk, GroupCache& gc, AFragments& a, float (&acc)[Cfg::kBlkM / 2]) {
    StageRange r;  // the group rows are the producer's business
    r.kt0 = walk.kt0;
    r.tiles = min(kStageTiles, k_end - r.kt0);
    r.group_first = walk.group_of_k(r.kt0 * Cfg::kBlkK);
    r.group_rows = 0;
    const int stage = walk.cur.wait_full(pipe);
    const uint8_t* s = pipe.smem + stage * Cfg::kStageBytes;
    // A one-tile stage is never short (a split holds whole tiles): compiling the short form out
    // took the 256-token loop from 439 to 403 instructions, 1.02x at M = 256 (docs/perf-notes.md v16).
    if (kKnownFull || kStageTiles == 1 || r.tiles == kStageTiles)
      convert_stage<true>(walk, s, consumer, tc, r, gc, a);
    else
      convert_stage<false>(walk, s, consumer, tc, r, gc, a);

    const SmemDescSw128 x_desc(ptx::smem_u32(s + Cfg::kXOffset));
#pragma unroll
    for (int v = 0; v < Cfg::kBlkM / 2; ++v) ptx::fence_operand(acc[v]);
    Common::fence_fragments(a);
    ptx::wgmma_fence();
#pragma unroll
    for (int t = 0; t < kStageTiles; ++t) {
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        wgmma_rs<Cfg::kAct, Cfg::kBlkM>(a[t][j], x_desc.at(Common::x_offset(t, j)), acc);
      }
    }
    ptx::wgmma_commit();
    // The previous stage's MMAs are done once at most this stage's group is pending: its X slab
    // and its A buffer are free again.
    ptx::wgmma_wait<1>();
#pragma unroll
    for (int v = 0; v < Cfg::kBlkM / 2; ++v) ptx::fence_operand(acc[v]);
    if (it > 0) release_stage(pipe, walk.prev_stage);
    walk.prev_stage = stage;
    walk.cur.advance();
    walk.kt0 += kStageTiles;
  }

  // The whole K range of an active consumer; acc receives the sums. slot0: the pipeline
  // iteration of the range's first stage (stages are numbered across a CTA's tiles).
  // Two A buffers, alternating between iterations: the loop is unrolled by two so each buffer is
  // a compile-time register array. A split's last stage may hold fewer tiles: with
  // kLoopFullOnly the loop runs the stages known to be full, in the full-stage form only, and the
  // last one or two run after it. With both forms inside, the 64- and 128-token loops were ~940
  // instructions (15 KB) against 439 at 256 tokens, and Nsight Compute counted ~1 cycle of "no
  // instruction" stall per issued instruction there (0.27 at 256 tokens); the full-only loop is
  // ~630: 0.98 -> 0.83 at 8192x8192 M = 128, and 1.03-1.04x at M = 64, 1.01-1.03x at M = 128
  // (docs/perf-notes.md v15d).
  __device__ static void consume(const GemmParams& p, const StagePipeline& pipe, int consumer, const ThreadCoords& tc,
                                 int slot0, int k_begin, int k_end, float (&acc)[Cfg::kBlkM / 2]) {
    const int iters = (k_end - k_begin + kStageTiles - 1) / kStageTiles;
    const int full_iters = (k_end - k_begin) / kStageTiles;
    AFragments a0, a1;
    GroupCache gc;
    StageWalk walk(p, slot0, k_begin);
    int it = 0;
    for (; kLoopFullOnly && it + 1 < full_iters; it += 2) {
      consume_stage<true>(pipe, consumer, tc, k_end, it, walk, gc, a0, acc);
      consume_stage<true>(pipe, consumer, tc, k_end, it + 1, walk, gc, a1, acc);
    }
    for (; it + 1 < iters; it += 2) {  // with kLoopFullOnly: at most once, the second stage maybe short
      consume_stage<false>(pipe, consumer, tc, k_end, it, walk, gc, a0, acc);
      consume_stage<false>(pipe, consumer, tc, k_end, it + 1, walk, gc, a1, acc);
    }
    if (it < iters) consume_stage<false>(pipe, consumer, tc, k_end, it, walk, gc, a0, acc);
    ptx::wgmma_wait<0>();
#pragma unroll
    for (int v = 0; v < Cfg::kBlkM / 2; ++v) ptx::fence_operand(acc[v]);
    release_stage(pipe, walk.prev_stage);
  }
};

}  // namespace mixgemm::kernels
