#include "cublas_baseline.h"

#include <string>

#include "check.h"

namespace mixgemm::bench {

CublasLt::CublasLt() : workspace_(kWorkspaceBytes) { BENCH_CUBLAS_CHECK(cublasLtCreate(&handle_)); }

CublasLt::~CublasLt() {
  if (handle_) cublasLtDestroy(handle_);
}

DenseGemm::DenseGemm(const CublasLt& lt, ActType act, int64_t m, int64_t n, int64_t k, int64_t ldx,
                     int64_t ldy)
    : lt_(lt) {
  const cudaDataType_t type = act == ActType::bf16 ? CUDA_R_16BF : CUDA_R_16F;
  // Column-major view of the row-major problem: Y^T[N, M] = Wt^T[N, K] . X^T[K, M].
  BENCH_CUBLAS_CHECK(cublasLtMatmulDescCreate(&op_, CUBLAS_COMPUTE_32F, CUDA_R_32F));
  const cublasOperation_t trans_a = CUBLAS_OP_T, trans_b = CUBLAS_OP_N;
  BENCH_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_TRANSA, &trans_a, sizeof trans_a));
  BENCH_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_TRANSB, &trans_b, sizeof trans_b));
  BENCH_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&a_, type, k, n, k));    // Wt: K x N, ld K
  BENCH_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&b_, type, k, m, ldx));  // X^T: K x M, ld ldx
  BENCH_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&c_, type, n, m, ldy));  // Y^T: N x M, ld ldy

  cublasLtMatmulPreference_t pref = nullptr;
  BENCH_CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&pref));
  const size_t ws = CublasLt::kWorkspaceBytes;
  cublasLtMatmulHeuristicResult_t result{};
  int returned = 0;
  cublasStatus_t st = cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof ws);
  if (st == CUBLAS_STATUS_SUCCESS)
    st = cublasLtMatmulAlgoGetHeuristic(lt_.handle(), op_, a_, b_, c_, c_, pref, 1, &result, &returned);
  cublasLtMatmulPreferenceDestroy(pref);
  BENCH_CUBLAS_CHECK(st);
  if (returned == 0 || result.state != CUBLAS_STATUS_SUCCESS)
    throw BenchError("cuBLASLt heuristic found no algorithm for M=" + std::to_string(m) + " N=" +
                     std::to_string(n) + " K=" + std::to_string(k));
  algo_ = result.algo;
}

DenseGemm::~DenseGemm() {
  if (c_) cublasLtMatrixLayoutDestroy(c_);
  if (b_) cublasLtMatrixLayoutDestroy(b_);
  if (a_) cublasLtMatrixLayoutDestroy(a_);
  if (op_) cublasLtMatmulDescDestroy(op_);
}

void DenseGemm::run(const void* x, const void* wt, void* y, cudaStream_t stream) const {
  const float alpha = 1.0f, beta = 0.0f;
  BENCH_CUBLAS_CHECK(cublasLtMatmul(lt_.handle(), op_, &alpha, wt, a_, x, b_, &beta, y, c_, y, c_, &algo_,
                                    lt_.workspace(), CublasLt::kWorkspaceBytes, stream));
}

}  // namespace mixgemm::bench
