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

  // Scales and zero-point offsets of the group being converted, kept in registers while
  // consecutive tiles share a group (group sizes >= 128 span several tiles): the shared-memory
  // loads and broadcasts then happen once per group, not once per tile.
  struct GroupCache {
    int group = -1;             // absolute group index of the cached values; -1: none yet
    uint32_t s_lo[2], s_hi[2];  // rows row_lo / row_lo + 8, for k16 steps 0-1 and 2-3
    Offset o_lo[2], o_hi[2];
  };

  // group_row: the group's row among the stage's group parameters.
  __device__ static void load_group(const GemmParams& p, const uint8_t* s, int consumer, const ThreadCoords& tc,
                                    int group_row, GroupCache& gc) {
    // Group rows of steps 0-1 and 2-3 (they differ only at group size 32).
    const int row_b = p.group_size == 32 ? group_row + 1 : group_row;
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

  // Converts a stage's tiles. kFull: all kStageTiles tiles are inside K (every stage but the
  // last of a split), compiled without the tail checks.
  template <bool kFull>
  __device__ static void convert_stage(const GemmParams& p, const uint8_t* s, int consumer, const ThreadCoords& tc,
                                       const StageRange& r, GroupCache& gc, AFragments& a) {
#pragma unroll
    for (int t = 0; t < kStageTiles; ++t) {
      if (kFull || t < r.tiles) {
        const int group = group_of(p, (r.kt0 + t) * Cfg::kBlkK);
        if (p.group_size == 32 || group != gc.group) {
          load_group(p, s, consumer, tc, group - r.group_first, gc);
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
  // wait for the previous stage's MMAs and release that stage.
  __device__ static void consume_stage(const GemmParams& p, const StagePipeline& pipe, int consumer, const ThreadCoords& tc,
                                       int slot0, int k_begin, int k_end, int it, GroupCache& gc, AFragments& a,
                                       float (&acc)[Cfg::kBlkM / 2]) {
    const int slot = slot0 + it;
    const int stage = slot % kStages;
    ptx::mbarrier_wait(&pipe.full[stage], (slot / kStages) & 1);
    const StageRange r = Common::stage_range(p, k_begin, k_end, it);
    const uint8_t* s = pipe.smem + stage * Cfg::kStageBytes;
    if (r.tiles == kStageTiles)
      convert_stage<true>(p, s, consumer, tc, r, gc, a);
    else
      convert_stage<false>(p, s, consumer, tc, r, gc, a);

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
    if (it > 0) release_stage(pipe, (slot - 1) % kStages);
  }

  // The whole K range of an active consumer; acc receives the sums. slot0: the pipeline
  // iteration of the range's first stage (stages are numbered across a CTA's tiles).
  __device__ static void consume(const GemmParams& p, const StagePipeline& pipe, int consumer, const ThreadCoords& tc,
                                 int slot0, int k_begin, int k_end, float (&acc)[Cfg::kBlkM / 2]) {
    const int iters = (k_end - k_begin + kStageTiles - 1) / kStageTiles;
    // Two A buffers, alternating between iterations: the loop is unrolled by two so each
    // buffer is a compile-time register array.
    AFragments a0, a1;
    GroupCache gc;
    int it = 0;
    for (; it + 1 < iters; it += 2) {
      consume_stage(p, pipe, consumer, tc, slot0, k_begin, k_end, it, gc, a0, acc);
      consume_stage(p, pipe, consumer, tc, slot0, k_begin, k_end, it + 1, gc, a1, acc);
    }
    if (it < iters) consume_stage(p, pipe, consumer, tc, slot0, k_begin, k_end, it, gc, a0, acc);
    ptx::wgmma_wait<0>();
#pragma unroll
    for (int v = 0; v < Cfg::kBlkM / 2; ++v) ptx::fence_operand(acc[v]);
    release_stage(pipe, (slot0 + iters - 1) % kStages);
  }
};

}  // namespace mixgemm::kernels
