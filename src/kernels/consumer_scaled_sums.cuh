// The decode consumer of the sm_90 mainloop: small token tiles, group scales applied to fp32 sums.
// At BlkM <= 16 a thread holds only BlkM/2 accumulators, so multiplying each tile's fp32 sums
// by the group scale (BlkM/2 FFMA per tile) is cheaper than scaling every weight pair before
// the MMA (16 HMUL2 per tile), and it rounds the weights less (q - z is exact); BlkM 32 costs
// the same 16 either way and measured faster in this form. Each tile's MMAs write a fresh
// partial sum (the first k16 step overwrites it); the partials are scaled into the running sums
// once the tile's MMAs are done. Token tiles of 8 and 16 run warp-level MMAs (mma.sync,
// decode_stage_warp); 32 runs wgmma (decode_stage). ptxas serializes every wgmma of a kernel
// whose ordinary instructions read a wgmma accumulator while any MMA is in flight (C7514), so
// the wgmma form drains its MMAs each stage (wait 0): the other consumer warps on the scheduler
// cover that wait (converting the next stage before the drain measured no faster,
// docs/perf-notes.md v15). The warp-MMA form takes every group size (at 32, one partial per
// group, two per tile); the wgmma form needs multiples of 64 (one scale per tile and row), and
// at 32 tokens group size 32 takes the general consumer.
#pragma once

#include <cstdint>

#include "kernels/act_float.cuh"
#include "kernels/mainloop_common.cuh"
#include "kernels/warp_mma.cuh"
#include "kernels/wgmma.cuh"

namespace mixgemm::kernels {

template <class Cfg>
struct ConsumerScaledSums {
  using Common = MainloopCommon<Cfg>;
  using Converter = typename Common::Converter;
  using Offset = typename Common::Offset;
  using AFragments = typename Common::AFragments;
  static constexpr int kStages = Cfg::kStages, kStageTiles = Cfg::kStageTiles;

  // Where the next stage starts among its groups: the position of its first tile in its group.
  struct DecodeGroup {
    int tiles_per_group, tile_in_group;
  };

  // Scales (and zero-point offsets) of fragment rows row_lo and row_lo + 8 in one group row of
  // the stage's group parameters. Read for every tile, not only where a group starts: two
  // LDS.U16 per tile cost less than the branches, flags and moves that skipping them took
  // (~65 instructions per 4-tile stage of the 8-token consumer, a fifth of its stage).
  struct TileGroup {
    float s_lo, s_hi;
    Offset o_lo, o_hi;
  };
  __device__ static TileGroup load_tile_group(const uint8_t* s, int consumer, const ThreadCoords& tc, int group_row) {
    TileGroup g;
    g.s_lo = act_to_float<Cfg::kAct>(Common::group_scale(s, consumer, group_row, tc.row_lo));
    g.s_hi = act_to_float<Cfg::kAct>(Common::group_scale(s, consumer, group_row, tc.row_lo + 8));
    g.o_lo = Common::group_offset(s, consumer, group_row, tc.row_lo);
    g.o_hi = Common::group_offset(s, consumer, group_row, tc.row_lo + 8);
    return g;
  }

  __device__ static void convert_tile_unscaled(const uint8_t* s, int consumer, const ThreadCoords& tc,
                                               int tile_in_stage, const TileGroup& g,
                                               uint32_t (&a)[layout::kStepsPerTile][4]) {
    Common::for_each_step(s, consumer, tc, tile_in_stage,
                          [&](int j, const auto& words) { Converter::convert_unscaled(words, g.o_lo, g.o_hi, a[j]); });
  }

  // One stage of the decode consumer with wgmma; the stage is released once its MMAs are done.
  template <bool kFull>
  __device__ static void decode_stage(const StagePipeline& pipe, int stage, int consumer, const ThreadCoords& tc,
                                      int tiles, DecodeGroup& g, float (&sum)[Cfg::kBlkM / 2]) {
    const uint8_t* s = pipe.smem + stage * Cfg::kStageBytes;
    AFragments a;
    float part[kStageTiles][Cfg::kBlkM / 2];
    float s_lo[kStageTiles], s_hi[kStageTiles];
    int group_row = 0;  // row among the stage's group parameters (row 0: the first tile's group)
    int tile_in_group = g.tile_in_group;
#pragma unroll
    for (int t = 0; t < kStageTiles; ++t) {
      if (kFull || t < tiles) {
        if (t > 0 && tile_in_group == 0) ++group_row;
        const TileGroup tg = load_tile_group(s, consumer, tc, group_row);
        convert_tile_unscaled(s, consumer, tc, t, tg, a[t]);
        s_lo[t] = tg.s_lo;
        s_hi[t] = tg.s_hi;
        tile_in_group = tile_in_group + 1 == g.tiles_per_group ? 0 : tile_in_group + 1;
      } else {
        // Past the end of K: zero weights, and a zero scale, since this tile's shared-memory
        // scale slot holds no loaded group.
        Common::zero_tile(a[t]);
        s_lo[t] = s_hi[t] = 0.0f;
      }
    }
    g.tile_in_group = tile_in_group;
    const SmemDescSw128 x_desc(ptx::smem_u32(s + Cfg::kXOffset));
    Common::fence_fragments(a);
    ptx::wgmma_fence();
#pragma unroll
    for (int t = 0; t < kStageTiles; ++t)
#pragma unroll
      for (int j = 0; j < 4; ++j)
        wgmma_rs<Cfg::kAct, Cfg::kBlkM>(a[t][j], x_desc.at(Common::x_offset(t, j)), part[t], /*accumulate=*/j > 0);
    ptx::wgmma_commit();
    ptx::wgmma_wait<0>();
#pragma unroll
    for (int t = 0; t < kStageTiles; ++t)
#pragma unroll
      for (int v = 0; v < Cfg::kBlkM / 2; ++v) ptx::fence_operand(part[t][v]);
    release_stage(pipe, stage);
    // Rows row_lo (v % 4 < 2) and row_lo + 8 of each 8-column chunk.
#pragma unroll
    for (int t = 0; t < kStageTiles; ++t)
#pragma unroll
      for (int v = 0; v < Cfg::kBlkM / 2; ++v) sum[v] = fmaf(v % 4 < 2 ? s_lo[t] : s_hi[t], part[t][v], sum[v]);
  }

  // Token tiles this small take warp-level MMAs (warp_mma.cuh) instead of wgmma. A 64x8x16
  // wgmma costs its warps the MMA and three uniform-register instructions for its descriptor,
  // plus a per-stage descriptor broadcast, fence, commit and drain, and it waits for the slowest
  // of its warpgroup's four warps; mma.sync needs its X fragments in registers (one ldmatrix per
  // two k16 steps and 8 tokens) and lets each warp run on its own. At 8 tokens every
  // shared-memory read of a stage comes before its release in program order (ptxas interleaves
  // the later tiles' loads with the first tiles' conversion and releases after the last load);
  // at 16 tokens a 4-tile stage's X fragments would not fit the registers beside its weights, so
  // each tile's are read just before its MMAs and the stage is released after the last tile.
  static constexpr bool kWarpMma = Cfg::kBlkM <= kWarpMmaMaxBlockM;

  // How a warp-MMA stage finds each tile's group row among the stage's group parameters:
  //   kCounted   a running count of the tile's place in its group (any multiple of 64);
  //   kShifted   tiles per group a power of two (1 << tile_shift): a shift of that place, not a
  //              count with compares and selects per tile;
  //   kHalfTiles group size 32: two groups per tile, rows 2t and 2t + 1 (stages start on tiles).
  enum class GroupWalk { kCounted, kShifted, kHalfTiles };

  // One stage with warp-level MMAs: loads (packed weights, group parameters, X fragments),
  // release, then conversion, MMAs and the scaled sums, all from registers.
  template <bool kFull, GroupWalk kWalk>
  __device__ static void decode_stage_warp(const StagePipeline& pipe, int stage, int consumer, const ThreadCoords& tc,
                                           const XLaneOffsets& xl, int tiles, int tile_shift, DecodeGroup& g,
                                           float (&sum)[Cfg::kBlkM / 2]) {
    constexpr int kBlocks = Cfg::kBlkM / 8;  // 8-token column blocks: one m16n8 MMA each
    constexpr int kGroupsPerTile = kWalk == GroupWalk::kHalfTiles ? 2 : 1;
    const uint8_t* s = pipe.smem + stage * Cfg::kStageBytes;
    uint32_t words[kStageTiles][Common::kTileWords];
    TileGroup tg[kStageTiles][kGroupsPerTile];
    // X fragments of the whole stage, or (kXPerTile) of one tile at a time, read just before its
    // MMAs, when the whole stage's would not fit the registers (16 tokens, 4-tile stages: at two
    // CTAs per SM the 80 registers; at one, measured the same as whole-stage reads, v17a).
    constexpr bool kXPerTile = kStageTiles * kBlocks > 4;
    uint32_t xf[kXPerTile ? 1 : kStageTiles][layout::kStepsPerTile][kBlocks][2];
    const uint32_t x0 = ptx::smem_u32(s + Cfg::kXOffset) + xl.chunks_0_3;
    const uint32_t x1 = ptx::smem_u32(s + Cfg::kXOffset) + xl.chunks_4_7;
    auto load_x = [&](int t, uint32_t (&x)[layout::kStepsPerTile][kBlocks][2]) {
#pragma unroll
      for (int b = 0; b < kBlocks; ++b) {
        uint32_t r[4];
        ldmatrix_x4(x0 + t * Cfg::kXSlabBytes + b * 1024, r);  // k16 steps 0, 1 of 8 token rows
        x[0][b][0] = r[0], x[0][b][1] = r[1], x[1][b][0] = r[2], x[1][b][1] = r[3];
        ldmatrix_x4(x1 + t * Cfg::kXSlabBytes + b * 1024, r);  // k16 steps 2, 3
        x[2][b][0] = r[0], x[2][b][1] = r[1], x[3][b][0] = r[2], x[3][b][1] = r[3];
      }
    };
    int group_row = 0;  // row among the stage's group parameters (row 0: the first tile's group)
    int tile_in_group = g.tile_in_group;
#pragma unroll
    for (int t = 0; t < kStageTiles; ++t) {
      if (kFull || t < tiles) {
        if constexpr (kWalk == GroupWalk::kShifted)
          group_row = (g.tile_in_group + t) >> tile_shift;
        else if constexpr (kWalk == GroupWalk::kHalfTiles)
          group_row = 2 * t;
        else if (t > 0 && tile_in_group == 0)
          ++group_row;
#pragma unroll
        for (int h = 0; h < kGroupsPerTile; ++h) tg[t][h] = load_tile_group(s, consumer, tc, group_row + h);
        Common::load_tile_words(s, consumer, tc, t, words[t]);
        if constexpr (!kXPerTile) load_x(t, xf[t]);
        if constexpr (kWalk == GroupWalk::kCounted)
          tile_in_group = tile_in_group + 1 == g.tiles_per_group ? 0 : tile_in_group + 1;
      }
    }
    if constexpr (kWalk == GroupWalk::kShifted)
      g.tile_in_group = (g.tile_in_group + (kFull ? kStageTiles : tiles)) & (g.tiles_per_group - 1);
    else if constexpr (kWalk == GroupWalk::kCounted)
      g.tile_in_group = tile_in_group;
    if constexpr (!kXPerTile) release_stage(pipe, stage);
    const float zero[4] = {0.0f, 0.0f, 0.0f, 0.0f};
#pragma unroll
    for (int t = 0; t < kStageTiles; ++t) {
      if (kFull || t < tiles) {  // a short stage's missing tiles are skipped (no wgmma to keep uniform)
        auto& x = xf[kXPerTile ? 0 : t];
        if constexpr (kXPerTile) load_x(t, x);
        float part[kBlocks][4];
        // Scales the finished partial of group h into the running sums: rows row_lo (v < 2) and
        // row_lo + 8 of each 8-column block.
        auto scale_into_sums = [&](int h) {
#pragma unroll
          for (int b = 0; b < kBlocks; ++b)
#pragma unroll
            for (int v = 0; v < 4; ++v)
              sum[b * 4 + v] = fmaf(v < 2 ? tg[t][h].s_lo : tg[t][h].s_hi, part[b][v], sum[b * 4 + v]);
        };
        Common::for_each_step(words[t], [&](int j, const auto& w) {
          const int h = kGroupsPerTile == 2 ? j / 2 : 0;  // group 32: k16 steps 0-1 and 2-3
          uint32_t a[4];
          Converter::convert_unscaled(w, tg[t][h].o_lo, tg[t][h].o_hi, a);
#pragma unroll
          for (int b = 0; b < kBlocks; ++b) {
            if (j == 0 || (kGroupsPerTile == 2 && j == 2))  // a fresh partial per group and tile
              mma_m16n8k16<Cfg::kAct>(part[b], a, x[j][b][0], x[j][b][1], zero);
            else
              mma_m16n8k16<Cfg::kAct>(part[b], a, x[j][b][0], x[j][b][1], part[b]);
          }
          if (kGroupsPerTile == 2 && j == 1) scale_into_sums(0);
        });
        scale_into_sums(kGroupsPerTile - 1);
      }
    }
    if constexpr (kXPerTile) release_stage(pipe, stage);  // after the last tile's X reads
  }

  template <GroupWalk kWalk>
  __device__ static void consume_warp(const GemmParams& p, const StagePipeline& pipe, int consumer,
                                      const ThreadCoords& tc, int slot0, int k_begin, int k_end,
                                      float (&acc)[Cfg::kBlkM / 2]) {
    const XLaneOffsets xl = XLaneOffsets::of_lane(tc.lane);
    constexpr int kTileKLog2 = 6;
    static_assert((1 << kTileKLog2) == Cfg::kBlkK, "64-deep K tiles");
    const int tile_shift = kWalk == GroupWalk::kShifted ? p.group_div.shift - kTileKLog2 : 0;  // log2(tiles per group)
    DecodeGroup g{};
    if constexpr (kWalk != GroupWalk::kHalfTiles) {
      g.tiles_per_group = p.group_size / Cfg::kBlkK;
      g.tile_in_group = k_begin % g.tiles_per_group;  // a split may start inside a group
    }
    const int full_iters = (k_end - k_begin) / kStageTiles;
    StageCursor<kStages> cursor(slot0);
    for (int it = 0; it < full_iters; ++it, cursor.advance())
      decode_stage_warp<true, kWalk>(pipe, cursor.wait_full(pipe), consumer, tc, xl, kStageTiles, tile_shift, g, acc);
    const int rest = (k_end - k_begin) - full_iters * kStageTiles;
    if (rest > 0) decode_stage_warp<false, kWalk>(pipe, cursor.wait_full(pipe), consumer, tc, xl, rest, tile_shift, g, acc);
  }

  // The whole K range of an active consumer; acc (zero on entry) receives the sums. slot0: the
  // pipeline iteration of the range's first stage (stages are numbered across a CTA's tiles).
  __device__ static void consume(const GemmParams& p, const StagePipeline& pipe, int consumer, const ThreadCoords& tc,
                                 int slot0, int k_begin, int k_end, float (&acc)[Cfg::kBlkM / 2]) {
    // The stages known to be full run in a loop of their own, in the full form only; a split's
    // short last stage, if any, after it. With both forms inside, the loop was twice as long
    // (650 instructions at 8 tokens, one CTA per SM, against 334) and instruction fetch stalled
    // the consumers: 1.01-1.07x at M <= 32 once split (docs/perf-notes.md v15e).
    if constexpr (kWarpMma) {
      if (p.group_size == 32)
        consume_warp<GroupWalk::kHalfTiles>(p, pipe, consumer, tc, slot0, k_begin, k_end, acc);
      else if (p.group_div.is_power_of_two())
        consume_warp<GroupWalk::kShifted>(p, pipe, consumer, tc, slot0, k_begin, k_end, acc);
      else
        consume_warp<GroupWalk::kCounted>(p, pipe, consumer, tc, slot0, k_begin, k_end, acc);
    } else {
      const int iters = (k_end - k_begin + kStageTiles - 1) / kStageTiles;
      const int full_iters = (k_end - k_begin) / kStageTiles;
      DecodeGroup g;
      g.tiles_per_group = p.group_size / Cfg::kBlkK;
      g.tile_in_group = k_begin % g.tiles_per_group;  // a split may start inside a group
      int it = 0;
      for (; it < full_iters; ++it)
        decode_stage<true>(pipe, wait_stage_full<kStages>(pipe, slot0 + it), consumer, tc, kStageTiles, g, acc);
      if (it < iters) {
        const int stage = wait_stage_full<kStages>(pipe, slot0 + it);
        decode_stage<false>(pipe, stage, consumer, tc, k_end - (k_begin + it * kStageTiles), g, acc);
      }
    }
  }

};

}  // namespace mixgemm::kernels
