// Shared harness of the GPU tests: device buffers, one end-to-end GEMM case (quantize on the
// CPU, prepack on the GPU, mm, compare with the fp64 reference) and the named tolerances.
#pragma once

#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "mixgemm/mixgemm.h"
#include "mixgemm_ref.h"

namespace mixgemm::test {

#define CUDA_OK(expr)                                                                       \
  do {                                                                                      \
    cudaError_t e_ = (expr);                                                                \
    ASSERT_EQ(e_, cudaSuccess) << #expr << ": " << cudaGetErrorString(e_);                  \
  } while (0)

// True when an sm_90 device is present; tests GTEST_SKIP otherwise (reported as skipped).
bool have_sm90();
#define REQUIRE_SM90()                                          \
  do {                                                          \
    if (!::mixgemm::test::have_sm90()) GTEST_SKIP() << "needs an sm_90 (H100/H200) GPU"; \
  } while (0)

// RAII device buffer.
struct DeviceBuffer {
  void* ptr = nullptr;
  size_t bytes = 0;
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t n);
  ~DeviceBuffer();
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  template <class T>
  T* as() const { return static_cast<T*>(ptr); }
};

// Tolerance for comparing a GPU result with the fp64 reference, per element:
//   |out - ref| <= kOutputRounding[act] * |ref| + accumulation_atol
// Output rounding: one round-to-nearest to the output type, half an ulp: 2^-8 relative for
// bf16 (8-bit significand), 2^-11 for fp16; doubled to cover double rounding of sums near a
// tie. Accumulation: fp32 sums of k products of |x| <= 1 and |w| <= wmax err by at most about
// k * 2^-24 * k_eff; we allow k * 2^-22 * wmax (4x the sequential worst case per unit term).
struct Tolerance {
  double rtol, atol;
};
Tolerance gemm_tolerance(ActType act, int64_t k, double max_abs_w);

struct CaseSpec {
  WeightType wtype = WeightType::u4b8;
  ActType act = ActType::bf16;
  int64_t group = 128;  // -1 = channel-wise
  int64_t m = 1, n = 256, k = 512;
  int64_t ldx_pad = 0;  // ldx = k + ldx_pad
  int64_t ldy_pad = 0;  // ldy = n + ldy_pad (a multiple of 8); the padding must stay untouched
  bool bias = false;
  ref::Distribution dist = ref::Distribution::random;
  const char* schedule = nullptr;
  uint64_t seed = 0;  // 0: fresh from std::random_device
  // Split-K workspace: null = the harness allocates one, zero-fills it, and checks that the call
  // left its arrival counters (the first 32 KiB) all zero again (mixgemm.h's contract); else
  // the caller's buffer, used as it is.
  void* workspace = nullptr;
  size_t workspace_bytes = 0;
};

struct CaseResult {
  ref::Comparison cmp;
  Tolerance tol{};
  std::vector<uint16_t> out;  // Y as returned, [m][n] (the row padding left out)
  std::string repro;          // one line that names the case and its seed
};

// Runs one case end to end; Y is NaN-poisoned before the call so unwritten tiles fail.
// runs > 1 repeats mm() and requires bitwise-identical results across runs.
void run_case(const CaseSpec& spec, CaseResult* result, int runs = 1);

// EXPECTs the comparison within tolerance (and no NaN) with the case's repro line on failure.
void expect_close(const CaseResult& r);

// run_case then expect_close; false after a fatal failure in the run (the test should stop).
bool run_and_compare(const CaseSpec& spec);

uint64_t fresh_seed();
std::string describe(const CaseSpec& s);

}  // namespace mixgemm::test
