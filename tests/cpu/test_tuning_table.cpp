// Selection tables: the text format (round trip, errors by line), the lookup "auto" runs
// (exact points, M buckets, the nearest shape with the split re-derived) and the built-in tables.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "host/device_info.h"
#include "host/schedules.h"
#include "host/tuning_table.h"
#include "host/validate.h"
#include "kernels/gemm_params.h"
#include "mixgemm/mixgemm.h"

namespace mixgemm::detail {
namespace {

constexpr int kH100Sms = 132;

TunedEntry entry(int64_t k, int64_t n, int64_t m, const char* schedule, ActType act = ActType::bf16,
                 WeightType wt = WeightType::u4b8, int64_t group = 128) {
  TunedEntry e{act, wt, group, k, n, m, {}};
  EXPECT_TRUE(parse_schedule(schedule, &e.schedule)) << schedule;
  return e;
}

WeightDesc desc(int64_t k, int64_t n, WeightType wt = WeightType::u4b8, ActType act = ActType::bf16) {
  WeightDesc w;
  w.k = k;
  w.n = n;
  w.wtype = wt;
  w.act = act;
  return w;
}

// The schedule lookup_tuned picks from these entries for a K x N layer at M, by name.
std::string chosen_name(const std::vector<TunedEntry>& e, int64_t k, int64_t n, int64_t m) {
  Schedule s;
  return lookup_tuned(e, desc(k, n), m, kH100Sms, &s) ? schedule_name(s) : std::string("(none)");
}

// A K x N layer, the schedule expected there, and why.
struct ShapeCase {
  int64_t k, n;
  const char* expected;
  const char* why;
};
void expect_choices(const std::vector<TunedEntry>& e, int64_t m, const std::vector<ShapeCase>& cases) {
  for (const ShapeCase& c : cases) EXPECT_EQ(chosen_name(e, c.k, c.n, m), c.expected) << c.why;
}

TEST(TuningTable, FormatParseRoundTrip) {
  TuningTable t;
  t.device = "NVIDIA H100 80GB HBM3";
  t.sm_count = 132;
  t.points.push_back({ActType::bf16, WeightType::u4b8, 128, 8192, 8192, 1, "sm90_ws_n128_m8_o2_sk4", 21.37});
  t.points.push_back({ActType::fp16, WeightType::u8, 4096, 4096, 14336, 256, "sm90_ws_n128_m256", 99.5});
  TuningTable back;
  const Status st = parse_tuning_table(format_tuning_table(t), &back);
  ASSERT_TRUE(st.ok()) << st.message;
  EXPECT_EQ(back.device, t.device);
  EXPECT_EQ(back.sm_count, 132);
  ASSERT_EQ(back.points.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(back.points[i].act, t.points[i].act);
    EXPECT_EQ(back.points[i].wtype, t.points[i].wtype);
    EXPECT_EQ(back.points[i].group_size, t.points[i].group_size);
    EXPECT_EQ(back.points[i].k, t.points[i].k);
    EXPECT_EQ(back.points[i].n, t.points[i].n);
    EXPECT_EQ(back.points[i].m, t.points[i].m);
    EXPECT_EQ(back.points[i].schedule, t.points[i].schedule);
    EXPECT_NEAR(back.points[i].us, t.points[i].us, 0.005);
  }
}

TEST(TuningTable, ParseErrorsNameTheLine) {
  TuningTable t;
  const std::string device = "device\tGPU\t132\n";
  Status st = parse_tuning_table("# only a comment\n", &t);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message.find("no 'device' line"), std::string::npos) << st.message;
  st = parse_tuning_table(device + "bf16\tu4b8\t128\t64\t64\t1\tsm90_ws_n128_m8\n", &t);
  EXPECT_NE(st.message.find("line 2: expected 8"), std::string::npos) << st.message;
  st = parse_tuning_table(device + "# c\nbf16\tu4b8\t128\t64\t64\t1\tsm90_bogus\t1.0\n", &t);
  EXPECT_NE(st.message.find("line 3: 'sm90_bogus' is not a mixgemm schedule"), std::string::npos) << st.message;
  st = parse_tuning_table(device + "bf32\tu4b8\t128\t64\t64\t1\tsm90_ws_n128_m8\t1.0\n", &t);
  EXPECT_NE(st.message.find("unknown activation type 'bf32'"), std::string::npos) << st.message;
  st = parse_tuning_table(device + "bf16\tu4b8\t128\t64\t-64\t1\tsm90_ws_n128_m8\t1.0\n", &t);
  EXPECT_NE(st.message.find("positive integers"), std::string::npos) << st.message;
  st = parse_tuning_table(device + "bf16\tu4b8\t128\t64\t64\t1\tsm90_ws_n128_m8\tfast\n", &t);
  EXPECT_NE(st.message.find("positive number"), std::string::npos) << st.message;
  st = parse_tuning_table("device\tGPU\n", &t);
  EXPECT_NE(st.message.find("line 1"), std::string::npos) << st.message;
}

// What auto would pick with a table, computed without a GPU (mixgemm-tune --evaluate).
TEST(TuningTable, SelectionWithATableNeedsNoDevice) {
  TuningTable t;
  t.device = "GPU X";
  t.sm_count = kH100Sms;
  t.points.push_back({ActType::bf16, WeightType::u4b8, 128, 8192, 8192, 1, "sm90_ws_n128_m8_o2_sk4", 17.0});
  WeightDesc w = desc(8192, 8192);
  w.group_size = 128;
  EXPECT_EQ(select_schedule_with_table(t, w, 1, kH100Sms), "sm90_ws_n128_m8_o2_sk4");
  // No point of this weight width: the heuristic's choice.
  WeightDesc w8 = w;
  w8.wtype = WeightType::u8b128;
  EXPECT_EQ(select_schedule_with_table(t, w8, 1, kH100Sms), schedule_name(heuristic_schedule(w8, 1, kH100Sms)));
  EXPECT_EQ(select_schedule_with_table(t, w, 0, kH100Sms), "");
  w.n = 100;  // not a multiple of 64
  EXPECT_EQ(select_schedule_with_table(t, w, 1, kH100Sms), "");
}

TEST(TuningTable, ExactPointsAndMBuckets) {
  const std::vector<TunedEntry> e = {entry(8192, 8192, 1, "sm90_ws_n128_m8_o2_sk4"),
                                     entry(8192, 8192, 16, "sm90_ws_n128_m16_o2_sk2"),
                                     entry(8192, 8192, 256, "sm90_ws_n128_m128_sk2"),
                                     entry(8192, 8192, 4096, "sm90_ws_n128_m256")};
  Schedule s;
  ASSERT_TRUE(lookup_tuned(e, desc(8192, 8192), 1, kH100Sms, &s));
  EXPECT_EQ(schedule_name(s), "sm90_ws_n128_m8_o2_sk4");
  ASSERT_TRUE(lookup_tuned(e, desc(8192, 8192), 2, kH100Sms, &s));  // the next tuned M up: 16
  EXPECT_EQ(schedule_name(s), "sm90_ws_n128_m16_o2_sk2");
  ASSERT_TRUE(lookup_tuned(e, desc(8192, 8192), 256, kH100Sms, &s));
  EXPECT_EQ(schedule_name(s), "sm90_ws_n128_m128_sk2");  // exact: the tuned split is kept
  ASSERT_TRUE(lookup_tuned(e, desc(8192, 8192), 4096, kH100Sms, &s));
  EXPECT_EQ(schedule_name(s), "sm90_ws_n128_m256_p");  // 1024 tiles on 132 SMs: persistent
  ASSERT_TRUE(lookup_tuned(e, desc(8192, 8192), 100000, kH100Sms, &s));  // past the end: the largest
  EXPECT_EQ(schedule_name(s), "sm90_ws_n128_m256_p");
}

TEST(TuningTable, NearestShapeKeepsTileAndRederivesSplit) {
  const std::vector<TunedEntry> e = {entry(4096, 4096, 1, "sm90_ws_n128_m8_o2_sk8"),
                                     entry(8192, 57344, 1, "sm90_ws_n128_m8_o2")};
  Schedule s;
  // 5120 x 5120 is nearest to 4096 x 4096: its tile and occupancy, the split re-derived: 40
  // tiles x 3 = 120 CTAs, topped up to one per SM (top_up_split_for; split_for alone: 4).
  ASSERT_TRUE(lookup_tuned(e, desc(5120, 5120), 1, kH100Sms, &s));
  EXPECT_EQ(s.blk_m, 8);
  EXPECT_EQ(s.ctas_per_sm, 2);
  EXPECT_EQ(s.splits, 3);
  EXPECT_EQ(top_up_split_for(desc(5120, 5120), 1, 8, kH100Sms), 3);
  EXPECT_EQ(split_for(desc(5120, 5120), 1, 8, 2, kH100Sms), 4);
  // 8192 x 28672 is nearest to the 57344-wide layer: 224 tiles on 264 slots, no split.
  ASSERT_TRUE(lookup_tuned(e, desc(8192, 28672), 1, kH100Sms, &s));
  EXPECT_EQ(schedule_name(s), "sm90_ws_n128_m8_o2");
}

// On another shape the split follows that shape's tile count: a last wave mostly empty after
// one to three full ones is streamed (256-token tiles, "_streamk") or split ("_dpsk", smaller
// tiles), whatever the tuned point had.
TEST(TuningTable, NearestShapeSplitsAMostlyEmptyLastWave) {
  const std::vector<TunedEntry> e = {entry(4096, 28672, 256, "sm90_ws_n128_m256"),
                                     entry(4096, 28672, 8, "sm90_ws_n128_m16_o2_sk2"),
                                     entry(4096, 28672, 64, "sm90_ws_n128_m64")};
  Schedule s;
  // 3584 x 18944 at M = 256: 148 tiles of 256 tokens on 132 SMs, 16 in the last wave.
  ASSERT_TRUE(lookup_tuned(e, desc(3584, 18944), 256, kH100Sms, &s));
  EXPECT_EQ(schedule_name(s), "sm90_ws_n128_m256_streamk");
  // At M = 64: 148 tiles of 64 tokens: 4 splits of the last 16.
  ASSERT_TRUE(lookup_tuned(e, desc(3584, 18944), 64, kH100Sms, &s));
  EXPECT_EQ(schedule_name(s), "sm90_ws_n128_m64_dpsk4");
  // A tuned stream-K point carried to a shape whose last wave is nearly full: the split rules.
  const std::vector<TunedEntry> streamed = {entry(8192, 10240, 128, "sm90_ws_n128_m128_streamk")};
  ASSERT_TRUE(lookup_tuned(streamed, desc(8192, 8192), 128, kH100Sms, &s));
  EXPECT_FALSE(s.stream_k) << schedule_name(s);
  // The tuned shape itself keeps its measured tile and split (224 tiles: 92 in the last wave),
  // in its persistent form (more than one wave).
  ASSERT_TRUE(lookup_tuned(e, desc(4096, 28672), 256, kH100Sms, &s));
  EXPECT_EQ(schedule_name(s), "sm90_ws_n128_m256_p");
  // At M <= 8 another shape's 16-token decode tile becomes the 8-token one.
  ASSERT_TRUE(lookup_tuned(e, desc(3584, 18944), 4, kH100Sms, &s));
  EXPECT_EQ(s.blk_m, 8);
  EXPECT_EQ(s.ctas_per_sm, 2);
}

// At M >= 256 a carried 128- or 256-token point takes the tile by how this problem's 256-token
// tiles fill the SMs (large_m_token_tile), not the neighbour's near tie.
TEST(TuningTable, NearestShapeTakesTheLargeTileByWaveFill) {
  const std::vector<TunedEntry> e = {entry(8192, 8192, 256, "sm90_ws_n128_m128_p"),
                                     entry(8192, 8192, 1024, "sm90_ws_n128_m256_p")};
  // 28672 x 8192 at M = 256: 64 tiles of 256 tokens (0.48 of a wave) over 448 K tiles: 256, split.
  EXPECT_EQ(chosen_name(e, 28672, 8192, 256), "sm90_ws_n128_m256_sk2");
  // 8192 x 10240 at M = 256: 80 tiles (0.61) over 128 K tiles: 256 tokens (stream-K by its rule).
  EXPECT_EQ(chosen_name(e, 8192, 10240, 256), "sm90_ws_n128_m256_streamk");
  // 4096 x 8192 at M = 256: 64 tiles (0.48) over only 64 K tiles: 128 tokens stay.
  EXPECT_EQ(chosen_name(e, 4096, 8192, 256).rfind("sm90_ws_n128_m128", 0), 0u);
  // 4096 x 4096 at M = 512 from the 256-token point: 64 tiles (0.48) over 64 K tiles: 128.
  EXPECT_EQ(chosen_name(e, 4096, 4096, 512).rfind("sm90_ws_n128_m128", 0), 0u);
  // The tuned shape keeps its measured 128-token point.
  EXPECT_EQ(chosen_name(e, 8192, 8192, 256), "sm90_ws_n128_m128_p");
}

// At 16 < M <= 64 a carried 32- or 64-token point takes the tile that covers M.
TEST(TuningTable, NearestShapeTakesTheTileThatCoversMidM) {
  const std::vector<TunedEntry> e = {entry(4096, 4096, 64, "sm90_ws_n128_m32_sk2"),
                                     entry(4096, 4096, 32, "sm90_ws_n128_m64_sk4")};
  EXPECT_EQ(chosen_name(e, 14336, 4096, 64).rfind("sm90_ws_n128_m64", 0), 0u);
  EXPECT_EQ(chosen_name(e, 14336, 4096, 32).rfind("sm90_ws_n128_m32", 0), 0u);
  EXPECT_EQ(chosen_name(e, 4096, 4096, 64), "sm90_ws_n128_m32_sk2");  // the tuned shape: as measured
}

// At 64 < M <= 128 a carried 32-, 64- or 128-token point takes the 128-token tile, one CTA per SM.
TEST(TuningTable, NearestShapeTakesTheWholeTileUpTo128) {
  const std::vector<TunedEntry> e = {entry(4096, 6144, 128, "sm90_ws_n128_m64"),
                                     entry(4096, 4096, 128, "sm90_ws_n128_m64_o2_sk2")};
  for (const int64_t m : {65, 96, 128}) {
    EXPECT_EQ(chosen_name(e, 4096, 11008, m).rfind("sm90_ws_n128_m128", 0), 0u) << m;
    EXPECT_EQ(chosen_name(e, 4096, 3584, m).rfind("sm90_ws_n128_m128", 0), 0u) << m;  // not "_o2"
  }
  EXPECT_EQ(chosen_name(e, 4096, 6144, 128), "sm90_ws_n128_m64");  // the tuned shape: as measured
}

TEST(TuningTable, TypesMustMatch) {
  const std::vector<TunedEntry> e = {entry(4096, 4096, 1, "sm90_ws_n128_m8_o2_sk8", ActType::bf16)};
  Schedule s;
  EXPECT_FALSE(lookup_tuned(e, desc(4096, 4096, WeightType::u8), 1, kH100Sms, &s));  // no 8-bit points
  // u4 (zero points) has no points of its own: the u4b8 ones stand in, on the same shape and group
  // as measured (the same weight width: perf-notes v33h), on another shape the split re-derived.
  ASSERT_TRUE(lookup_tuned(e, desc(4096, 4096, WeightType::u4), 1, kH100Sms, &s));
  EXPECT_EQ(schedule_name(s), "sm90_ws_n128_m8_o2_sk8");
  ASSERT_TRUE(lookup_tuned(e, desc(4096, 4352, WeightType::u4), 1, kH100Sms, &s));
  EXPECT_EQ(s.blk_m, 8);
  EXPECT_EQ(s.splits, top_up_split_for(desc(4096, 4352, WeightType::u4), 1, 8, kH100Sms));  // 34 x 3, topped up
  WeightDesc g32 = desc(4096, 4096, WeightType::u4);  // another group: re-derived
  g32.group_size = 32;
  ASSERT_TRUE(lookup_tuned(e, g32, 1, kH100Sms, &s));
  EXPECT_EQ(s.splits, top_up_split_for(g32, 1, 8, kH100Sms));
  // No fp16 points: the bf16 ones of the same weight type stand in.
  ASSERT_TRUE(lookup_tuned(e, desc(4096, 4096, WeightType::u4b8, ActType::fp16), 1, kH100Sms, &s));
  EXPECT_EQ(schedule_name(s), "sm90_ws_n128_m8_o2_sk8");
  EXPECT_FALSE(lookup_tuned({}, desc(4096, 4096), 1, kH100Sms, &s));
}

// On another shape a two-CTA tile that would put two CTAs on only a minority of the SMs runs
// one CTA per SM with the last wave split.
TEST(TuningTable, NearestShapeDropsTwoCtasThatDoubleUpOnFewSms) {
  const std::vector<TunedEntry> e = {entry(4096, 28672, 64, "sm90_ws_n128_m64_o2")};
  const auto chosen = [&](int64_t k, int64_t n) { return chosen_name(e, k, n, 64); };
  // 3584 x 18944: 148 tiles, 16 SMs would hold two: one CTA per SM, the last 16 tiles in 4.
  EXPECT_EQ(chosen(3584, 18944), "sm90_ws_n128_m64_dpsk4");
  // 5120 x 27648: 216 tiles, 84 SMs with two: two CTAs per SM kept; the tuned point as measured.
  EXPECT_EQ(chosen(5120, 27648), "sm90_ws_n128_m64_o2");
  EXPECT_EQ(chosen(4096, 28672), "sm90_ws_n128_m64_o2");
}

// At 16 < M <= 64 on another shape, within one wave of tiles: two CTAs per SM with 3 splits where
// those fill the two-CTA wave and the one-CTA wave is a third idle, else one CTA per SM.
TEST(TuningTable, NearestShapeThreeSplitsAtTwoCtas) {
  const std::vector<TunedEntry> e = {entry(8192, 10240, 32, "sm90_ws_n128_m32")};
  EXPECT_EQ(chosen_name(e, 8192, 10240, 32), "sm90_ws_n128_m32");          // the tuned point, as measured
  EXPECT_EQ(chosen_name(e, 8192, 9216, 32), "sm90_ws_n128_m32_o2_sk3");    // 72 tiles
  EXPECT_EQ(chosen_name(e, 8192, 9216, 48), "sm90_ws_n128_m64_o2_sk3");    // 72 tiles of 64 tokens
  EXPECT_EQ(chosen_name(e, 8192, 8192, 32), "sm90_ws_n128_m32_sk2");       // 64 tiles: 2 splits fill a wave
  EXPECT_EQ(chosen_name(e, 14336, 8704, 32), "sm90_ws_n128_m32_sk3");      // 68 tiles over 74 K tiles per split
  const std::vector<TunedEntry> t = {entry(8192, 10240, 32, "sm90_ws_n128_m32_o2_sk3")};
  EXPECT_EQ(chosen_name(t, 8192, 10240, 32), "sm90_ws_n128_m32_o2_sk3");
  EXPECT_EQ(chosen_name(t, 8192, 12288, 32), "sm90_ws_n128_m32");          // 96 tiles: one CTA per SM
}

// On another shape a one-CTA decode point whose split would leave more than a fifth of the SMs
// idle runs two CTAs per SM, split for them.
TEST(TuningTable, NearestShapeTakesTwoCtasWhereOneLeavesSmsIdle) {
  const std::vector<TunedEntry> e = {entry(4096, 4096, 1, "sm90_ws_n128_m8_sk4")};
  const std::vector<ShapeCase> cases = {
      {4096, 6144, "sm90_ws_n128_m8_o2_sk4", "48 tiles x 2 splits = 96 CTAs, 73 % of the SMs"},
      {3584, 4608, "sm90_ws_n128_m8_o2_sk3", "36 x 3 = 108, topped up to one CTA per SM"},
      {3584, 3584, "sm90_ws_n128_m8_o2_sk4", "28 x 4 = 112, topped up to one CTA per SM"},
      {4096, 4096, "sm90_ws_n128_m8_sk4", "the tuned shape itself, as measured"},
  };
  expect_choices(e, 1, cases);
}

// The converse: on another shape a two-CTA decode point whose split would stream fewer than 16
// K tiles per split runs one CTA per SM where that one's split fills the SMs.
TEST(TuningTable, NearestShapeTakesOneCtaWhereTwoSplitTooShallow) {
  const std::vector<TunedEntry> e = {entry(14336, 4096, 1, "sm90_ws_n128_m8_o2_sk8")};
  const std::vector<ShapeCase> cases = {
      {4096, 4096, "sm90_ws_n128_m8_o2_sk4", "32 x 4 = 128, topped up to one CTA per SM (before one CTA, 4 splits)"},
      {4096, 6144, "sm90_ws_n128_m8_o2_sk4", "two CTAs: 4 splits of 16 K tiles kept (48 x 2 = 96: no top-up)"},
      {8192, 8192, "sm90_ws_n128_m8_o2_sk2", "64 x 2 = 128, topped up to one CTA per SM"},
      {14336, 4096, "sm90_ws_n128_m8_o2_sk8", "the tuned shape itself, as measured"},
  };
  expect_choices(e, 1, cases);
}

// Whatever the shape, types and M, "auto" (each built-in table, and the heuristic alone) names a
// compiled schedule whose launch mm() accepts: split tiles within the fixed counter block, at
// most kSplitKMaxSplits splits, a grid that fits. A rule that breaks this would fail mm() calls
// on shapes no table was tuned on.
TEST(TuningTable, AutoChoicesAreAlwaysRunnable) {
  std::vector<TuningTable> tables(1);  // the first: no points, the heuristic alone
  tables[0].device = "none";
  tables[0].sm_count = kH100Sms;
  for (const BuiltinTable* b = kBuiltinTables; b->file != nullptr; ++b) {
    tables.emplace_back();
    ASSERT_TRUE(parse_tuning_table(b->text, &tables.back()).ok()) << b->file;
  }
  const int64_t ks[] = {64, 256, 2048, 3584, 5120, 8192, 13824, 28672, 57344};
  const int64_t ns[] = {64, 192, 1024, 4608, 6144, 18944, 57344, 152064};
  const int64_t ms[] = {1, 3, 8, 15, 17, 33, 63, 65, 127, 129, 255, 257, 511, 1000, 2049, 8192, 100000};
  int checked = 0;
  for (const TuningTable& t : tables) {
    const std::vector<TunedEntry> entries = bind_entries(t);  // bound once, as the library does
    for (WeightType wt : {WeightType::u4b8, WeightType::u4, WeightType::u8b128, WeightType::u8}) {
      for (ActType act : {ActType::bf16, ActType::fp16}) {
        const std::vector<std::string> compiled = list_schedules(wt, act);
        for (int64_t group : {int64_t(32), int64_t(128), int64_t(-1)}) {
          for (int64_t k : ks) {
            for (int64_t n : ns) {
              WeightDesc w = desc(k, n, wt, act);
              w.group_size = group;
              if (!check_weight_desc(w).ok()) continue;
              const WeightDesc nw = normalize(w);
              for (int64_t m : ms) {
                const Schedule s = schedule_from_entries(entries, nw, m, t.sm_count);
                const std::string name = schedule_name(s);
                const std::string where = t.device + " " + std::to_string(k) + "x" + std::to_string(n) + " g" +
                                          std::to_string(group) + " " + to_string(wt) + " " + to_string(act) +
                                          " m=" + std::to_string(m) + ": " + name;
                ASSERT_NE(std::find(compiled.begin(), compiled.end(), name), compiled.end()) << where;
                const LaunchPlan plan = plan_launch(nw, m, s, t.sm_count);
                EXPECT_LE(plan.sk_tiles, kernels::kSplitKMaxTiles) << where;
                EXPECT_LE(plan.splits, kernels::kSplitKMaxSplits) << where;
                EXPECT_LE(plan.work_items, int64_t(0x7fffffff)) << where;
                ++checked;
              }
            }
          }
        }
      }
    }
  }
  EXPECT_GT(checked, 10000);
}

// Every table built into the library parses and names compiled schedules.
TEST(TuningTable, BuiltinTablesParse) {
  for (const BuiltinTable* b = kBuiltinTables; b->file != nullptr; ++b) {
    TuningTable t;
    const Status st = parse_tuning_table(b->text, &t);
    ASSERT_TRUE(st.ok()) << b->file << ": " << st.message;
    EXPECT_FALSE(t.points.empty()) << b->file;
    for (const TunedPoint& p : t.points) {
      const std::vector<std::string> listed = list_schedules(p.wtype, p.act);
      EXPECT_NE(std::find(listed.begin(), listed.end(), p.schedule), listed.end()) << b->file << ": " << p.schedule;
      // At its own point the table is followed exactly (the offline replay agrees with it), but
      // for the persistent form of unsplit 128- and 256-token tiles past one wave.
      WeightDesc w = desc(p.k, p.n, p.wtype, p.act);
      w.group_size = p.group_size;
      std::string expected = p.schedule;
      const bool unsplit_large = expected == "sm90_ws_n128_m128" || expected == "sm90_ws_n128_m256";
      const int64_t blk_m = expected == "sm90_ws_n128_m128" ? 128 : 256;
      if (unsplit_large && (p.n + 127) / 128 * ((p.m + blk_m - 1) / blk_m) > t.sm_count) expected += "_p";
      EXPECT_EQ(select_schedule_with_table(t, w, p.m, t.sm_count), expected) << b->file << " k=" << p.k
                                                                             << " n=" << p.n << " m=" << p.m;
    }
  }
}

// A GPU model with its own table gets it; another model with the same SM count gets a stand-in
// (the first by file name), whatever the order of the list; other SM counts get none.
TEST(TuningTable, BuiltinTableForOtherModelsWithTheSameSmCount) {
  const std::vector<TableDevice> tables = {{"builtin:H200_132SM.tsv", "NVIDIA H200", 132},
                                           {"builtin:H100_SXM5_132SM.tsv", "NVIDIA H100 80GB HBM3", 132},
                                           {"builtin:X_114SM.tsv", "NVIDIA H100 PCIe", 114}};
  EXPECT_EQ(pick_builtin_table(tables, "NVIDIA H200", 132), 0);
  EXPECT_EQ(pick_builtin_table(tables, "NVIDIA H100 80GB HBM3", 132), 1);
  EXPECT_EQ(pick_builtin_table(tables, "NVIDIA H100 PCIe", 114), 2);
  EXPECT_EQ(pick_builtin_table(tables, "NVIDIA GH200 480GB", 132), 1);  // a stand-in: another device
  // The same model with fewer SMs enabled is another GPU for the table: none.
  EXPECT_EQ(pick_builtin_table(tables, "NVIDIA H200", 120), -1);
  EXPECT_EQ(pick_builtin_table({}, "NVIDIA H200", 132), -1);
}

// "auto" remembers its answers per thread; a new table takes effect at once, and a remembered
// answer always equals a fresh lookup.
TEST(TuningTable, RememberedAnswersFollowTheTableInUse) {
  DeviceInfo dev;
  dev.ordinal = 0;
  dev.cc_major = 9;
  dev.sm_count = kH100Sms;
  std::snprintf(dev.name, sizeof dev.name, "%s", "mixgemm test GPU");
  const auto write_table = [](const std::string& path, const char* m1_schedule) {
    std::FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fprintf(f, "device\tmixgemm test GPU\t132\n");
    std::fprintf(f, "bf16\tu4b8\t128\t4096\t4096\t1\t%s\t7.0\n", m1_schedule);
    std::fprintf(f, "bf16\tu4b8\t128\t4096\t4096\t256\tsm90_ws_n128_m256\t20.0\n");
    std::fclose(f);
  };
  const std::string a = ::testing::TempDir() + "mixgemm_table_a.tsv";
  const std::string b = ::testing::TempDir() + "mixgemm_table_b.tsv";
  write_table(a, "sm90_ws_n128_m8_sk4");
  write_table(b, "sm90_ws_n128_m8_o2_sk8");
  WeightDesc w = desc(4096, 4096);
  w.group_size = 128;

  ASSERT_TRUE(use_tuning_table(a.c_str()).ok());
  for (int pass = 0; pass < 2; ++pass)  // the second pass answers from memory
    EXPECT_EQ(schedule_name(auto_schedule(w, 1, dev)), "sm90_ws_n128_m8_sk4") << "pass " << pass;
  ASSERT_TRUE(use_tuning_table(b.c_str()).ok());
  EXPECT_EQ(schedule_name(auto_schedule(w, 1, dev)), "sm90_ws_n128_m8_o2_sk8");
  // Another shape (nearest tuned one, split re-derived) and other M: fresh and remembered agree.
  WeightDesc u = desc(13824, 5120);
  u.group_size = 128;
  for (int64_t m = 1; m <= 600; m += 7) {
    const std::string first = schedule_name(auto_schedule(u, m, dev));
    EXPECT_EQ(schedule_name(auto_schedule(u, m, dev)), first) << "m=" << m;
  }
  // No table for this device: the heuristic.
  ASSERT_TRUE(use_tuning_table("").ok());
  EXPECT_EQ(schedule_name(auto_schedule(w, 1, dev)), schedule_name(heuristic_schedule(w, 1, kH100Sms)));
  ASSERT_TRUE(use_tuning_table(nullptr).ok());
  std::remove(a.c_str());
  std::remove(b.c_str());
}

TEST(TuningTable, UseTableReportsBadFiles) {
  Status st = use_tuning_table("/nonexistent/mixgemm-table.tsv");
  EXPECT_EQ(st.code, StatusCode::invalid_argument);
  EXPECT_NE(st.message.find("cannot be read"), std::string::npos) << st.message;
  const std::string path = ::testing::TempDir() + "mixgemm_bad_table.tsv";
  std::FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("device\tGPU\t132\nbf16\tu4b8\t128\n", f);
  std::fclose(f);
  st = use_tuning_table(path.c_str());
  EXPECT_NE(st.message.find("line 2"), std::string::npos) << st.message;
  EXPECT_TRUE(use_tuning_table(nullptr).ok());
}

}  // namespace
}  // namespace mixgemm::detail
