#include "host/schedules.h"

#include <algorithm>

#include "common/prepacked_layout.h"
#include "host/kernel_registry.h"
#include "kernels/gemm_params.h"
#include "kernels/stream_k.h"

namespace mixgemm::detail {

std::string schedule_name(const Schedule& s) {
  std::string name = "sm90_ws_n" + std::to_string(kBlockN) + "_m" + std::to_string(s.blk_m);
  if (s.ctas_per_sm == 2) name += "_o2";
  if (s.splits > 1) name += (s.last_wave_split ? "_dpsk" : "_sk") + std::to_string(s.splits);
  if (s.stream_k) name += "_streamk";
  if (s.persistent) name += "_p";
  return name;
}

// Token tiles with a "_dpsk" variant: those whose grids can run several waves at the M where
// they are chosen (32 and more tokens), one CTA per SM. The variant needs no kernel of its own
// (tile_scheduler.cuh).
constexpr int kLastWaveSplitMinBlockM = 32;
constexpr int kLastWaveSplitChoices[] = {2, 4};
// Token tiles with a persistent "_p" variant (kernels::kPersistentMinBlockM: the ones compiled
// with a loop over work items): the large ones at one CTA per SM, whose grids run many waves at
// the M where they are chosen, each wave paying a launch and a pipeline fill that a persistent
// CTA overlaps with its last tile's epilogue.
using kernels::kPersistentMinBlockM;

int64_t output_tiles(const WeightDesc& w, int64_t m, int blk_m) {
  return ((w.n + kBlockN - 1) / kBlockN) * ((m + blk_m - 1) / blk_m);
}

std::vector<Schedule> all_schedules() {
  std::vector<Schedule> out;
  for (int bm : kBlockMs)
    for (int occ : {1, 2})
      for (int sk : kSplitChoices)
        if (occ == 1 || bm <= kMaxBlockMTwoCtas) out.push_back({bm, sk, occ});
  for (int bm : kBlockMs)
    if (bm <= kThreeSplitsMaxBlockM)
      for (int occ : {1, 2}) out.push_back({bm, kThreeSplits, occ});
  for (int bm : kBlockMs)
    if (bm >= kLastWaveSplitMinBlockM)
      for (int sk : kLastWaveSplitChoices) out.push_back({bm, sk, 1, /*last_wave_split=*/true});
  for (int bm : kBlockMs)
    if (bm >= kPersistentMinBlockM) out.push_back({bm, 1, 1, /*last_wave_split=*/false, /*persistent=*/true});
  for (int bm : kBlockMs)
    if (bm >= kPersistentMinBlockM)
      out.push_back({bm, 1, 1, /*last_wave_split=*/false, /*persistent=*/false, /*stream_k=*/true});
  return out;
}

bool parse_schedule(const std::string& name, Schedule* out) {
  for (const Schedule& s : all_schedules()) {
    if (schedule_name(s) == name) {
      *out = s;
      return true;
    }
  }
  return false;
}

int covering_token_tile(int64_t m) {
  for (int bm : kBlockMs)
    if (m <= bm) return bm;
  return kBlockMs[sizeof(kBlockMs) / sizeof(kBlockMs[0]) - 1];
}

Schedule heuristic_schedule(const WeightDesc& w, int64_t m, int sm_count) {
  Schedule s;
  // Token tile: the smallest wgmma N extent that covers M, so no MMA work or activation bytes
  // are spent on padding columns while M <= 128; past that, 256-wide tiles halve the weight
  // re-reads and conversions per token (measured faster than 128-wide tiles plus split-K at
  // M = 256 on 8192x8192 and 14336x4096, H200, docs/perf-notes.md).
  s.blk_m = covering_token_tile(m);
  // Decode sizes: two CTAs per SM. The consumers' conversion and MMA round trips, not DRAM,
  // bound a small-M CTA; a second resident CTA overlaps them (5-15% faster at M <= 16). Unless
  // one CTA's split fills the SMs and the two-CTA split is too shallow, or one CTA takes 3 splits.
  if (m <= 16) s.ctas_per_sm = one_cta_split_wins(w, m, s.blk_m, sm_count) ? 1 : 2;
  if (two_ctas_three_splits_win(w, m, s.blk_m, sm_count)) s.ctas_per_sm = 2;

  s.splits = split_for(w, m, s.blk_m, s.ctas_per_sm, sm_count);
  // A last wave mostly empty after one to three full ones: split only its tiles.
  if (const int dpsk = last_wave_split_for(w, m, s.blk_m, s.ctas_per_sm, sm_count)) {
    s.splits = dpsk;
    s.last_wave_split = true;
  }
  take_top_up_split(&s, w, m, sm_count);
  return persistent_if_multiwave(stream_k_if_last_wave_idle(s, w, m, sm_count), w, m, sm_count);
}

Schedule stream_k_if_last_wave_idle(Schedule s, const WeightDesc& w, int64_t m, int sm_count) {
  // Measured (perf-notes v25c, H200, interleaved against every 128/256-token schedule and the
  // choice "auto" made without stream-K, nine default layers and three untuned ones at
  // M = 128-2048): where the tiles were more than half a wave and the last wave at most two
  // thirds full, stream-K of the same tile was 1.00-1.26x at 17 of 19 points (70B qkv M = 128,
  // 80 tiles: 1.20x; 13824x5120 M = 256: 1.26x; 3584x18944 M = 256-1024: 1.03-1.08x), 0.999x and
  // 0.986x at two. With fewer tiles (at most 64: 0.80-0.96x) each tile is shared by more CTAs,
  // each paying a partial store and reduction, where split-K pays one; with a fuller last wave
  // (0.70-0.79) there was less to gain than the two partial episodes per CTA cost
  // (0.83-0.98x). Measured up to 14 waves; not applied past 16.
  // Since the cheaper reductions of v27a and v28b, within two waves a last wave up to 7/8 full
  // (where the plan keeps whole tiles from, plan_stream_k) also takes stream-K over deep K: from
  // 96 K tiles the idle part of the last wave outweighs the partials. Over the committed H200
  // rows with a last wave 0.70-0.85 full (perf-notes v33d): 112-192 K tiles stream-K 1.04-1.16x
  // faster at 6 of 6 points (7168x7168 M = 512 and 1024, 12288x6144 and 10240x3072 at 96
  // tiles); 56-64 K tiles 1.04-1.09x slower at 5 of 6 (4096x6144 M = 256 and 512, 3584x14336
  // M = 128 and 256, 4096x28672 M = 1024). Checked on seven fresh shapes in that band: the
  // fastest at 7 of 7, 1.03-1.18x ahead of the whole tiles taken before. Past two waves not
  // measured against the whole tiles, so not taken there.
  if (s.blk_m < kPersistentMinBlockM || s.ctas_per_sm != 1 || sm_count <= 0) return s;
  const int64_t tiles = output_tiles(w, m, s.blk_m);
  const int64_t slots = sm_count;
  const int64_t last = tiles % slots;
  const bool deep = w.k / layout::kTileK >= kStreamKFullerWaveMinKTiles && tiles <= 2 * slots;
  const bool idle_enough = deep ? 8 * last < 7 * slots : 3 * last <= 2 * slots;
  if (2 * tiles <= slots || last == 0 || !idle_enough || tiles > 16 * slots) return s;
  return Schedule{s.blk_m, 1, 1, /*last_wave_split=*/false, /*persistent=*/false, /*stream_k=*/true};
}

Schedule persistent_if_multiwave(Schedule s, const WeightDesc& w, int64_t m, int sm_count) {
  // Measured (bench/results/ab/H100_persistent_2026-11-25): on the nine default layers at
  // M = 256-8192, wherever the tiles fill more than one wave, "_p" was never slower than the
  // same schedule with one CTA per tile: 1.002-1.098x (geomean 1.043) for 128-token tiles and
  // 1.002-1.031x (1.016) for 256-token ones. Within one wave the grid is the same.
  if (s.blk_m >= kPersistentMinBlockM && s.ctas_per_sm == 1 && s.splits == 1 && !s.stream_k && sm_count > 0 &&
      output_tiles(w, m, s.blk_m) > sm_count)
    s.persistent = true;
  return s;
}

static_assert(kSplitChoices[sizeof(kSplitChoices) / sizeof(kSplitChoices[0]) - 1] <= kernels::kSplitKMaxSplits,
              "the in-kernel split-K reduction sums at most kSplitKMaxSplits splits");


int large_m_token_tile(const WeightDesc& w, int64_t m, int sm_count) {
  // The 256-token tile converts each weight half as often per token as the 128-token one, which
  // wins wherever the SMs are busy: from 0.95 of a wave of 256-token tiles on, the best
  // 256-token schedule was at least as fast as the best 128-token one at 47 of 47 points of the
  // committed H100 all-schedules rows (1.01-1.50x) and within 0.2 % or faster at 47 of 47 on the
  // H200 (up to 1.27x). Below a wave the 256-token tiles leave SMs idle: the 128-token tile won
  // up to 0.61 of a wave (8192x10240 M = 256: 1.10-1.17x; 4096x4096 M = 256 and 512, 4096x6144
  // M = 256: 1.12-1.31x) and lost from 0.73 (4096x6144 M = 512: 1.08x); over deep K half a wave
  // of 256-token tiles with 2 splits already wins: from 224 K tiles with the v15 kernels
  // (28672x8192 M = 256 1.07-1.13x, 14336x4096 M = 512 1.04-1.07x; the family within 3 % of the
  // better one at 57 of 57 H200 and 56 of 57 H100 points with M >= 256, docs/perf-notes.md
  // v15h), and from 128 since two-split reductions got cheaper (v26b: 8192x8192 M = 256 1.04x,
  // 11008x4096 M = 512 1.07x, 8192x10240 M = 256 a tie; at 64 K tiles 128 tokens still won,
  // 4096x4096 M = 512 by 8 %; tune-q and the fresh shapes, perf-notes v26d). Unknown SM count:
  // 256.
  if (sm_count <= 0) return 256;
  const int64_t tiles = output_tiles(w, m, 256);
  const int64_t k_tiles = w.k / layout::kTileK;
  const bool most_of_a_wave = tiles * 100 >= int64_t(sm_count) * 70;
  const bool half_a_wave_deep = tiles * 100 >= int64_t(sm_count) * 45 && k_tiles >= 128;
  return most_of_a_wave || half_a_wave_deep ? 256 : 128;
}

// The CTAs a split of the decode tiles may launch where one wave leaves the tiles unsplit: at two
// CTAs per SM a quarter over the slots (split_for), at one the slots.
static int64_t overfill_slots(int64_t slots, int ctas_per_sm) { return ctas_per_sm == 2 ? slots * 5 / 4 : slots; }

// Whether `ctas` CTAs at one per SM keep at least four fifths of the SMs busy.
static bool keeps_four_fifths_busy(int64_t ctas, int sm_count) { return ctas * 5 >= int64_t(sm_count) * 4; }

// Whether one wave takes 3 splits of `tiles` one-CTA-per-SM tiles at two CTAs per SM and no
// fewer: more than half a one-CTA wave (2 splits take two waves), 3 splits within the two-CTA
// wave (67-88 tiles on 132 SMs).
static bool only_three_splits_fit_two_cta_wave(int64_t tiles, int sm_count) {
  return 2 * tiles > sm_count && tiles * kThreeSplits <= 2 * int64_t(sm_count);
}

// K tiles per split beyond the tiles past 64 that 3 splits of 8-token tiles at two CTAs per SM
// need (three_splits_fill_one_wave).
constexpr int64_t kThreeSplitsDepthMargin = 4;

bool three_splits_fill_one_wave(const WeightDesc& w, int64_t tiles, int blk_m, int ctas_per_sm, int sm_count) {
  const int64_t k_tiles = w.k / layout::kTileK;
  const int64_t ctas = tiles * kThreeSplits, slots = int64_t(sm_count) * ctas_per_sm;
  if (blk_m > kThreeSplitsMaxBlockM || ctas > slots || k_tiles / kThreeSplits < 4) return false;
  if (ctas_per_sm == 2) {
    // 8-token tiles keep 2 splits where the tiles past 64 (on 132 SMs), plus a margin, outnumber
    // each split's K tiles: the more SMs 2 splits leave with one CTA, and the shallower each
    // split, the less 3 splits' fuller wave pays for their third partial. Fitted (H200, interleaved, M = 1-8,
    // perf-notes v30d) to 23 shapes of 68-88 tiles over 10-74 K tiles per split: the pick
    // within 3 % of the faster of 2 and 3 splits at 121 of 123 points (2 splits up to 1.10x
    // faster at 80-88 tiles over 10-21 K tiles: 4096x11008, 3072x11264; 3 splits 1.01-1.19x at
    // 68-72 tiles and 1.10-1.35x over deep K). Seven shapes after the fit: 18 of 21 points
    // within 3 % of the fastest schedule, where 3 splits everywhere were 9 (2304x9984: 1.39x).
    // Refit (perf-notes v32i) with a margin of 4 K tiles: over v30d's 23 shapes and v32h's
    // fresh ones at M = 1-8 the pick within 3 % at 148 of 152 replayed points, against 140 with
    // none (v30d's post-fit check 21 of 21 per round, was 18; 2816x9728: 2 splits 1.05-1.09x
    // faster than 3). A margin of 6 lost two of v30d's fitted points, 1 and 2 changed nothing.
    // Four fresh shapes in the band the margin moves: 2 splits the fastest at 12 of 12 points,
    // 3 splits up to 1.25x slower.
    const int64_t tiles_past_64 = tiles - int64_t(sm_count) * 16 / 33;  // scaled to the SM count
    return blk_m != 8 || k_tiles / kThreeSplits >= tiles_past_64 + kThreeSplitsDepthMargin;
  }
  // The depth floor per split: none at 16 tokens, 64 K tiles at 8 (perf-notes v19c), 32 at 32
  // and 64 (the shallowest measured, 6144x5120: 1.15-1.18x, perf-notes v29c).
  const int64_t min_k_tiles = blk_m == 16 ? 0 : blk_m >= 32 ? 32 : 64;
  return keeps_four_fifths_busy(ctas, sm_count) && k_tiles / kThreeSplits >= min_k_tiles;
}

bool unsplit_beats_every_slot_filled(const WeightDesc& w, int64_t tiles, int blk_m, int ctas_per_sm, int sm_count) {
  // Decode tiles at two CTAs per SM whose 3 splits would fill every slot (88 tiles on 132 SMs),
  // over shallow K: unsplit, one CTA on each of two thirds of the SMs (pinned there). A grid
  // that takes every slot leaves none for the next launch's CTAs to start streaming in under
  // programmatic dependent launch (perf-notes v32c), and 2 splits double up a third of the SMs
  // without lowering the busiest SM's K, so both pay their partials for nothing. In the
  // committed H200 rows (interleaved, M = 1-16) two CTAs unsplit were faster than 3 splits and
  // than 2 at 3328x11264 (17 K tiles per split: 1.11-1.26x) and 1536x11264 (8: 1.20-1.31x), and
  // at 5120x11264 (27) 1.05x at M <= 8, 2.7 % behind 3 splits at M = 16; 2 splits beat 3 at
  // 3072x11264 and 3840x11264 (16 and 20: 1.06-1.10x; unsplit not measured). From 8192x11264
  // (43 K tiles per split) 3 splits won by 1.10-1.18x. A first check on seven shapes of 88 tiles
  // put the crossover between 24 and 32 K tiles per split (unsplit fastest up to 24, 3 splits
  // from 32), where the bound of 28 now lies; a second check on five more: 13 of 15 points
  // within 3 % (perf-notes v33a).
  if (blk_m > kDecodeMaxBlockM || ctas_per_sm != 2 || sm_count <= 0) return false;
  const int64_t k_tiles = w.k / layout::kTileK;
  return tiles * kThreeSplits == int64_t(sm_count) * ctas_per_sm && k_tiles / kThreeSplits < kEverySlotMinSplitKTiles;
}

bool three_splits_overfill_wins(const WeightDesc& w, int64_t tiles, int blk_m, int ctas_per_sm, int sm_count) {
  const int64_t k_tiles = w.k / layout::kTileK;
  // 32- and 64-token tiles at one CTA per SM, more than half a wave and at most two thirds of
  // the two-CTA wave (two_ctas_three_splits_win's tile counts), over >= 64 K tiles per split:
  // 3 splits, 1.5-2 waves of one-CTA CTAs. The deeper the split, the better the overfilled
  // waves' tail evens out against the two-CTA kernel's lower rate: one CTA per SM with 3 splits
  // against two with 3 was 0.92-0.97x the time at 64 and 74 K tiles per split (12288x9216,
  // 14336x8704, six points of M = 24-64), 1.02-1.10x at 42 (70B qkv, 8192x9216) and 1.05-1.39x
  // shallower (H200, perf-notes v29e).
  if ((blk_m == 32 || blk_m == 64) && ctas_per_sm == 1)
    return only_three_splits_fit_two_cta_wave(tiles, sm_count) &&
           k_tiles / kThreeSplits >= kThreeSplitsOverfillMinKTiles;
  // 16-token tiles where 2 splits would overfill the two-CTA wave (133-165 tiles on 264 slots):
  // 3 splits, 1.5-1.9 waves of CTAs, each streaming >= 18 K tiles. These CTAs convert twice the
  // tokens of an 8-token one per weight byte, so they stream more slowly and the unsplit
  // wave's imbalance costs more; shorter CTAs also leave a shorter uneven tail. Fastest or
  // within 2 % at 8 of 8 such shapes with >= 56 K tiles (2 splits up to 1.05x slower, unsplit
  // up to 1.26x); at 32 and 48 K tiles unsplit won (3 splits 1.07-1.14x slower; H200,
  // perf-notes v20b).
  const int64_t slots = int64_t(sm_count) * ctas_per_sm;
  return blk_m == 16 && ctas_per_sm == 2 && tiles * 2 > slots && tiles * 2 <= overfill_slots(slots, ctas_per_sm) &&
         k_tiles / kThreeSplits >= 18;
}

int split_for(const WeightDesc& w, int64_t m, int blk_m, int ctas_per_sm, int sm_count) {
  const int64_t tiles = output_tiles(w, m, blk_m);
  const int64_t k_tiles = w.k / layout::kTileK;
  const int64_t slots = int64_t(sm_count) * ctas_per_sm;  // CTAs resident at once
  int splits = 1;
  if (tiles <= slots) {
    if (unsplit_beats_every_slot_filled(w, tiles, blk_m, ctas_per_sm, sm_count)) return 1;
    // The output tiles leave CTA slots idle (few tiles at small M and N): the largest split
    // that keeps all CTAs in one wave, while each split still streams >= 4 K tiles (the
    // pipeline's fill and drain would dominate otherwise). At two CTAs per SM, where one wave
    // leaves the tiles unsplit (133-165 tiles on 264 slots), 2 splits may overfill it by up to a
    // quarter if each streams >= 16 K tiles: such streaming CTAs share each SM's bandwidth, and
    // the few beyond the slots start as the first ones finish rather than adding a whole CTA's
    // time (5120x17408, 136 tiles, M = 1: 2 splits 1.19x faster than none; H200 v13, perf-notes
    // v14b). Overfilling with 4 or 8 splits, which v14b allowed too, lost once 3 splits existed
    // (perf-notes v19c, interleaved on the H200 at M = 1-16 over 17 untuned shapes): 67-88 tiles
    // take 3, and 34-41 tiles with 8 splits of 16-27 K tiles ran 1.10-1.13x slower than with 4
    // at 128 K tiles (8192x4864, 8192x5120; deeper K is decided by one_cta_split_wins).
    // For 8- and 16-token tiles the overfill pays only over deep K: a split's reduction costs a
    // few microseconds whatever the depth, while the unsplit wave's imbalance (133-165 CTAs, so
    // 1-33 SMs run two where the rest run one) costs in proportion to the CTA's stream. Over ten
    // shapes of 133-165 tiles at M = 1-16 (H200, interleaved, perf-notes v20b), 8-token tiles ran
    // fastest unsplit with <= 32 K tiles per split (2 splits 1.03-1.21x slower) and with 2
    // splits, or within 2 % of 3, from 40 on (unsplit 1.03-1.19x slower); at 36 neither (3
    // splits the fastest, both 3-7 % behind). 16-token tiles: three_splits_overfill_wins.
    const int overfill_min_split_k_tiles = blk_m <= kDecodeMaxBlockM ? 36 : 16;
    const int64_t overfill = overfill_slots(slots, ctas_per_sm);
    for (int sk : kSplitChoices) {
      const int64_t allowed = sk == 2 && k_tiles / sk >= overfill_min_split_k_tiles ? overfill : slots;
      if (tiles * sk <= allowed && k_tiles / sk >= 4) splits = sk;
    }
    if (three_splits_overfill_wins(w, tiles, blk_m, ctas_per_sm, sm_count)) return kThreeSplits;
    // 3 splits where they fill one wave and the pick so far (1 or 2) leaves more slots idle. At
    // two CTAs per SM that is 67-88 tiles: 8192x10240 (80 tiles) at M = 1-16 ran 240 CTAs
    // 1.15-1.16x faster than 320 with 4 splits and 1.23x faster than 160 with 2 (H200 tune-k),
    // and 3 splits were the fastest or within 3 % at 26 of 28 points of seven more shapes
    // (perf-notes v19c); 32- and 64-token tiles: two_ctas_three_splits_win. At one CTA per SM
    // where the wave is at least four fifths full and, but for 16-token tiles, each split
    // streams enough K (8 tokens: >= 64 K tiles, one_cta_split_wins; 32 and 64: >= 32, at 36-44
    // tiles 1.15-1.33x faster than 2 splits at 18 of 18 points of nine shapes and 13824x5120
    // M = 64, H200, perf-notes v29c).
    if (splits < kThreeSplits && three_splits_fill_one_wave(w, tiles, blk_m, ctas_per_sm, sm_count))
      splits = kThreeSplits;
    // Tiles of 64 tokens and more at one CTA per SM whose one-wave split leaves over a fifth of
    // the SMs idle: a deeper split past one wave, where its rounds of CTAs stream at most four
    // fifths of the one-wave split's K per SM, with >= 48 K tiles per split (the depth floor of
    // splits past one wave, below). 13824x5120 M = 256, 80 tiles of 128 tokens on 132 SMs: 4
    // splits of 54 K tiles in 3 rounds (0.75 of the unsplit wave's K per SM) were within 0.7 %
    // of the fastest in all 12 committed H200 untuned runs that measured it, where the unsplit
    // tile ran 2.7-5.3 % slower (H100: 2.8-8.5 % against 6.9-15.8 %); 8192x10240 M = 64 and 128
    // (80 tiles, 32 K tiles per split) ran unsplit 1.07-1.12x faster (leave-one-out;
    // docs/perf-notes.md v24h).
    if (blk_m >= 64 && ctas_per_sm == 1 && !keeps_four_fifths_busy(tiles * splits, sm_count)) {
      for (int sk : kSplitChoices) {
        if (sk <= splits || k_tiles / sk < 48) continue;
        const int64_t rounds = (tiles * sk + slots - 1) / slots;
        if (rounds * splits * 5 <= int64_t(sk) * 4) {
          splits = sk;
          break;
        }
      }
    }
    return splits;
  }
  // More tiles than slots: the last wave may run mostly empty (160 tiles on 132 SMs use 61 % of
  // two waves). Split when that lifts the used fraction of the waves by more than 15 %, and only
  // with >= 48 K tiles (3072 deep) per split, where the partials' extra traffic stays small.
  // Measured on the committed all-schedules runs (bench/results/H100_allsched-v7 and
  // -untuned-v7): 13824x5120 M = 1024 1.24x faster with 4 splits, 8192x10240 M = 512 1.11x with
  // 2; with 2 splits of 4096-deep K (32 K tiles each) 4096x6144 M = 1024 was 6 % slower, and 4
  // splits of 3584-deep K 27 % slower, hence the depth floor.
  const auto used = [&](int64_t sk) {
    const int64_t ctas = tiles * sk;
    return double(ctas) / double((ctas + slots - 1) / slots * slots);
  };
  for (int sk : kSplitChoices) {
    if (sk > 1 && k_tiles / sk >= 48 && used(sk) > 1.15 * used(splits)) splits = sk;
  }
  // Two CTAs per SM, up to two waves of tiles: 2 splits where each keeps >= 64 K tiles, whatever
  // the wave arithmetic. These streaming CTAs share each SM's bandwidth and do not finish in
  // step, so the second "wave" starts as the first CTAs finish, and shorter CTAs leave a shorter
  // uneven tail. Measured on the one such shape of the H200 tuning runs, 8192x57344 (448 tiles
  // on 264 slots, 128 K tiles): at M = 1 and 16 two splits were 1.08-1.09x faster than none in
  // both tune-e and tune-g, four no faster than none; unsplit, it was 8 % slower in the
  // leave-one-out replay (docs/perf-notes.md v15f).
  if (splits == 1 && ctas_per_sm == 2 && tiles <= 2 * slots && k_tiles / 2 >= 64) splits = 2;
  return splits;
}

bool one_cta_split_fills_sms(const WeightDesc& w, int64_t m, int blk_m, int sm_count) {
  return keeps_four_fifths_busy(output_tiles(w, m, blk_m) * split_for(w, m, blk_m, 1, sm_count), sm_count);
}

bool one_cta_split_wins(const WeightDesc& w, int64_t m, int blk_m, int sm_count) {
  // Under 16 K tiles per split, an 8-token two-CTA kernel streams fewer than four of its 4-tile
  // stages per CTA and its pipeline fill is exposed: 8B o (4096x4096, 32 tiles) ran 8 splits of
  // 8 K tiles at two CTAs per SM 1.03-1.17x slower at M = 1-16 than 4 splits of 16 at one CTA,
  // which fill 128 of 132 SMs; 4096x6144 (16 K tiles per split) and 14336x4096 (28) kept two
  // CTAs as fast or faster (H200 tune-i; docs/perf-notes.md v16f).
  // And where one CTA per SM takes 3 splits (three_splits_fill_one_wave: 36-44 tiles on 132
  // SMs): at 16 tokens one CTA with 3 splits was the fastest or within 3 % at 9 of 10 shapes
  // (up to 1.20x faster than two CTAs: 13824x5120), at 8 tokens at 8 of 8 points with >= 64 K
  // tiles per split (13824x5120, 16384x5120: 1.03-1.06x) and at none with fewer (two CTAs with
  // 4 splits 1.04-1.14x faster; H200, perf-notes v19c).
  // And where the two-CTA split's grid is more than two thirds of the SMs but no more than one
  // CTA per SM: the second slot holds no CTA of this launch, so each SM runs one CTA with half
  // the registers and stages, and under programmatic dependent launch the next launch's CTAs
  // land two on the SMs left free (perf-notes v30a). In the committed H200 all-schedules rows of
  // two-CTA decode grids of 90-132 CTAs, one CTA per SM with the same split was faster at 440 of
  // 443 points (median 1.37x; the 3, 0.96-0.99x, with the v3 kernels); carried from 14336x4096
  // to 8192x2048 (16 tiles x 8 splits), two CTAs ran 1.10-1.32x slower at M = 1-16 (v30c).
  // For split grids at any fraction of the SMs (a split grid that the top-up rule does not take,
  // top_up_split_for): over the committed H200 rows of two-CTA split grids of at most 88 CTAs
  // that no top-up applies to, one CTA per SM with the same split was faster at 375 of 407
  // points (median 1.45x); 8192x1024 (8 tiles x 8 splits) 1.16-1.32x (perf-notes v31g).
  const int64_t k_tiles = w.k / layout::kTileK;
  const int64_t tiles = output_tiles(w, m, blk_m);
  const int two_cta_splits = split_for(w, m, blk_m, 2, sm_count);
  const int64_t two_cta_grid = tiles * two_cta_splits;
  if (two_cta_grid <= sm_count && (3 * two_cta_grid > 2 * int64_t(sm_count) || two_cta_splits > 1)) return true;
  // And 8-bit weights at 16 tokens where one CTA per SM, split as split_for splits it, fills one
  // wave to at least four fifths over >= 32 K tiles per split (eight_bit_one_cta_wins: 4096x14336,
  // 112 tiles unsplit, 1.14-1.20x faster than two CTAs with 2 splits). Not past one wave, where
  // two CTAs won at 3584x18944, 8192x22016 and 2048x28672 by 1.04-1.17x (perf-notes v33f).
  const int one_cta_splits = split_for(w, m, blk_m, 1, sm_count);
  const int64_t one_cta_grid = tiles * one_cta_splits;
  if (one_cta_grid <= sm_count && keeps_four_fifths_busy(one_cta_grid, sm_count) &&
      eight_bit_one_cta_wins(w, blk_m, one_cta_splits))
    return true;
  if (keeps_four_fifths_busy(one_cta_grid, sm_count) &&
      (k_tiles / two_cta_splits < 16 || one_cta_splits == kThreeSplits))
    return true;
  // Under 8 K tiles per two-CTA split (two 4-tile stages), one CTA per SM wins from two thirds
  // of the SMs busy: 3072x3072 (24 tiles: 8 splits of 6 K tiles over 192 CTAs, against 4 of 12
  // over 96) ran one CTA 1.07x faster at M = 1 and 4 and 1.29x at M = 16 (H200, perf-notes
  // v31h); on four fresh shapes of 22-26 tiles and 32-56 K tiles one CTA with 4 splits was
  // within 3 % of the fastest decode schedule at 10 of 12 points, two CTAs with 8 splits at 2
  // (up to 1.42x slower; v32g).
  return two_cta_splits > 1 && k_tiles / two_cta_splits < 8 && 3 * one_cta_grid >= 2 * int64_t(sm_count);
}

int top_up_split_for(const WeightDesc& w, int64_t m, int blk_m, int sm_count) {
  // Two-CTA split grids topped up to exactly one CTA per SM and pinned there (plan_launch) ran
  // fastest, in one-layer chains unpinned (as a pinned layer runs between other kernels), at 19
  // of 21 points of seven untuned shapes of 28-64 tiles (H200, M = 1, 8, 16, perf-notes v30b:
  // 3584x3584 4 splits 1.13x over the best schedule without the top-up, 11008x4096 1.26x,
  // 13824x5120 3 splits 1.20x; misses 2048x8192 M = 8 and 16, 3-5 % behind one CTA unsplit), and
  // within 1.2 % of the fastest at the 20 tuned decode points where it applies (tune-u: 8B o and
  // down, 70B o, 8192x8192). Not where the split before the top-up leaves a quarter of the SMs
  // idle: 4096x6144 (48 tiles x 2 = 96 CTAs) ran 1.06-1.07x slower than 4 splits over 192 CTAs
  // at M <= 8, while 7168x6656 (52 x 2 = 104) ran fastest topped up (v31g). A split that fills
  // the SMs exactly is kept, pinned (clusters only where they fit pinned): in pinned chains of
  // six such shapes (33, 44 and 66 tiles at 4, 3 and 2 splits) it was within 3 % of the fastest
  // decode schedule at 10 of 12 points (2048x5632 and 5120x5632 M = 1: 5.3 and 3.1 %), where
  // the other rules' picks ran 1.08-1.28x slower (perf-notes v31i). Unpinned rows misjudge
  // these grids: their split tiles run as clusters, two CTAs to an SM (v30a).
  if (blk_m > kDecodeMaxBlockM || sm_count <= 0) return 0;
  const int64_t tiles = output_tiles(w, m, blk_m);
  const int64_t k_tiles = w.k / layout::kTileK;
  for (int sk = 2; sk <= 4; ++sk) {
    if (tiles * sk > sm_count || tiles * (sk + 1) <= sm_count) continue;
    // A split that fills the SMs exactly: nothing to top up, the grid is pinned as it is.
    if (tiles * sk == sm_count) return k_tiles / sk >= 4 ? sk : 0;
    const int64_t deeper = (k_tiles + sk) / (sk + 1);  // the topped-up tiles' K tiles per split
    if (4 * tiles * sk < 3 * int64_t(sm_count) || k_tiles / sk < 4 || deeper * sk >= k_tiles) return 0;
    return sk;
  }
  return 0;
}

void take_top_up_split(Schedule* s, const WeightDesc& w, int64_t m, int sm_count) {
  if (m > 16) return;
  if (const int top = top_up_split_for(w, m, s->blk_m, sm_count)) {
    s->ctas_per_sm = eight_bit_one_cta_wins(w, s->blk_m, top) ? 1 : 2;
    s->splits = top;
    s->last_wave_split = false;
  }
}

bool eight_bit_one_cta_wins(const WeightDesc& w, int blk_m, int splits) {
  // 8-bit weights at 16 tokens: the two-CTA kernel holds one tile per stage (gemm_config.cuh),
  // the one-CTA kernel four. Where the grid holds at most one CTA per SM anyway (the top-up split
  // here; one_cta_split_wins for unsplit grids), over >= 32 K tiles per split the one-CTA kernel
  // was faster: 8192x8192, 14336x4096 and 28672x8192 (64-224 K tiles per split) 1.09-1.28x at
  // M = 16; over 16 (4096x4096) it was 1.20x slower, its four stages per split all fill (H200,
  // u8b128, interleaved; perf-notes v33e, v33f).
  return weight_bits(w.wtype) == 8 && blk_m == 16 && (w.k / layout::kTileK) / splits >= kEightBitOneCtaMinSplitKTiles;
}

bool two_ctas_three_splits_win(const WeightDesc& w, int64_t m, int blk_m, int sm_count) {
  // More than half a one-CTA wave of 32- or 64-token tiles leaves the SMs a third idle or more
  // unsplit (70B qkv: 80 tiles on 132 SMs) and takes two waves with 2 splits; 3 splits at two
  // CTAs per SM fit one wave up to 88 tiles. Measured (H200, interleaved against 12 other 32-
  // and 64-token schedules of one and two CTAs per SM, perf-notes v29b) at 68-86 tiles over
  // 56-224 K tiles, M = 24-64: 1.03-1.13x faster than the table's choice before at 18 of 22
  // points (70B qkv 1.09-1.10x, 8192x9216 1.07-1.11x, 14336x8704 1.06-1.13x), 0.99-1.00x at 64
  // tokens on 84 and 86 tiles over 56 and 64 K tiles; the fastest listed or within 1.2 % at 20
  // of 22 (14336x8704 M = 48-64: one CTA per SM with 3 splits, 1.55 waves over 224 K tiles, was
  // 8 % faster still). Where fewer tiles leave 2 splits one wave (8192x8192: 64 tiles), one CTA
  // per SM with 2 splits stays (3 at two CTAs were 1.38x slower).
  if ((blk_m != 32 && blk_m != 64) || sm_count <= 0) return false;
  const int64_t tiles = output_tiles(w, m, blk_m);
  const int64_t k_tiles = w.k / layout::kTileK;
  return only_three_splits_fit_two_cta_wave(tiles, sm_count) && k_tiles / kThreeSplits >= 18 &&
         k_tiles / kThreeSplits < kThreeSplitsOverfillMinKTiles;  // deeper: one CTA per SM, three_splits_overfill_wins
}

int last_wave_split_for(const WeightDesc& w, int64_t m, int blk_m, int ctas_per_sm, int sm_count) {
  // Measured over the all-schedules runs (bench/results/H100_tune-e and -allsched-untuned-v8):
  // with 1-4 waves and a last wave at most half full, this split was within 1.8 % of the best of
  // {unsplit, _dpsk2, _dpsk4} at all 39 such points of 64-256-token tiles, where unsplit was up
  // to 49.5 % slower (3584x18944 M = 256: 70.5 against 87.8 µs). Between 4 and 5 waves the one
  // measured shape (3584x18944 M = 1024, 4.48 waves) took 2 splits 1.025-1.038x faster than the
  // best unsplit grid in all four runs (H100 three times, H200). Fuller last waves, or more waves
  // (where the last is a small part of the time and power-bound runs vary by several %: 0.93-
  // 1.05x at 13-54 waves), gain nothing dependable. At 32 tokens (H200, interleaved, perf-notes
  // v20d) it picked the fastest at all four multi-wave points measured: 70B gate_up M = 32 (448
  // tiles, 52 in the last wave) 2 splits 1.10x faster than none, 3584x18944 M = 32 (148, 16) 4
  // splits 1.29x; 8B gate_up (224, 92) and 5120x27648 (216, 84) stayed unsplit, the fastest.
  if (blk_m < kLastWaveSplitMinBlockM || ctas_per_sm != 1 || sm_count <= 0) return 0;
  const int64_t tiles = output_tiles(w, m, blk_m);
  const int64_t slots = sm_count;
  const int64_t last = tiles % slots;
  if (tiles <= slots || tiles >= 5 * slots || last == 0 || 2 * last > slots) return 0;
  const int64_t k_tiles = w.k / layout::kTileK;
  int splits = 0;
  for (int sk : kLastWaveSplitChoices)
    if (last * sk <= slots && k_tiles / sk >= 8) splits = sk;
  return splits;
}

int64_t max_split_m(const WeightDesc& w, int sm_count) {
  // Splitting a multi-wave grid needs a used fraction below 1 / 1.15 = 0.87, and w full waves
  // plus a partial one use at least w / (w + 1): never from 7 waves on. The fewest tiles at a
  // given M come from the largest token tile, the most slots from two CTAs per SM.
  const int64_t n_tiles = (w.n + kBlockN - 1) / kBlockN;
  const int64_t max_slots = 2 * int64_t(sm_count);
  const int64_t largest_tile = kBlockMs[sizeof(kBlockMs) / sizeof(kBlockMs[0]) - 1];
  return (7 * max_slots + n_tiles - 1) / n_tiles * largest_tile;
}

// Stream-K (kernels/stream_k.h): the tiles of all full waves but the last whole, one per CTA
// per wave; the last one to two waves' worth of tiles (all of them within one wave) divided into
// equal runs of K tiles, one per CTA, each at least a seventh of a tile deep so that at most
// kStreamKMaxShares CTAs share a tile. Two waves' worth rather than the last partial one: each
// CTA then runs 1-2 tiles of K, so most tiles have 1-2 shares instead of slots / remainder.
// Where the last wave is nearly full, whole tiles throughout (a persistent grid, as "_p").
static LaunchPlan plan_stream_k(const WeightDesc& w, int64_t m, const Schedule& s, int sm_count) {
  LaunchPlan p;
  p.schedule = s;
  const int64_t k_tiles = w.k / layout::kTileK;
  p.k_tiles_per_split = int(k_tiles);
  p.tiles = output_tiles(w, m, s.blk_m);
  // Unknown device: planned as if every K tile had its own CTA (the most CTAs and tiles a
  // device can give), which bounds the workspace on any device.
  const int64_t slots = sm_count > 0 ? sm_count : p.tiles * k_tiles;
  const int64_t remainder = p.tiles % slots;
  // A last wave at least 7/8 full stays whole tiles: streaming it would save at most 1/8 of a
  // wave and costs each CTA two partial stores and a reduction (128 tiles on 132 SMs: 0.78x,
  // perf-notes v25c).
  const bool whole = remainder == 0 || 8 * remainder >= 7 * slots;
  p.dp_tiles = whole ? p.tiles : (p.tiles <= slots ? 0 : p.tiles - remainder - slots);
  p.sk_tiles = p.tiles - p.dp_tiles;
  p.ctas = p.tiles < slots ? p.tiles : slots;
  p.work_items = p.tiles;
  if (p.sk_tiles == 0) return p;  // whole waves: a persistent grid of whole tiles
  const int64_t iters = p.sk_tiles * k_tiles;
  const int64_t min_run = (k_tiles - 1 + kernels::kStreamKMaxShares - 2) / (kernels::kStreamKMaxShares - 1);
  int64_t run = (iters + slots - 1) / slots;
  if (run < min_run) run = min_run;
  if (run < 1) run = 1;
  const int64_t runs = (iters + run - 1) / run;
  p.stream_k_iters_per_cta = int(run);
  p.stream_k_iters = iters;
  p.work_items = p.dp_tiles + iters;
  p.ctas = p.dp_tiles > 0 ? slots : runs;  // whole-tile rounds take every slot
  const int64_t shares = (k_tiles - 1 + run - 1) / run + 1;
  p.splits = int(shares < kernels::kStreamKMaxShares ? shares : kernels::kStreamKMaxShares);
  p.counters_bytes = size_t(kernels::kSplitKCountersBytes);
  p.workspace_bytes = p.counters_bytes + size_t((p.sk_tiles + runs - 1) * kBlockN * s.blk_m * 4);
  return p;
}

// A two-CTA split grid with fewer CTAs than SMs, topped up to exactly one CTA per SM: the first
// sm_count - work_items split tiles take one split more (tile_scheduler.cuh). Under programmatic
// dependent launch the next GEMM's CTAs start in the free slots; with one CTA of each launch on
// every SM they stay one per SM launch after launch. A grid short of one per SM leaves SMs with
// two free slots, where the next launch's CTAs land two at once, more with each launch, and an
// SM running two of a launch's CTAs takes twice as long (docs/perf-notes.md v30a; so do split
// clusters of 4, which the top-up runs without). Measured (v30b, H200, interleaved): exactly one
// CTA per SM at two CTAs' resources ran 4096x4224 M = 1 in 5.43 us against 6.22 for the best
// full-slot schedule, 14336x4224 10.8 against 12.5, 8192x8448 11.75 against 13.1 (M = 16:
// 1.07-1.13x). Only where every split of the topped-up tiles keeps some K (and at most
// kSplitKMaxSplits splits are summed), and for decode tiles (up to 16 tokens): the only ones
// measured and GPU-tested topped up; the selection never runs 32- or 64-token two-CTA grids
// this small.
void top_up_splits(LaunchPlan* p, int64_t k_tiles, int sm_count) {
  if (p->schedule.ctas_per_sm != 2 || p->schedule.persistent || p->schedule.blk_m > kDecodeMaxBlockM ||
      p->sk_tiles == 0 || p->dp_tiles != 0 || sm_count <= 0 || p->ctas >= sm_count)
    return;
  const int64_t extra = sm_count - p->ctas;
  const int64_t deeper = p->splits + 1;
  if (extra >= p->sk_tiles || deeper > kernels::kSplitKMaxSplits) return;
  const int64_t per_split = (k_tiles + deeper - 1) / deeper;
  if (per_split * (deeper - 1) >= k_tiles) return;  // the last split would be empty
  p->extra_split_tiles = extra;
  p->k_tiles_per_extra_split = int(per_split);
  p->work_items += extra;
  p->ctas = sm_count;
  p->cluster_splitk = false;
}

LaunchPlan plan_launch(const WeightDesc& w, int64_t m, const Schedule& s, int sm_count) {
  if (s.stream_k) return plan_stream_k(w, m, s, sm_count);
  LaunchPlan p;
  p.schedule = s;
  const int64_t k_tiles = w.k / layout::kTileK;
  const int64_t splits = s.splits < k_tiles ? s.splits : k_tiles;
  p.k_tiles_per_split = int((k_tiles + splits - 1) / splits);
  p.splits = int((k_tiles + p.k_tiles_per_split - 1) / p.k_tiles_per_split);
  p.tiles = output_tiles(w, m, s.blk_m);
  p.dp_tiles = p.tiles;
  if (p.splits > 1) {
    p.dp_tiles = 0;  // every tile split, or (unknown device) the bound for "_dpsk"
    if (s.last_wave_split && sm_count > 0) {
      // Whole tiles for the full waves; split the remainder, which would otherwise be a last
      // wave using a fraction of the SMs. One partial wave only: every tile split.
      const int64_t slots = int64_t(sm_count) * s.ctas_per_sm;
      const int64_t remainder = p.tiles % slots;
      if (p.tiles > slots) p.dp_tiles = remainder == 0 ? p.tiles : p.tiles - remainder;
    }
    p.sk_tiles = p.tiles - p.dp_tiles;
    if (p.sk_tiles == 0) p.splits = 1;
  }
  if (p.splits == 1) p.k_tiles_per_split = int(k_tiles);
  p.work_items = p.dp_tiles + p.sk_tiles * p.splits;
  p.ctas = p.work_items;
  if (s.persistent && s.blk_m >= kPersistentMinBlockM && sm_count > 0) {
    const int64_t slots = int64_t(sm_count) * s.ctas_per_sm;
    if (p.ctas > slots) p.ctas = slots;
  }
  // Decode tiles with every tile split: each tile's splits as one cluster, summed over
  // distributed shared memory (splitk_cluster.cuh, the kernels' kClusterSplitK; clusters of at
  // most 8 CTAs are portable, as many as the in-kernel reduction sums).
  p.cluster_splitk = p.splits > 1 && p.dp_tiles == 0 && s.blk_m <= kernels::kClusterSplitKMaxBlockM &&
                     p.splits <= kernels::kSplitKMaxSplits;
  top_up_splits(&p, k_tiles, sm_count);
  // Pinned by the launcher (gemm_sm90_ws.cuh, one_cta_per_sm.h): topped-up grids and every other
  // two-CTA grid of at most one CTA per SM.
  p.one_cta_per_sm = s.ctas_per_sm == 2 && !s.persistent && sm_count > 0 && p.ctas <= sm_count;
  if (p.sk_tiles > 0) {
    // In-kernel split-K (splitk_reduce.cuh): the fixed block of arrival counters, then every
    // split's fp32 partial of every split tile (tiles padded to whole 128 x BlkM blocks).
    p.counters_bytes = size_t(kernels::kSplitKCountersBytes);
    p.workspace_bytes =
        p.counters_bytes + size_t((p.sk_tiles * p.splits + p.extra_split_tiles) * kBlockN * s.blk_m * 4);
  }
  return p;
}

size_t last_wave_split_workspace_bound(const Schedule& s, int sm_count) {
  const int64_t slots = int64_t(sm_count) * s.ctas_per_sm;
  return size_t(kernels::kSplitKCountersBytes) + size_t(slots * s.splits * kBlockN * s.blk_m * 4);
}

size_t stream_k_workspace_bound(const WeightDesc& w, int64_t max_m, const Schedule& s, int sm_count) {
  // Planned at every token-tile count up to two waves of tiles. Past two waves the stream-K
  // tiles stay under two waves' worth and the runs at most one per slot, whatever m: at most
  // 3 x slots - 2 slabs.
  const int64_t n_tiles = (w.n + kBlockN - 1) / kBlockN;
  const int64_t slots = sm_count;
  size_t most = 0;
  for (int64_t m_tiles = 1;; ++m_tiles) {
    const int64_t m = std::min(max_m, m_tiles * s.blk_m);
    most = std::max(most, plan_launch(w, m, s, sm_count).workspace_bytes);
    if (m == max_m) return most;
    if (n_tiles * m_tiles > 2 * slots) break;
  }
  return std::max(most, size_t(kernels::kSplitKCountersBytes) + size_t((3 * slots - 2) * kBlockN * s.blk_m * 4));
}

}  // namespace mixgemm::detail
