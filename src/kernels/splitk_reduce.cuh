// Split-K inside the GEMM kernel: the K splits of an output tile are summed by whichever of
// their CTAs finishes last, in split order, so results are bitwise reproducible (no atomics on
// the data) and no second kernel is launched.
//
// Each CTA of a split writes its fp32 partial tile to the workspace, then counts its arrival on
// the tile's counter. The CTA that sees S - 1 earlier arrivals reads the other S - 1 partials
// back from L2, sums all S in split order 0..S-1 (its own from registers: the same bits it
// stored), writes Y through the normal epilogue, and returns the counter to zero. The counters
// sit in one fixed block at the workspace's start (gemm_params.h), so they are all zero between
// calls whatever shapes and schedules share the buffer: the caller zero-fills it once
// (mixgemm.h). The partials need no clearing: every call writes before it reads.
//
// Workspace layout: counters [kSplitKMaxTiles] (u32), then the partials as slabs of
// [chunk][thread] float4, chunk i = acc[4i .. 4i + 3] of consumer thread `thread` (0..255).
// Chunk-major slabs make every warp's stores and loads one contiguous 512-byte run. A tile's
// splits use consecutive slabs from its CtaWork::slab0: tile x splits + split for split-K (the
// index among the split tiles), tile + CTA for stream-K (stream_k.h), whose tiles have from 1
// to kStreamKMaxShares shares.
#pragma once

#include <cstdint>

#include "kernels/epilogue.cuh"
#include "kernels/gemm_params.h"
#include "kernels/sm90_ptx.cuh"
#include "kernels/tile_scheduler.cuh"

namespace mixgemm::kernels {

// Named barrier of the consumer warpgroups (id 0 is __syncthreads, which the producer has left).
inline constexpr int kSplitKBarrier = 1;
// An arrival count at or above the split count means the workspace was not zero at the call:
// the arriving CTA writes NaN to its tile (never a silently wrong sum) and sets this bit, so the
// counter stays invalid for later calls until the caller zero-fills the workspace again.
inline constexpr uint32_t kCounterPoisoned = 0x80000000u;

template <class Cfg>
struct SplitKSlab {
  static constexpr int kThreads = Cfg::kConsumers * 128;
  static constexpr int kChunks = Cfg::kBlkM / 8;
  static constexpr int kFloat4s = kThreads * kChunks;  // one split's partial of one tile
  // Loads in flight per thread while reducing: all splits of a few chunks at once (the L2
  // round trip, not bandwidth, bounds the reduction: ~0.9 us each while the next launch streams
  // weights, perf-notes v19b). Two CTAs per SM have half the registers, but their tiles are
  // small (8-64 tokens: 4-32 accumulators live), so 8 loads (32 registers) fit and 8 splits
  // take one round trip: 1.01-1.03x at 32 and 64 tokens over 4 (perf-notes v25b). 16 spill
  // there. 128- and 256-token tiles keep 64 or 128 accumulators live besides: 8, or they spill.
  static constexpr int kLoadsInFlight = Cfg::kCtasPerSm == 1 && Cfg::kBlkM < 128 ? 16 : 8;
};

// Sums the partials (`splits` <= MaxSplits) in split order and writes Y, a batch of chunks at a
// time with the loads of a group of splits in flight together; the reducing CTA's own split
// `mine` comes from its registers. Batch and group sizes are compile-time constants, so the
// loaded values stay in registers.
template <class Cfg, int MaxSplits>
__device__ __forceinline__ void reduce_tile(const GemmParams& p, const float4* tile_slabs, int splits, int mine,
                                            int tid, const float (&acc)[Cfg::kBlkM / 2], const OutputWriter<Cfg>& out) {
  using Slab = SplitKSlab<Cfg>;
  constexpr int kPerBatch = Slab::kLoadsInFlight / MaxSplits;
  constexpr int kBatch = kPerBatch < 1 ? 1 : (kPerBatch < Slab::kChunks ? kPerBatch : Slab::kChunks);
  constexpr int kGroup = Slab::kLoadsInFlight / kBatch < MaxSplits ? Slab::kLoadsInFlight / kBatch : MaxSplits;
  static_assert(Slab::kChunks % kBatch == 0 && MaxSplits % kGroup == 0, "batches and groups tile the work");
#pragma unroll
  for (int i0 = 0; i0 < Slab::kChunks; i0 += kBatch) {
    float v[kBatch][4];
#pragma unroll
    for (int s0 = 0; s0 < MaxSplits; s0 += kGroup) {
      float4 part[kGroup][kBatch];
#pragma unroll
      for (int g = 0; g < kGroup; ++g)
#pragma unroll
        for (int b = 0; b < kBatch; ++b) {
          const int s = s0 + g, i = i0 + b;
          if (s == mine) {
            part[g][b] = make_float4(acc[4 * i], acc[4 * i + 1], acc[4 * i + 2], acc[4 * i + 3]);
          } else if (s < splits) {
            part[g][b] = __ldcg(tile_slabs + s * Slab::kFloat4s + i * Slab::kThreads + tid);
          }
        }
#pragma unroll
      for (int g = 0; g < kGroup; ++g)
#pragma unroll
        for (int b = 0; b < kBatch; ++b) {
          const int s = s0 + g;
          if (s == 0) {
            v[b][0] = part[g][b].x;
            v[b][1] = part[g][b].y;
            v[b][2] = part[g][b].z;
            v[b][3] = part[g][b].w;
          } else if (s < splits) {
            v[b][0] += part[g][b].x;
            v[b][1] += part[g][b].y;
            v[b][2] += part[g][b].z;
            v[b][3] += part[g][b].w;
          }
        }
    }
#pragma unroll
    for (int b = 0; b < kBatch; ++b) out.store_chunk(p, i0 + b, v[b]);
  }
}

// Two splits at 128 and 256 tokens: the other one's partial is the only one to load, so every
// load slot holds it (reduce_tile keeps a slot per split, one of them this CTA's own from
// registers: half its slots idle here), and the sums go out through shared memory 64 tokens (8
// chunks) at a time. fp32 addition commutes, so own + other is the split-order sum's bits.
template <class Cfg>
__device__ __forceinline__ void reduce_pair_staged(const GemmParams& p, const float4* other_slab, int tid,
                                                   const float (&acc)[Cfg::kBlkM / 2], int64_t n_block, int64_t m0,
                                                   uint8_t* smem) {
  using Slab = SplitKSlab<Cfg>;
  static_assert(Slab::kLoadsInFlight == 8, "one 64-token group per batch");
  StagedWriter<Cfg> out(p, n_block, m0, smem);
#pragma unroll
  for (int g = 0; g < Slab::kChunks / 8; ++g) {
    float4 part[8];
#pragma unroll
    for (int b = 0; b < 8; ++b) part[b] = __ldcg(other_slab + (8 * g + b) * Slab::kThreads + tid);
    float v[8][4];
#pragma unroll
    for (int b = 0; b < 8; ++b) {
      const int i = 8 * g + b;
      v[b][0] = acc[4 * i] + part[b].x;
      v[b][1] = acc[4 * i + 1] + part[b].y;
      v[b][2] = acc[4 * i + 2] + part[b].z;
      v[b][3] = acc[4 * i + 3] + part[b].w;
    }
    out.store_group(g, v);
  }
}

// Called by all 256 consumer threads after the mainloop (and after the grid-dependency wait:
// the previous call may still be using the workspace). `owns_rows`: this consumer has weight
// rows in the tile (false for the second consumer of a 64-row tail tile).
template <class Cfg>
__device__ __forceinline__ void splitk_store_and_reduce(const GemmParams& p, const float (&acc)[Cfg::kBlkM / 2],
                                                        bool owns_rows, int64_t n_block, int64_t m0,
                                                        const CtaWork& work, uint8_t* smem) {
  using Slab = SplitKSlab<Cfg>;
  const int tid = threadIdx.x - 128;  // consumer thread 0..255
  const int splits = work.splits;
  const int64_t tile = work.sk_tile;
  // Widened: the slab offset may pass 2^31 float4s.
  float4* tile_slabs = reinterpret_cast<float4*>(p.partials) + int64_t(work.slab0) * Slab::kFloat4s;
  const int mine = work.split;

  if (owns_rows) {
    float4* slab = tile_slabs + int64_t(mine) * Slab::kFloat4s;
#pragma unroll
    for (int i = 0; i < Slab::kChunks; ++i)
      __stcg(slab + i * Slab::kThreads + tid, make_float4(acc[4 * i], acc[4 * i + 1], acc[4 * i + 2], acc[4 * i + 3]));
  }
  // The consumers' barrier orders every thread's partial stores before thread 0's arrival,
  // whose release (cumulative, GPU scope) publishes them all; its acquire in the last CTA, and
  // the barrier after it, order the other splits' partials before this CTA's loads. One fence
  // by one thread: a per-thread __threadfence() is MEMBAR.SC.GPU plus an L1 invalidation in
  // each of 256 threads.
  ptx::named_barrier_sync(kSplitKBarrier, Slab::kThreads);
  bool last = false, poisoned = false;
  if (tid == 0) {
    uint32_t* counter = p.tile_counters + tile;
    const uint32_t before = ptx::atomic_add_acq_rel_gpu(counter, 1);
    poisoned = before >= uint32_t(splits);
    last = before == uint32_t(splits) - 1;
    if (poisoned) atomicOr(counter, kCounterPoisoned);
    if (last) *counter = 0;  // every split has arrived: nothing else touches it in this call
  }
  last = ptx::named_barrier_or(kSplitKBarrier, Slab::kThreads, last);
  poisoned = ptx::named_barrier_or(kSplitKBarrier, Slab::kThreads, poisoned);
  if (!owns_rows || !(last || poisoned)) return;

  if constexpr (Cfg::kEpilogueStaging) {
    // 128 and 256 tokens, two splits (reduce_pair_staged). More splits keep reduce_tile and the
    // 2-byte stores: summing them into the accumulators for a staged write spilled.
    if (!poisoned && splits == 2) {
      reduce_pair_staged<Cfg>(p, tile_slabs + (1 - mine) * Slab::kFloat4s, tid, acc, n_block, m0, smem);
      return;
    }
  }
  const OutputWriter<Cfg> out(p, n_block, m0);
  if (poisoned) {
    const float nan = __int_as_float(0x7fc00000);
    const float v[4] = {nan, nan, nan, nan};
#pragma unroll
    for (int i = 0; i < Slab::kChunks; ++i) out.store_chunk(p, i, v);
    return;
  }
  if (splits <= 2) {
    reduce_tile<Cfg, 2>(p, tile_slabs, splits, mine, tid, acc, out);
  } else if (splits <= 4) {
    reduce_tile<Cfg, 4>(p, tile_slabs, splits, mine, tid, acc, out);
  } else {
    reduce_tile<Cfg, kSplitKMaxSplits>(p, tile_slabs, splits, mine, tid, acc, out);
  }
}

}  // namespace mixgemm::kernels
