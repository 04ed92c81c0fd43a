// Stream-K work division (the "_streamk" schedules), shared by the kernels, the host planner and
// the CPU tests: pure integer arithmetic, no device state.
//
// Split-K cuts every split tile into equal K ranges; when the tiles do not fill the SMs a whole
// number of times, either a wave stays part empty or the splits overfill it (8B qkv at M = 512:
// 96 tiles of 256 tokens on 132 SMs, or 192 half tiles in 1.45 waves). Stream-K lays the
// stream-K tiles' 64-deep K tiles end to end, tile-major, and gives each CTA one contiguous run
// of `per_cta` of them: every SM streams the same number of K tiles, whatever the tile count.
// A run covers the end of one tile, whole tiles, and the start of another; the CTAs sharing a
// tile write fp32 partials and the last to arrive sums them in the order of their runs
// (splitk_reduce.cuh), so results stay bitwise reproducible for a given grid.
//
// Partial slabs: the share of tile t computed by CTA c goes to slab t + c. Along the runs t and
// c never decrease and one of them grows at each segment, so t + c is unique, and a tile's
// shares (CTAs c0 .. c1) sit in consecutive slabs t + c0 .. t + c1, in order. The workspace
// holds tiles + CTAs - 1 slabs.
#pragma once

#include <cstdint>

#include "kernels/gemm_params.h"

#if defined(__CUDACC__)
#define MIXGEMM_STREAM_K_FN __host__ __device__ __forceinline__
#else
#define MIXGEMM_STREAM_K_FN inline
#endif

namespace mixgemm::kernels {

// The most CTAs that share one tile: the in-kernel reduction sums at most kSplitKMaxSplits
// partials. A tile of k_tiles K tiles meets at most ceil((k_tiles - 1) / per_cta) + 1 runs, so
// the planner keeps per_cta >= ceil((k_tiles - 1) / (kStreamKMaxShares - 1)).
inline constexpr int kStreamKMaxShares = kSplitKMaxSplits;

struct StreamKSegment {
  int tile;            // index among the stream-K tiles
  int k_begin, k_end;  // the segment's 64-deep K tiles within its tile
  int share, shares;   // this CTA's place among the CTAs of the tile, and their count (1: whole)
  int slab;            // the tile's first partial slab (its share 0)
};

// One past the last run position of CTA `cta` (its run is [cta * per_cta, run_end)).
MIXGEMM_STREAM_K_FN int stream_k_run_end(const StreamKShape& g, int cta) {
  return (cta + 1) * g.per_cta < g.iters ? (cta + 1) * g.per_cta : g.iters;
}

// The segment that starts at run position `pos` (0 .. iters - 1) of CTA `cta`, which owns
// positions [cta * per_cta, min((cta + 1) * per_cta, iters)).
MIXGEMM_STREAM_K_FN StreamKSegment stream_k_segment(const StreamKShape& g, int cta, int pos) {
  StreamKSegment s;
  s.tile = g.by_k_tiles.divide(uint32_t(pos));
  const int tile_begin = s.tile * g.k_tiles;
  const int run_end = stream_k_run_end(g, cta);
  s.k_begin = pos - tile_begin;
  s.k_end = (run_end < tile_begin + g.k_tiles ? run_end : tile_begin + g.k_tiles) - tile_begin;
  const int first = g.by_per_cta.divide(uint32_t(tile_begin));
  const int last = g.by_per_cta.divide(uint32_t(tile_begin + g.k_tiles - 1));
  s.share = cta - first;
  s.shares = last - first + 1;
  s.slab = s.tile + first;
  return s;
}

// CTA `cta`'s first run position, or -1 where it has none.
MIXGEMM_STREAM_K_FN int stream_k_first(const StreamKShape& g, int cta) {
  return g.per_cta > 0 && cta * g.per_cta < g.iters ? cta * g.per_cta : -1;
}

// The run position after the segment at `pos`, or -1 where that segment ends the CTA's run.
MIXGEMM_STREAM_K_FN int stream_k_next(const StreamKShape& g, int cta, int pos) {
  const int run_end = stream_k_run_end(g, cta);
  const int tile_end = (g.by_k_tiles.divide(uint32_t(pos)) + 1) * g.k_tiles;
  return tile_end < run_end ? tile_end : -1;
}

// The tile of CTA `cta`'s last segment, the one that holds its run's last K tile (-1: no run).
// No stage of the CTA's ring is filled after that segment (splitk_reduce.cuh: RingReduce).
MIXGEMM_STREAM_K_FN int stream_k_last_tile(const StreamKShape& g, int cta) {
  if (stream_k_first(g, cta) < 0) return -1;
  const int run_end = stream_k_run_end(g, cta);
  return int(g.by_k_tiles.divide(uint32_t(run_end - 1)));
}

// The work items of a CTA that loops over them (tile_scheduler.cuh: first_item, next_item):
// items dp_tiles + pos are stream-K segments (g.per_cta > 0), the others whole tiles or splits.
// Plain, split-K and "_p" grids: every grid-th item from the CTA's index. Stream-K: the CTA's
// whole tiles (every grid-th below dp_tiles, a multiple of the grid), then its run's segments.
// -1: no item left.
MIXGEMM_STREAM_K_FN int loop_first_item(const StreamKShape& g, int cta, int dp_tiles, int work_items) {
  if (g.per_cta == 0 || cta < dp_tiles) return cta < work_items ? cta : -1;
  const int pos = stream_k_first(g, cta);
  return pos < 0 ? -1 : dp_tiles + pos;
}
MIXGEMM_STREAM_K_FN int loop_next_item(const StreamKShape& g, int cta, int grid, int item, int dp_tiles,
                                       int work_items) {
  const int next = item + grid;
  if (g.per_cta == 0) return next < work_items ? next : -1;
  int pos;
  if (item < dp_tiles) {
    if (next < dp_tiles) return next;
    pos = stream_k_first(g, cta);
  } else {
    pos = stream_k_next(g, cta, item - dp_tiles);
  }
  return pos < 0 ? -1 : dp_tiles + pos;
}

}  // namespace mixgemm::kernels

#undef MIXGEMM_STREAM_K_FN
