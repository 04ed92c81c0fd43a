// Correctness spot check of a GPU result against the CPU reference (mixgemm_ref), before any
// timing: a fast kernel that computes the wrong thing must not produce a result row.
//
// Large shapes are checked on a subset of rows, all N columns: the fp64 reference costs
// rows * N * K multiply-adds on the CPU, which for every row of M = 8192 on 70B's gate_up
// would take hours. Rows spread over M cover the first, the last and the tiles in between.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>
#include <string>
#include <vector>

#include "mixgemm/types.h"

namespace mixgemm::bench {

// The failure threshold: ||out - ref||_F / ||ref||_F. bf16 keeps 8 significant bits
// (rounding error 2^-9 ~ 2e-3 per output), so a correct kernel sits well under 1e-2 and a
// wrong one (missing scale, wrong zero point, a lost K slice) far above it.
constexpr double kMaxRelFroErr = 1e-2;

// Which rows of an M-row result to check: all when M is small, else up to 64 evenly spaced
// rows (first and last included), fewer when rows * N * K would exceed ~4e9 multiply-adds.
std::vector<int64_t> pick_check_rows(int64_t m, int64_t n, int64_t k);

// ref[i][j] = sum_k x[rows[i] * ldx + k] * w[k * n + j] in fp64, for the listed rows only.
// x holds activation-type bit patterns; w is ref::dequantize's W[K][N]. Multi-threaded.
std::vector<double> reference_rows(const uint16_t* x, int64_t ldx, const std::vector<int64_t>& rows,
                                   int64_t k, const float* w, int64_t n, ActType act);

struct CheckResult {
  bool pass = false;
  double rel_fro_err = 0;
  double max_abs_err = 0;
  int64_t nan_count = 0;
  size_t rows = 0;
  std::string text;  // one line for the log
};

// Downloads the listed rows of the device result Y (row stride ldy) and compares them with ref
// (as reference_rows returns it). Synchronises the stream.
CheckResult check_rows(const void* y, int64_t ldy, const std::vector<int64_t>& rows, int64_t n, ActType act,
                       const std::vector<double>& ref, cudaStream_t stream);

}  // namespace mixgemm::bench
