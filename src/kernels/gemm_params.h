// Parameters of one GEMM launch, built by the host dispatcher and passed by value
// (__grid_constant__) so the TMA descriptor lives in kernel-parameter space, where the copy
// engine may read it.
#pragma once

#include <cuda.h>  // CUtensorMap (type only; the encode entry point comes from the runtime)

#include <cstdint>

namespace mixgemm::kernels {

// Split-K workspace contract between the host and the kernel (splitk_reduce.cuh): a fixed block
// of per-tile arrival counters at the workspace's start (the same place for every call, shape
// and schedule, so the counters that each call returns to zero stay zero for the next), then
// the partials. Split-K calls are limited to this many output tiles and splits.
inline constexpr int kSplitKMaxTiles = 8192;
inline constexpr int kSplitKMaxSplits = 8;
inline constexpr int64_t kSplitKCountersBytes = int64_t(kSplitKMaxTiles) * 4;

// Token tiles of this many tokens and more are compiled with a loop over work items, so their
// grids may be persistent ("_p" schedules: one CTA per slot, tile_scheduler.cuh). Smaller tiles
// compute exactly one item per CTA: the loop's state, live through the mainloop, costs their
// register-bound consumers serialized wgmma (ptxas C7512) and measured 5-20 % slower.
inline constexpr int kPersistentMinBlockM = 128;

// Weight numerics by token tile (mixgemm.h, Numerics), one rule for the kernels and the tests'
// reference: tiles of at most kWarpMmaMaxBlockM tokens run warp-level MMAs and scale fp32 sums
// at every group size; up to kScaleSumsMaxBlockM they scale fp32 sums when the groups are whole
// 64-deep K tiles; otherwise the weights are scaled in the activation type (rounded once).
inline constexpr int kWarpMmaMaxBlockM = 16;
inline constexpr int kScaleSumsMaxBlockM = 32;
constexpr bool scales_fp32_sums(int blk_m, int64_t group_size) {
  return blk_m <= kWarpMmaMaxBlockM || (blk_m <= kScaleSumsMaxBlockM && group_size % 64 == 0);
}

// Token tiles whose split tiles may run as thread-block clusters (splitk_cluster.cuh): the decode
// tiles, one work item per CTA, whose stage buffers hold the other splits' partials.
inline constexpr int kClusterSplitKMaxBlockM = 16;

// Whether a split grid of `ctas` CTAs launched as clusters of `size` (splitk_cluster.cuh) starts
// all at once, given how many such clusters the device holds at a time (an occupancy query): only
// then does the launcher keep the clusters (gemm_sm90_ws.cuh).
constexpr bool cluster_grid_fits_one_wave(int64_t ctas, int size, int clusters_per_wave) {
  return size >= 2 && clusters_per_wave > 0 && (ctas + size - 1) / size <= clusters_per_wave;
}

// Division by a divisor fixed for the launch (the group size; stream-K's K tiles per tile and
// run length) without a division instruction: k / d = (umulhi(k, m_lo) + k) >> l for every
// k < 2^31 and 1 <= d <= 2^31, with l = ceil(log2 d) and m = 2^32 + m_lo = ceil(2^(32 + l) / d)
// (2^32 <= m < 2^33, so the high word of k * m is umulhi(k, m_lo) + k, below 2^32 while
// k < 2^31; the round-up error of m is under d, which keeps the quotient exact). Three
// instructions and no branch for every divisor: a power of two has m_lo = 0; a shift alone
// needs a division fallback for the others, and the branch around it sat in the consumers' hot
// loops.
struct MultiplyShiftDivider {
  uint32_t magic_lo = 0;
  int shift = 0;
#if defined(__CUDACC__)
  __host__ __device__
#endif
  static MultiplyShiftDivider make(int64_t d) {
    MultiplyShiftDivider g;
    while ((int64_t(1) << g.shift) < d) ++g.shift;
    const uint64_t m = ((uint64_t(1) << (32 + g.shift)) + uint64_t(d) - 1) / uint64_t(d);
    g.magic_lo = uint32_t(m);  // m >> 32 == 1
    return g;
  }
#if defined(__CUDACC__)
  __host__ __device__
#endif
  int divide(uint32_t k) const {
#if defined(__CUDA_ARCH__)
    const uint32_t hi = __umulhi(k, magic_lo) + k;
#else
    const uint32_t hi = uint32_t((uint64_t(k) * magic_lo) >> 32) + k;
#endif
    return int(hi >> shift);
  }
  // A power-of-two group size divides by the shift alone (m = 2^32): the decode consumers then
  // walk groups by whole tiles with a shift (consumer_scaled_sums.cuh).
#if defined(__CUDACC__)
  __host__ __device__
#endif
  bool is_power_of_two() const { return magic_lo == 0; }
};

// The stream-K division of one launch (kernels/stream_k.h): k_tiles K tiles per tile, runs of
// per_cta of the iters K tiles laid end to end (per_cta 0: no stream-K). The divisions by
// k_tiles and per_cta are multiply-shifts (MultiplyShiftDivider) planned on the host, not the ~20
// instructions of a division by a variable, which each CTA would run several times per segment
// (the stream-K code made the 128-token kernel 1.2 % slower with them, perf-notes v25c).
struct StreamKShape {
  int k_tiles = 0, per_cta = 0, iters = 0;
  MultiplyShiftDivider by_k_tiles, by_per_cta;
#if defined(__CUDACC__)
  __host__ __device__
#endif
  static StreamKShape make(int k_tiles, int per_cta, int iters) {
    StreamKShape s;
    s.k_tiles = k_tiles;
    s.per_cta = per_cta;
    s.iters = iters;
    s.by_k_tiles = MultiplyShiftDivider::make(k_tiles > 0 ? k_tiles : 1);
    s.by_per_cta = MultiplyShiftDivider::make(per_cta > 0 ? per_cta : 1);
    return s;
  }
};

struct GemmParams {
  CUtensorMap x_map;          // X [m, k], box {64, BlkM}, 128-byte swizzle
  const uint8_t* weights;     // prepacked weight section
  const uint16_t* scales;     // prepacked scales  [N/64][groups][64]
  const uint16_t* zeros;      // prepacked zeros   [N/64][groups][64] or null
  const uint16_t* bias;       // [n] or null
  uint16_t* y;                // Y [m, ldy], activation type
  float* partials;            // split-K: fp32 partials, [tile][split][chunk][thread] (splitk_reduce.cuh)
  uint32_t* tile_counters;    // split-K: arrivals per output tile [kSplitKMaxTiles]; zero between calls
  int64_t m, n, k, ldy;
  int group_size;
  MultiplyShiftDivider group_div;  // k / group_size (group_of, mainloop_common.cuh)
  int groups;                      // k / group_size, kept: the producer indexes group parameters by it
  // Work division (tile_scheduler.cuh): tiles = n_tiles x ceil(m / BlkM); the first dp_tiles
  // whole-K, the last sk_tiles split sk_splits ways: work_items = dp_tiles + sk_tiles * sk_splits,
  // one per CTA, or fewer CTAs that loop over them (persistent "_p" schedules).
  // (32-bit: the grid holds at most 2^31 - 1 CTAs, checked on the host, and 64-bit division is
  // a called subroutine on the GPU, whose register saves spill in the largest tiles.)
  int n_tiles;                // output tiles along N: ceil(n / 128)
  int dp_tiles;               // tiles computed whole-K by one CTA each
  int sk_tiles;               // tiles whose K range is split
  int sk_splits;              // splits of each of those (>= 2 when sk_tiles > 0)
  int k_tiles_per_split;      // 64-deep K tiles per split
  // Top-up (two CTAs per SM, one item per CTA): split tiles 0 .. extra_split_tiles - 1 take one
  // split more, k_tiles_per_extra_split deep each, so the grid is one CTA per SM (schedules.cpp,
  // top_up_splits). Their extra items come after the sk_tiles * sk_splits others.
  int extra_split_tiles;
  int k_tiles_per_extra_split;
  int work_items;             // dp_tiles + sk_tiles * sk_splits + extra_split_tiles; stream-K: dp_tiles + stream_k.iters
  // Stream-K ("_streamk", stream_k.h): the sk_tiles' K tiles laid end to end, each CTA a run
  // of them (stream_k.per_cta 0: split-K as above); item dp_tiles + pos is the segment starting
  // at run position pos.
  StreamKShape stream_k;
  int cluster_splits;         // > 1: every tile split, each as one cluster of that many CTAs, summed
                              // over distributed shared memory (splitk_cluster.cuh); else 0
#ifdef MIXGEMM_TIMELINE
  uint64_t* timeline;         // diagnostic builds: this launch's per-CTA records (kernels/timeline.h)
#endif
};

}  // namespace mixgemm::kernels
