// Which output tile and K range each CTA of the sm_90 GEMM computes.
//
// The grid is one-dimensional. Output tiles (128 weight rows x BlkM tokens) are numbered
// t = n_tile + n_tiles * m_tile. The first p.dp_tiles work items are tiles 0 .. dp_tiles - 1
// over the whole K range (data-parallel); the remaining p.sk_tiles tiles are p.sk_splits items
// each, one K range of p.k_tiles_per_split tiles apiece, summed in the kernel
// (splitk_reduce.cuh). Items run in index order (CTAs launch in index order; a persistent
// CTA takes every gridDim.x-th item), so split items run last: a plain
// split-K schedule has dp_tiles = 0; the "_dpsk" schedules split only the tiles of a last,
// partly filled wave, which otherwise would leave most SMs idle (docs/design.md). A two-CTA
// grid short of one CTA per SM is topped up to exactly one (p.extra_split_tiles tiles take one
// split more), so each launch's CTAs share SMs only with the next launch's (schedules.cpp).
// Stream-K ("_streamk", p.stream_k.per_cta > 0, stream_k.h): after its whole tiles (every
// gridDim.x-th of the dp_tiles, a multiple of the grid), each CTA computes the segments of its
// own run over the stream-K tiles' K tiles; item dp_tiles + pos is the segment at position pos.
#pragma once

#include <cstdint>

#include "kernels/gemm_params.h"
#include "kernels/sm90_ptx.cuh"
#include "kernels/stream_k.h"

namespace mixgemm::kernels {

struct CtaWork {
  int n_tile, m_tile;  // the output tile: weight rows 128 * n_tile, tokens BlkM * m_tile
  int sk_tile;         // index among the split tiles (counters); -1: whole K
  int split, splits;   // this CTA's K range among the tile's; splits == 1: whole K
  int slab0;           // the tile's first partial slab in the workspace (splitk_reduce.cuh)
  int k_begin, k_end;  // 64-deep K tiles [k_begin, k_end)
};

// Output tile and split of work item `item` (0 .. p.work_items - 1); k_begin and k_end unset
// (the epilogue needs only these). A CTA computes items blockIdx.x, + gridDim.x, ...: a grid of
// one CTA per item runs each once; a persistent grid (one CTA per slot, "_p" schedules) loops,
// so a CTA's producer streams its next tile while its consumers store the last. kLoops: the
// kernel loops over items (kernels built for one item per CTA have no stream-K code).
template <bool kLoops>
__device__ __forceinline__ CtaWork item_tile(const GemmParams& p, int item) {
  CtaWork w;
  const uint32_t index = uint32_t(item);
  uint32_t tile;
  if (index < uint32_t(p.dp_tiles)) {
    tile = index;
    w.sk_tile = -1;
    w.split = 0;
    w.splits = 1;
    w.slab0 = 0;
  } else if (kLoops && p.stream_k.per_cta > 0) {
    const StreamKSegment s = stream_k_segment(p.stream_k, ptx::cta_index(), item - p.dp_tiles);
    w.sk_tile = s.tile;
    w.split = s.share;
    w.splits = s.shares;
    w.slab0 = s.slab;
    tile = uint32_t(p.dp_tiles + s.tile);
  } else {
    // Split-major: the first split of every split tile, then the second, ... (the order the
    // former three-dimensional grid launched them in). Clusters (p.cluster_splits, no whole-K
    // tiles): tile-major, so a cluster's consecutive CTAs are one tile's splits, rank = split.
    const uint32_t j = index - uint32_t(p.dp_tiles);
    if (p.cluster_splits > 1) {
      w.sk_tile = int(j / uint32_t(p.sk_splits));
      w.split = int(j % uint32_t(p.sk_splits));
    } else {
      w.sk_tile = int(j % uint32_t(p.sk_tiles));
      w.split = int(j / uint32_t(p.sk_tiles));
    }
    tile = uint32_t(p.dp_tiles) + uint32_t(w.sk_tile);
    w.splits = p.sk_splits;
    w.slab0 = w.sk_tile * p.sk_splits;
    if constexpr (!kLoops) {
      // Top-up items (gemm_params.h): after every tile's sk_splits, the last split of the
      // first extra_split_tiles tiles; those tiles' slabs are one more each.
      const uint32_t uniform = uint32_t(p.sk_tiles) * uint32_t(p.sk_splits);
      if (j >= uniform) {
        w.sk_tile = int(j - uniform);
        w.split = p.sk_splits;
        tile = uint32_t(p.dp_tiles) + uint32_t(w.sk_tile);
      }
      const bool extra = w.sk_tile < p.extra_split_tiles;
      w.splits += int(extra);
      w.slab0 += min(w.sk_tile, p.extra_split_tiles);
    }
  }
  w.n_tile = int(tile % uint32_t(p.n_tiles));
  w.m_tile = int(tile / uint32_t(p.n_tiles));
  return w;
}

// The whole work item: its tile, split and K range (64-deep K tiles).
template <bool kLoops>
__device__ __forceinline__ CtaWork work_item(const GemmParams& p, int item) {
  CtaWork w = item_tile<kLoops>(p, item);
  const int k_tiles = int(p.k / 64);
  if (uint32_t(item) < uint32_t(p.dp_tiles)) {
    w.k_begin = 0;
    w.k_end = k_tiles;
  } else if (kLoops && p.stream_k.per_cta > 0) {
    // The same segment item_tile computed: inlined and pure, the two calls are merged (a form
    // with one call and the fields copied grew the 128/256-token kernels by 80-120 instructions).
    const StreamKSegment s = stream_k_segment(p.stream_k, ptx::cta_index(), item - p.dp_tiles);
    w.k_begin = s.k_begin;
    w.k_end = s.k_end;
  } else {
    const int per_split =
        !kLoops && w.sk_tile < p.extra_split_tiles ? p.k_tiles_per_extra_split : p.k_tiles_per_split;
    w.k_begin = w.split * per_split;
    w.k_end = min(w.k_begin + per_split, k_tiles);
  }
  return w;
}

// Whether split item `w` is its CTA's last item, after which no stage of the CTA's ring is
// filled again: every split item of a grid of one item per CTA; for stream-K, the segment of the
// run's last K tile. Computed after the mainloop from the tile alone, so no flag stays live
// through it.
template <bool kLoops>
__device__ __forceinline__ bool split_item_is_last(const GemmParams& p, const CtaWork& w) {
  if (!kLoops || p.stream_k.per_cta == 0) return int64_t(gridDim.x) >= int64_t(p.work_items);
  return w.sk_tile == stream_k_last_tile(p.stream_k, ptx::cta_index());
}

// A looping CTA's first item, and the item after `item` (-1: none left; stream_k.h).
__device__ __forceinline__ int first_item(const GemmParams& p) {
  return loop_first_item(p.stream_k, ptx::cta_index(), p.dp_tiles, p.work_items);
}
__device__ __forceinline__ int next_item(const GemmParams& p, int item) {
  return loop_next_item(p.stream_k, ptx::cta_index(), int(gridDim.x), item, p.dp_tiles, p.work_items);
}

}  // namespace mixgemm::kernels
