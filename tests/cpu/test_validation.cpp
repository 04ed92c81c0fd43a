// Argument validation of the public API: every class of bad input is rejected with a message
// that names the argument and its value, before any device work, leaving no CUDA error state.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "mixgemm/mixgemm.h"

namespace mixgemm {
namespace {

// Host addresses stand in for device pointers: validation never dereferences them.
alignas(256) uint8_t g_storage[1 << 16];
void* at(size_t offset) { return g_storage + offset; }
// Without a CUDA driver every runtime call reports the missing driver (a sticky init error), so
// "no error state left behind" can only be checked where a device is present (the GPU check
// runs this suite there too).
bool driver_present() {
  static const bool present = [] {
    int n = 0;
    const bool ok = cudaGetDeviceCount(&n) == cudaSuccess && n > 0;
    return ok;
  }();
  return present;
}
void expect_no_cuda_error() {
  if (driver_present()) EXPECT_EQ(cudaGetLastError(), cudaSuccess) << "validation left a CUDA error behind";
}

bool has_sm90() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess || n == 0) {
    cudaGetLastError();
    return false;
  }
  cudaDeviceProp p{};
  return cudaGetDeviceProperties(&p, 0) == cudaSuccess && p.major == 9 && p.minor == 0;
}

GemmArgs good_args() {
  GemmArgs a;
  a.w.wtype = WeightType::u4b8;
  a.w.act = ActType::bf16;
  a.w.n = 256;
  a.w.k = 512;
  a.w.group_size = 128;
  a.m = 16;
  a.packed = at(0);
  a.x = at(256);
  a.y = at(512);
  a.schedule = "sm90_ws_n128_m16";  // named: validation needs no device for the heuristic
  return a;
}

void expect_invalid(const GemmArgs& a, const std::string& needle) {
  const Status st = can_implement(a);
  EXPECT_EQ(st.code, StatusCode::invalid_argument) << st.message;
  EXPECT_NE(st.message.find(needle), std::string::npos) << "message: " << st.message << "\nexpected to contain: " << needle;
  const Status st2 = mm(a, nullptr);  // mm runs the same checks
  EXPECT_EQ(st2.code, StatusCode::invalid_argument);
  expect_no_cuda_error();
}

TEST(Validation, UnsupportedTypes) {
  GemmArgs a = good_args();
  a.w.wtype = static_cast<WeightType>(7);
  expect_invalid(a, "wtype=7");
  a = good_args();
  a.w.act = static_cast<ActType>(3);
  expect_invalid(a, "act=3");
}

TEST(Validation, ShapeAndGroupErrors) {
  GemmArgs a = good_args();
  a.w.n = 200;
  expect_invalid(a, "n=200 is not a multiple of 64");
  a = good_args();
  a.w.k = 4100;
  expect_invalid(a, "k=4100 is not a multiple of 64");
  a = good_args();
  a.w.k = 448;
  expect_invalid(a, "k=448 is not a multiple of group_size=128");
  a = good_args();
  a.w.group_size = 48;
  a.w.k = 48 * 64;
  expect_invalid(a, "group_size=48 is not supported");
  a = good_args();
  a.w.group_size = 0;
  expect_invalid(a, "group_size=0");
}

TEST(Validation, NegativeAndOverflowingSizes) {
  GemmArgs a = good_args();
  a.m = -1;
  expect_invalid(a, "m=-1 is negative");
  a = good_args();
  a.w.n = -64;
  expect_invalid(a, "n=-64");
  a = good_args();
  a.m = int64_t(1) << 31;
  expect_invalid(a, "m=2147483648 exceeds");
  a = good_args();
  a.w.k = int64_t(1) << 33;
  expect_invalid(a, "exceed 2^31-1");
  a = good_args();
  a.ldx = int64_t(1) << 40;
  expect_invalid(a, "ldx=1099511627776");
  a = good_args();
  a.w.n = int64_t(1) << 30;  // 2^23 weight tiles x 2^16 token tiles of 16: more CTAs than a grid holds
  a.m = int64_t(1) << 20;
  expect_invalid(a, "more than a grid holds");
}

TEST(Validation, Strides) {
  GemmArgs a = good_args();
  a.ldx = 500;
  expect_invalid(a, "ldx=500 must be >= k=512");
  a = good_args();
  a.ldx = 516;
  expect_invalid(a, "ldx=516");
  a = good_args();
  a.ldy = 255;
  expect_invalid(a, "ldy=255");
}

TEST(Validation, NullAndMisalignedPointers) {
  GemmArgs a = good_args();
  a.x = nullptr;
  expect_invalid(a, "x is null");
  a = good_args();
  a.packed = nullptr;
  expect_invalid(a, "packed is null");
  a = good_args();
  a.y = nullptr;
  expect_invalid(a, "y is null");
  a = good_args();
  a.x = at(258);
  expect_invalid(a, "is not 16-byte aligned");
  a = good_args();
  a.y = at(514);
  expect_invalid(a, "y=");
  a = good_args();
  a.bias = at(2);
  expect_invalid(a, "bias=");
  a = good_args();
  a.packed = at(8);
  expect_invalid(a, "packed=");
}

TEST(Validation, Schedules) {
  GemmArgs a = good_args();
  a.schedule = "sm90_nonexistent";
  expect_invalid(a, "schedule='sm90_nonexistent' is not a mixgemm schedule");
  a = good_args();
  a.schedule = "sm90_ws_n128_m16_sk4";  // split-K: needs a workspace
  expect_invalid(a, "workspace is null");
  a.workspace = at(1024);
  a.workspace_bytes = 100;
  expect_invalid(a, "workspace_bytes=100 <");
  a.workspace = at(1030);
  a.workspace_bytes = 1 << 20;
  expect_invalid(a, "workspace=");
}

TEST(Validation, ZeroMIsANoOpWithoutPointers) {
  GemmArgs a;
  a.w.n = 64;
  a.w.k = 64;
  a.w.group_size = 64;
  a.m = 0;
  EXPECT_TRUE(can_implement(a).ok()) << can_implement(a).message;
  EXPECT_TRUE(mm(a, nullptr).ok());
}

TEST(Validation, ValidArgumentsNeedAnSm90Device) {
  const GemmArgs a = good_args();
  const Status st = can_implement(a);
  if (has_sm90()) {
    EXPECT_TRUE(st.ok()) << st.message;
  } else {
    EXPECT_EQ(st.code, StatusCode::not_supported) << st.message;
    EXPECT_NE(st.message.find("device"), std::string::npos) << st.message;
  }
  expect_no_cuda_error();
}

TEST(Validation, PrepackArguments) {
  PrepackArgs p;
  p.w.wtype = WeightType::u4;
  p.w.n = 128;
  p.w.k = 128;
  p.w.group_size = 64;
  p.qweight = static_cast<const int32_t*>(at(0));
  p.scales = at(4096);
  p.out = at(8192);
  Status st = prepack_host(p);
  EXPECT_EQ(st.code, StatusCode::invalid_argument);
  EXPECT_NE(st.message.find("zeros is null but wtype=u4"), std::string::npos) << st.message;
  p.w.wtype = WeightType::u4b8;
  p.zeros = static_cast<const uint8_t*>(at(0));
  st = prepack_host(p);
  EXPECT_NE(st.message.find("zeros given but wtype=u4b8"), std::string::npos) << st.message;
  p.zeros = nullptr;
  p.qweight = nullptr;
  st = prepack(p, nullptr);
  EXPECT_NE(st.message.find("qweight is null"), std::string::npos) << st.message;
  EXPECT_EQ(prepacked_bytes(WeightDesc{WeightType::u4b8, ActType::bf16, 100, 128, 128}), 0u);
}

TEST(Validation, TypeNamesParse) {
  for (WeightType t : {WeightType::u4b8, WeightType::u4, WeightType::u8b128, WeightType::u8}) {
    WeightType back;
    ASSERT_TRUE(parse_weight_type(to_string(t), &back));
    EXPECT_EQ(back, t);
  }
  ActType a;
  EXPECT_TRUE(parse_act_type("fp16", &a));
  EXPECT_EQ(a, ActType::fp16);
  EXPECT_FALSE(parse_act_type("fp32", &a));
  WeightType w;
  EXPECT_FALSE(parse_weight_type("int4", &w));
}

}  // namespace
}  // namespace mixgemm
