// mixgemm-tune's GPU-free part: reading the bench's CSV back (quoting, empty fields, auto rows,
// one device per table) and keeping the fastest schedule per point.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "names.h"
#include "report.h"
#include "tuning_rows.h"

namespace mixgemm::bench {
namespace {

std::string write_temp(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + name;
  std::FILE* f = std::fopen(path.c_str(), "w");
  EXPECT_NE(f, nullptr);
  std::fputs(text.c_str(), f);
  std::fclose(f);
  return path;
}

Row row(const char* schedule, int64_t m, double us, int64_t group = 128) {
  Row r;
  r.device = "GPU X";
  r.act = "bf16";
  r.wtype = "u4b8";
  r.group = group;
  r.layer = "l";
  r.m = m;
  r.n = 4096;
  r.k = 8192;
  r.schedule = schedule;
  r.us = us;
  return r;
}

TEST(TuneRows, CsvFieldsKeepEmptiesAndQuotes) {
  EXPECT_EQ(csv_fields("a,,b,"), (std::vector<std::string>{"a", "", "b", ""}));
  EXPECT_EQ(csv_fields("\"x,y\",\"say \"\"hi\"\"\",z\r"), (std::vector<std::string>{"x,y", "say \"hi\"", "z"}));
  // What the bench writes reads back field for field.
  Row r = row("sm90_ws_n128_m8", 1, 12.5);
  r.device = "GPU, \"quoted\"";
  const std::vector<std::string> f = csv_fields(csv_row(r));
  EXPECT_EQ(f.size(), csv_fields(csv_header()).size());
  EXPECT_EQ(f[0], r.device);
}

TEST(TuneRows, ReadsBenchCsvSkippingAutoRows) {
  std::string text = std::string(csv_header()) + "\n";
  text += csv_row(row("sm90_ws_n128_m8", 1, 12.5)) + "\n";
  text += csv_row(row("auto:sm90_ws_n128_m8", 1, 12.4)) + "\n";
  text += csv_row(row("sm90_ws_n128_m16", 1, 11.0)) + "\n";
  const std::string path = write_temp("rows.csv", text);
  std::vector<Row> rows;
  std::string device, error;
  ASSERT_TRUE(read_csv_rows(path, &rows, &device, &error)) << error;
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(device, "GPU X");
  EXPECT_EQ(rows[1].schedule, "sm90_ws_n128_m16");
  EXPECT_DOUBLE_EQ(rows[1].us, 11.0);
  EXPECT_EQ(rows[0].k, 8192);
}

TEST(TuneRows, BadFilesAreNamed) {
  std::vector<Row> rows;
  std::string device, error;
  EXPECT_FALSE(read_csv_rows("/nonexistent/x.csv", &rows, &device, &error));
  EXPECT_NE(error.find("cannot read"), std::string::npos) << error;
  const std::string short_row = write_temp("short.csv", std::string(csv_header()) + "\nGPU X,bf16,u4b8\n");
  EXPECT_FALSE(read_csv_rows(short_row, &rows, &device, &error));
  EXPECT_NE(error.find(":2: expected 16 fields"), std::string::npos) << error;
  Row other = row("sm90_ws_n128_m8", 1, 1.0);
  other.device = "GPU Y";
  const std::string two = write_temp("two.csv", std::string(csv_header()) + "\n" + csv_row(row("sm90_ws_n128_m8", 1, 1.0)) +
                                                   "\n" + csv_row(other) + "\n");
  device.clear();
  EXPECT_FALSE(read_csv_rows(two, &rows, &device, &error));
  EXPECT_NE(error.find("differs"), std::string::npos) << error;
}

TEST(TuneRows, LaterRunsReplaceEarlierOnesAtTheirPoints) {
  // The older run measured M = 1 and 64; the newer one re-measures M = 64 only, slower there (its
  // kernels changed): its rows alone decide M = 64, the older M = 1 rows stay.
  std::vector<Row> rows = {row("sm90_ws_n128_m8", 1, 12.0), row("sm90_ws_n128_m16", 1, 11.0),
                           row("sm90_ws_n128_m64", 64, 30.0), row("sm90_ws_n128_m32", 64, 31.0)};
  const std::vector<Row> newer = {row("sm90_ws_n128_m64", 64, 33.0), row("sm90_ws_n128_m32", 64, 32.0)};
  supersede_rows(&rows, newer);
  ASSERT_EQ(rows.size(), 4u);
  const TuningTable t = best_per_point(rows, "GPU X", 132);
  ASSERT_EQ(t.points.size(), 2u);
  for (const TunedPoint& p : t.points) {
    if (p.m == 64) {
      EXPECT_EQ(p.schedule, "sm90_ws_n128_m32");
      EXPECT_DOUBLE_EQ(p.us, 32.0);
    } else {
      EXPECT_EQ(p.schedule, "sm90_ws_n128_m16");
    }
  }
  // A channel-wise row and its group-K form are the same point.
  std::vector<Row> cw = {row("sm90_ws_n128_m8", 1, 5.0, kChannelWise)};
  Row group_k = row("sm90_ws_n128_m16", 1, 6.0);
  group_k.group = group_k.k;
  supersede_rows(&cw, {group_k});
  ASSERT_EQ(cw.size(), 1u);
  EXPECT_EQ(cw[0].schedule, "sm90_ws_n128_m16");
}

TEST(TuneRows, SelectionGapsAgainstTheFastestRow) {
  const std::vector<Row> rows = {row("sm90_ws_n128_m8", 1, 12.0), row("sm90_ws_n128_m16", 1, 10.0),
                                 row("sm90_ws_n128_m64", 64, 30.0), row("sm90_ws_n128_m32", 64, 33.0)};
  const auto choose = [](const Row& r) { return std::string(r.m == 1 ? "sm90_ws_n128_m8" : "sm90_ws_n128_m128"); };
  const std::vector<SelectionGap> g = selection_gaps(rows, choose);
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[0].m, 1);
  EXPECT_EQ(g[0].chosen, "sm90_ws_n128_m8");
  EXPECT_DOUBLE_EQ(g[0].chosen_us, 12.0);
  EXPECT_EQ(g[0].fastest, "sm90_ws_n128_m16");
  EXPECT_DOUBLE_EQ(g[0].fastest_us, 10.0);
  EXPECT_EQ(g[1].chosen, "sm90_ws_n128_m128");
  EXPECT_TRUE(std::isnan(g[1].chosen_us));  // not measured
  EXPECT_EQ(g[1].fastest, "sm90_ws_n128_m64");
}

TEST(TuneRows, BestPerPoint) {
  const std::vector<Row> rows = {row("sm90_ws_n128_m8", 1, 12.0),   row("sm90_ws_n128_m16", 1, 11.0),
                                 row("sm90_ws_n128_m8_sk2", 1, 11.5), row("sm90_ws_n128_m64", 64, 30.0),
                                 row("sm90_ws_n128_m32", 64, NAN),    row("sm90_ws_n128_m8", 1, 9.0, kChannelWise)};
  const TuningTable t = best_per_point(rows, "GPU X", 132);
  EXPECT_EQ(t.device, "GPU X");
  EXPECT_EQ(t.sm_count, 132);
  ASSERT_EQ(t.points.size(), 3u);
  for (const TunedPoint& p : t.points) {
    if (p.group_size == 8192) {  // channel-wise: group K
      EXPECT_EQ(p.schedule, "sm90_ws_n128_m8");
    } else if (p.m == 1) {
      EXPECT_EQ(p.schedule, "sm90_ws_n128_m16");
      EXPECT_DOUBLE_EQ(p.us, 11.0);
    } else {
      EXPECT_EQ(p.schedule, "sm90_ws_n128_m64");  // the row without a time is ignored
    }
  }
  // And the table round-trips through the library's format.
  TuningTable back;
  ASSERT_TRUE(parse_tuning_table(format_tuning_table(t), &back).ok());
  EXPECT_EQ(back.points.size(), 3u);
}

}  // namespace
}  // namespace mixgemm::bench
