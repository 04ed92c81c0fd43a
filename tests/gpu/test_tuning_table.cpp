// Selection tables on the device: a table loaded with use_tuning_table() decides what "auto"
// runs (select_schedule and mm() agree, the result is correct), and dropping it restores the
// default source.
#include <cstdio>
#include <string>

#include "gemm_harness.h"

namespace mixgemm::test {
namespace {

// Restores the process's default table source however the test ends.
struct DefaultTableOnExit {
  ~DefaultTableOnExit() { use_tuning_table(nullptr); }
};

TEST(GpuTuningTable, LoadedTableDecidesAuto) {
  REQUIRE_SM90();
  DefaultTableOnExit restore;
  // A point whose schedule the heuristic would never pick for M = 3 (64-token tiles, split 2).
  TuningTable t;
  t.device = "any GPU";  // an explicitly loaded table applies whatever the device
  t.sm_count = 1;
  t.points.push_back({ActType::bf16, WeightType::u4b8, 128, 1024, 512, 4, "sm90_ws_n128_m64_sk2", 1.0});
  const std::string path = ::testing::TempDir() + "mixgemm_gpu_table.tsv";
  std::FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  const std::string text = format_tuning_table(t);
  std::fputs(text.c_str(), f);
  std::fclose(f);

  WeightDesc w;
  w.n = 512;
  w.k = 1024;
  const std::string before = select_schedule(w, 3);
  ASSERT_TRUE(use_tuning_table(path.c_str()).ok());
  EXPECT_EQ(tuning_table_source(), "file:" + path);
  EXPECT_EQ(select_schedule(w, 3), "sm90_ws_n128_m64_sk2");  // the next tuned M up (4), exact shape
  CaseSpec s;  // schedule null: "auto", which now runs the table's schedule
  s.m = 3;
  s.n = 512;
  s.k = 1024;
  if (!run_and_compare(s)) return;

  ASSERT_TRUE(use_tuning_table("").ok());  // no table: the heuristic alone
  EXPECT_EQ(tuning_table_source(), "none");
  ASSERT_TRUE(use_tuning_table(nullptr).ok());
  EXPECT_EQ(select_schedule(w, 3), before);
}

}  // namespace
}  // namespace mixgemm::test
