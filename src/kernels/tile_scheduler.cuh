// Which output tile and K range each CTA of the sm_90 GEMM computes.
//
// The grid is one-dimensional. Output tiles (128 weight rows x BlkM tokens) are numbered
// t = n_tile + n_tiles * m_tile. The first p.dp_tiles CTAs compute tiles 0 .. dp_tiles - 1 over
// the whole K range (data-parallel); the remaining p.sk_tiles tiles are computed by
// p.sk_splits CTAs each, one K range of p.k_tiles_per_split tiles apiece, and summed in the
// kernel (splitk_reduce.cuh). CTAs launch in index order, so split CTAs run last: a plain
// split-K schedule has dp_tiles = 0; the "_dpsk" schedules split only the tiles of a last,
// partly filled wave, which otherwise would leave most SMs idle (docs/design.md).
#pragma once

#include <cstdint>

#include "kernels/gemm_params.h"

namespace mixgemm::kernels {

struct CtaWork {
  int n_tile, m_tile;  // the output tile: weight rows 128 * n_tile, tokens BlkM * m_tile
  int sk_tile;         // index among the split tiles (counters, partials); -1: whole K
  int split, splits;   // this CTA's K range among the tile's; splits == 1: whole K
  int k_begin, k_end;  // 64-deep K tiles [k_begin, k_end)
};

// The CTA's index, read so that the compiler cannot reuse an earlier read: the epilogue
// recomputes its CtaWork after the mainloop rather than keep it in registers through it (the
// 256-token tiles need every register there).
__device__ __forceinline__ uint32_t cta_index() {
  uint32_t i;
  asm volatile("mov.u32 %0, %%ctaid.x;" : "=r"(i));
  return i;
}

__device__ __forceinline__ CtaWork cta_work(const GemmParams& p, int k_tiles) {
  CtaWork w;
  const uint32_t cta = cta_index();
  uint32_t tile;
  if (cta < uint32_t(p.dp_tiles)) {
    tile = cta;
    w.sk_tile = -1;
    w.split = 0;
    w.splits = 1;
    w.k_begin = 0;
    w.k_end = k_tiles;
  } else {
    // Split-major: the first split of every split tile, then the second, ... (the order the
    // former three-dimensional grid launched them in).
    const uint32_t j = cta - uint32_t(p.dp_tiles);
    w.sk_tile = int(j % uint32_t(p.sk_tiles));
    tile = uint32_t(p.dp_tiles) + uint32_t(w.sk_tile);
    w.split = int(j / uint32_t(p.sk_tiles));
    w.splits = p.sk_splits;
    w.k_begin = w.split * p.k_tiles_per_split;
    w.k_end = min(w.k_begin + p.k_tiles_per_split, k_tiles);
  }
  w.n_tile = int(tile % uint32_t(p.n_tiles));
  w.m_tile = int(tile / uint32_t(p.n_tiles));
  return w;
}

}  // namespace mixgemm::kernels
