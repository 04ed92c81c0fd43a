// Status checks for every CUDA runtime, cuBLASLt and mixgemm call of the bench executable.
// A failure throws BenchError with file:line, the call and the error's name and text; main()
// prints it and exits with status 2 (the measurement it belonged to is meaningless anyway).
#pragma once

#include <cublasLt.h>
#include <cuda_runtime_api.h>

#include <stdexcept>
#include <string>

#include "mixgemm/types.h"

namespace mixgemm::bench {

struct BenchError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] inline void throw_error(const char* file, int line, const char* call, const std::string& what) {
  throw BenchError(std::string(file) + ":" + std::to_string(line) + ": " + call + " failed: " + what);
}

inline void check_cuda(cudaError_t e, const char* call, const char* file, int line) {
  if (e != cudaSuccess)
    throw_error(file, line, call, std::string(cudaGetErrorName(e)) + ": " + cudaGetErrorString(e));
}

inline void check_cublas(cublasStatus_t s, const char* call, const char* file, int line) {
  if (s != CUBLAS_STATUS_SUCCESS)
    throw_error(file, line, call, std::string(cublasLtGetStatusName(s)) + ": " + cublasLtGetStatusString(s));
}

inline void check_status(const Status& s, const char* call, const char* file, int line) {
  if (!s.ok()) throw_error(file, line, call, s.message);
}

}  // namespace mixgemm::bench

#define BENCH_CUDA_CHECK(call) ::mixgemm::bench::check_cuda((call), #call, __FILE__, __LINE__)
#define BENCH_CUBLAS_CHECK(call) ::mixgemm::bench::check_cublas((call), #call, __FILE__, __LINE__)
#define BENCH_MIXGEMM_CHECK(call) ::mixgemm::bench::check_status((call), #call, __FILE__, __LINE__)
// After a kernel launch with <<<>>> (which returns nothing): the launch's own error.
#define BENCH_CUDA_CHECK_LAUNCH() BENCH_CUDA_CHECK(cudaGetLastError())
