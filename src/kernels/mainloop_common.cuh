// What the producer and the consumers of the sm_90 mainloop share: the stage pipeline (full /
// empty mbarriers over kStages shared-memory stages), the K range and groups of each stage, the
// consumer threads' fragment coordinates and the X descriptor steps.
#pragma once

#include <cstdint>

#include "common/prepacked_layout.h"
#include "kernels/dequant.cuh"
#include "kernels/gemm_params.h"
#include "kernels/sm90_ptx.cuh"

namespace mixgemm::kernels {

struct StagePipeline {
  uint64_t* full;   // producer -> consumers: stage data landed (an arrival per copy role + bytes)
  uint64_t* empty;  // consumers -> producer: stage consumed (one arrival per consumer thread)
  uint8_t* smem;    // kStages x kStageBytes, 1024-byte aligned
};

// The K range of one pipeline iteration: up to kStageTiles 64-deep tiles, and the groups (rows
// of the prepacked scales / zero points) they touch.
struct StageRange {
  int kt0, tiles;
  int group_first, group_rows;
};

// A consumer thread's place in its warpgroup's wgmma fragments.
struct ThreadCoords {
  int t, lane, row_lo;  // thread in the warpgroup; fragment rows row_lo and row_lo + 8
};

__device__ __forceinline__ ThreadCoords thread_coords() {
  ThreadCoords tc;
  tc.t = threadIdx.x % 128;
  tc.lane = tc.t % 32;
  tc.row_lo = (tc.t / 32) * 16 + tc.lane / 4;
  return tc;
}

// Group of a K index: a multiply-high and a shift for every group size (MultiplyShiftDivider; a
// 32-bit division is a ~20-instruction sequence, and a branch around it sat in the hot loops).
__device__ __forceinline__ int group_of(const GemmParams& p, int k) { return p.group_div.divide(uint32_t(k)); }

// Waits until pipeline iteration `slot` (numbered across a CTA's tiles) has landed in its stage,
// the ring's slot % stages, in that stage's (slot / stages)-th use; returns the stage.
template <int kStages>
__device__ __forceinline__ int wait_stage_full(const StagePipeline& pipe, int slot) {
  const int stage = slot % kStages;
  ptx::mbarrier_wait(&pipe.full[stage], (slot / kStages) & 1);
  return stage;
}

// The stage and phase parity of consecutive pipeline iterations, stepped by an add and a compare
// instead of a division by kStages per stage (~8 instructions of a decode consumer's stage).
template <int kStages>
struct StageCursor {
  int stage;
  uint32_t parity;
  __device__ __forceinline__ explicit StageCursor(int slot) : stage(slot % kStages), parity((slot / kStages) & 1) {}
  __device__ __forceinline__ int wait_full(const StagePipeline& pipe) const {
    ptx::mbarrier_wait(&pipe.full[stage], parity);
    return stage;
  }
  __device__ __forceinline__ void advance() {
    if (++stage == kStages) stage = 0, parity ^= 1;
  }
};

// Every consumer thread arrives: an mbarrier arrive (release, CTA scope) orders only the
// executing thread's own shared-memory reads before the producer's next copy into the stage.
__device__ __forceinline__ void release_stage(const StagePipeline& pipe, int stage) {
  ptx::mbarrier_arrive(&pipe.empty[stage]);
}

template <class Cfg>
struct MainloopCommon {
  static constexpr int kStages = Cfg::kStages;
  static constexpr int kStageTiles = Cfg::kStageTiles;
  using Converter = WeightConverter<Cfg::kAct, Cfg::kBits>;
  using Offset = typename Converter::Offset;
  using AFragments = uint32_t[kStageTiles][layout::kStepsPerTile][4];  // one stage's A operands

  __device__ static StageRange stage_range(const GemmParams& p, int k_begin, int k_end, int it) {
    StageRange r;
    r.kt0 = k_begin + it * kStageTiles;
    r.tiles = min(kStageTiles, k_end - r.kt0);
    r.group_first = group_of(p, r.kt0 * Cfg::kBlkK);
    r.group_rows = group_of(p, (r.kt0 + r.tiles) * Cfg::kBlkK - 1) - r.group_first + 1;
    return r;
  }

  // The group parameters of weight row `row` (0-63 of the consumer's tile) in row `group_row` of
  // a stage's group parameters: the 16-bit scale, and the offset the converter subtracts from
  // (magic + q) — from the zero point where the type has one, else the type's fixed bias.
  __device__ static uint16_t group_scale(const uint8_t* s, int consumer, int group_row, int row) {
    const uint16_t* sc = reinterpret_cast<const uint16_t*>(s + Cfg::kSOffset + consumer * Cfg::kGroupBytes);
    return sc[group_row * layout::kTileN + row];
  }
  __device__ static Offset group_offset(const uint8_t* s, int consumer, int group_row, int row) {
    if constexpr (Cfg::kHasZero) {
      const uint16_t* zp = reinterpret_cast<const uint16_t*>(s + Cfg::kZOffset + consumer * Cfg::kGroupBytes);
      return Converter::offset_from_zero(zp[group_row * layout::kTileN + row]);
    } else {
      return Converter::symmetric_offset(Cfg::kZeroBias);
    }
  }

  // This thread's packed weights of one tile in shared memory (16 bytes per plane: one
  // conflict-free LDS.128 each): 4 words of nibbles (4-bit) or 8 of bytes (8-bit, two planes).
  static constexpr int kTileWords = Cfg::kBits == 4 ? 4 : 8;
  __device__ static void load_tile_words(const uint8_t* s, int consumer, const ThreadCoords& tc, int tile_in_stage,
                                         uint32_t (&w)[kTileWords]) {
    const uint8_t* wsrc = s + Cfg::kWOffset + consumer * Cfg::kWBytes + tile_in_stage * Cfg::kWTileBytes + tc.t * 16;
    const uint4 plane0 = *reinterpret_cast<const uint4*>(wsrc);
    w[0] = plane0.x, w[1] = plane0.y, w[2] = plane0.z, w[3] = plane0.w;
    if constexpr (Cfg::kBits == 8) {
      const uint4 plane1 = *reinterpret_cast<const uint4*>(wsrc + layout::kPlaneBytes);
      w[4] = plane1.x, w[5] = plane1.y, w[6] = plane1.z, w[7] = plane1.w;
    }
  }

  // Hands a tile's words to convert_step(j, word) for each k16 step j: one 32-bit word of
  // nibbles (4-bit) or two words of bytes (8-bit: steps 0-1 in the first plane, 2-3 in the second).
  template <class ConvertStep>
  __device__ static void for_each_step(const uint32_t (&w)[kTileWords], ConvertStep&& convert_step) {
    if constexpr (Cfg::kBits == 4) {
#pragma unroll
      for (int j = 0; j < 4; ++j) convert_step(j, w[j]);
    } else {
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const uint32_t words[2] = {w[4 * (j / 2) + 2 * (j & 1)], w[4 * (j / 2) + 2 * (j & 1) + 1]};
        convert_step(j, words);
      }
    }
  }
  template <class ConvertStep>
  __device__ static void for_each_step(const uint8_t* s, int consumer, const ThreadCoords& tc, int tile_in_stage,
                                       ConvertStep&& convert_step) {
    uint32_t w[kTileWords];
    load_tile_words(s, consumer, tc, tile_in_stage, w);
    for_each_step(w, convert_step);
  }

  // A tile past the end of K: zero weights against TMA's zero-filled X slab, so every stage
  // issues the same MMAs (a data-dependent branch around wgmma makes ptxas serialize them).
  __device__ static void zero_tile(uint32_t (&a)[layout::kStepsPerTile][4]) {
#pragma unroll
    for (int j = 0; j < layout::kStepsPerTile; ++j)
#pragma unroll
      for (int q = 0; q < 4; ++q) a[j][q] = 0;
  }

  // Orders a stage's converted A fragments before the wgmma that read them from registers.
  __device__ static void fence_fragments(AFragments& a) {
#pragma unroll
    for (int t = 0; t < kStageTiles; ++t)
#pragma unroll
      for (int j = 0; j < layout::kStepsPerTile; ++j)
#pragma unroll
        for (int q = 0; q < 4; ++q) ptx::fence_operand(a[t][j][q]);
  }

  // Byte offset of k16 step j of slab t from the stage's first X slab: the stage's descriptor is
  // built once and stepped by this constant (SmemDescSw128::at), not rebuilt per MMA.
  __device__ static constexpr uint32_t x_offset(int t, int j) { return uint32_t(t * Cfg::kXSlabBytes + j * 32); }
};

}  // namespace mixgemm::kernels
