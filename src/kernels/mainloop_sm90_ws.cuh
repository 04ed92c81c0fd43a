// Warp-specialized mainloop of the sm_90 mixed-input GEMM (transposed problem Y^T = W^T . X^T).
//
// A pipeline stage covers kStageTiles 64-deep K tiles.
// Producer (one thread of warpgroup 0): per stage, bulk-copies each consumer's prepacked weight
// tiles (contiguous along K: 2 or 4 KB per tile), the scales / zero points of the groups the
// stage touches, and the TMA boxes of X (BlkM rows x 64, 128-byte swizzle), completing on the
// stage's "full" mbarrier.
// Consumers (warpgroups 1..kConsumers): per stage, load their weight fragments with LDS.128,
// up-convert them in registers (dequant.cuh), issue four wgmma m64nBlkMk16 per tile with the
// weights as the register A operand and X from shared memory, then wait for the *previous*
// stage's MMAs and release that stage on its "empty" mbarrier: conversion of one stage overlaps
// the MMAs of the one before.
#pragma once

#include <cstdint>

#include "common/prepacked_layout.h"
#include "kernels/act_float.cuh"
#include "kernels/dequant.cuh"
#include "kernels/gemm_params.h"
#include "kernels/sm90_ptx.cuh"
#include "kernels/wgmma.cuh"

namespace mixgemm::kernels {

template <class Cfg>
struct MainloopSm90 {
  static constexpr int kStages = Cfg::kStages;
  static constexpr int kStageTiles = Cfg::kStageTiles;

  struct Pipeline {
    uint64_t* full;   // producer -> consumers: stage data landed (1 arrival + transaction bytes)
    uint64_t* empty;  // consumers -> producer: stage consumed (one arrival per consumer thread)
    uint8_t* smem;    // kStages x kStageBytes, 1024-byte aligned
  };

  // The K range of pipeline iteration `it`: up to kStageTiles 64-deep tiles, and the groups
  // (rows of the prepacked scales / zero points) they touch.
  struct StageRange {
    int kt0, tiles;
    int group_first, group_rows;
  };
  // Group of a K index; a shift for the usual power-of-two group sizes (a 32-bit division is a
  // ~20-instruction sequence on the consumers' critical path).
  __device__ static int group_of(const GemmParams& p, int k) {
    return p.group_shift >= 0 ? k >> p.group_shift : k / p.group_size;
  }
  __device__ static StageRange stage_range(const GemmParams& p, int k_begin, int k_end, int it) {
    StageRange r;
    r.kt0 = k_begin + it * kStageTiles;
    r.tiles = min(kStageTiles, k_end - r.kt0);
    r.group_first = group_of(p, r.kt0 * Cfg::kBlkK);
    r.group_rows = group_of(p, (r.kt0 + r.tiles) * Cfg::kBlkK - 1) - r.group_first + 1;
    return r;
  }

  // ---- producer -------------------------------------------------------------------------------
  __device__ static uint32_t stage_tx_bytes(const StageRange& r, int active) {
    return kStageTiles * Cfg::kXSlabBytes +
           active * (r.tiles * Cfg::kWTileBytes + r.group_rows * Cfg::kGroupRowBytes * (Cfg::kHasZero ? 2 : 1));
  }

  // Weights and group parameters of one stage: one bulk copy each per consumer (the prepacked
  // tiles of a 64-row block are contiguous along K, and so are its groups).
  __device__ static void issue_weight_copies(const GemmParams& p, const Pipeline& pipe, int stage, int nb0,
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

  __device__ static void issue_x_copies(const GemmParams& p, const Pipeline& pipe, int stage, int m0,
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
  __device__ static void produce(const GemmParams& p, const Pipeline& pipe, int nb0, int active, int m0, int k_begin,
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
      const StageRange r = stage_range(p, k_begin, k_end, it);
      ptx::mbarrier_arrive_expect_tx(&pipe.full[it], stage_tx_bytes(r, active));
      issue_weight_copies(p, pipe, it, nb0, active, r, policy_w);
    }
    ptx::grid_dependency_wait();  // X is written by the preceding kernel
    for (int it = 0; it < prologue; ++it) issue_x_copies(p, pipe, it, m0, stage_range(p, k_begin, k_end, it), policy_x);

    for (int it = prologue; it < iters; ++it) {
      const int stage = it % kStages;
      ptx::mbarrier_wait(&pipe.empty[stage], ((it / kStages) - 1) & 1);  // consumers freed the last use
      const StageRange r = stage_range(p, k_begin, k_end, it);
      ptx::mbarrier_arrive_expect_tx(&pipe.full[stage], stage_tx_bytes(r, active));
      issue_weight_copies(p, pipe, stage, nb0, active, r, policy_w);
      issue_x_copies(p, pipe, stage, m0, r, policy_x);
    }
  }

  // ---- consumer -------------------------------------------------------------------------------
  using Converter = WeightConverter<Cfg::kAct, Cfg::kBits>;
  using Offset = typename Converter::Offset;
  using AFragments = uint32_t[kStageTiles][layout::kStepsPerTile][4];  // one stage's A operands

  struct ThreadCoords {
    int t, lane, row_lo;  // thread in the warpgroup; fragment rows row_lo and row_lo + 8
  };

  // Descriptor offset of k16 step j of slab t from the stage's first X slab: the start address
  // field counts 16-byte units and does not overflow inside shared memory, so the stage's
  // descriptor is built once and stepped by a constant (not rebuilt per MMA).
  __device__ static constexpr uint64_t x_desc_step(int t, int j) { return uint64_t(t * Cfg::kXSlabBytes + j * 32) >> 4; }

  __device__ static ThreadCoords thread_coords() {
    ThreadCoords tc;
    tc.t = threadIdx.x % 128;
    tc.lane = tc.t % 32;
    tc.row_lo = (tc.t / 32) * 16 + tc.lane / 4;
    return tc;
  }

  // Every consumer thread arrives: an mbarrier arrive (release, CTA scope) orders only the
  // executing thread's own shared-memory reads before the producer's next copy into the stage.
  __device__ static void release(const Pipeline& pipe, int stage) { ptx::mbarrier_arrive(&pipe.empty[stage]); }

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
    const uint16_t* sc = reinterpret_cast<const uint16_t*>(s + Cfg::kSOffset + consumer * Cfg::kGroupBytes);
    gc.s_lo[0] = broadcast2(sc[group_row * 64 + tc.row_lo]);
    gc.s_hi[0] = broadcast2(sc[group_row * 64 + tc.row_lo + 8]);
    gc.s_lo[1] = broadcast2(sc[row_b * 64 + tc.row_lo]);
    gc.s_hi[1] = broadcast2(sc[row_b * 64 + tc.row_lo + 8]);
    if constexpr (Cfg::kHasZero) {
      const uint16_t* zp = reinterpret_cast<const uint16_t*>(s + Cfg::kZOffset + consumer * Cfg::kGroupBytes);
      gc.o_lo[0] = Converter::offset_from_zero(zp[group_row * 64 + tc.row_lo]);
      gc.o_hi[0] = Converter::offset_from_zero(zp[group_row * 64 + tc.row_lo + 8]);
      gc.o_lo[1] = Converter::offset_from_zero(zp[row_b * 64 + tc.row_lo]);
      gc.o_hi[1] = Converter::offset_from_zero(zp[row_b * 64 + tc.row_lo + 8]);
    } else {
      gc.o_lo[0] = gc.o_hi[0] = gc.o_lo[1] = gc.o_hi[1] = Converter::symmetric_offset(Cfg::kZeroBias);
    }
  }

  // Loads and up-converts one prepacked tile (4 k16 steps) of this thread's fragment.
  __device__ static void convert_tile(const uint8_t* s, int consumer, const ThreadCoords& tc, int tile_in_stage,
                                      const GroupCache& gc, uint32_t (&a)[layout::kStepsPerTile][4]) {
    // This thread's 16 bytes per plane: one conflict-free LDS.128 each.
    const uint8_t* wsrc = s + Cfg::kWOffset + consumer * Cfg::kWBytes + tile_in_stage * Cfg::kWTileBytes + tc.t * 16;
    const uint4 plane0 = *reinterpret_cast<const uint4*>(wsrc);
    const uint32_t w0[4] = {plane0.x, plane0.y, plane0.z, plane0.w};
    if constexpr (Cfg::kBits == 4) {
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const int h = j >> 1;
        Converter::convert(w0[j], gc.o_lo[h], gc.o_hi[h], gc.s_lo[h], gc.s_hi[h], a[j]);
      }
    } else {
      const uint4 plane1 = *reinterpret_cast<const uint4*>(wsrc + layout::kPlaneBytes);
      const uint32_t w1[4] = {plane1.x, plane1.y, plane1.z, plane1.w};
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const int h = j >> 1;
        const uint32_t* src = j < 2 ? w0 : w1;
        const uint32_t words[2] = {src[2 * (j & 1)], src[2 * (j & 1) + 1]};
        Converter::convert(words, gc.o_lo[h], gc.o_hi[h], gc.s_lo[h], gc.s_hi[h], a[j]);
      }
    }
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
        // Past the end of K: zero weights against the zero-filled X slab, so every stage issues
        // the same MMAs (a data-dependent branch around wgmma makes ptxas serialize them).
#pragma unroll
        for (int j = 0; j < 4; ++j)
#pragma unroll
          for (int q = 0; q < 4; ++q) a[t][j][q] = 0;
      }
    }
  }

  // One pipeline iteration of an active consumer: convert the stage's weights into the A buffer
  // `a` (the other buffer may still be read by the previous stage's MMAs), issue its MMAs, then
  // wait for the previous stage's MMAs and release that stage.
  __device__ static void consume_stage(const GemmParams& p, const Pipeline& pipe, int consumer, const ThreadCoords& tc,
                                       int k_begin, int k_end, int it, GroupCache& gc, AFragments& a,
                                       float (&acc)[Cfg::kBlkM / 2]) {
    const int stage = it % kStages;
    ptx::mbarrier_wait(&pipe.full[stage], (it / kStages) & 1);
    const StageRange r = stage_range(p, k_begin, k_end, it);
    const uint8_t* s = pipe.smem + stage * Cfg::kStageBytes;
    if (r.tiles == kStageTiles)
      convert_stage<true>(p, s, consumer, tc, r, gc, a);
    else
      convert_stage<false>(p, s, consumer, tc, r, gc, a);

    const uint64_t x_desc = smem_desc_k_major_sw128(ptx::smem_u32(s + Cfg::kXOffset));
#pragma unroll
    for (int v = 0; v < Cfg::kBlkM / 2; ++v) ptx::fence_operand(acc[v]);
#pragma unroll
    for (int t = 0; t < kStageTiles; ++t)
#pragma unroll
      for (int j = 0; j < 4; ++j)
#pragma unroll
        for (int q = 0; q < 4; ++q) ptx::fence_operand(a[t][j][q]);
    ptx::wgmma_fence();
#pragma unroll
    for (int t = 0; t < kStageTiles; ++t) {
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        wgmma_rs<Cfg::kAct, Cfg::kBlkM>(a[t][j], x_desc + x_desc_step(t, j), acc);
      }
    }
    ptx::wgmma_commit();
    // The previous stage's MMAs are done once at most this stage's group is pending: its X slab
    // and its A buffer are free again.
    ptx::wgmma_wait<1>();
#pragma unroll
    for (int v = 0; v < Cfg::kBlkM / 2; ++v) ptx::fence_operand(acc[v]);
    if (it > 0) release(pipe, (it - 1) % kStages);
  }

  // ---- decode consumer: small token tiles, group scales applied to fp32 sums ------------------
  // At BlkM <= 16 a thread holds only BlkM/2 accumulators, so multiplying each tile's fp32 sums
  // by the group scale (BlkM/2 FFMA per tile) is cheaper than scaling every weight pair before
  // the MMA (16 HMUL2 per tile), and it rounds the weights less (q - z is exact). Each tile's
  // MMAs write a fresh partial sum (the first k16 step overwrites it); the partials are scaled
  // into the running sums once the stage's MMAs are done. ptxas serializes every wgmma of a
  // kernel whose ordinary instructions read a wgmma accumulator while any MMA is in flight
  // (C7514), so this consumer drains its MMAs each stage (wait 0): the other consumer warps on
  // the scheduler cover that wait. Group sizes must be multiples of 64 (one scale per tile and
  // row); group size 32 takes the general consumer.
  static constexpr bool kScaleAfterMma = Cfg::kBlkM <= 16;

  struct DecodeGroup {  // the group being converted
    int tiles_per_group, tile_in_group;
    bool loaded;  // false until the split's first group is read
    float s_lo, s_hi;  // scales of fragment rows row_lo and row_lo + 8
    Offset o_lo, o_hi;
  };

  __device__ static void load_group_decode(const uint8_t* s, int consumer, const ThreadCoords& tc, int group_row,
                                           DecodeGroup& g) {
    const uint16_t* sc = reinterpret_cast<const uint16_t*>(s + Cfg::kSOffset + consumer * Cfg::kGroupBytes);
    g.s_lo = act_to_float<Cfg::kAct>(sc[group_row * 64 + tc.row_lo]);
    g.s_hi = act_to_float<Cfg::kAct>(sc[group_row * 64 + tc.row_lo + 8]);
    if constexpr (Cfg::kHasZero) {
      const uint16_t* zp = reinterpret_cast<const uint16_t*>(s + Cfg::kZOffset + consumer * Cfg::kGroupBytes);
      g.o_lo = Converter::offset_from_zero(zp[group_row * 64 + tc.row_lo]);
      g.o_hi = Converter::offset_from_zero(zp[group_row * 64 + tc.row_lo + 8]);
    } else {
      g.o_lo = g.o_hi = Converter::symmetric_offset(Cfg::kZeroBias);
    }
  }

  __device__ static void convert_tile_unscaled(const uint8_t* s, int consumer, const ThreadCoords& tc,
                                               int tile_in_stage, const DecodeGroup& g,
                                               uint32_t (&a)[layout::kStepsPerTile][4]) {
    const uint8_t* wsrc = s + Cfg::kWOffset + consumer * Cfg::kWBytes + tile_in_stage * Cfg::kWTileBytes + tc.t * 16;
    const uint4 plane0 = *reinterpret_cast<const uint4*>(wsrc);
    const uint32_t w0[4] = {plane0.x, plane0.y, plane0.z, plane0.w};
    if constexpr (Cfg::kBits == 4) {
#pragma unroll
      for (int j = 0; j < 4; ++j) Converter::convert_unscaled(w0[j], g.o_lo, g.o_hi, a[j]);
    } else {
      const uint4 plane1 = *reinterpret_cast<const uint4*>(wsrc + layout::kPlaneBytes);
      const uint32_t w1[4] = {plane1.x, plane1.y, plane1.z, plane1.w};
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const uint32_t* src = j < 2 ? w0 : w1;
        const uint32_t words[2] = {src[2 * (j & 1)], src[2 * (j & 1) + 1]};
        Converter::convert_unscaled(words, g.o_lo, g.o_hi, a[j]);
      }
    }
  }

  // One stage of the decode consumer; the stage is released once its MMAs are done.
  template <bool kFull>
  __device__ static void decode_stage(const Pipeline& pipe, int stage, int consumer, const ThreadCoords& tc,
                                      int tiles, DecodeGroup& g, float (&sum)[Cfg::kBlkM / 2]) {
    const uint8_t* s = pipe.smem + stage * Cfg::kStageBytes;
    AFragments a;
    float part[kStageTiles][Cfg::kBlkM / 2];
    float s_lo[kStageTiles], s_hi[kStageTiles];
    int group_row = 0;  // row among the stage's group parameters (row 0: the first tile's group)
#pragma unroll
    for (int t = 0; t < kStageTiles; ++t) {
      if (kFull || t < tiles) {
        if (t > 0 && g.tile_in_group == 0) ++group_row;
        if (g.tile_in_group == 0 || !g.loaded) {
          load_group_decode(s, consumer, tc, group_row, g);
          g.loaded = true;
        }
        convert_tile_unscaled(s, consumer, tc, t, g, a[t]);
        s_lo[t] = g.s_lo;
        s_hi[t] = g.s_hi;
        if (++g.tile_in_group == g.tiles_per_group) g.tile_in_group = 0;
      } else {
        // Past the end of K: zero weights against TMA's zero-filled X slab (the MMAs are issued
        // regardless: a data-dependent branch around wgmma serializes them), and a zero scale,
        // since this tile's shared-memory scale slot holds no loaded group.
#pragma unroll
        for (int j = 0; j < 4; ++j)
#pragma unroll
          for (int q = 0; q < 4; ++q) a[t][j][q] = 0;
        s_lo[t] = s_hi[t] = 0.0f;
      }
    }
    const uint64_t x_desc = smem_desc_k_major_sw128(ptx::smem_u32(s + Cfg::kXOffset));
#pragma unroll
    for (int t = 0; t < kStageTiles; ++t)
#pragma unroll
      for (int j = 0; j < 4; ++j)
#pragma unroll
        for (int q = 0; q < 4; ++q) ptx::fence_operand(a[t][j][q]);
    ptx::wgmma_fence();
#pragma unroll
    for (int t = 0; t < kStageTiles; ++t)
#pragma unroll
      for (int j = 0; j < 4; ++j)
        wgmma_rs<Cfg::kAct, Cfg::kBlkM>(a[t][j], x_desc + x_desc_step(t, j), part[t], /*accumulate=*/j > 0);
    ptx::wgmma_commit();
    ptx::wgmma_wait<0>();
#pragma unroll
    for (int t = 0; t < kStageTiles; ++t)
#pragma unroll
      for (int v = 0; v < Cfg::kBlkM / 2; ++v) ptx::fence_operand(part[t][v]);
    release(pipe, stage);
    // Rows row_lo (v % 4 < 2) and row_lo + 8 of each 8-column chunk.
#pragma unroll
    for (int t = 0; t < kStageTiles; ++t)
#pragma unroll
      for (int v = 0; v < Cfg::kBlkM / 2; ++v) sum[v] = fmaf(v % 4 < 2 ? s_lo[t] : s_hi[t], part[t][v], sum[v]);
  }

  __device__ static void consume_decode(const GemmParams& p, const Pipeline& pipe, int consumer,
                                        const ThreadCoords& tc, int k_begin, int k_end,
                                        float (&acc)[Cfg::kBlkM / 2]) {
    const int iters = (k_end - k_begin + kStageTiles - 1) / kStageTiles;
    DecodeGroup g;
    g.tiles_per_group = p.group_size / Cfg::kBlkK;
    g.tile_in_group = k_begin % g.tiles_per_group;  // a split may start inside a group
    g.loaded = false;
    for (int it = 0; it < iters; ++it) {
      const int stage = it % kStages;
      ptx::mbarrier_wait(&pipe.full[stage], (it / kStages) & 1);
      const int tiles = min(kStageTiles, k_end - (k_begin + it * kStageTiles));
      if (tiles == kStageTiles)
        decode_stage<true>(pipe, stage, consumer, tc, tiles, g, acc);
      else
        decode_stage<false>(pipe, stage, consumer, tc, tiles, g, acc);
    }
  }

  __device__ static void consume(const GemmParams& p, const Pipeline& pipe, int consumer, bool active, int k_begin,
                                 int k_end, float (&acc)[Cfg::kBlkM / 2]) {
    const ThreadCoords tc = thread_coords();
    const int iters = (k_end - k_begin + kStageTiles - 1) / kStageTiles;

    if (!active) {  // no weight rows for this warpgroup: just keep the pipeline turning
      for (int it = 0; it < iters; ++it) {
        ptx::mbarrier_wait(&pipe.full[it % kStages], (it / kStages) & 1);
        release(pipe, it % kStages);
      }
      return;
    }
    if constexpr (kScaleAfterMma) {
      if (p.group_size % Cfg::kBlkK == 0) {
        consume_decode(p, pipe, consumer, tc, k_begin, k_end, acc);
        return;
      }
    }

    // Two A buffers, alternating between iterations: the loop is unrolled by two so each
    // buffer is a compile-time register array.
    AFragments a0, a1;
    GroupCache gc;
    int it = 0;
    for (; it + 1 < iters; it += 2) {
      consume_stage(p, pipe, consumer, tc, k_begin, k_end, it, gc, a0, acc);
      consume_stage(p, pipe, consumer, tc, k_begin, k_end, it + 1, gc, a1, acc);
    }
    if (it < iters) consume_stage(p, pipe, consumer, tc, k_begin, k_end, it, gc, a0, acc);
    ptx::wgmma_wait<0>();
#pragma unroll
    for (int v = 0; v < Cfg::kBlkM / 2; ++v) ptx::fence_operand(acc[v]);
    release(pipe, (iters - 1) % kStages);
  }
};

}  // namespace mixgemm::kernels
