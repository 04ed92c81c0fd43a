// GPU correctness of mm(): every weight type x activation type x group size over the M values
// that straddle the token tiles, real model layers, strided X, bias, forced schedules (split-K
// included), determinism, CUDA-graph replay, and GPU prepack == CPU prepack.
#include <cstring>

#include "gemm_harness.h"

namespace mixgemm::test {
namespace {

const WeightType kWTypes[] = {WeightType::u4b8, WeightType::u4, WeightType::u8b128, WeightType::u8};
const ActType kActs[] = {ActType::bf16, ActType::fp16};
// Straddles every token tile (8..256) and the grid's multiple M tiles.
const int64_t kMs[] = {1, 2, 3, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257, 1000, 4096};

struct TypeGroup {
  WeightType wtype;
  ActType act;
  int64_t group;
};
std::vector<TypeGroup> all_type_groups() {
  std::vector<TypeGroup> v;
  for (ActType a : kActs)
    for (WeightType t : kWTypes)
      for (int64_t g : {32, 64, 128, -1}) v.push_back({t, a, g});
  return v;
}
std::string type_group_name(const testing::TestParamInfo<TypeGroup>& info) {
  const TypeGroup& p = info.param;
  return std::string(to_string(p.act)) + "_" + to_string(p.wtype) + "_g" + (p.group < 0 ? std::string("ch") : std::to_string(p.group));
}

class EveryTypeEveryM : public testing::TestWithParam<TypeGroup> {};

// n = 192: one full and one half 128-row CTA tile (the idle-consumer path); k = 768: 12 K tiles,
// several groups of each size and more K tiles than some pipelines have stages.
TEST_P(EveryTypeEveryM, MatchesReference) {
  REQUIRE_SM90();
  for (int64_t m : kMs) {
    CaseSpec s;
    s.wtype = GetParam().wtype;
    s.act = GetParam().act;
    s.group = GetParam().group;
    s.m = m;
    s.n = 192;
    s.k = 768;
    s.bias = (m % 2) == 1;
    if (!run_and_compare(s)) return;
  }
}
INSTANTIATE_TEST_SUITE_P(Gpu, EveryTypeEveryM, testing::ValuesIn(all_type_groups()), type_group_name);

class ExactSmallIntegers : public testing::TestWithParam<TypeGroup> {};
// Small-integer X and power-of-two scales: every product and sum is exact in fp32, so the output
// must equal the reference rounded once, bit for bit.
TEST_P(ExactSmallIntegers, BitExact) {
  REQUIRE_SM90();
  for (int64_t m : {1, 9, 64, 200}) {
    CaseSpec s;
    s.wtype = GetParam().wtype;
    s.act = GetParam().act;
    s.group = GetParam().group;
    s.m = m;
    s.n = 256;
    // fp16 outputs overflow past 65504: 8-bit weights (|q - z| <= 255, scales up to 2) times
    // X in [-4, 4] reach that over ~1000-deep sums, so those use a shallower K.
    s.k = (s.act == ActType::fp16 && weight_bits(s.wtype) == 8) ? 256 : 1024;
    s.dist = ref::Distribution::exact_small;
    if (!run_and_compare(s)) return;
  }
}
INSTANTIATE_TEST_SUITE_P(Gpu, ExactSmallIntegers, testing::ValuesIn(all_type_groups()), type_group_name);

// Real layers (Llama-3.1-8B: qkv, o, gate_up, down) at decode and prefill sizes.
struct Layer {
  int64_t n, k;
};
TEST(GpuModelLayers, Llama8BLayers) {
  REQUIRE_SM90();
  for (Layer l : {Layer{4096, 4096}, Layer{6144, 4096}, Layer{28672, 4096}, Layer{4096, 14336}}) {
    for (int64_t m : {1, 16, 33, 128, 257}) {
      CaseSpec s;
      s.n = l.n;
      s.k = l.k;
      s.m = m;
      if (!run_and_compare(s)) return;
    }
  }
}

TEST(GpuModelLayers, OtherTypesOnALayer) {
  REQUIRE_SM90();
  for (WeightType t : kWTypes) {
    for (ActType a : kActs) {
      for (int64_t m : {1, 64, 1000}) {
        CaseSpec s;
        s.wtype = t;
        s.act = a;
        s.n = 4096;
        s.k = 4096;
        s.m = m;
        if (!run_and_compare(s)) return;
      }
    }
  }
}

TEST(GpuModelLayers, LargeM) {
  REQUIRE_SM90();
  CaseSpec s;
  s.n = 4096;
  s.k = 4096;
  s.m = 4096;
  if (!run_and_compare(s)) return;
}

TEST(GpuGemm, StridedX) {
  REQUIRE_SM90();
  for (int64_t m : {1, 17, 130}) {
    CaseSpec s;
    s.m = m;
    s.n = 256;
    s.k = 1024;
    s.ldx_pad = 72;  // padding holds NaN: a kernel reading it would fail
    if (!run_and_compare(s)) return;
  }
}

// Y with padded rows (ldy > n), through both output writers (from registers for small token
// tiles, staged through shared memory at 128 and 256 tokens, also after a two-split reduction and
// the general one), with and without bias, token tails included: every element lands in its
// row and none in the padding (the harness checks that the padding keeps its NaN poison).
TEST(GpuGemm, StridedY) {
  REQUIRE_SM90();
  for (const char* sched : {"sm90_ws_n128_m8", "sm90_ws_n128_m64", "sm90_ws_n128_m128_p", "sm90_ws_n128_m256",
                            "sm90_ws_n128_m64_sk2", "sm90_ws_n128_m128_sk2", "sm90_ws_n128_m256_sk2",
                            "sm90_ws_n128_m128_sk4", "sm90_ws_n128_m256_streamk"}) {
    for (int64_t m : {37, 300}) {
      CaseSpec s;
      s.m = m;
      s.n = 384;
      s.k = 1024;
      s.ldy_pad = 24;
      s.bias = m == 300;
      s.schedule = sched;
      if (!run_and_compare(s)) return;
    }
  }
}

// Every compiled schedule, split-K forms included, must compute the same function, for every
// weight type (each type has kernels of its own: 8-bit planes, zero points).
TEST(GpuGemm, EveryScheduleCorrect) {
  REQUIRE_SM90();
  for (WeightType wt : kWTypes) {
    const std::vector<std::string> names = list_schedules(wt, ActType::bf16);
    ASSERT_FALSE(names.empty());
    for (const std::string& name : names) {
      for (int64_t m : {5, 70}) {
        CaseSpec s;
        s.wtype = wt;
        s.m = m;
        s.n = 384;
        s.k = 1024;
        s.bias = true;
        s.schedule = name.c_str();
        if (!run_and_compare(s)) return;
      }
    }
  }
}

// Persistent schedules: more tiles than SMs, so CTAs loop over several tiles (the pipeline ring
// and its mbarrier phases carry on from tile to tile), with a 64-row tail tile whose second
// consumer idles, a partial token tile, zero points and a K range ending inside a stage.
TEST(GpuGemm, PersistentCtasLoopOverTiles) {
  REQUIRE_SM90();
  int persistent = 0;
  for (const std::string& name : list_schedules(WeightType::u4, ActType::fp16)) {
    if (name.size() < 2 || name.compare(name.size() - 2, 2, "_p") != 0) continue;
    ++persistent;
    // 33 x 128-row tiles x (5 or 9 token tiles): 165-297 tiles, 1-3 per CTA on <= 132 SMs.
    for (int64_t m : {600, 1100}) {
      CaseSpec s;
      s.wtype = WeightType::u4;
      s.act = ActType::fp16;
      s.group = 64;
      s.m = m;
      s.n = 4160;
      s.k = 192;
      s.bias = true;
      s.schedule = name.c_str();
      if (!run_and_compare(s)) return;
    }
  }
  EXPECT_GE(persistent, 2);
}

// K ranges that end inside a pipeline stage (11 tiles of 64: stages of 4, 2 or 1 tiles, splits
// of uneven length) with group sizes that put 1 or 2 groups in a tile.
TEST(GpuGemm, TailStagesAndUnevenSplits) {
  REQUIRE_SM90();
  for (const std::string& name : list_schedules(WeightType::u4, ActType::fp16)) {
    for (int64_t group : {32, 64}) {
      CaseSpec s;
      s.wtype = WeightType::u4;
      s.act = ActType::fp16;
      s.group = group;
      s.m = 11;
      s.n = 128;
      s.k = 704;
      s.schedule = name.c_str();
      if (!run_and_compare(s)) return;
    }
  }
}

// Same inputs, same bits: split-K partials are reduced in a fixed order.
TEST(GpuGemm, BitwiseDeterministic) {
  REQUIRE_SM90();
  for (const char* sched : {"sm90_ws_n128_m8_sk8", "sm90_ws_n128_m64", static_cast<const char*>(nullptr)}) {
    CaseSpec s;
    s.m = 24;
    s.n = 1024;
    s.k = 4096;
    s.schedule = sched;
    CaseResult r;
    run_case(s, &r, /*runs=*/3);
    if (HasFatalFailure()) return;
    expect_close(r);
  }
}

TEST(GpuGemm, ZeroMIsNoOp) {
  REQUIRE_SM90();
  GemmArgs a;
  a.w.n = 128;
  a.w.k = 128;
  a.m = 0;  // null pointers are fine when nothing is read or written
  Status st = mm(a, nullptr);
  EXPECT_TRUE(st.ok()) << st.message;
  EXPECT_EQ(cudaGetLastError(), cudaSuccess);
}

}  // namespace
}  // namespace mixgemm::test
