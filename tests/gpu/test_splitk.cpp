// Split-K and stream-K inside the GEMM kernel (src/kernels/splitk_reduce.cuh, stream_k.h): the
// last split of each tile sums the partials and returns its arrival counter to zero, so one
// zero-filled buffer serves every later call whatever its shape and schedule; a workspace that
// was never zeroed gives NaN.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

#include "gemm_harness.h"
#include "host/device_info.h"
#include "host/kernel_registry.h"
#include "host/schedules.h"
#include "host/tuning_table.h"
#include "host/validate.h"
#include "kernels/gemm_params.h"

namespace mixgemm::test {
namespace {

struct SplitCase {
  int64_t m, n, k, group;
  const char* schedule;
};

// The case with bias on (fresh random data each run: the repro line names the seed).
CaseSpec split_case(const SplitCase& c) {
  CaseSpec s;
  s.m = c.m;
  s.n = c.n;
  s.k = c.k;
  s.group = c.group;
  s.bias = true;
  s.schedule = c.schedule;
  return s;
}

// Layouts that overlap differently in one buffer: split counts 2..8 including uneven ones (k
// tiles not divisible by the split), token tiles 8..256, n with a 64-row tail (second consumer
// idle), several token tiles per column.
const SplitCase kCases[] = {
    {1, 1024, 4096, 128, "sm90_ws_n128_m8_o2_sk8"},
    {2, 512, 3584, 128, "sm90_ws_n128_m8_sk8"},  // 56 k tiles: splits of 7 start mid-group
    {3, 1024, 8192, 128, "sm90_ws_n128_m8_o2_sk3"},  // 128 k tiles: 43, 43, 42 (splits start mid-group)
    {13, 640, 8192, 128, "sm90_ws_n128_m16_sk3"},    // one CTA per SM, as chosen for 36-44 tiles
    {16, 320, 2048, 128, "sm90_ws_n128_m16_o2_sk4"},
    {300, 320, 1024, 128, "sm90_ws_n128_m64_sk4"},
    {5, 512, 448, 64, "sm90_ws_n128_m8_sk8"},     // 7 k tiles: 7 splits of one tile
    {40, 256, 192, 64, "sm90_ws_n128_m32_sk4"},   // 3 k tiles: 3 splits
    {256, 384, 1024, 128, "sm90_ws_n128_m256_sk2"},
    {200, 256, 2048, 32, "sm90_ws_n128_m256_sk8"},
    // 3-5 splits of 128/256 tokens, one item per CTA: the partials through the idle stage ring,
    // but for the 64-row N tail's tile (second consumer idle), which reloads them.
    {300, 320, 1024, 64, "sm90_ws_n128_m256_sk4"},
    {200, 640, 1536, 128, "sm90_ws_n128_m128_sk4"},
    {3, 1024, 4096, 128, "sm90_ws_n128_m16_sk2"},
    // "_dpsk": 8 x 17 = 136 tiles on 132 SMs (H100/H200): 132 whole, the last 4 split.
    {1080, 1024, 512, 128, "sm90_ws_n128_m64_dpsk4"},
    {1080, 1024, 512, 64, "sm90_ws_n128_m64_dpsk2"},
    // 17 x 32-token tiles (the last partial) x 8 = 136 on 132 SMs: the 32-token "_dpsk".
    {540, 1024, 512, 128, "sm90_ws_n128_m32_dpsk2"},
    {540, 1024, 1024, 64, "sm90_ws_n128_m32_dpsk4"},
    // 8 x 17 = 136 tiles of 128 tokens: 132 whole, the last 4 split in 4 on a looping grid (the
    // register reloads: a looping split-K grid's items do not take the ring).
    {1024, 2176, 512, 128, "sm90_ws_n128_m128_dpsk4"},
    // "_streamk" (on 132 SMs): 15 tiles of 16 K tiles in runs of 3 on 80 CTAs (up to 6 shares,
    // runs starting mid-group); 288 tiles: 132 whole, 156 of 2 K tiles in runs of 3; 12 tiles of
    // 32 K tiles in runs of 5, up to 8 shares, a 64-row N tail.
    {300, 640, 1024, 128, "sm90_ws_n128_m128_streamk"},
    {1100, 4096, 128, 64, "sm90_ws_n128_m128_streamk"},
    {400, 704, 2048, 128, "sm90_ws_n128_m256_streamk"},
    // More tiles than SMs: runs longer than a tile, so at most two shares, whose share 0 (a run's
    // end) usually finds share 1 (the next run's start) published and sums from its registers
    // without storing: 58 x 3 = 174 tiles of 16 K tiles in runs of 22, a 64-row N tail; 133
    // tiles of 256 tokens in runs of 17.
    {384, 7360, 1024, 128, "sm90_ws_n128_m128_streamk"},
    {256, 17024, 1024, 128, "sm90_ws_n128_m256_streamk"},
};

TEST(GpuSplitK, OneZeroedWorkspaceServesMixedCalls) {
  REQUIRE_SM90();
  size_t bytes = 0;
  for (const SplitCase& c : kCases) {
    WeightDesc w;
    w.n = c.n;
    w.k = c.k;
    bytes = std::max(bytes, workspace_bytes(w, c.m, c.schedule));
  }
  ASSERT_GT(bytes, 0u);
  DeviceBuffer ws(bytes);
  CUDA_OK(cudaMemset(ws.ptr, 0, bytes));
  for (int round = 0; round < 2; ++round) {  // the second round reuses what the first left
    for (const SplitCase& c : kCases) {
      CaseSpec s = split_case(c);
      s.workspace = ws.ptr;
      s.workspace_bytes = bytes;
      if (!run_and_compare(s)) return;
    }
  }
  std::vector<uint32_t> counters(kernels::kSplitKMaxTiles);
  CUDA_OK(cudaMemcpy(counters.data(), ws.ptr, counters.size() * 4, cudaMemcpyDeviceToHost));
  size_t nonzero = 0;
  for (uint32_t c : counters) nonzero += c != 0;
  EXPECT_EQ(nonzero, 0u) << "arrival counters not all zero after the calls";
}

// More output tiles than the arrival counters cover: rejected with a message, nothing launched.
TEST(GpuSplitK, TooManyTilesIsRejected) {
  REQUIRE_SM90();
  GemmArgs a;
  a.w.n = 8192;
  a.w.k = 1024;
  a.m = 1100;  // 64 x 138 tiles of 128 x 8 > 8192
  a.schedule = "sm90_ws_n128_m8_sk2";
  DeviceBuffer d_x(size_t(a.m) * a.w.k * 2), d_y(size_t(a.m) * a.w.n * 2), d_packed(prepacked_bytes(a.w));
  const size_t bytes = workspace_bytes(a.w, a.m, a.schedule);
  DeviceBuffer ws(bytes);
  a.x = d_x.ptr;
  a.y = d_y.ptr;
  a.packed = d_packed.ptr;
  a.workspace = ws.ptr;
  a.workspace_bytes = bytes;
  const Status st = mm(a, nullptr);
  EXPECT_EQ(st.code, StatusCode::invalid_argument);
  EXPECT_NE(st.message.find("at most 8192"), std::string::npos) << st.message;
  EXPECT_EQ(cudaGetLastError(), cudaSuccess);
}

// Runs the case with split-K clusters on (the default) and off; *cluster_splits: the cluster
// size the first run's launch used (0: the launcher kept the L2 path).
// Both runs draw the same data (one fresh seed), so their outputs can be compared bit for bit.
void run_with_and_without_clusters(CaseSpec s, CaseResult* with, CaseResult* without, int* cluster_splits) {
  if (s.seed == 0) s.seed = fresh_seed();
  detail::set_cluster_splitk_enabled(true);
  run_case(s, with);
  *cluster_splits = detail::last_cluster_splits();
  detail::set_cluster_splitk_enabled(false);
  run_case(s, without);
  detail::set_cluster_splitk_enabled(true);
}

// Decode tiles split over a cluster (splitk_cluster.cuh) and through L2 (splitk_reduce.cuh) add
// the same partials in the same order: the same bits, and both within the reference's tolerance.
TEST(GpuSplitK, ClusterAndL2SumsAreBitwiseEqual) {
  REQUIRE_SM90();
  const SplitCase cases[] = {
      {1, 1024, 4096, 128, "sm90_ws_n128_m8_o2_sk8"}, {4, 1024, 8192, 128, "sm90_ws_n128_m8_o2_sk4"},
      {8, 640, 2048, 32, "sm90_ws_n128_m8_sk2"},      {16, 320, 2048, 128, "sm90_ws_n128_m16_o2_sk4"},
      {13, 512, 4096, 64, "sm90_ws_n128_m16_sk8"},    {5, 512, 448, 64, "sm90_ws_n128_m8_sk8"},
      {40, 256, 4096, 128, "sm90_ws_n128_m8_o2_sk4"},  // 5 token tiles per column
      {3, 1024, 8192, 128, "sm90_ws_n128_m8_o2_sk3"},  // clusters of 3
  };
  for (const SplitCase& c : cases) {
    CaseResult cluster, l2;
    int cluster_splits = 0;
    run_with_and_without_clusters(split_case(c), &cluster, &l2, &cluster_splits);
    if (HasFatalFailure()) return;
    // Few tiles: one wave either way, so the launcher kept the clusters.
    EXPECT_GT(cluster_splits, 1) << cluster.repro;
    expect_close(cluster);
    expect_close(l2);
    EXPECT_EQ(std::memcmp(cluster.out.data(), l2.out.data(), cluster.out.size() * 2), 0) << cluster.repro;
  }
}

// A split grid whose clusters cannot all start at once (512 CTAs at two per SM: more than one
// wave on any Hopper part) sums through L2 although clusters are on (gemm_sm90_ws.cuh), with the
// same bits as with clusters off.
TEST(GpuSplitK, ClustersThatDoNotFitOneWaveFallBackToL2) {
  REQUIRE_SM90();
  int dev = 0, sms = 0;
  ASSERT_EQ(cudaGetDevice(&dev), cudaSuccess);
  ASSERT_EQ(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev), cudaSuccess);
  const SplitCase c = {1, 8192, 4096, 128, "sm90_ws_n128_m8_o2_sk8"};  // 64 tiles x 8 splits
  if (2 * sms >= 64 * 8) GTEST_SKIP() << "this GPU fits the grid in one wave";
  CaseResult with_clusters, l2;
  int cluster_splits = -1;
  run_with_and_without_clusters(split_case(c), &with_clusters, &l2, &cluster_splits);
  if (HasFatalFailure()) return;
  EXPECT_EQ(cluster_splits, 0) << with_clusters.repro;
  expect_close(with_clusters);
  EXPECT_EQ(std::memcmp(with_clusters.out.data(), l2.out.data(), l2.out.size() * 2), 0) << with_clusters.repro;
}

// The case with these types, run twice (the same bits required), then compared with the
// reference; false after a fatal failure.
bool run_twice_and_compare(CaseSpec s, WeightType wtype, ActType act) {
  s.wtype = wtype;
  s.act = act;
  CaseResult r;
  run_case(s, &r, /*runs=*/2);
  if (::testing::Test::HasFatalFailure()) return false;
  expect_close(r);
  return true;
}

// Two-CTA split grids short of one CTA per SM, topped up to one per SM (schedules.cpp,
// top_up_splits): shapes sized to this GPU's SM count so that some tiles take one split more
// (K tiles not divisible by either split count, splits starting mid-group), among them a 64-row
// N tail and tiles of a second token column; every weight and activation type; within the
// reference's tolerance, the same bits on a second call, and the workspace the named-schedule
// query returns suffices (the harness allocates that much).
TEST(GpuSplitK, TopUpToOneCtaPerSm) {
  REQUIRE_SM90();
  detail::DeviceInfo dev;
  ASSERT_TRUE(detail::current_device_info(&dev).ok());
  const int64_t sms = dev.sm_count;
  ASSERT_GE(sms, 16);
  struct TopUpCase {
    WeightType wtype;
    ActType act;
    int64_t m, n_tiles_per_column, k, group;
    const char* schedule;
    int splits;
    bool tail;  // N ends in a 64-row half tile
  };
  const TopUpCase cases[] = {
      {WeightType::u4b8, ActType::bf16, 1, (sms - 1) / 4, 4160, 64, "sm90_ws_n128_m8_o2_sk4", 4, false},
      {WeightType::u4, ActType::fp16, 16, (sms - 1) / 2, 2112, 64, "sm90_ws_n128_m16_o2_sk2", 2, true},
      {WeightType::u8b128, ActType::bf16, 13, (sms - 1) / 3, 1984, 32, "sm90_ws_n128_m16_o2_sk3", 3, false},
      // 5 token columns: the topped-up tiles include the first column's tail and the second's.
      {WeightType::u8, ActType::bf16, 40, (sms - 1) / 20, 2048, -1, "sm90_ws_n128_m8_o2_sk4", 4, true},
  };
  for (const TopUpCase& c : cases) {
    WeightDesc w;
    w.n = c.n_tiles_per_column * 128 - (c.tail ? 64 : 0);
    w.k = c.k;
    detail::Schedule sched;
    ASSERT_TRUE(detail::parse_schedule(c.schedule, &sched));
    const detail::LaunchPlan plan = detail::plan_launch(w, c.m, sched, int(sms));
    EXPECT_EQ(plan.splits, c.splits) << c.schedule << " n=" << w.n;
    EXPECT_GT(plan.extra_split_tiles, 0) << c.schedule << " n=" << w.n << " not topped up on " << sms << " SMs";
    EXPECT_EQ(plan.ctas, sms) << c.schedule << " n=" << w.n;
    EXPECT_TRUE(plan.one_cta_per_sm) << c.schedule << " n=" << w.n;  // launched pinned
    if (!run_twice_and_compare(split_case({c.m, w.n, w.k, c.group, c.schedule}), c.wtype, c.act)) return;
  }
}

// Pinning on this GPU (one_cta_per_sm.h): every two-CTA kernel holds two CTAs per SM as
// configured and one when launched pinned; one-CTA kernels one either way. An occupancy query
// of the kernels themselves, with the launch's own shared-memory request.
TEST(GpuSplitK, PinnedLaunchesHoldOneCtaPerSm) {
  REQUIRE_SM90();
  int dev = 0;
  ASSERT_EQ(cudaGetDevice(&dev), cudaSuccess);
  for (WeightType wt : {WeightType::u4b8, WeightType::u4, WeightType::u8b128, WeightType::u8})
    for (ActType act : {ActType::bf16, ActType::fp16})
      for (int blk_m : detail::kBlockMs)
        for (int ctas_per_sm : {1, 2}) {
          const detail::GemmKernel k = detail::find_gemm_kernel(act, wt, blk_m, ctas_per_sm);
          if (k.launch == nullptr) continue;
          int unpinned = 0, pinned = 0;
          ASSERT_EQ(k.resident_ctas(dev, false, 0, &unpinned), cudaSuccess);
          ASSERT_EQ(k.resident_ctas(dev, true, 0, &pinned), cudaSuccess);
          EXPECT_EQ(unpinned, ctas_per_sm) << to_string(act) << " " << to_string(wt) << " m" << blk_m;
          EXPECT_EQ(pinned, 1) << to_string(act) << " " << to_string(wt) << " m" << blk_m << " x" << ctas_per_sm;
        }
}

// A pinned grid of exactly one CTA per SM whose split tiles could run as clusters (4 splits,
// tiles x 4 = SMs where the SM count allows): the launcher keeps the clusters only if the GPU
// holds them all at once *pinned* (each cluster's CTAs on distinct SMs of one GPC; on 132-SM
// H100s and H200s clusters of 4 do not fit and the tiles sum through L2), with pinning off
// too (as the tuner times it); either way within the reference's tolerance and the same bits on
// a second call.
TEST(GpuSplitK, PinnedClusterGridsKeepClustersOnlyWhereTheyFit) {
  REQUIRE_SM90();
  detail::DeviceInfo dev;
  ASSERT_TRUE(detail::current_device_info(&dev).ok());
  const int64_t sms = dev.sm_count;
  if (sms % 4 != 0) GTEST_SKIP() << sms << " SMs: no exact grid of clusters of 4";
  WeightDesc w;
  w.n = sms / 4 * 128;
  w.k = 4096;
  const char* name = "sm90_ws_n128_m8_o2_sk4";
  detail::Schedule sched;
  ASSERT_TRUE(detail::parse_schedule(name, &sched));
  const detail::LaunchPlan plan = detail::plan_launch(w, 1, sched, int(sms));
  ASSERT_EQ(plan.ctas, sms);
  ASSERT_EQ(plan.extra_split_tiles, 0);
  ASSERT_TRUE(plan.cluster_splitk);
  ASSERT_TRUE(plan.one_cta_per_sm);
  const detail::GemmKernel k = detail::find_gemm_kernel(ActType::bf16, WeightType::u4b8, 8, 2);
  int pinned_clusters = 0;
  ASSERT_EQ(k.resident_ctas(dev.ordinal, true, 4, &pinned_clusters), cudaSuccess);
  const bool fit = int64_t(pinned_clusters) * 4 >= sms;
  const bool pinning = pinning_enabled();
  for (bool pin : {true, false}) {
    set_pinning_enabled(pin);
    const bool ok = run_twice_and_compare(split_case({1, w.n, w.k, 128, name}), WeightType::u4b8, ActType::bf16);
    const int clusters = detail::last_cluster_splits();
    set_pinning_enabled(pinning);
    if (!ok) return;
    EXPECT_EQ(clusters, fit ? 4 : 0) << pinned_clusters << " clusters of 4 fit pinned; pinning " << (pin ? "on" : "off");
  }
}

// Stream-K on every weight and activation type, group 32 to channel-wise, token tails: within
// the reference's tolerance and the same bits on a second call. Each case is checked to share
// tiles between CTAs on this GPU, so the reduction runs.
TEST(GpuStreamK, EveryTypeSharesTilesAndRepeatsBitwise) {
  REQUIRE_SM90();
  int dev = 0, sms = 0;
  ASSERT_EQ(cudaGetDevice(&dev), cudaSuccess);
  ASSERT_EQ(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev), cudaSuccess);
  struct StreamCase {
    WeightType wtype;
    ActType act;
    SplitCase shape;
  };
  const StreamCase cases[] = {
      {WeightType::u4b8, ActType::bf16, {200, 640, 2048, 128, "sm90_ws_n128_m128_streamk"}},
      {WeightType::u4, ActType::fp16, {129, 512, 1536, 32, "sm90_ws_n128_m128_streamk"}},
      {WeightType::u8b128, ActType::bf16, {256, 384, 1024, 64, "sm90_ws_n128_m256_streamk"}},
      {WeightType::u8, ActType::fp16, {300, 320, 2048, -1, "sm90_ws_n128_m256_streamk"}},
  };
  for (const StreamCase& c : cases) {
    WeightDesc w;  // the plan depends on the shape only
    w.n = c.shape.n;
    w.k = c.shape.k;
    detail::Schedule sched;
    ASSERT_TRUE(detail::parse_schedule(c.shape.schedule, &sched));
    EXPECT_GT(detail::plan_launch(w, c.shape.m, sched, sms).splits, 1)
        << c.shape.schedule << " shares no tile on " << sms << " SMs";
    if (!run_twice_and_compare(split_case(c.shape), c.wtype, c.act)) return;
  }
}

// workspace_bytes() for "auto" covers every m up to the one asked for, stream-K choices
// included (their workspace does not grow with m).
TEST(GpuStreamK, AutoWorkspaceCoversEveryM) {
  REQUIRE_SM90();
  detail::DeviceInfo dev;
  ASSERT_TRUE(detail::current_device_info(&dev).ok());
  int stream_k_points = 0;
  for (const auto& [k, n] : {std::pair<int64_t, int64_t>{8192, 10240}, {3584, 18944}, {5120, 13824}, {4096, 6144}}) {
    WeightDesc w;
    w.n = n;
    w.k = k;
    const int64_t max_m = 2048;
    const size_t bytes = workspace_bytes(w, max_m, nullptr);
    for (int64_t m = 1; m <= max_m; m += m < 64 ? 1 : 7) {
      const detail::Schedule s = detail::auto_schedule(detail::normalize(w), m, dev);
      stream_k_points += s.stream_k;
      EXPECT_LE(detail::plan_launch(detail::normalize(w), m, s, dev.sm_count).workspace_bytes, bytes)
          << k << "x" << n << " m=" << m << " " << detail::schedule_name(s);
    }
  }
  EXPECT_GT(stream_k_points, 0) << "no stream-K choice among the points: the test checks nothing of it";
}

bool is_nan_act(uint16_t v, ActType act) {
  return act == ActType::bf16 ? ((v & 0x7f80) == 0x7f80 && (v & 0x7f) != 0)
                              : ((v & 0x7c00) == 0x7c00 && (v & 0x3ff) != 0);
}

// A workspace full of garbage (here all bits set) must not produce a plausible wrong result:
// every output is NaN, the next call too, and after a fresh zero-fill the result is correct.
// 32-token tiles sum through L2 (no cluster path); the stream-K cases share every tile (15
// tiles of 16 K tiles in runs of 3 on 132 SMs), through each arrival path: the share-0 check
// and the counted arrival.
TEST(GpuSplitK, UnzeroedWorkspaceGivesNaNNotWrongSums) {
  REQUIRE_SM90();
  const SplitCase cases[] = {
      {16, 512, 2048, 128, "sm90_ws_n128_m32_sk4"},
      {300, 640, 1024, 128, "sm90_ws_n128_m128_streamk"},
      {600, 640, 1024, 128, "sm90_ws_n128_m256_streamk"},
  };
  for (const SplitCase& c : cases) {
    CaseSpec s = split_case(c);
    WeightDesc w;
    w.n = s.n;
    w.k = s.k;
    const size_t bytes = workspace_bytes(w, s.m, s.schedule);
    DeviceBuffer ws(bytes);
    CUDA_OK(cudaMemset(ws.ptr, 0xFF, bytes));
    s.workspace = ws.ptr;
    s.workspace_bytes = bytes;
    for (int call = 0; call < 2; ++call) {
      CaseResult r;
      run_case(s, &r);
      if (HasFatalFailure()) return;
      size_t nans = 0;
      for (uint16_t v : r.out) nans += is_nan_act(v, s.act);
      EXPECT_EQ(nans, r.out.size()) << c.schedule << ", call " << call << ": " << r.repro;
    }
    CUDA_OK(cudaMemset(ws.ptr, 0, bytes));
    if (!run_and_compare(s)) return;
  }
}

}  // namespace
}  // namespace mixgemm::test
