// Schedules: the named kernel configurations mm() can run, and the heuristic that picks one.
//
// A schedule is "sm90_ws_n128_m<BlkM>[_o2][_sk<S> | _dpsk<S> | _streamk][_p]": the warp-specialized
// sm_90 kernel with 128 weight rows and BlkM tokens per CTA, two CTAs per SM with _o2 (token tiles
// up to 64), K split S ways for every tile (_sk) or only for the tiles of a last partial wave
// (_dpsk); split tiles' fp32 partials are summed in split order inside the kernel. _p: a
// persistent grid, one CTA per slot looping over the tiles (the same kernel, a smaller grid).
// _streamk: a persistent grid whose CTAs stream equal runs of K tiles over the last tiles
// (kernels/stream_k.h), for tiles of 128 and 256 tokens.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mixgemm/types.h"

namespace mixgemm::detail {

struct Schedule {
  int blk_m = 0;
  int splits = 1;
  int ctas_per_sm = 1;
  // "_dpsk<S>": split only the tiles of the last, partly filled wave; the full waves before it
  // compute whole tiles (tile_scheduler.cuh). Plain "_sk<S>" splits every tile.
  bool last_wave_split = false;
  // "_p": one CTA per resident slot, each looping over every slots-th tile, so a CTA's producer
  // loads its next tile while its consumers store the last: no per-tile launch and pipeline
  // fill (tile_scheduler.cuh).
  bool persistent = false;
  // "_streamk": one CTA per slot; the tiles of all full waves but the last computed whole, the
  // rest (one to two waves' worth) divided into equal runs of K tiles, one per CTA
  // (kernels/stream_k.h), so no SM idles in a partial wave. Tiles of >= 128 tokens (the kernels
  // that loop over work items).
  bool stream_k = false;
};

inline constexpr int kSplitChoices[] = {1, 2, 4, 8};
// Also listed: 3 splits of the tiles of up to 64 tokens, for grids that 3 splits fill in one
// wave and 2 leave half empty (70B qkv at M <= 64: 80 tiles x 3 = 240 CTAs on 264 two-CTA
// slots, against 160 with 2 and 320 in two waves with 4; split_for, two_ctas_three_splits_win).
inline constexpr int kThreeSplits = 3;
inline constexpr int kThreeSplitsMaxBlockM = 64;
// The decode token tiles (8 and 16), which have rules of their own for occupancy and 3 splits.
inline constexpr int kDecodeMaxBlockM = 16;
// K tiles per split from which 3 splits of 32- and 64-token tiles overfill the one-CTA wave
// rather than run two CTAs per SM (three_splits_overfill_wins, two_ctas_three_splits_win).
inline constexpr int kThreeSplitsOverfillMinKTiles = 64;
// K tiles per split from which decode tiles at two CTAs per SM take 3 splits that fill every
// slot (unsplit_beats_every_slot_filled).
inline constexpr int kEverySlotMinSplitKTiles = 28;
// K tiles from which stream-K also takes a last wave between two thirds and 7/8 full
// (stream_k_if_last_wave_idle).
inline constexpr int kStreamKFullerWaveMinKTiles = 96;
// K tiles per split from which 8-bit weights at 16 tokens run a grid of at most one CTA per SM
// at one CTA per SM (eight_bit_one_cta_wins).
inline constexpr int kEightBitOneCtaMinSplitKTiles = 32;

std::string schedule_name(const Schedule& s);
bool parse_schedule(const std::string& name, Schedule* out);
std::vector<Schedule> all_schedules();

// Output tiles of a problem: 128 weight rows x blk_m tokens each.
int64_t output_tiles(const WeightDesc& w, int64_t m, int blk_m);

// The heuristic behind "auto" where no selection table covers the problem. Every rule is
// stated with its reason in schedules.cpp.
Schedule heuristic_schedule(const WeightDesc& w, int64_t m, int sm_count);
// The smallest token tile that covers M (the largest past it): the heuristic's choice.
int covering_token_tile(int64_t m);
// The token tile for M >= 256 (128 or 256 tokens): 256 where its tiles fill most of a wave (or
// half of one over deep K), else 128. Used where "auto" carries another shape's tuned point;
// the heuristic keeps 256 (its split rules do not give the 128-token tile the split it needs).
int large_m_token_tile(const WeightDesc& w, int64_t m, int sm_count);
// The split-K factor the heuristic gives a token tile and occupancy on this problem.
int split_for(const WeightDesc& w, int64_t m, int blk_m, int ctas_per_sm, int sm_count);
// Whether one CTA per SM, split as split_for splits it, keeps at least four fifths of the SMs
// busy on this problem.
bool one_cta_split_fills_sms(const WeightDesc& w, int64_t m, int blk_m, int sm_count);
// Whether 3 splits of `tiles` output tiles of up to 64 tokens fill one wave: at two CTAs per SM
// wherever they fit the slots (8-token tiles only where each split streams at least as many K
// tiles as there are tiles past 64 on 132 SMs), at one CTA per SM where they keep four fifths of the SMs busy and
// (but for 16-token tiles) each split streams >= 64 K tiles (8-token tiles) or >= 32 (32 and
// 64 tokens). Used by split_for.
bool three_splits_fill_one_wave(const WeightDesc& w, int64_t tiles, int blk_m, int ctas_per_sm, int sm_count);
// Whether 16-token tiles that 2 splits would overfill the two-CTA wave with (133-165 tiles on
// 264 slots) take 3 splits instead: where each streams >= 18 K tiles; and whether 32- and
// 64-token tiles at one CTA per SM with more than half a wave, at most 88 tiles on 132 SMs, do:
// where each streams >= kThreeSplitsOverfillMinKTiles. Used by split_for.
bool three_splits_overfill_wins(const WeightDesc& w, int64_t tiles, int blk_m, int ctas_per_sm, int sm_count);
// Whether decode tiles (up to 16 tokens) at two CTAs per SM stay unsplit where 3 splits would
// fill every slot (tiles x 3 = 2 x SMs) over fewer than kEverySlotMinSplitKTiles K tiles per
// split. Used by split_for.
bool unsplit_beats_every_slot_filled(const WeightDesc& w, int64_t tiles, int blk_m, int ctas_per_sm, int sm_count);
// Whether a decode tile runs one CTA per SM rather than two: where the two-CTA split's grid is at
// most one CTA per SM and split, or unsplit and more than two thirds of the SMs, or where one CTA per SM, split as
// split_for splits it, fills the SMs, and either the two-CTA split would stream fewer than 16 K
// tiles per split or one CTA per SM takes 3 splits; for 8-bit weights at 16 tokens where one
// CTA per SM fills one wave to four fifths (eight_bit_one_cta_wins).
bool one_cta_split_wins(const WeightDesc& w, int64_t m, int blk_m, int sm_count);
// The split of 2, 3 or 4 whose two-CTA grid top_up_splits tops up to one CTA per SM (pinned):
// tiles x split short of the SMs, tiles x (split + 1) past them, and the grid at least three
// quarters of the SMs before the top-up, or a split that fills them exactly (kept, pinned);
// 0: none. Decode tiles (up to 16 tokens) take it before the occupancy and split rules.
int top_up_split_for(const WeightDesc& w, int64_t m, int blk_m, int sm_count);
// At M <= 16, where top_up_split_for finds a split for s's token tile: two CTAs per SM with that
// split, over the other rules' choice (the heuristic and the carried table points).
void take_top_up_split(Schedule* s, const WeightDesc& w, int64_t m, int sm_count);
// Whether 8-bit weights at 16 tokens run a grid of at most one CTA per SM (a top-up split, or a
// one-CTA split filling one wave to four fifths) at one CTA per SM instead of two (the two-CTA
// kernel's one-tile stages): over >= kEightBitOneCtaMinSplitKTiles K tiles per split.
bool eight_bit_one_cta_wins(const WeightDesc& w, int blk_m, int splits);
// Whether a 32- or 64-token tile runs two CTAs per SM with 3 splits rather than one CTA per SM:
// where its tiles are more than half a one-CTA wave (2 splits would take two) and 3 splits fit
// the two-CTA wave, each streaming from 18 to kThreeSplitsOverfillMinKTiles K tiles.
bool two_ctas_three_splits_win(const WeightDesc& w, int64_t m, int blk_m, int sm_count);
// The "_dpsk" split the heuristic gives a token tile on this problem, 0 for none: for tiles of 32
// tokens and more at one CTA per SM, when the tiles fill more than one wave but fewer than five
// and the last wave is at most half full, the largest of 2 and 4 that keeps the last wave's
// split tiles within one wave, with >= 8 K tiles per split.
int last_wave_split_for(const WeightDesc& w, int64_t m, int blk_m, int ctas_per_sm, int sm_count);
// s, persistent ("_p") where that is measured never slower: unsplit tiles of >= 128 tokens at
// one CTA per SM whose tiles fill more than one wave. Applied to every automatic choice (table
// or heuristic), so tables tuned before "_p" existed get it too.
Schedule persistent_if_multiwave(Schedule s, const WeightDesc& w, int64_t m, int sm_count);
// s, stream-K ("_streamk", same token tile) where that measured faster than the split rules:
// tiles of >= 128 tokens at one CTA per SM, more than half a wave of them, the last wave at most
// two thirds full. Applied where "auto" has no tuned point of this shape (the heuristic, and a
// point carried from another shape).
Schedule stream_k_if_last_wave_idle(Schedule s, const WeightDesc& w, int64_t m, int sm_count);
// A bound on M past which split_for gives 1 for every token tile and occupancy: there the tiles
// fill 7 or more waves even at the largest tile, and no split can lift the used fraction enough.
int64_t max_split_m(const WeightDesc& w, int sm_count);

// How a schedule runs on a problem: which tiles split K, the K range per split, the grid and
// the split-K workspace.
struct LaunchPlan {
  Schedule schedule;
  int splits = 1;              // effective splits of the split tiles (no empty split); 1: none;
                               // stream-K: the most CTAs sharing one tile
  int k_tiles_per_split = 0;   // 64-deep K tiles
  int64_t tiles = 0;           // output tiles: ceil(n / 128) x ceil(m / BlkM)
  int64_t dp_tiles = 0;        // tiles computed whole-K, one CTA each
  int64_t sk_tiles = 0;        // tiles split `splits` ways
  int64_t extra_split_tiles = 0;   // top-up: split tiles 0 .. extra - 1 take splits + 1 splits
  int k_tiles_per_extra_split = 0; // ... each this deep (plan_launch)
  int64_t work_items = 0;      // dp_tiles + sk_tiles * splits + extra_split_tiles; stream-K: dp_tiles + stream_k_iters
  int stream_k_iters_per_cta = 0;  // stream-K: K tiles per CTA's run (0: not stream-K)
  int64_t stream_k_iters = 0;      // stream-K: the sk_tiles' K tiles end to end
  int64_t ctas = 0;            // the grid: work_items, or at most one per slot when persistent
  bool cluster_splitk = false; // split tiles as clusters of `splits` CTAs (splitk_cluster.cuh)
  // A two-CTA kernel's grid of at most one CTA per SM, launched with shared memory for just over
  // half an SM so that no SM holds two of its CTAs, whatever ran before (gemm_sm90_ws.cuh).
  bool one_cta_per_sm = false;
  size_t counters_bytes = 0;   // split-K: the arrival counters at the workspace's start
  size_t workspace_bytes = 0;  // counters + fp32 partials of the split tiles; 0 without split-K
};
// sm_count: the device's, which places the last wave of a "_dpsk" schedule; 0 (unknown)
// plans every tile split, the largest workspace the schedule can need at this m ("_streamk":
// as if a CTA per K tile were resident, a bound on its workspace for any device).
LaunchPlan plan_launch(const WeightDesc& w, int64_t m, const Schedule& s, int sm_count);
// Tops a two-CTA split grid short of one CTA per SM up to exactly one (plan_launch).
void top_up_splits(LaunchPlan* p, int64_t k_tiles, int sm_count);
// Whether mm() runs a plan's cluster_splitk tiles as clusters (default; environment
// MIXGEMM_CLUSTER_SPLITK=0 or the setter: through L2, splitk_reduce.cuh). Same bits either way.
bool cluster_splitk_enabled();
void set_cluster_splitk_enabled(bool enabled);
// The cluster size of this thread's last mm() launch: 0 where its split tiles were summed
// through L2 (or it had none). For tests: the launcher may decline clusters (gemm_sm90_ws.cuh).
int last_cluster_splits();
// The most workspace a "_dpsk" schedule needs at any m: it splits at most one wave of tiles.
size_t last_wave_split_workspace_bound(const Schedule& s, int sm_count);
// The most workspace a "_streamk" schedule needs at any m up to max_m on a device of sm_count
// SMs (> 0).
size_t stream_k_workspace_bound(const WeightDesc& w, int64_t max_m, const Schedule& s, int sm_count);

}  // namespace mixgemm::detail
