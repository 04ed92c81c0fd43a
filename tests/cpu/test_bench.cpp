// CPU tests of mixgemm-bench's GPU-free core (tools/bench, target mixgemm_bench_core): byte
// counting and roofline arithmetic, the CSV/JSON writers, the shape tables and argument parsing.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "args.h"
#include "names.h"
#include "report.h"
#include "roofline.h"
#include "shapes.h"

namespace mixgemm::bench {
namespace {

// ---- Byte counting and roofline ---------------------------------------------------------------

TEST(BenchRoofline, BytesOfU4b8Group128) {
  // M=16, N=K=4096, g128: int4 weights K*N/2, one bf16 scale per (group, column), no zeros.
  const GemmBytes b = gemm_bytes(WeightType::u4b8, 16, 4096, 4096, 128);
  EXPECT_DOUBLE_EQ(b.weight, 8388608.0);     // 4096*4096/2
  EXPECT_DOUBLE_EQ(b.scale_zero, 262144.0);  // 32 groups * 4096 * 2
  EXPECT_DOUBLE_EQ(b.act, 131072.0);         // 16*4096*2
  EXPECT_DOUBLE_EQ(b.out, 131072.0);         // 16*4096*2
  EXPECT_DOUBLE_EQ(b.total(), 8912896.0);
}

TEST(BenchRoofline, ZeroPointsAndChannelWise) {
  // u4, g64, K=256, N=128: 4 groups; scales 4*128*2, 4-bit zeros 4*128/2.
  const GemmBytes u4 = gemm_bytes(WeightType::u4, 1, 128, 256, 64);
  EXPECT_DOUBLE_EQ(u4.weight, 16384.0);
  EXPECT_DOUBLE_EQ(u4.scale_zero, 1024.0 + 256.0);
  // u8 channel-wise (-1 and group == K are the same): 1 group; scales 128*2, 8-bit zeros 128.
  const GemmBytes u8 = gemm_bytes(WeightType::u8, 2, 128, 256, kChannelWise);
  EXPECT_DOUBLE_EQ(u8.weight, 32768.0);
  EXPECT_DOUBLE_EQ(u8.scale_zero, 384.0);
  EXPECT_DOUBLE_EQ(u8.act, 2 * 256 * 2.0);
  EXPECT_DOUBLE_EQ(u8.out, 2 * 128 * 2.0);
  EXPECT_DOUBLE_EQ(gemm_bytes(WeightType::u8, 2, 128, 256, 256).total(), u8.total());
  // u8b128: fixed zero point, nothing stored for it.
  EXPECT_DOUBLE_EQ(gemm_bytes(WeightType::u8b128, 2, 128, 256, 128).scale_zero, 2 * 128 * 2.0);
}

TEST(BenchRoofline, MetricsHandComputed) {
  const GemmBytes b = gemm_bytes(WeightType::u4b8, 16, 4096, 4096, 128);  // 8,912,896 bytes
  const double flops = 2.0 * 16 * 4096 * 4096;                              // 536,870,912
  const Metrics m = compute_metrics(flops, b, /*us=*/4.0, /*cublas_us=*/10.0, /*hbm_read_gbps=*/3000.0);
  EXPECT_NEAR(m.roofline_us, 8912896.0 / 3.0e6, 1e-12);  // 2.970965 us
  EXPECT_NEAR(m.pct_roofline, 100.0 * (8912896.0 / 3.0e6) / 4.0, 1e-9);
  EXPECT_NEAR(m.tflops, 134.217728, 1e-9);
  EXPECT_NEAR(m.gbps, 2228.224, 1e-9);
  EXPECT_DOUBLE_EQ(m.speedup_vs_cublas, 2.5);
  EXPECT_NEAR(transfer_us(3e9, 3000.0), 1e3, 1e-9);  // 3 GB at 3 TB/s = 1 ms

  const Metrics none = compute_metrics(flops, b, 4.0, NAN, 3000.0);
  EXPECT_TRUE(std::isnan(none.speedup_vs_cublas));
}

TEST(BenchRoofline, ScaledAndSummedBytes) {
  GemmBytes sum;
  sum += gemm_bytes(WeightType::u4b8, 1, 64, 128, 64);
  sum += gemm_bytes(WeightType::u4b8, 1, 64, 128, 64);
  const GemmBytes one = gemm_bytes(WeightType::u4b8, 1, 64, 128, 64);
  EXPECT_DOUBLE_EQ(sum.total(), 2 * one.total());
  EXPECT_DOUBLE_EQ(one.scaled(80).total(), 80 * one.total());
}

// ---- CSV / JSON / table ------------------------------------------------------------------------

Row sample_row() {
  Row r;
  r.device = "NVIDIA H100 80GB HBM3";
  r.act = "bf16";
  r.wtype = "u4b8";
  r.group = 128;
  r.layer = "8192x8192";
  r.m = 16;
  r.n = 8192;
  r.k = 8192;
  r.schedule = "auto:sm90_ws_n128_m16";
  r.us = 12.3456;
  r.tflops = 174.0;
  r.gbps = 2850.04;
  r.roofline_us = 11.0;
  r.pct_roofline = 89.1;
  r.cublas_us = 40.0;
  r.speedup_vs_cublas = 40.0 / 12.3456;
  return r;
}

TEST(BenchReport, CsvHeaderIsExact) {
  EXPECT_STREQ(csv_header(),
               "device,act,wtype,group,layer,M,N,K,schedule,us,tflops,gbps,roofline_us,pct_roofline,"
               "cublas_us,speedup_vs_cublas");
}

TEST(BenchReport, CsvRowFormatting) {
  EXPECT_EQ(csv_row(sample_row()),
            "NVIDIA H100 80GB HBM3,bf16,u4b8,128,8192x8192,16,8192,8192,auto:sm90_ws_n128_m16,12.346,174.00,"
            "2850.0,11.000,89.1,40.000,3.240");
  // No baseline: empty fields, the column count unchanged; channel-wise group as -1.
  Row r = sample_row();
  r.cublas_us = NAN;
  r.speedup_vs_cublas = NAN;
  r.group = kChannelWise;
  const std::string s = csv_row(r);
  EXPECT_EQ(s.substr(s.size() - 2), ",,");
  const std::string header = csv_header();
  EXPECT_EQ(std::count(s.begin(), s.end(), ','), std::count(header.begin(), header.end(), ','));
  EXPECT_NE(s.find(",-1,8192x8192,"), std::string::npos);
}

TEST(BenchReport, CsvQuotesFieldsThatNeedIt) {
  EXPECT_EQ(csv_escape("plain"), "plain");
  EXPECT_EQ(csv_escape("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_escape("say \"hi\""), "\"say \"\"hi\"\"\"");
  Row r = sample_row();
  r.device = "GPU, rev \"A\"";
  EXPECT_EQ(csv_row(r).rfind("\"GPU, rev \"\"A\"\"\",bf16,", 0), 0u);
}

TEST(BenchReport, JsonReport) {
  const std::vector<JsonField> device = {json_text("name", "H100 \"x\"\n"), json_number("sm_count", 132)};
  const std::vector<JsonField> ceilings = {json_number("hbm_read_gbps", 3100.5), json_number("dense_fp16_tflops", NAN)};
  Row r = sample_row();
  r.cublas_us = NAN;
  const std::string j = json_report(device, ceilings, {}, {r});
  EXPECT_NE(j.find("\"name\": \"H100 \\\"x\\\"\\n\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"sm_count\": 132"), std::string::npos) << j;
  EXPECT_NE(j.find("\"hbm_read_gbps\": 3100.5"), std::string::npos) << j;
  EXPECT_NE(j.find("\"dense_fp16_tflops\": null"), std::string::npos) << j;
  EXPECT_NE(j.find("\"cublas_us\": null"), std::string::npos) << j;
  EXPECT_NE(j.find("\"M\": 16"), std::string::npos) << j;
  EXPECT_NE(j.find("\"schedule\": \"auto:sm90_ws_n128_m16\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"options\": {}"), std::string::npos) << j;
  EXPECT_NE(j.find("\"rows\": ["), std::string::npos) << j;
}

TEST(BenchReport, TableRowHasEveryColumn) {
  const std::string h = table_header(), row = table_row(sample_row(), 800.0);
  EXPECT_NE(h.find("cublas_us"), std::string::npos);
  EXPECT_NE(row.find("8192x8192"), std::string::npos);
  EXPECT_NE(row.find("u4b8 g128 bf16"), std::string::npos);
  EXPECT_NE(row.find("12.35"), std::string::npos);
  EXPECT_NE(row.find("21.8"), std::string::npos);  // %dense = 174 / 800
  Row none = sample_row();
  none.cublas_us = NAN;
  EXPECT_NE(table_row(none, 800.0).find(" - "), std::string::npos);
}

// ---- Shape tables ------------------------------------------------------------------------------

std::set<std::pair<int64_t, int64_t>> kn_pairs(const std::vector<Layer>& layers) {
  std::set<std::pair<int64_t, int64_t>> s;
  for (const Layer& l : layers) s.insert({l.k, l.n});
  return s;
}

TEST(BenchShapes, ModelLayersMatchTheIssue) {
  const ModelSpec* m8 = find_model("8b");
  const ModelSpec* m70 = find_model("llama-3.1-70b");
  ASSERT_NE(m8, nullptr);
  ASSERT_NE(m70, nullptr);
  EXPECT_EQ(find_model("llama3.1-8b"), m8);
  EXPECT_EQ(find_model("13b"), nullptr);
  const std::set<std::pair<int64_t, int64_t>> want8 = {{4096, 6144}, {4096, 4096}, {4096, 28672}, {14336, 4096}};
  const std::set<std::pair<int64_t, int64_t>> want70 = {{8192, 10240}, {8192, 8192}, {8192, 57344}, {28672, 8192}};
  EXPECT_EQ(kn_pairs(model_layers(*m8)), want8);
  EXPECT_EQ(kn_pairs(model_layers(*m70)), want70);
  EXPECT_EQ(model_layers(*m8)[0].name, "8b.qkv");
  EXPECT_EQ(model_layers(*m70)[3].name, "70b.down");
  EXPECT_EQ(m8->depth, 32);
  EXPECT_EQ(m70->depth, 80);
  // The other models' layers (untuned shapes), from their config.json.
  const ModelSpec* q7 = find_model("qwen2.5-7b");
  ASSERT_NE(q7, nullptr);
  EXPECT_EQ(kn_pairs(model_layers(*q7)),
            (std::set<std::pair<int64_t, int64_t>>{{3584, 4608}, {3584, 3584}, {3584, 37888}, {18944, 3584}}));
  EXPECT_EQ(q7->depth, 28);
  EXPECT_EQ(kn_pairs(model_layers(*find_model("l2-13b"))),
            (std::set<std::pair<int64_t, int64_t>>{{5120, 15360}, {5120, 5120}, {5120, 27648}, {13824, 5120}}));
  EXPECT_EQ(kn_pairs(model_layers(*find_model("q32b"))),
            (std::set<std::pair<int64_t, int64_t>>{{5120, 7168}, {5120, 5120}, {5120, 55296}, {27648, 5120}}));
  EXPECT_EQ(kn_pairs(model_layers(*find_model("phi-3-medium"))),
            (std::set<std::pair<int64_t, int64_t>>{{5120, 7680}, {5120, 5120}, {5120, 35840}, {17920, 5120}}));
}

TEST(BenchShapes, DefaultSweep) {
  Options o;
  std::string e;
  ASSERT_TRUE(parse_args(std::vector<std::string>{}, &o, &e)) << e;
  ASSERT_EQ(o.layers.size(), 9u);  // 4 + 4 model layers + 8192x8192
  const auto pairs = kn_pairs(o.layers);
  for (const auto& p : std::vector<std::pair<int64_t, int64_t>>{{4096, 6144}, {4096, 4096}, {4096, 28672},
                                                               {14336, 4096}, {8192, 10240}, {8192, 8192},
                                                               {8192, 57344}, {28672, 8192}})
    EXPECT_TRUE(pairs.count(p)) << p.first << "x" << p.second;
  EXPECT_EQ(o.layers.back().name, "8192x8192");
  EXPECT_EQ(o.m_list, (std::vector<int64_t>{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192}));
  EXPECT_EQ(o.wtypes, std::vector<WeightType>{WeightType::u4b8});
  EXPECT_EQ(o.groups, std::vector<int64_t>{128});
  EXPECT_EQ(o.acts, std::vector<ActType>{ActType::bf16});
  EXPECT_TRUE(o.check);
  EXPECT_TRUE(o.schedule.empty());
}

TEST(BenchShapes, StackChainsEachGemmToThePreviousOutput) {
  for (const ModelSpec& m : model_specs()) {
    const std::vector<StackGemm> g = stack_gemms(m);
    ASSERT_EQ(g.size(), 4u);
    EXPECT_EQ(g[0].input, -1);  // qkv reads the previous layer's output (down: N = hidden)
    EXPECT_EQ(g[0].layer.k, g[3].layer.n);
    for (size_t i = 1; i < g.size(); ++i) {
      ASSERT_EQ(g[i].input, static_cast<int>(i) - 1);
      // Reads the first K columns of the previous output: ldx = previous N >= K.
      EXPECT_EQ(g[i].ldx, g[i - 1].layer.n);
      EXPECT_GE(g[i].ldx, g[i].layer.k);
    }
    EXPECT_EQ(g[3].layer.k, m.intermediate);
    EXPECT_EQ(g[3].ldx, 2 * m.intermediate);
  }
  EXPECT_EQ(stack_batches(), (std::vector<int64_t>{1, 4, 16, 64}));
}

// ---- Argument parsing --------------------------------------------------------------------------

bool parse(const std::vector<std::string>& args, Options* o, std::string* e) { return parse_args(args, o, e); }

TEST(BenchArgs, ListsAndValues) {
  Options o;
  std::string e;
  ASSERT_TRUE(parse({"--types", "u4b8,u8", "--groups=32,ch", "--act", "fp16,bf16", "--m", "1,3,4096",
                     "--csv", "out.csv", "--json=o.json", "--no-check", "--repeats", "5", "--device", "0", "--graph-us", "1500"},
                    &o, &e))
      << e;
  EXPECT_EQ(o.wtypes, (std::vector<WeightType>{WeightType::u4b8, WeightType::u8}));
  EXPECT_EQ(o.groups, (std::vector<int64_t>{32, kChannelWise}));
  EXPECT_EQ(o.acts, (std::vector<ActType>{ActType::fp16, ActType::bf16}));
  EXPECT_EQ(o.m_list, (std::vector<int64_t>{1, 3, 4096}));
  EXPECT_EQ(o.csv_path, "out.csv");
  EXPECT_EQ(o.json_path, "o.json");
  EXPECT_FALSE(o.check);
  EXPECT_EQ(o.repeats, 5);
  EXPECT_EQ(o.device, 0);
  EXPECT_EQ(o.graph_us, 1500.0);
  EXPECT_TRUE(o.pdl);
  EXPECT_TRUE(o.pinning);  // the library's defaults
  Options off;
  ASSERT_TRUE(parse({"--no-pdl", "--no-pinning"}, &off, &e)) << e;
  EXPECT_FALSE(off.pdl);
  EXPECT_FALSE(off.pinning);
  // The type combinations the sweep and the stack mode iterate, activations outermost.
  const std::vector<TypeConfig> c = type_configs(o);
  ASSERT_EQ(c.size(), 8u);
  EXPECT_EQ(c[0].label(), "u4b8 g32 fp16");
  EXPECT_EQ(c[1].label(), "u4b8 gch fp16");
  EXPECT_EQ(c[2].label(), "u8 g32 fp16");
  EXPECT_EQ(c[7].label(), "u8 gch bf16");
  EXPECT_EQ(c[7].group, kChannelWise);
}

TEST(BenchArgs, ModelsShapesAndQuick) {
  Options o;
  std::string e;
  ASSERT_TRUE(parse({"--models", "70b"}, &o, &e)) << e;
  ASSERT_EQ(o.layers.size(), 4u);
  EXPECT_EQ(o.layers[2].name, "70b.gate_up");

  ASSERT_TRUE(parse({"--shape", "4096x11008,11008X4096"}, &o, &e)) << e;  // replaces the defaults
  ASSERT_EQ(o.layers.size(), 2u);
  EXPECT_EQ(o.layers[0].name, "4096x11008");
  EXPECT_EQ(o.layers[0].k, 4096);
  EXPECT_EQ(o.layers[0].n, 11008);
  EXPECT_EQ(o.layers[1].k, 11008);

  ASSERT_TRUE(parse({"--models", "square", "--shape", "128x256"}, &o, &e)) << e;  // both
  ASSERT_EQ(o.layers.size(), 2u);
  EXPECT_EQ(o.layers[0].name, "8192x8192");

  ASSERT_TRUE(parse({"--quick"}, &o, &e)) << e;
  EXPECT_EQ(kn_pairs(o.layers), (std::set<std::pair<int64_t, int64_t>>{{8192, 8192}, {4096, 4096}}));
  EXPECT_EQ(o.m_list, (std::vector<int64_t>{1, 16, 256}));
}

TEST(BenchArgs, StackMode) {
  Options o;
  std::string e;
  ASSERT_TRUE(parse({"--stack"}, &o, &e)) << e;
  ASSERT_EQ(o.stack_models.size(), 2u);
  EXPECT_EQ(o.stack_models[0]->key, "8b");
  EXPECT_EQ(o.stack_models[1]->key, "70b");
  EXPECT_EQ(o.m_list, (std::vector<int64_t>{1, 4, 16, 64}));
  ASSERT_TRUE(parse({"--stack", "--models", "70b", "--m", "2"}, &o, &e)) << e;
  ASSERT_EQ(o.stack_models.size(), 1u);
  EXPECT_EQ(o.m_list, std::vector<int64_t>{2});
  Options other;
  ASSERT_TRUE(parse({"--stack", "--models", "q7b,phi3m"}, &other, &e)) << e;
  ASSERT_EQ(other.stack_models.size(), 2u);
  EXPECT_EQ(other.stack_models[1]->name, "phi-3-medium");
  EXPECT_EQ(other.stack_models[1]->depth, 40);
}

TEST(BenchArgs, Schedules) {
  Options o;
  std::string e;
  ASSERT_TRUE(parse({"--schedule", "sm90_ws_n128_m64"}, &o, &e)) << e;
  EXPECT_EQ(o.schedule, "sm90_ws_n128_m64");
  ASSERT_TRUE(parse({"--all-schedules"}, &o, &e)) << e;
  EXPECT_TRUE(o.all_schedules);
  EXPECT_FALSE(o.interleave);
  ASSERT_TRUE(parse({"--all-schedules", "--interleave"}, &o, &e)) << e;
  EXPECT_TRUE(o.interleave);
  ASSERT_TRUE(parse({"--schedules", "sm90_ws_n128_m256,sm90_ws_n128_m256_p", "--interleave"}, &o, &e)) << e;
  EXPECT_TRUE(o.all_schedules);
  EXPECT_EQ(o.schedule_list, (std::vector<std::string>{"sm90_ws_n128_m256", "sm90_ws_n128_m256_p"}));
  EXPECT_FALSE(parse({"--schedules", "sm90_ws_n128_m12"}, &o, &e));
  EXPECT_NE(e.find("unknown schedule"), std::string::npos) << e;
  EXPECT_FALSE(parse({"--schedules", "sm90_ws_n128_m64", "--schedule", "sm90_ws_n128_m64"}, &o, &e));
}

TEST(BenchArgs, HelpText) {
  Options o;
  std::string e;
  ASSERT_TRUE(parse({"--help"}, &o, &e)) << e;
  EXPECT_TRUE(o.help);
  ASSERT_TRUE(parse({"-h"}, &o, &e)) << e;
  EXPECT_TRUE(o.help);
  const std::string u = usage_text();
  for (const char* flag : {"--types", "--groups", "--act", "--models", "--m ", "--shape", "--schedule", "--all-schedules",
                           "--csv", "--json", "--stack", "--quick", "--no-check", "--interleave", "--graph-us",
                           "--help"})
    EXPECT_NE(u.find(flag), std::string::npos) << flag;
}

// Each bad input gives false and a message naming the flag and the bad value.
TEST(BenchArgs, Errors) {
  struct Case {
    std::vector<std::string> args;
    std::vector<std::string> message_has;
  };
  const std::vector<Case> cases = {
      {{"--frobnicate"}, {"unknown flag", "--frobnicate"}},
      {{"stray"}, {"unknown argument", "stray"}},
      {{"--m", "1,x2"}, {"--m", "'x2'", "positive integer"}},
      {{"--m", "0"}, {"--m", "'0'"}},
      {{"--m", "-4"}, {"--m", "'-4'"}},
      {{"--m", "1,,2"}, {"--m", "empty item"}},
      {{"--m", "1.5"}, {"--m", "'1.5'"}},
      {{"--m"}, {"--m needs a value"}},
      {{"--m="}, {"--m needs a value"}},
      {{"--shape", "4096"}, {"--shape", "'4096'", "KxN"}},
      {{"--shape", "4096x"}, {"--shape", "'4096x'"}},
      {{"--shape", "ax4096"}, {"--shape", "'ax4096'"}},
      {{"--shape", "0x64"}, {"--shape", "'0x64'"}},
      {{"--types", "u4b8,u3"}, {"--types", "unknown weight type 'u3'", "u4b8, u4, u8b128, u8"}},
      {{"--act", "fp8"}, {"--act", "unknown activation type 'fp8'"}},
      {{"--groups", "128,abc"}, {"--groups", "'abc'"}},
      {{"--models", "13b"}, {"--models", "unknown model '13b'", "8b, 70b, square"}},
      {{"--repeats", "0"}, {"--repeats", "'0'"}},
      {{"--graph-us", "50"}, {"--graph-us", "'50'", "[100, 1000000]"}},
      {{"--interleave"}, {"--interleave applies to --all-schedules"}},
      {{"--device", "x"}, {"--device", "'x'"}},
      {{"--quick=yes"}, {"--quick takes no value"}},
      {{"--no-pinning=1"}, {"--no-pinning takes no value"}},
      {{"--schedule", "a", "--all-schedules"}, {"--schedule", "--all-schedules"}},
      {{"--stack", "--all-schedules"}, {"--all-schedules", "--stack"}},
      {{"--stack", "--shape", "64x64"}, {"--shape", "--stack"}},
      {{"--stack", "--models", "square"}, {"--stack", "8b, 70b, q7b"}},
  };
  for (const Case& c : cases) {
    Options o;
    std::string e;
    std::string joined;
    for (const std::string& a : c.args) joined += a + " ";
    EXPECT_FALSE(parse(c.args, &o, &e)) << joined;
    for (const std::string& part : c.message_has) EXPECT_NE(e.find(part), std::string::npos) << joined << "-> " << e;
  }
}

TEST(BenchArgs, ArgvEntryPoint) {
  const char* argv[] = {"mixgemm-bench", "--m", "8", "--types", "u4"};
  Options o;
  std::string e;
  ASSERT_TRUE(parse_args(5, argv, &o, &e)) << e;
  EXPECT_EQ(o.m_list, std::vector<int64_t>{8});
  EXPECT_EQ(o.wtypes, std::vector<WeightType>{WeightType::u4});
}

TEST(BenchNames, RoundTrip) {
  for (const std::string& s : all_wtype_names()) {
    WeightType t;
    ASSERT_TRUE(parse_wtype_name(s, &t));
    EXPECT_EQ(wtype_name(t), s);
  }
  for (const std::string& s : all_act_names()) {
    ActType t;
    ASSERT_TRUE(parse_act_name(s, &t));
    EXPECT_EQ(act_name(t), s);
  }
  EXPECT_EQ(group_label(kChannelWise), "ch");
  EXPECT_EQ(group_label(128), "128");
}

}  // namespace
}  // namespace mixgemm::bench
