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
// (mixgemm.h). The partials need no clearing: every call writes before it reads. One shortcut:
// share 0 of a two-share stream-K tile, which ends its CTA's run, first checks whether the other
// share has arrived, and if so sums at once without storing its own partial
// (reduce_if_others_arrived).
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
  // there. 128- and 256-token tiles' two-split path keeps 64 or 128 accumulators live besides:
  // 8 (16 spilled at 128 tokens, perf-notes v27a).
  static constexpr int kLoadsInFlight = Cfg::kCtasPerSm == 1 && Cfg::kBlkM < 128 ? 16 : 8;
};

// A split's chunk of 4 partial sums into a thread's running sums: the first split's sets them,
// each later one adds to them, element by element (the order every reduction path keeps).
__device__ __forceinline__ void set_chunk(float (&v)[4], const float4& x) {
  v[0] = x.x;
  v[1] = x.y;
  v[2] = x.z;
  v[3] = x.w;
}
__device__ __forceinline__ void add_chunk(float (&v)[4], const float4& x) {
  v[0] += x.x;
  v[1] += x.y;
  v[2] += x.z;
  v[3] += x.w;
}

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
          if (s == 0)
            set_chunk(v[b], part[g][b]);
          else if (s < splits)
            add_chunk(v[b], part[g][b]);
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
__device__ __forceinline__ void reduce_pair_staged(const float4* other_slab, int tid, const float (&acc)[Cfg::kBlkM / 2],
                                                   StagedWriter<Cfg>& out) {
  using Slab = SplitKSlab<Cfg>;
  static_assert(Slab::kLoadsInFlight == 8, "one 64-token group per batch");
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

// A 128- or 256-token tile's reducer on its CTA's last work item: the stage ring is idle then
// (no copy fills it again), so the copy engine brings every split's partial in, the reducer's
// own too (just stored), 32 tokens (4 chunks, 16 KB per split) at a time into two alternating
// buffers of splits x 16 KB. That keeps 2 x splits x 16 KB in flight per CTA, where register
// loads hold 8 float4s per thread (32 KB per CTA) beside the accumulators: three-share tails
// at 256 tokens 16.4 -> 7.4 us (perf-notes v27a; more buffers gained nothing, v27d). Each
// thread reads back its own float4s (the slabs' [chunk][thread] layout: consecutive 16 bytes
// per lane, no bank conflict) and sums in split order from split 0's value, the additions of
// reduce_tile, so the same bits.
// Needs both consumers in the tile: every consumer thread takes part in the buffers' barriers.
template <class Cfg>
struct RingReduce {
  using Slab = SplitKSlab<Cfg>;
  static constexpr int kPieceChunks = 4;
  static constexpr int kPieceFloat4s = kPieceChunks * Slab::kThreads;
  static constexpr uint32_t kPieceBytes = kPieceFloat4s * 16;
  static constexpr int kPieces = Slab::kChunks / kPieceChunks;
  static constexpr int64_t kRingBytes = int64_t(Cfg::kStages) * Cfg::kStageBytes;
  static constexpr int kMaxSplits =
      kRingBytes / (2 * kPieceBytes) < kSplitKMaxSplits ? int(kRingBytes / (2 * kPieceBytes)) : kSplitKMaxSplits;
  static_assert(kMaxSplits >= 2 && Slab::kChunks % 8 == 0, "two buffers of two splits, whole 64-token groups");

  __device__ static bool fits(const GemmParams& p, int64_t n_block_consumer0, int splits) {
    return splits <= kMaxSplits && n_block_consumer0 + 2 * layout::kTileN <= p.n;
  }

  // Piece q (chunks 4q .. 4q + 3) of every split into buffer q % 2 (thread 0 only).
  __device__ static void issue(const float4* tile_slabs, int splits, uint8_t* smem, uint64_t* bars, int q) {
    uint8_t* buf = smem + (q & 1) * splits * kPieceBytes;
    ptx::mbarrier_arrive_expect_tx(&bars[q & 1], uint32_t(splits) * kPieceBytes);
    for (int s = 0; s < splits; ++s)
      ptx::bulk_copy_g2s(buf + s * kPieceBytes, tile_slabs + s * Slab::kFloat4s + q * kPieceFloat4s, kPieceBytes,
                         &bars[q & 1], ptx::policy_evict_first());
  }

  __device__ static void run(const float4* tile_slabs, int splits, int tid, uint8_t* smem, StagedWriter<Cfg>& out) {
    uint64_t* bars = reinterpret_cast<uint64_t*>(smem + Cfg::kRingBarOffset);
    if (tid == 0) {
      // The partials were acquired through the counter (generic proxy), and the ring was last
      // read by the consumers' shared loads: both before the copy engine's accesses.
      ptx::fence_proxy_async_global();
      ptx::fence_proxy_async_shared();
      issue(tile_slabs, splits, smem, bars, 0);
      issue(tile_slabs, splits, smem, bars, 1);
    }
#pragma unroll
    for (int q = 0; q < kPieces; ++q) {
      ptx::mbarrier_wait(&bars[q & 1], uint32_t(q >> 1) & 1);
      const float4* buf = reinterpret_cast<const float4*>(smem + (q & 1) * splits * kPieceBytes) + tid;
#pragma unroll
      for (int pair = 0; pair < kPieceChunks / 2; ++pair) {  // 16 tokens into the staging at a time
        float v[2][4];
#pragma unroll
        for (int b = 0; b < 2; ++b) {
          const int chunk = 2 * pair + b;
          set_chunk(v[b], buf[chunk * Slab::kThreads]);
#pragma unroll
          for (int s = 1; s < kMaxSplits; ++s)
            if (s < splits) add_chunk(v[b], buf[s * kPieceFloat4s + chunk * Slab::kThreads]);
        }
        out.stage_pair((q % 2) * 2 + pair, v);
      }
      if (q % 2 == 1) out.flush(q / 2);
      // Every consumer thread has read buffer q % 2: piece q + 2 may land there.
      ptx::named_barrier_sync(kSplitKBarrier, Slab::kThreads);
      if (tid == 0 && q + 2 < kPieces) issue(tile_slabs, splits, smem, bars, q + 2);
    }
  }
};

// Three or more splits, not on the CTA's last item or too many for the ring: the same sums in
// split order with register loads, one split's 8 chunks in flight. Both loops stay rolled: fully
// unrolled over the splits, the 128/256-token kernels spilled (perf-notes v27a).
template <class Cfg>
__device__ __forceinline__ void reduce_reloaded(const float4* tile_slabs, int splits, int tid, StagedWriter<Cfg>& out) {
  using Slab = SplitKSlab<Cfg>;
  tile_slabs += tid;
#pragma unroll 1
  for (int g = 0; g < Slab::kChunks / 8; ++g) {
    const float4* src = tile_slabs + 8 * g * Slab::kThreads;
    float v[8][4];
#pragma unroll
    for (int b = 0; b < 8; ++b) set_chunk(v[b], __ldcg(src + b * Slab::kThreads));
#pragma unroll 1
    for (int s = 1; s < splits; ++s) {
      src += Slab::kFloat4s;
      float4 x[8];
#pragma unroll
      for (int b = 0; b < 8; ++b) x[b] = __ldcg(src + b * Slab::kThreads);
#pragma unroll
      for (int b = 0; b < 8; ++b) add_chunk(v[b], x[b]);
    }
    out.store_group(g, v);
  }
}

// NaN over the tile: the arrival count showed a workspace that was not zero at the call.
template <class Cfg>
__device__ __forceinline__ void store_nan_tile(const GemmParams& p, const OutputWriter<Cfg>& out) {
  const float nan = __int_as_float(0x7fc00000);
  const float v[4] = {nan, nan, nan, nan};
#pragma unroll
  for (int i = 0; i < SplitKSlab<Cfg>::kChunks; ++i) out.store_chunk(p, i, v);
}

// Stream-K lays tiles end to end along the runs, so a two-share tile's share 0 is the last
// segment of its CTA's run and share 1 the first of the next CTA's run (stream_k.h): share 1
// usually published its partial long before share 0 ends. Whether this item is such a share 0,
// with share 1 shorter than a run by kStreamKEarlyMargin K tiles (its store, drain and release
// take about that long).
inline constexpr int kStreamKEarlyMargin = 4;
__device__ __forceinline__ bool stream_k_others_first(const GemmParams& p, const CtaWork& w) {
  if (p.stream_k.per_cta == 0 || w.splits != 2 || w.split != 0) return false;
  const int other = p.stream_k.k_tiles - (w.k_end - w.k_begin);
  return other + kStreamKEarlyMargin <= p.stream_k.per_cta;
}

// Share 0 of a two-share stream-K tile, before it stores its partial: if share 1 has already
// arrived, this CTA sums the pair now (its own partial from the accumulators: no store, no
// drain, no release) and returns true; otherwise false, and the usual protocol follows. Share 1
// counted its arrival after publishing, and it is the only other arrival, so nothing touches the
// counter after the acquire load sees 1. Both consumers take part (the barrier).
template <class Cfg>
__device__ __forceinline__ bool reduce_if_others_arrived(const GemmParams& p, const float (&acc)[Cfg::kBlkM / 2],
                                                         bool owns_rows, int64_t n_block, int64_t m0,
                                                         const float4* tile_slabs, int tid, uint8_t* smem,
                                                         int64_t tile) {
  using Slab = SplitKSlab<Cfg>;
  bool arrived = false;
  if (tid == 0) {
    uint32_t* counter = p.tile_counters + tile;
    arrived = ptx::load_acquire_gpu(counter) == 1u;
    if (arrived) *counter = 0;
  }
  if (!ptx::named_barrier_or(kSplitKBarrier, Slab::kThreads, arrived)) return false;
  if (owns_rows) {
    StagedWriter<Cfg> out(p, n_block, m0, smem);
    reduce_pair_staged<Cfg>(tile_slabs + Slab::kFloat4s, tid, acc, out);
  }
  return true;
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

  if constexpr (Cfg::kEpilogueStaging && Cfg::kLoopsOverItems) {
    if (stream_k_others_first(p, work) &&
        reduce_if_others_arrived<Cfg>(p, acc, owns_rows, n_block, m0, tile_slabs, tid, smem, tile))
      return;
  }
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
    if (poisoned) {
      store_nan_tile<Cfg>(p, OutputWriter<Cfg>(p, n_block, m0));
      return;
    }
    // 128 and 256 tokens, Y through shared memory. Two splits: the other partial by register
    // loads, the own from the accumulators (copy-engine forms lost 0.82-0.96x, perf-notes v27a).
    // Three or more on the CTA's last item: the copy engine into the idle ring; the condition is
    // uniform across the CTA, and both consumers own rows there, so neither returned above.
    // Otherwise register reloads of every split.
    StagedWriter<Cfg> out(p, n_block, m0, smem);
    const int64_t n_block0 = n_block - int64_t(threadIdx.x / 128 - 1) * layout::kTileN;
    if (splits >= 3 && RingReduce<Cfg>::fits(p, n_block0, splits) && split_item_is_last<Cfg::kLoopsOverItems>(p, work))
      RingReduce<Cfg>::run(tile_slabs, splits, tid, smem, out);
    else if (splits == 2)
      reduce_pair_staged<Cfg>(tile_slabs + (1 - mine) * Slab::kFloat4s, tid, acc, out);
    else
      reduce_reloaded<Cfg>(tile_slabs, splits, tid, out);
  } else {
    // The writer first, then the poisoned case: this order keeps the decode and 64-token kernels'
    // code as it was; the form with a writer per case slowed the 64-token kernel by up to 6 %
    // (perf-notes v28e).
    const OutputWriter<Cfg> out(p, n_block, m0);
    if (poisoned) {
      store_nan_tile<Cfg>(p, out);
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
}

}  // namespace mixgemm::kernels
