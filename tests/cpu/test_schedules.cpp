// Schedule names, the "auto" heuristic and launch planning (split-K ranges, workspace).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "host/schedules.h"
#include "kernels/gemm_params.h"
#include "kernels/one_cta_per_sm.h"
#include "kernels/stream_k.h"
#include "mixgemm/mixgemm.h"

namespace mixgemm::detail {
namespace {

constexpr int kH100Sms = 132;

WeightDesc desc(int64_t n, int64_t k) {
  WeightDesc w;
  w.n = n;
  w.k = k;
  return w;
}

TEST(Schedules, NamesRoundTripAndAreListed) {
  const std::vector<std::string> listed = list_schedules(WeightType::u4b8, ActType::bf16);
  EXPECT_EQ(listed.size(), all_schedules().size());
  std::set<std::string> unique(listed.begin(), listed.end());
  EXPECT_EQ(unique.size(), listed.size());
  for (const Schedule& s : all_schedules()) {
    Schedule back;
    ASSERT_TRUE(parse_schedule(schedule_name(s), &back)) << schedule_name(s);
    EXPECT_EQ(back.blk_m, s.blk_m);
    EXPECT_EQ(back.splits, s.splits);
    EXPECT_EQ(back.ctas_per_sm, s.ctas_per_sm);
    EXPECT_EQ(back.last_wave_split, s.last_wave_split);
    EXPECT_EQ(back.persistent, s.persistent);
    EXPECT_EQ(back.stream_k, s.stream_k);
  }
  // 40 plain + 3 splits of 8- and 16-token tiles at one and two CTAs per SM + "_dpsk" 2 and 4
  // for 32- to 256-token tiles + "_p" and "_streamk" for 128 and 256.
  EXPECT_EQ(listed.size(), 40u + 8u + 8u + 2u + 2u);
  EXPECT_EQ(schedule_name({128, 1, 1, false, false, true}), "sm90_ws_n128_m128_streamk");
  EXPECT_EQ(schedule_name({32, 4, 1, true}), "sm90_ws_n128_m32_dpsk4");
  EXPECT_EQ(schedule_name({8, 3, 2}), "sm90_ws_n128_m8_o2_sk3");
  EXPECT_EQ(schedule_name({256, 1, 1, false, true}), "sm90_ws_n128_m256_p");
  EXPECT_EQ(schedule_name({256, 2, 1, true}), "sm90_ws_n128_m256_dpsk2");
  EXPECT_EQ(schedule_name({64, 1}), "sm90_ws_n128_m64");
  EXPECT_EQ(schedule_name({8, 4}), "sm90_ws_n128_m8_sk4");
  EXPECT_EQ(schedule_name({16, 2, 2}), "sm90_ws_n128_m16_o2_sk2");
  Schedule s;
  EXPECT_FALSE(parse_schedule("sm90_ws_n128_m12", &s));
}

TEST(Schedules, TokenTileCoversM) {
  for (int64_t m = 1; m <= 256; ++m) {
    const Schedule s = heuristic_schedule(desc(8192, 8192), m, kH100Sms);
    EXPECT_GE(s.blk_m, m);
    EXPECT_LT(s.blk_m / 2, m < 8 ? 8 : m) << "m=" << m << " got a tile over twice as wide";
  }
}

TEST(Schedules, SplitKFillsTheMachineOnlyWhenTilesAreFew) {
  // 6144 x 4096 at M = 1: 48 CTA tiles on 132 SMs x 2 CTAs -> split 4 (192 CTAs, 16 K tiles each).
  Schedule s = heuristic_schedule(desc(6144, 4096), 1, kH100Sms);
  EXPECT_EQ(s.ctas_per_sm, 2);
  EXPECT_EQ(s.splits, 4);
  // 4096 x 4096: 32 tiles; two CTAs would split 8 ways into 8 K tiles each, too shallow, while
  // one CTA per SM split 4 ways fills 128 of the 132 SMs (one_cta_split_wins); but two CTAs
  // with 4 splits, topped up to one CTA per SM, come first (top_up_split_for).
  s = heuristic_schedule(desc(4096, 4096), 1, kH100Sms);
  EXPECT_EQ(s.ctas_per_sm, 2);
  EXPECT_EQ(s.splits, 4);
  EXPECT_TRUE(one_cta_split_wins(desc(4096, 4096), 1, 8, kH100Sms));
  EXPECT_FALSE(one_cta_split_wins(desc(4096, 14336), 1, 8, kH100Sms));  // 8 splits of 28
  // A two-CTA split grid of at most one CTA per SM: one CTA per SM (16 tiles x 8 splits = 128,
  // 11 x 8 = 88, 8 x 8 = 64); an unsplit one only past two thirds of the SMs (88 tiles: not).
  EXPECT_TRUE(one_cta_split_wins(desc(2048, 8192), 1, 8, kH100Sms));
  EXPECT_EQ(schedule_name(heuristic_schedule(desc(2048, 8192), 16, kH100Sms)), "sm90_ws_n128_m16_sk8");
  EXPECT_TRUE(one_cta_split_wins(desc(1408, 8192), 1, 8, kH100Sms));
  EXPECT_TRUE(one_cta_split_wins(desc(1024, 8192), 1, 8, kH100Sms));
  EXPECT_EQ(schedule_name(heuristic_schedule(desc(1024, 8192), 1, kH100Sms)), "sm90_ws_n128_m8_sk8");
  EXPECT_FALSE(one_cta_split_wins(desc(11264, 384), 1, 8, kH100Sms));  // 88 tiles unsplit (6 K tiles)
  // Under 8 K tiles per two-CTA split, one CTA from two thirds of the SMs busy: 3072x3072 (24
  // tiles: 8 splits of 6 K tiles, against one CTA's 4 of 12 on 96 SMs), 2048x2816 (22 tiles,
  // 4 K tiles per two-CTA split, 88 SMs); not 10240x2560 (20 tiles, two-CTA splits of 20).
  EXPECT_EQ(schedule_name(heuristic_schedule(desc(3072, 3072), 1, kH100Sms)), "sm90_ws_n128_m8_sk4");
  EXPECT_EQ(schedule_name(heuristic_schedule(desc(3072, 3072), 16, kH100Sms)), "sm90_ws_n128_m16_sk4");
  EXPECT_EQ(schedule_name(heuristic_schedule(desc(2816, 2048), 1, kH100Sms)), "sm90_ws_n128_m8_sk4");
  EXPECT_FALSE(one_cta_split_wins(desc(2560, 10240), 1, 8, kH100Sms));
  // M = 64: one CTA per SM, 32 tiles -> split 4.
  s = heuristic_schedule(desc(4096, 4096), 64, kH100Sms);
  EXPECT_EQ(s.ctas_per_sm, 1);
  EXPECT_EQ(s.splits, 4);
  // 57344 columns: 448 tiles fill the 264 slots 1.7 times; two splits for the uneven tail of
  // two-CTA streaming (split_for), not more.
  s = heuristic_schedule(desc(57344, 8192), 1, kH100Sms);
  EXPECT_EQ(s.ctas_per_sm, 2);
  EXPECT_EQ(s.splits, 2);
  // Shallow K: never fewer than 4 K tiles per split.
  s = heuristic_schedule(desc(256, 256), 1, kH100Sms);
  EXPECT_EQ(s.splits, 1);
  for (int64_t m : {1, 16, 64, 256, 4096}) {
    const Schedule t = heuristic_schedule(desc(8192, 8192), m, kH100Sms);
    const int64_t tiles = (8192 / 128) * ((m + t.blk_m - 1) / t.blk_m);
    // One wave of CTA slots, overfilled by at most a quarter at two CTAs per SM.
    const int64_t allowed = t.ctas_per_sm == 2 ? kH100Sms * 2 * 5 / 4 : kH100Sms;
    if (t.splits > 1) EXPECT_LE(tiles * t.splits, allowed) << "m=" << m;
  }
}

// From M = 256 on, the 256-token tile where its tiles fill most of a wave, or half of one over
// deep K; else the 128-token tile; 256 when the SM count is unknown.
TEST(Schedules, LargeMTokenTile) {
  EXPECT_EQ(large_m_token_tile(desc(8192, 8192), 512, kH100Sms), 256);    // 128 tiles: 0.97 of a wave
  EXPECT_EQ(large_m_token_tile(desc(6144, 4096), 512, kH100Sms), 256);    // 96: 0.73
  EXPECT_EQ(large_m_token_tile(desc(10240, 8192), 256, kH100Sms), 256);   // 80: 0.61, 128 K tiles
  EXPECT_EQ(large_m_token_tile(desc(8192, 8192), 256, kH100Sms), 256);    // 64: 0.48, 128 K tiles
  EXPECT_EQ(large_m_token_tile(desc(4096, 11008), 512, kH100Sms), 256);   // 64: 0.48, 172 K tiles
  EXPECT_EQ(large_m_token_tile(desc(8192, 28672), 256, kH100Sms), 256);   // 64: 0.48, 448 K tiles
  EXPECT_EQ(large_m_token_tile(desc(4096, 4096), 512, kH100Sms), 128);    // 64: 0.48, 64 K tiles
  EXPECT_EQ(large_m_token_tile(desc(4096, 14336), 256, kH100Sms), 128);   // 32: 0.24, 224 K tiles
  EXPECT_EQ(large_m_token_tile(desc(4096, 4096), 1024, kH100Sms), 256);   // 128: 0.97
  EXPECT_EQ(large_m_token_tile(desc(4096, 4096), 512, 0), 256);
}

// More tiles than CTA slots: split only where the last wave would run mostly empty and K is
// deep enough (the cases measured in split_for's comment).
TEST(Schedules, SplitForWaveQuantization) {
  // 13824x5120 at M = 1024, 256-token tiles: 40 x 4 = 160 tiles use 61 % of two waves; 4 splits
  // (640 CTAs, 97 % of five waves, 54 K tiles each).
  EXPECT_EQ(split_for(desc(5120, 13824), 1024, 256, 1, kH100Sms), 4);
  // 8192x10240 at M = 512: 80 x 2 = 160 tiles; 4 splits would leave 32 K tiles each: 2.
  EXPECT_EQ(split_for(desc(10240, 8192), 512, 256, 1, kH100Sms), 2);
  // Shallow K never splits past one wave: 3584 and 4096 deep.
  EXPECT_EQ(split_for(desc(18944, 3584), 256, 256, 1, kH100Sms), 1);
  EXPECT_EQ(split_for(desc(6144, 4096), 1024, 256, 1, kH100Sms), 1);
  // Waves that are already nearly full stay unsplit: 57344 x 512 tokens = 896 tiles (97 %).
  EXPECT_EQ(split_for(desc(57344, 8192), 512, 256, 1, kH100Sms), 1);
  // One wave or less: the largest split that stays in one wave, as before.
  EXPECT_EQ(split_for(desc(4096, 4096), 1, 8, 2, kH100Sms), 8);
  EXPECT_EQ(split_for(desc(8192, 8192), 64, 64, 1, kH100Sms), 2);
}

// Large token tiles whose one-wave split leaves over a fifth of the SMs idle split past one wave
// where the rounds stream at most four fifths of the K per SM, over >= 48 K tiles per split.
TEST(Schedules, SplitPastOneWaveForIdleSms) {
  struct Case {
    int64_t n, k, m;
    int blk_m, splits;
    const char* why;
  };
  const Case cases[] = {
      {5120, 13824, 256, 128, 4, "80 tiles (61 % busy): 4 splits of 54 K tiles, 3 rounds, 0.75 of the K"},
      {10240, 8192, 64, 64, 1, "80 tiles, but 4 splits would be 32 K tiles deep"},
      {10240, 8192, 128, 128, 1, "80 tiles, but 4 splits would be 32 K tiles deep"},
      {6144, 4096, 256, 128, 1, "96 tiles (73 %), 16 K tiles per split at 4"},
      {8192, 8192, 128, 128, 2, "64 x 2 = 128 CTAs keep four fifths busy in one wave"},
      {5120, 13824, 32, 32, 3, "32-token tiles: 40 x 3 = 120 in one wave (three_splits_fill_one_wave)"},
  };
  for (const Case& c : cases)
    EXPECT_EQ(split_for(desc(c.n, c.k), c.m, c.blk_m, 1, kH100Sms), c.splits)
        << c.k << "x" << c.n << " M=" << c.m << ": " << c.why;
}

// Two CTAs per SM may overfill the 264 slots by a quarter (330 CTAs) with 2 splits of >= 16 K
// tiles (>= 36 for 8- and 16-token tiles); not with shallower splits, nor with more splits, nor
// past the quarter, nor at one CTA per SM. 8- and 16-token tiles take 3 splits where 3 fill one
// wave and 2 leave slots idle; 16-token tiles also where 2 would overfill, over >= 18 K tiles.
TEST(Schedules, SplitForTwoCtaOverfill) {
  struct Case {
    int64_t n, k, m;
    int blk_m, ctas_per_sm, splits;
    const char* why;
  };
  const Case cases[] = {
      {10240, 8192, 1, 8, 2, 3, "80 tiles x 4 = 320 CTAs would overfill; x 3 = 240 fit"},
      {10240, 8192, 16, 16, 2, 3, "80 tiles x 3 = 240 at 16 tokens too"},
      {10240, 8192, 32, 32, 2, 3, "80 tiles x 3 = 240 at 32 tokens too (two_ctas_three_splits_win)"},
      {11264, 8192, 1, 8, 2, 3, "88 x 4 = 352 is past the quarter; 88 x 3 = 264 fit, not 2"},
      {8448, 8192, 1, 8, 2, 4, "66 x 4 = 264 fit the slots: 4, not 3"},
      {5120, 13824, 16, 16, 2, 4, "40 x 8 = 320 would overfill with 8 splits: 4"},
      {4864, 8192, 1, 8, 2, 4, "38 x 8 = 304 would overfill with 8 splits: 4"},
      {17408, 5120, 1, 8, 2, 2, "136 x 2 = 272 overfill, 40 K tiles per split"},
      {18944, 3584, 1, 8, 2, 1, "148 x 2 = 296 would overfill with 28 K tiles per split: unsplit"},
      {18432, 4096, 1, 8, 2, 1, "144 x 2 = 288 would overfill with 32 K tiles per split: unsplit"},
      {17408, 5120, 32, 32, 2, 2, "32-token tiles overfill from 16 K tiles per split"},
      {17408, 5120, 16, 16, 2, 3, "16-token tiles that 2 splits overfill: 3 of 26 K tiles"},
      {18944, 3584, 16, 16, 2, 3, "3 of 18 K tiles"},
      {20480, 3072, 16, 16, 2, 1, "3 of 16 K tiles too shallow, 2 of 24 too: unsplit"},
      {4608, 3584, 1, 8, 2, 4, "36 x 8 = 288 would leave 7 K tiles per split"},
      {6144, 4096, 1, 8, 2, 4, "48 x 8 = 384 is past the quarter"},
      {10240, 8192, 1, 8, 1, 1, "one CTA per SM: 80 x 2 = 160 on 132 slots"},
  };
  for (const Case& c : cases)
    EXPECT_EQ(split_for(desc(c.n, c.k), c.m, c.blk_m, c.ctas_per_sm, kH100Sms), c.splits) << c.why;
}

// The 16-token overfill rule's edges: 2 splits must pass the 264 slots (> 132 tiles) and stay
// within the quarter (<= 165 tiles), at two CTAs per SM, each of 3 splits >= 18 K tiles.
TEST(Schedules, ThreeSplitsOverfillEdges) {
  const WeightDesc w = desc(18944, 8192);  // 128 K tiles
  EXPECT_FALSE(three_splits_overfill_wins(w, 132, 16, 2, kH100Sms));
  EXPECT_TRUE(three_splits_overfill_wins(w, 133, 16, 2, kH100Sms));
  EXPECT_TRUE(three_splits_overfill_wins(w, 165, 16, 2, kH100Sms));
  EXPECT_FALSE(three_splits_overfill_wins(w, 166, 16, 2, kH100Sms));
  EXPECT_FALSE(three_splits_overfill_wins(w, 148, 8, 2, kH100Sms));
  EXPECT_FALSE(three_splits_overfill_wins(w, 148, 32, 2, kH100Sms));
  EXPECT_FALSE(three_splits_overfill_wins(w, 70, 16, 1, kH100Sms));
  EXPECT_TRUE(three_splits_overfill_wins(desc(18944, 3456), 148, 16, 2, kH100Sms));   // 54 K tiles: 18
  EXPECT_FALSE(three_splits_overfill_wins(desc(18944, 3392), 148, 16, 2, kH100Sms));  // 53: 17
}

// One CTA per SM takes 3 splits of an 8- or 16-token tile where they fill four fifths of the SMs
// in one wave, 8-token tiles only with >= 64 K tiles per split; there one CTA per SM wins.
TEST(Schedules, ThreeSplitsAtOneCtaPerSm) {
  EXPECT_EQ(split_for(desc(5120, 13824), 16, 16, 1, kH100Sms), 3);  // 40 x 3 = 120 of 132
  EXPECT_EQ(split_for(desc(5120, 13824), 1, 8, 1, kH100Sms), 3);    // 72 K tiles per split
  EXPECT_EQ(split_for(desc(5120, 8192), 1, 8, 1, kH100Sms), 2);     // 42 K tiles: not deep enough
  EXPECT_EQ(split_for(desc(4352, 8192), 16, 16, 1, kH100Sms), 2);   // 34 x 3 = 102: under 4/5
  EXPECT_EQ(split_for(desc(4096, 4096), 16, 16, 1, kH100Sms), 4);   // 32 x 4 = 128 fit: 4
  EXPECT_EQ(split_for(desc(5120, 13824), 64, 64, 1, kH100Sms), 3);  // 64 tokens: 72 K tiles per split
  EXPECT_EQ(split_for(desc(5120, 13824), 32, 32, 1, kH100Sms), 3);
  EXPECT_EQ(split_for(desc(5120, 6144), 64, 64, 1, kH100Sms), 3);   // 32 K tiles per split
  EXPECT_EQ(split_for(desc(5120, 5632), 64, 64, 1, kH100Sms), 2);   // 29: not deep enough
  EXPECT_EQ(schedule_name(heuristic_schedule(desc(5120, 13824), 64, kH100Sms)), "sm90_ws_n128_m64_sk3");
  EXPECT_TRUE(one_cta_split_wins(desc(5120, 13824), 16, 16, kH100Sms));
  EXPECT_TRUE(one_cta_split_wins(desc(4608, 3584), 16, 16, kH100Sms));
  EXPECT_TRUE(one_cta_split_wins(desc(5120, 13824), 1, 8, kH100Sms));
  EXPECT_FALSE(one_cta_split_wins(desc(5120, 8192), 1, 8, kH100Sms));
  EXPECT_FALSE(one_cta_split_wins(desc(4608, 3584), 1, 8, kH100Sms));
  // 40 tiles x 3 at two CTAs, topped up to one per SM, before one CTA with 3 splits.
  const Schedule s = heuristic_schedule(desc(5120, 13824), 16, kH100Sms);
  EXPECT_EQ(schedule_name(s), "sm90_ws_n128_m16_o2_sk3");
}

// 8-token tiles at two CTAs per SM: 3 splits only where each split's K tiles are at least the
// tiles past 64 (on 132 SMs).
TEST(Schedules, ThreeSplitsAtTwoCtasFor8TokensNeedDepth) {
  // K tiles per split against the tiles past 64 plus a margin of 4.
  EXPECT_TRUE(three_splits_fill_one_wave(desc(10240, 8192), 80, 8, 2, kH100Sms));   // 42 >= 16 + 4
  EXPECT_TRUE(three_splits_fill_one_wave(desc(10752, 4608), 84, 8, 2, kH100Sms));   // 24 >= 20 + 4
  EXPECT_TRUE(three_splits_fill_one_wave(desc(8704, 2048), 68, 8, 2, kH100Sms));    // 10 >= 4 + 4
  EXPECT_FALSE(three_splits_fill_one_wave(desc(11008, 4096), 86, 8, 2, kH100Sms));  // 21 < 22 + 4
  EXPECT_FALSE(three_splits_fill_one_wave(desc(9984, 2304), 78, 8, 2, kH100Sms));   // 12 < 14 + 4
  EXPECT_FALSE(three_splits_fill_one_wave(desc(9728, 2816), 76, 8, 2, kH100Sms));   // 14 < 12 + 4 (v32i)
  EXPECT_EQ(schedule_name(heuristic_schedule(desc(9728, 2816), 1, kH100Sms)), "sm90_ws_n128_m8_o2_sk2");
  EXPECT_TRUE(three_splits_fill_one_wave(desc(11008, 4096), 86, 16, 2, kH100Sms));  // 16 tokens: no bound
  EXPECT_EQ(schedule_name(heuristic_schedule(desc(11008, 4096), 1, kH100Sms)), "sm90_ws_n128_m8_o2_sk2");
  EXPECT_EQ(schedule_name(heuristic_schedule(desc(10240, 8192), 1, kH100Sms)), "sm90_ws_n128_m8_o2_sk3");
}

// Decode tiles at two CTAs per SM whose 3 splits would fill every slot (88 tiles on 132 SMs):
// unsplit, one CTA on each of two thirds of the SMs, under 28 K tiles per split; 3 splits from
// there; never 2 (perf-notes v33a).
TEST(Schedules, EverySlotFilledByThreeSplitsStaysUnsplitOverShallowK) {
  EXPECT_TRUE(unsplit_beats_every_slot_filled(desc(11264, 3328), 88, 8, 2, kH100Sms));   // 17 K tiles per split
  EXPECT_TRUE(unsplit_beats_every_slot_filled(desc(11264, 5120), 88, 16, 2, kH100Sms));  // 26
  EXPECT_FALSE(unsplit_beats_every_slot_filled(desc(11200, 5632), 88, 8, 2, kH100Sms));  // 29
  EXPECT_FALSE(unsplit_beats_every_slot_filled(desc(10240, 3328), 80, 8, 2, kH100Sms));  // 240 of 264 slots
  EXPECT_FALSE(unsplit_beats_every_slot_filled(desc(11264, 3328), 88, 8, 1, kH100Sms));  // one CTA per SM
  EXPECT_FALSE(unsplit_beats_every_slot_filled(desc(11264, 3328), 88, 32, 2, kH100Sms)); // not a decode tile
  EXPECT_EQ(split_for(desc(11264, 3328), 1, 8, 2, kH100Sms), 1);
  EXPECT_FALSE(one_cta_split_wins(desc(11264, 3328), 1, 8, kH100Sms));  // exactly two thirds: two CTAs stay
  EXPECT_EQ(schedule_name(heuristic_schedule(desc(11264, 3328), 1, kH100Sms)), "sm90_ws_n128_m8_o2");
  EXPECT_EQ(schedule_name(heuristic_schedule(desc(11264, 1536), 16, kH100Sms)), "sm90_ws_n128_m16_o2");
  EXPECT_EQ(schedule_name(heuristic_schedule(desc(11264, 9216), 1, kH100Sms)), "sm90_ws_n128_m8_o2_sk3");
  EXPECT_EQ(schedule_name(heuristic_schedule(desc(11264, 9216), 16, kH100Sms)), "sm90_ws_n128_m16_o2_sk3");
  // The same grid as a plan: one CTA per SM, pinned.
  const LaunchPlan p = plan_launch(desc(11264, 3328), 1, heuristic_schedule(desc(11264, 3328), 1, kH100Sms), kH100Sms);
  EXPECT_EQ(p.ctas, 88);
  EXPECT_TRUE(p.one_cta_per_sm);
}

// 8-bit weights at 16 tokens: a top-up split, or a one-CTA grid filling one wave to four fifths,
// at one CTA per SM over >= 32 K tiles per split (the two-CTA kernel holds one tile per stage
// there); 4-bit weights and 8-token tiles keep two CTAs (perf-notes v33e, v33f).
TEST(Schedules, EightBitSixteenTokenTopUpRunsOneCtaPerSm) {
  WeightDesc w = desc(8192, 10240);  // 64 tiles, 2 splits of 80 K tiles
  w.wtype = WeightType::u8b128;
  EXPECT_TRUE(eight_bit_one_cta_wins(w, 16, 2));
  EXPECT_FALSE(eight_bit_one_cta_wins(w, 8, 2));
  EXPECT_EQ(schedule_name(heuristic_schedule(w, 16, kH100Sms)), "sm90_ws_n128_m16_sk2");
  EXPECT_EQ(schedule_name(heuristic_schedule(w, 1, kH100Sms)), "sm90_ws_n128_m8_o2_sk2");
  w.wtype = WeightType::u8;  // zero points: the same kernels' stages
  EXPECT_EQ(schedule_name(heuristic_schedule(w, 12, kH100Sms)), "sm90_ws_n128_m16_sk2");
  WeightDesc shallow = desc(4096, 5120);  // 32 tiles, 4 splits of 20 K tiles
  shallow.wtype = WeightType::u8b128;
  EXPECT_FALSE(eight_bit_one_cta_wins(shallow, 16, 4));
  EXPECT_EQ(schedule_name(heuristic_schedule(shallow, 16, kH100Sms)), "sm90_ws_n128_m16_o2_sk4");
  EXPECT_EQ(schedule_name(heuristic_schedule(desc(8192, 10240), 16, kH100Sms)), "sm90_ws_n128_m16_o2_sk2");  // 4-bit
  // The one-CTA grid is not topped up: 128 CTAs, not pinned.
  const LaunchPlan p = plan_launch(w, 16, heuristic_schedule(w, 16, kH100Sms), kH100Sms);
  EXPECT_EQ(p.ctas, 128);
  EXPECT_FALSE(p.one_cta_per_sm);
  // One CTA per SM also where its unsplit grid fills one wave to four fifths (v33f); not past it.
  WeightDesc wave = desc(15360, 6144);  // 120 tiles, 96 K tiles
  wave.wtype = WeightType::u8;
  EXPECT_TRUE(one_cta_split_wins(wave, 16, 16, kH100Sms));
  EXPECT_EQ(schedule_name(heuristic_schedule(wave, 16, kH100Sms)), "sm90_ws_n128_m16");
  WeightDesc past = desc(18944, 3584);  // 148 tiles: past one wave
  past.wtype = WeightType::u8;
  EXPECT_FALSE(one_cta_split_wins(past, 16, 16, kH100Sms));
  WeightDesc four_bit = desc(15360, 6144);
  EXPECT_FALSE(one_cta_split_wins(four_bit, 16, 16, kH100Sms));
}

// 32- and 64-token tiles more than half a one-CTA wave: two CTAs per SM with 3 splits where they
// fit the two-CTA wave with >= 18 K tiles per split.
TEST(Schedules, ThreeSplitsAtTwoCtasFor32And64Tokens) {
  EXPECT_TRUE(two_ctas_three_splits_win(desc(10240, 8192), 32, 32, kH100Sms));  // 80 x 3 = 240 of 264
  EXPECT_EQ(schedule_name(heuristic_schedule(desc(10240, 8192), 32, kH100Sms)), "sm90_ws_n128_m32_o2_sk3");
  EXPECT_EQ(schedule_name(heuristic_schedule(desc(10240, 8192), 64, kH100Sms)), "sm90_ws_n128_m64_o2_sk3");
  // Over >= 64 K tiles per split: one CTA per SM, 3 splits overfilling the wave.
  EXPECT_EQ(schedule_name(heuristic_schedule(desc(8704, 14336), 24, kH100Sms)), "sm90_ws_n128_m32_sk3");  // 68, 74
  EXPECT_EQ(schedule_name(heuristic_schedule(desc(9216, 12288), 48, kH100Sms)), "sm90_ws_n128_m64_sk3");  // 72, 64
  EXPECT_EQ(schedule_name(heuristic_schedule(desc(9216, 12224), 48, kH100Sms)), "sm90_ws_n128_m64_o2_sk3");  // 63
  EXPECT_TRUE(two_ctas_three_splits_win(desc(10752, 3584), 64, 64, kH100Sms));   // 84 tiles, 18 K tiles per split
  EXPECT_FALSE(two_ctas_three_splits_win(desc(10240, 3072), 32, 32, kH100Sms));  // 16 K tiles per split
  EXPECT_FALSE(two_ctas_three_splits_win(desc(8192, 8192), 32, 32, kH100Sms));   // 64 tiles: 2 splits fit one wave
  EXPECT_FALSE(two_ctas_three_splits_win(desc(11392, 8192), 32, 32, kH100Sms));  // 89 x 3 = 267: past the slots
  EXPECT_FALSE(two_ctas_three_splits_win(desc(10240, 8192), 16, 16, kH100Sms));  // decode tiles: their own rules
  EXPECT_EQ(schedule_name(heuristic_schedule(desc(8192, 8192), 32, kH100Sms)), "sm90_ws_n128_m32_sk2");
}

// Two CTAs per SM and up to two waves of tiles: 2 splits of >= 64 K tiles; not past two waves,
// not shallower, not at one CTA per SM.
TEST(Schedules, SplitForTwoCtaTwoWaves) {
  EXPECT_EQ(split_for(desc(57344, 8192), 1, 8, 2, kH100Sms), 2);    // 448 tiles, 128 K tiles
  EXPECT_EQ(split_for(desc(57344, 8192), 16, 16, 2, kH100Sms), 2);
  EXPECT_EQ(split_for(desc(57344, 4096), 1, 8, 2, kH100Sms), 1);    // 32 K tiles per split
  EXPECT_EQ(split_for(desc(57344, 8192), 1, 8, 1, kH100Sms), 1);    // one CTA per SM
  EXPECT_EQ(split_for(desc(99840, 8192), 1, 8, 2, kH100Sms), 1);    // 780 tiles: past two waves
}

// Past max_split_m no token tile or occupancy splits K (what workspace_bytes' scan relies on).
TEST(Schedules, NoSplitPastMaxSplitM) {
  for (int64_t n : {128, 1024, 4096, 5120, 57344}) {
    for (int64_t k : {4096, 28672}) {
      const WeightDesc w = desc(n, k);
      const int64_t limit = max_split_m(w, kH100Sms);
      for (int64_t m : {limit + 1, limit + 255, 2 * limit, 4 * limit + 7})
        for (int bm : {8, 16, 32, 64, 128, 256})
          for (int occ : {1, 2}) EXPECT_EQ(split_for(w, m, bm, occ, kH100Sms), 1) << n << "x" << k << " m=" << m;
    }
  }
}

// "_dpsk": whole tiles for the full waves, the last partial wave's tiles split.
TEST(Schedules, LastWaveSplitPlan) {
  const Schedule dpsk2{256, 2, 1, true};
  // 6144 x 1024 tokens: 48 x 4 = 192 tiles on 132 SMs: 132 whole, 60 split in 2 -> 252 CTAs.
  LaunchPlan p = plan_launch(desc(6144, 4096), 1024, dpsk2, kH100Sms);
  EXPECT_EQ(p.tiles, 192);
  EXPECT_EQ(p.dp_tiles, 132);
  EXPECT_EQ(p.sk_tiles, 60);
  EXPECT_EQ(p.splits, 2);
  EXPECT_EQ(p.ctas, 132 + 60 * 2);
  EXPECT_EQ(p.k_tiles_per_split, 32);
  EXPECT_EQ(p.workspace_bytes, size_t(32768 + 60 * 2 * 128 * 256 * 4));
  // One partial wave (64 tiles): every tile split, as "_sk2".
  p = plan_launch(desc(8192, 8192), 256, dpsk2, kH100Sms);
  EXPECT_EQ(p.dp_tiles, 0);
  EXPECT_EQ(p.sk_tiles, 64);
  EXPECT_EQ(p.ctas, 128);
  // Whole waves only (264 tiles = 2 x 132): no split, no workspace.
  p = plan_launch(desc(33792, 4096), 256, dpsk2, kH100Sms);
  EXPECT_EQ(p.tiles, 264);
  EXPECT_EQ(p.dp_tiles, 264);
  EXPECT_EQ(p.sk_tiles, 0);
  EXPECT_EQ(p.splits, 1);
  EXPECT_EQ(p.ctas, 264);
  EXPECT_EQ(p.workspace_bytes, 0u);
  // Unknown device: planned as if every tile split (the bound workspace_bytes() uses).
  p = plan_launch(desc(6144, 4096), 1024, dpsk2, 0);
  EXPECT_EQ(p.dp_tiles, 0);
  EXPECT_EQ(p.sk_tiles, 192);
  // The one-wave bound covers every m on the device.
  for (int64_t m = 1; m <= 8192; m = m * 3 / 2 + 1)
    EXPECT_LE(plan_launch(desc(6144, 4096), m, dpsk2, kH100Sms).workspace_bytes,
              last_wave_split_workspace_bound(dpsk2, kH100Sms))
        << "m=" << m;
  // Plain split-K: every tile split whatever the device.
  p = plan_launch(desc(6144, 4096), 1024, {256, 2}, kH100Sms);
  EXPECT_EQ(p.dp_tiles, 0);
  EXPECT_EQ(p.sk_tiles, 192);
  EXPECT_EQ(p.ctas, 384);
  // No split: one CTA per tile.
  p = plan_launch(desc(6144, 4096), 1024, {256, 1}, kH100Sms);
  EXPECT_EQ(p.dp_tiles, 192);
  EXPECT_EQ(p.sk_tiles, 0);
  EXPECT_EQ(p.ctas, 192);
  EXPECT_EQ(p.work_items, 192);
}

// "auto" runs unsplit 128- and 256-token tiles persistent once they fill more than one wave.
TEST(Schedules, PersistentPastOneWave) {
  // 8192 x 8192: 64 tiles along N. M = 4096: 1024 tiles of 256 tokens.
  EXPECT_EQ(schedule_name(heuristic_schedule(desc(8192, 8192), 4096, kH100Sms)), "sm90_ws_n128_m256_p");
  const Schedule m256{256, 1};
  EXPECT_TRUE(persistent_if_multiwave(m256, desc(8192, 8192), 4096, kH100Sms).persistent);
  EXPECT_TRUE(persistent_if_multiwave({128, 1}, desc(8192, 8192), 512, kH100Sms).persistent);  // 256 tiles
  EXPECT_FALSE(persistent_if_multiwave(m256, desc(8192, 8192), 512, kH100Sms).persistent);     // 128 tiles
  EXPECT_FALSE(persistent_if_multiwave(m256, desc(8192, 8192), 4096, 0).persistent);           // unknown device
  EXPECT_FALSE(persistent_if_multiwave({256, 2}, desc(8192, 8192), 4096, kH100Sms).persistent);  // split
  EXPECT_FALSE(persistent_if_multiwave({256, 2, 1, true}, desc(8192, 8192), 4096, kH100Sms).persistent);
  EXPECT_FALSE(persistent_if_multiwave({64, 1}, desc(8192, 8192), 4096, kH100Sms).persistent);  // one item per CTA
  EXPECT_FALSE(persistent_if_multiwave({64, 1, 2}, desc(8192, 8192), 4096, kH100Sms).persistent);
  // Stream-K grids are persistent already, under their own name.
  EXPECT_FALSE(persistent_if_multiwave({256, 1, 1, false, false, true}, desc(8192, 8192), 4096, kH100Sms).persistent);
}

// Decode tiles with every tile split run each tile's splits as one cluster.
TEST(Schedules, ClusterSplitKPlan) {
  // 8-token tiles split 4 ways, every tile split: one cluster of 4 CTAs per tile.
  LaunchPlan p = plan_launch(desc(8192, 8192), 1, Schedule{8, 4, 2}, kH100Sms);
  EXPECT_EQ(p.splits, 4);
  EXPECT_EQ(p.dp_tiles, 0);
  EXPECT_TRUE(p.cluster_splitk);
  EXPECT_EQ(p.ctas % p.splits, 0);
  EXPECT_TRUE(plan_launch(desc(4096, 14336), 16, Schedule{16, 8, 1}, kH100Sms).cluster_splitk);
  // Not: unsplit, 32-token tiles, a split capped to one (K of 64), whole-K tiles beside split ones.
  EXPECT_FALSE(plan_launch(desc(8192, 8192), 1, Schedule{8, 1, 2}, kH100Sms).cluster_splitk);
  EXPECT_FALSE(plan_launch(desc(8192, 8192), 32, Schedule{32, 2, 1}, kH100Sms).cluster_splitk);
  EXPECT_FALSE(plan_launch(desc(8192, 64), 1, Schedule{8, 4, 1}, kH100Sms).cluster_splitk);
  EXPECT_FALSE(plan_launch(desc(6144, 4096), 1024, Schedule{256, 2, 1, true}, kH100Sms).cluster_splitk);
}

// A two-CTA split grid short of one CTA per SM is topped up to exactly one: the first tiles take
// one split more, without clusters; grids already at one per SM or more, one-CTA schedules and
// unknown devices are not.
TEST(Schedules, TopUpToOneCtaPerSm) {
  // 32 tiles x 4 splits = 128 on 132 SMs: 4 tiles in 5 splits of 13 K tiles (64 = 4 x 13 + 12).
  LaunchPlan p = plan_launch(desc(4096, 4096), 1, Schedule{8, 4, 2}, kH100Sms);
  EXPECT_EQ(p.sk_tiles, 32);
  EXPECT_EQ(p.splits, 4);
  EXPECT_EQ(p.k_tiles_per_split, 16);
  EXPECT_EQ(p.extra_split_tiles, 4);
  EXPECT_EQ(p.k_tiles_per_extra_split, 13);
  EXPECT_EQ(p.work_items, 132);
  EXPECT_EQ(p.ctas, 132);
  EXPECT_FALSE(p.cluster_splitk);
  EXPECT_EQ(p.workspace_bytes, size_t(kernels::kSplitKCountersBytes) + size_t(132) * 128 * 8 * 4);
  // 36 tiles (16 tokens x 3 columns: 12 tiles each, the last a 64-row tail) x 3 = 108: 24 more.
  p = plan_launch(desc(1472, 2048), 24, Schedule{8, 3, 2}, kH100Sms);
  EXPECT_EQ(p.tiles, 36);
  EXPECT_EQ(p.extra_split_tiles, 24);
  EXPECT_EQ(p.k_tiles_per_extra_split, 8);
  EXPECT_EQ(p.ctas, 132);
  // Not topped up: one CTA per SM already (33 x 4), two splits more needed (8 x 8 = 64), the
  // slots full (64 x 4), one CTA per SM, an unknown device, whole-K tiles.
  EXPECT_EQ(plan_launch(desc(4224, 4096), 1, Schedule{8, 4, 2}, kH100Sms).extra_split_tiles, 0);
  EXPECT_TRUE(plan_launch(desc(4224, 4096), 1, Schedule{8, 4, 2}, kH100Sms).cluster_splitk);
  EXPECT_EQ(plan_launch(desc(1024, 4096), 1, Schedule{8, 8, 2}, kH100Sms).extra_split_tiles, 0);
  EXPECT_EQ(plan_launch(desc(8192, 8192), 1, Schedule{8, 4, 2}, kH100Sms).extra_split_tiles, 0);
  EXPECT_EQ(plan_launch(desc(4096, 4096), 1, Schedule{8, 4, 1}, kH100Sms).extra_split_tiles, 0);
  EXPECT_EQ(plan_launch(desc(4096, 4096), 1, Schedule{8, 4, 2}, 0).ctas, 128);
  EXPECT_EQ(plan_launch(desc(4096, 4096), 1, Schedule{8, 1, 2}, kH100Sms).ctas, 32);
  // No empty split: 32 tiles of 4 K tiles in 4 splits of one; a fifth would be empty.
  EXPECT_EQ(plan_launch(desc(4096, 256), 1, Schedule{8, 4, 2}, kH100Sms).extra_split_tiles, 0);
  // At most kSplitKMaxSplits splits summed: 16 tiles x 8 = 128, no ninth.
  EXPECT_EQ(plan_launch(desc(2048, 4096), 1, Schedule{8, 8, 2}, kH100Sms).extra_split_tiles, 0);
  // Decode tiles only: a 32-token two-CTA grid of 32 x 4 = 128 is not topped up (but pinned).
  const LaunchPlan m32 = plan_launch(desc(4096, 4096), 32, Schedule{32, 4, 2}, kH100Sms);
  EXPECT_EQ(m32.extra_split_tiles, 0);
  EXPECT_EQ(m32.ctas, 128);
  EXPECT_TRUE(m32.one_cta_per_sm);
}

// Pinning (LaunchPlan::one_cta_per_sm): a two-CTA grid of at most one CTA per SM, topped up or
// not, is pinned; full-slot two-CTA grids, one-CTA schedules and unknown devices are not.
TEST(Schedules, PinsTwoCtaGridsOfAtMostOneCtaPerSm) {
  EXPECT_TRUE(plan_launch(desc(4096, 4096), 1, Schedule{8, 4, 2}, kH100Sms).one_cta_per_sm);   // topped up to 132
  EXPECT_TRUE(plan_launch(desc(4224, 4096), 1, Schedule{8, 4, 2}, kH100Sms).one_cta_per_sm);   // 33 x 4 = 132
  EXPECT_TRUE(plan_launch(desc(2048, 4096), 1, Schedule{8, 8, 2}, kH100Sms).one_cta_per_sm);   // 128, no ninth split
  EXPECT_TRUE(plan_launch(desc(4096, 4096), 1, Schedule{8, 1, 2}, kH100Sms).one_cta_per_sm);   // 32 unsplit
  EXPECT_FALSE(plan_launch(desc(8192, 8192), 1, Schedule{8, 4, 2}, kH100Sms).one_cta_per_sm);  // 256 CTAs
  EXPECT_FALSE(plan_launch(desc(4096, 4096), 1, Schedule{8, 4, 1}, kH100Sms).one_cta_per_sm);  // one CTA per SM
  EXPECT_FALSE(plan_launch(desc(4096, 4096), 1, Schedule{8, 4, 2}, 0).one_cta_per_sm);         // no device
}

// The pinned request on sm_90's figures (228 KB per SM, 1 KB per CTA): two pinned CTAs exceed
// an SM; every two-CTA configuration's CTA fits beside one (gemm_config.cuh asserts it per
// configuration); a one-CTA configuration does not.
TEST(Schedules, PinnedSharedMemoryArithmetic) {
  using namespace kernels;
  const int pin = one_cta_per_sm_smem_bytes(kSm90SmemPerSm, kSm90ReservedSmemPerCta);
  EXPECT_EQ(pin % kSmemAllocationBytes, 0);
  EXPECT_GT(2 * (pin + kSm90ReservedSmemPerCta), kSm90SmemPerSm);
  EXPECT_TRUE(fits_beside_pinned_cta(110 * 1024 + 512, kSm90SmemPerSm, kSm90ReservedSmemPerCta));
  EXPECT_TRUE(fits_beside_pinned_cta(pin - 2 * kSmemAllocationBytes, kSm90SmemPerSm, kSm90ReservedSmemPerCta));
  EXPECT_FALSE(fits_beside_pinned_cta(pin, kSm90SmemPerSm, kSm90ReservedSmemPerCta));
  EXPECT_FALSE(fits_beside_pinned_cta(220 * 1024, kSm90SmemPerSm, kSm90ReservedSmemPerCta));
}

// Decode tiles take the split whose two-CTA grid is topped up to one CTA per SM: the largest of
// 2-4 within the SMs, where one split more would exceed them and the grid is >= 3/4 of them
// (or fills them exactly: nothing to top up, pinned as it is).
TEST(Schedules, TopUpSplitForDecodeTiles) {
  EXPECT_EQ(top_up_split_for(desc(3584, 3584), 1, 8, kH100Sms), 4);   // 28 x 4 = 112
  EXPECT_EQ(top_up_split_for(desc(4608, 3584), 1, 8, kH100Sms), 3);   // 36 x 3 = 108
  EXPECT_EQ(top_up_split_for(desc(8192, 8192), 16, 16, kH100Sms), 2); // 64 x 2 = 128
  EXPECT_EQ(top_up_split_for(desc(5632, 5120), 1, 8, kH100Sms), 3);   // 44 x 3 = 132 exactly: kept
  EXPECT_EQ(top_up_split_for(desc(4224, 6144), 1, 8, kH100Sms), 4);   // 33 x 4 = 132
  EXPECT_EQ(top_up_split_for(desc(8448, 4096), 16, 16, kH100Sms), 2); // 66 x 2 = 132
  EXPECT_EQ(top_up_split_for(desc(6656, 7168), 1, 8, kH100Sms), 2);   // 52 x 2 = 104: topped up
  EXPECT_EQ(top_up_split_for(desc(6144, 4096), 1, 8, kH100Sms), 0);   // 48 x 2 = 96: under 3/4
  EXPECT_EQ(top_up_split_for(desc(2560, 4096), 1, 8, kH100Sms), 0);   // 20 x 4 = 80; 5 splits fit too
  EXPECT_EQ(top_up_split_for(desc(2048, 8192), 1, 8, kH100Sms), 0);   // 16 x 8: no 9th split
  EXPECT_EQ(top_up_split_for(desc(10240, 4096), 1, 8, kH100Sms), 0);  // 80 tiles: no split fits
  EXPECT_EQ(top_up_split_for(desc(4096, 4096), 32, 32, kH100Sms), 0); // not a decode tile
  EXPECT_EQ(top_up_split_for(desc(4096, 4096), 1, 8, 0), 0);          // no device
  EXPECT_EQ(top_up_split_for(desc(4096, 512), 1, 8, kH100Sms), 0);    // 8 K tiles: 4 splits of 2
  EXPECT_EQ(schedule_name(heuristic_schedule(desc(4608, 3584), 1, kH100Sms)), "sm90_ws_n128_m8_o2_sk3");
}

// The launcher keeps clusters only for a grid whose clusters are all resident at once.
TEST(Schedules, ClusterGridFitsOneWave) {
  using kernels::cluster_grid_fits_one_wave;
  EXPECT_TRUE(cluster_grid_fits_one_wave(192, 4, 48));   // 8B qkv at M = 1: 48 clusters of 4
  EXPECT_TRUE(cluster_grid_fits_one_wave(192, 4, 60));
  EXPECT_FALSE(cluster_grid_fits_one_wave(256, 4, 62));  // 8192x8192: 64 clusters, two left over
  EXPECT_FALSE(cluster_grid_fits_one_wave(320, 8, 33));  // several waves
  EXPECT_FALSE(cluster_grid_fits_one_wave(64, 4, 0));    // the query gave nothing: the L2 path
  EXPECT_FALSE(cluster_grid_fits_one_wave(64, 1, 100));  // no cluster of one
}

// "_p": the same work items, one CTA per slot looping over them; never more CTAs than items.
TEST(Schedules, PersistentPlan) {
  const Schedule persistent{256, 1, 1, false, true};
  LaunchPlan p = plan_launch(desc(6144, 4096), 1024, persistent, kH100Sms);
  EXPECT_EQ(p.tiles, 192);
  EXPECT_EQ(p.work_items, 192);
  EXPECT_EQ(p.ctas, kH100Sms);
  EXPECT_EQ(p.workspace_bytes, 0u);
  p = plan_launch(desc(6144, 4096), 256, persistent, kH100Sms);  // 48 tiles: one each
  EXPECT_EQ(p.work_items, 48);
  EXPECT_EQ(p.ctas, 48);
  p = plan_launch(desc(6144, 4096), 1024, persistent, 0);  // unknown device: one CTA per item
  EXPECT_EQ(p.ctas, 192);
}

// "_streamk": whole tiles for all full waves but the last, equal runs of K tiles over the rest.
TEST(Schedules, StreamKPlan) {
  const Schedule streamk{256, 1, 1, false, false, true};
  // 8B qkv at M = 512: 96 tiles of 64 K tiles, within one wave: 6144 K tiles in runs of 47 on
  // 131 CTAs (a tile meets at most 3 runs).
  LaunchPlan p = plan_launch(desc(6144, 4096), 512, streamk, kH100Sms);
  EXPECT_EQ(p.tiles, 96);
  EXPECT_EQ(p.dp_tiles, 0);
  EXPECT_EQ(p.sk_tiles, 96);
  EXPECT_EQ(p.stream_k_iters, 96 * 64);
  EXPECT_EQ(p.stream_k_iters_per_cta, 47);
  EXPECT_EQ(p.ctas, 131);
  EXPECT_EQ(p.splits, 3);
  EXPECT_EQ(p.work_items, 96 * 64);
  EXPECT_EQ(p.workspace_bytes, size_t(32768) + size_t(96 + 131 - 1) * 128 * 256 * 4);
  // 8B gate_up at M = 512: 448 tiles, 3 full waves and 52: 264 whole, 184 streamed.
  p = plan_launch(desc(28672, 4096), 512, streamk, kH100Sms);
  EXPECT_EQ(p.dp_tiles, 264);
  EXPECT_EQ(p.sk_tiles, 184);
  EXPECT_EQ(p.ctas, kH100Sms);
  EXPECT_EQ(p.work_items, 264 + 184 * 64);
  // Whole waves (264 tiles), or a last wave at least 7/8 full (128 tiles, and 256 = 132 + 124):
  // a persistent grid of whole tiles, no workspace.
  for (const auto& [n, m] : {std::pair<int64_t, int64_t>{33792, 256}, {8192, 512}, {8192, 1024}}) {
    p = plan_launch(desc(n, 8192), m, streamk, kH100Sms);
    EXPECT_EQ(p.dp_tiles, p.tiles) << n << " m=" << m;
    EXPECT_EQ(p.sk_tiles, 0);
    EXPECT_EQ(p.stream_k_iters_per_cta, 0);
    EXPECT_EQ(p.ctas, std::min<int64_t>(p.tiles, kH100Sms));
    EXPECT_EQ(p.work_items, p.tiles);
    EXPECT_EQ(p.workspace_bytes, 0u);
  }
  // Few deep tiles: runs no shallower than a seventh of a tile, so at most 8 CTAs share one.
  p = plan_launch(desc(256, 14336), 256, streamk, kH100Sms);  // 2 tiles of 224 K tiles
  EXPECT_EQ(p.stream_k_iters_per_cta, 32);
  EXPECT_EQ(p.ctas, 14);
  EXPECT_LE(p.splits, kernels::kStreamKMaxShares);
  // The workspace bound covers every m on the device; without a device, the any-device plan.
  const WeightDesc w = desc(6144, 4096);
  const size_t bound = stream_k_workspace_bound(w, 8192, streamk, kH100Sms);
  for (int64_t m = 1; m <= 8192; m = m * 3 / 2 + 1) {
    EXPECT_LE(plan_launch(w, m, streamk, kH100Sms).workspace_bytes, bound) << "m=" << m;
    EXPECT_LE(plan_launch(w, m, streamk, kH100Sms).workspace_bytes, plan_launch(w, m, streamk, 0).workspace_bytes);
  }
}

// Every CTA of a stream-K grid walks its items as the kernels do (stream_k.h): each K tile of
// each tile is computed exactly once; a tile's shares are its CTAs in order, in consecutive
// slabs inside the workspace; no CTA is left without work.
TEST(Schedules, StreamKItemsCoverEveryKTileOnce) {
  struct Case {
    int64_t n, k, m;
    int blk_m, sms;
  };
  const Case cases[] = {
      {6144, 4096, 512, 256, 132},  {28672, 4096, 512, 256, 132}, {10240, 8192, 1024, 256, 132},
      {4096, 4096, 512, 128, 132},  {256, 14336, 256, 256, 132},  {8192, 8192, 4096, 256, 132},
      {6144, 4096, 1000, 128, 114}, {128, 128, 128, 128, 132},    {640, 192, 300, 128, 7},
      {33792, 4096, 256, 256, 132},
  };
  for (const Case& c : cases) {
    const LaunchPlan p = plan_launch(desc(c.n, c.k), c.m, Schedule{c.blk_m, 1, 1, false, false, true}, c.sms);
    const int k_tiles = int(c.k / 64);
    SCOPED_TRACE(std::to_string(c.n) + "x" + std::to_string(c.k) + " m=" + std::to_string(c.m));
    if (p.stream_k_iters_per_cta > 0) ASSERT_EQ(p.dp_tiles % c.sms, 0);  // whole-tile rounds fill the grid
    ASSERT_LE(p.ctas, c.sms);
    std::vector<int> covered(size_t(p.tiles * k_tiles), 0);
    std::vector<std::vector<std::pair<int, int>>> shares(size_t(p.sk_tiles));  // (cta, share)
    std::set<int64_t> slabs;
    int max_shares = 0;
    const kernels::StreamKShape g =
        kernels::StreamKShape::make(k_tiles, p.stream_k_iters_per_cta, int(p.stream_k_iters));
    for (int cta = 0; cta < int(p.ctas); ++cta) {
      int items = 0;
      bool first_segment = true;
      for (int item = kernels::loop_first_item(g, cta, int(p.dp_tiles), int(p.work_items)); item >= 0;
           item = kernels::loop_next_item(g, cta, int(p.ctas), item, int(p.dp_tiles), int(p.work_items))) {
        ++items;
        if (item < p.dp_tiles) {
          for (int kt = 0; kt < k_tiles; ++kt) ++covered[size_t(item) * k_tiles + kt];
          continue;
        }
        const kernels::StreamKSegment s = kernels::stream_k_segment(g, cta, item - int(p.dp_tiles));
        ASSERT_LT(s.k_begin, s.k_end);
        // stream_k_last_tile names the CTA's last item's tile, exactly (its ring is idle after it).
        const bool last_segment =
            kernels::loop_next_item(g, cta, int(p.ctas), item, int(p.dp_tiles), int(p.work_items)) < 0;
        EXPECT_EQ(s.tile == kernels::stream_k_last_tile(g, cta), last_segment);
        // A shared tile's share 0 ends its CTA's run and its later shares start theirs, which is
        // what lets share 0 find the others already arrived (splitk_reduce.cuh).
        if (s.shares > 1 && s.share == 0) EXPECT_TRUE(last_segment) << "cta " << cta << " tile " << s.tile;
        if (s.share > 0) EXPECT_TRUE(first_segment) << "cta " << cta << " tile " << s.tile;
        first_segment = false;
        for (int kt = s.k_begin; kt < s.k_end; ++kt) ++covered[size_t(p.dp_tiles + s.tile) * k_tiles + kt];
        ASSERT_LE(s.shares, kernels::kStreamKMaxShares);
        max_shares = std::max(max_shares, s.shares);
        shares[size_t(s.tile)].push_back({cta, s.share});
        EXPECT_EQ(s.shares == 1, s.k_begin == 0 && s.k_end == k_tiles);
        if (s.shares > 1) {
          EXPECT_TRUE(slabs.insert(int64_t(s.slab) + s.share).second) << "slab reused";
          EXPECT_LT((int64_t(s.slab) + s.share + 1) * 128 * c.blk_m * 4 + 32768, int64_t(p.workspace_bytes) + 1);
        }
      }
      EXPECT_GT(items, 0) << "cta " << cta << " idle";
    }
    for (int v : covered) ASSERT_EQ(v, 1);
    for (const auto& t : shares) {
      for (size_t i = 0; i < t.size(); ++i) {
        EXPECT_EQ(t[i].second, int(i));
        if (i > 0) EXPECT_EQ(t[i].first, t[i - 1].first + 1);
      }
    }
    if (p.sk_tiles > 0) EXPECT_LE(max_shares, p.splits);  // the plan's count bounds the real one
  }
}

// "_dpsk" from the heuristic: 1-5 waves with the last at most half full.
TEST(Schedules, LastWaveSplitRule) {
  // 3584 x 18944, 256-token tiles: 148 tiles, 16 in the last wave: 4 splits fit one wave.
  EXPECT_EQ(last_wave_split_for(desc(18944, 3584), 256, 256, 1, kH100Sms), 4);
  // 4096 x 6144 at M = 1024: 192 tiles, 60 in the last wave: 2 (4 would not fit one wave).
  EXPECT_EQ(last_wave_split_for(desc(6144, 4096), 1024, 256, 1, kH100Sms), 2);
  // 3584 x 18944 at M = 1024: 592 tiles, 4.48 waves, 64 in the last: 2.
  EXPECT_EQ(last_wave_split_for(desc(18944, 3584), 1024, 256, 1, kH100Sms), 2);
  // A last wave over half full (8192 x 8192, M = 1024: 256 tiles, 124 last): none.
  EXPECT_EQ(last_wave_split_for(desc(8192, 8192), 1024, 256, 1, kH100Sms), 0);
  // One partial wave, five or more waves, whole waves: none (split_for's rules apply there).
  EXPECT_EQ(last_wave_split_for(desc(8192, 8192), 256, 256, 1, kH100Sms), 0);      // 64 tiles
  EXPECT_EQ(last_wave_split_for(desc(57344, 8192), 4096, 256, 1, kH100Sms), 0);    // 7168 tiles
  EXPECT_EQ(last_wave_split_for(desc(33792, 4096), 256, 256, 1, kH100Sms), 0);     // 264 tiles
  EXPECT_EQ(last_wave_split_for(desc(18944, 3584), 1280, 256, 1, kH100Sms), 0);    // 740: 5.6 waves
  // 32-token tiles: 3584 x 18944 at M = 32, 148 tiles, 16 in the last wave: 4 (14 K tiles each);
  // 70B gate_up (8192 x 57344) at M = 32, 448 tiles, 52 in the last: 2; 8B gate_up at M = 32,
  // 224 tiles, 92 in the last (over half): none.
  EXPECT_EQ(last_wave_split_for(desc(18944, 3584), 32, 32, 1, kH100Sms), 4);
  EXPECT_EQ(last_wave_split_for(desc(57344, 8192), 32, 32, 1, kH100Sms), 2);
  EXPECT_EQ(last_wave_split_for(desc(28672, 4096), 32, 32, 1, kH100Sms), 0);
  // Smaller tiles and two CTAs per SM have no "_dpsk" form; shallow K keeps >= 8 K tiles a split.
  EXPECT_EQ(last_wave_split_for(desc(18944, 3584), 16, 16, 1, kH100Sms), 0);
  EXPECT_EQ(last_wave_split_for(desc(18944, 3584), 64, 64, 2, kH100Sms), 0);
  EXPECT_EQ(last_wave_split_for(desc(18944, 768), 256, 256, 1, kH100Sms), 0);  // 12 K tiles: 6 per split
  EXPECT_EQ(last_wave_split_for(desc(18944, 3584), 256, 256, 1, 0), 0);          // unknown device
  // The heuristic takes it for 64-token tiles (3584 x 18944 at M = 64: 148 tiles); for 256-token
  // ones stream-K replaces it (next test).
  EXPECT_EQ(schedule_name(heuristic_schedule(desc(18944, 3584), 64, kH100Sms)), "sm90_ws_n128_m64_dpsk4");
}

// Stream-K replaces the split rules' choice for tiles of >= 128 tokens when there are more than
// half a wave of tiles and the last wave is at most two thirds full, or, within two waves over
// >= 96 K tiles, less than 7/8 full (perf-notes v33d).
TEST(Schedules, StreamKWhereTheLastWaveIsMostlyIdle) {
  struct Case {
    int64_t n, k, m;
    bool stream_k;
  };
  const Case cases[] = {
      {18944, 3584, 256, true},    // 148 tiles of 256 tokens: 16 in the last wave
      {10240, 8192, 512, true},    // 160: 28
      {57344, 8192, 1024, true},   // 1792: 76
      {28672, 4096, 2048, true},   // 1792 (m256 after 14 waves): 76
      {6144, 4096, 512, false},    // 96 tiles, the last (only) wave 0.73 full, 64 K tiles
      {28672, 4096, 256, false},   // 224 tiles: 92 in the last wave, 0.70 full, 64 K tiles
      {6656, 8192, 512, true},     // 104 tiles, 0.79 full, 128 K tiles
      {3584, 12288, 1024, true},   // 112 tiles, 0.85 full, 192 K tiles
      {7680, 5120, 1024, false},   // 240: 108 in the last wave, 0.82 full, 80 K tiles
      {8192, 8192, 512, false},    // 128: at least 7/8 full
      {8192, 8192, 256, false},    // 64: at most half a wave
      {8192, 8192, 4096, false},   // 1024: 100 in the last wave, 0.76 full, past two waves
      {3584, 8192, 2048, true},    // 224: 92 in the last wave, 0.70 full, 128 K tiles
      {57344, 8192, 8192, false},  // 14336: more than 16 waves
  };
  for (const Case& c : cases) {
    const Schedule s = heuristic_schedule(desc(c.n, c.k), c.m, kH100Sms);
    EXPECT_EQ(s.stream_k, c.stream_k) << c.n << "x" << c.k << " m=" << c.m << ": " << schedule_name(s);
    if (s.stream_k) EXPECT_EQ(s.splits, 1);
  }
  EXPECT_FALSE(stream_k_if_last_wave_idle({256, 1}, desc(18944, 3584), 256, 0).stream_k);  // unknown device
  EXPECT_FALSE(stream_k_if_last_wave_idle({64, 1}, desc(18944, 3584), 64, kH100Sms).stream_k);
}

// workspace_bytes for a named split schedule stops at the largest m the counters cover.
TEST(Schedules, WorkspaceForNamedScheduleIsCapped) {
  const WeightDesc w = desc(57344, 8192);  // 448 weight tiles: 8192 / 448 = 18 token tiles
  const size_t at_cap = workspace_bytes(w, 18 * 256, "sm90_ws_n128_m256_sk8");
  EXPECT_EQ(at_cap, size_t(32768) + size_t(448 * 18) * 8 * 128 * 256 * 4);
  EXPECT_EQ(workspace_bytes(w, 8192, "sm90_ws_n128_m256_sk8"), at_cap);
}

TEST(Schedules, PlanHasNoEmptySplit) {
  for (int64_t k_tiles = 1; k_tiles <= 40; ++k_tiles) {
    for (int sk : kSplitChoices) {
      const LaunchPlan p = plan_launch(desc(128, 64 * k_tiles), 3, {16, sk}, kH100Sms);
      EXPECT_GE(p.splits, 1);
      EXPECT_LE(p.splits, sk);
      EXPECT_LE(int64_t(p.splits - 1) * p.k_tiles_per_split, k_tiles - 1) << "last split empty";
      EXPECT_GE(int64_t(p.splits) * p.k_tiles_per_split, k_tiles) << "K not covered";
      // The fixed 32 KiB counter block, then one fp32 partial of the one 128 x 16 tile per split.
      EXPECT_EQ(p.workspace_bytes, p.splits > 1 ? size_t(32768 + p.splits * 128 * 16 * 4) : 0u);
      EXPECT_EQ(p.counters_bytes, p.splits > 1 ? 32768u : 0u);
      EXPECT_EQ(p.tiles, 1);
    }
  }
}

TEST(Schedules, WorkspaceQueryForNamedSchedules) {
  const WeightDesc w = desc(1024, 4096);
  // The fixed 32 KiB counter block, then 8 x 2 tiles of 128 x 8 x 4 splits in fp32.
  EXPECT_EQ(workspace_bytes(w, 10, "sm90_ws_n128_m8_sk4"), size_t(32768 + 16 * 4 * 1024 * 4));
  // Monotone in m at a fixed schedule, so sizing for the largest batch covers smaller ones.
  for (int64_t m = 1; m < 300; ++m)
    EXPECT_LE(workspace_bytes(w, m, "sm90_ws_n128_m64_sk2"), workspace_bytes(w, m + 1, "sm90_ws_n128_m64_sk2"));
  EXPECT_EQ(workspace_bytes(w, 10, "sm90_ws_n128_m8"), 0u);
  EXPECT_EQ(workspace_bytes(w, 10, "no_such_schedule"), 0u);
}

}  // namespace
}  // namespace mixgemm::detail
