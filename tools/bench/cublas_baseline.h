// The dense baseline a user would otherwise run: cuBLASLt bf16/fp16 GEMM with fp32 accumulation
// on the dequantized weight, algorithm from cuBLASLt's heuristic (what frameworks call).
#pragma once

#include <cublasLt.h>
#include <cuda_runtime_api.h>

#include <cstdint>

#include "device_buffer.h"
#include "mixgemm/types.h"

namespace mixgemm::bench {

// One cuBLASLt handle with its workspace, shared by every DenseGemm of the run.
class CublasLt {
 public:
  // 32 MiB: the workspace cuBLAS recommends on Hopper, so the heuristic can pick split-K kernels.
  static constexpr size_t kWorkspaceBytes = size_t(32) << 20;
  CublasLt();
  CublasLt(const CublasLt&) = delete;
  CublasLt& operator=(const CublasLt&) = delete;
  ~CublasLt();
  cublasLtHandle_t handle() const { return handle_; }
  void* workspace() const { return workspace_.get(); }

 private:
  cublasLtHandle_t handle_ = nullptr;
  DeviceBuffer workspace_;
};

// Y[M, N] = X[M, K] . W[K, N], row-major X and Y with row strides ldx, ldy, and W stored as
// Wt[N][K] (K contiguous), the layout of a PyTorch nn.Linear weight: in cuBLAS's column-major
// terms the "TN" GEMM, the layout cuBLAS is fastest on. Descriptors and the algorithm are chosen
// at construction; run() only enqueues (graph-capturable).
class DenseGemm {
 public:
  DenseGemm(const CublasLt& lt, ActType act, int64_t m, int64_t n, int64_t k, int64_t ldx, int64_t ldy);
  DenseGemm(const DenseGemm&) = delete;
  DenseGemm& operator=(const DenseGemm&) = delete;
  ~DenseGemm();
  void run(const void* x, const void* wt, void* y, cudaStream_t stream) const;

 private:
  const CublasLt& lt_;
  cublasLtMatmulDesc_t op_ = nullptr;
  cublasLtMatrixLayout_t a_ = nullptr, b_ = nullptr, c_ = nullptr;
  cublasLtMatmulAlgo_t algo_{};
};

}  // namespace mixgemm::bench
