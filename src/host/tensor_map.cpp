#include "host/tensor_map.h"

#include <cuda_runtime_api.h>

#include <mutex>
#include <string>

namespace mixgemm::detail {

namespace {

using EncodeTiledFn = CUresult (*)(CUtensorMap*, CUtensorMapDataType, cuuint32_t, void*, const cuuint64_t*,
                                   const cuuint64_t*, const cuuint32_t*, const cuuint32_t*, CUtensorMapInterleave,
                                   CUtensorMapSwizzle, CUtensorMapL2promotion, CUtensorMapFloatOOBfill);

// The driver entry point, fetched through the runtime so the library does not link libcuda.
EncodeTiledFn encode_fn() {
  static EncodeTiledFn fn = [] {
    void* p = nullptr;
    cudaDriverEntryPointQueryResult q;
    if (cudaGetDriverEntryPointByVersion("cuTensorMapEncodeTiled", &p, 12000, cudaEnableDefault, &q) != cudaSuccess ||
        q != cudaDriverEntryPointSuccess) {
      cudaGetLastError();
      p = nullptr;
    }
    return reinterpret_cast<EncodeTiledFn>(p);
  }();
  return fn;
}

}  // namespace

Status make_x_tensor_map(CUtensorMap* map, const void* x, ActType act, int64_t m, int64_t k, int64_t ldx, int box_m) {
  EncodeTiledFn fn = encode_fn();
  if (fn == nullptr) return {StatusCode::cuda_error, "cuTensorMapEncodeTiled is not available from the driver"};
  const cuuint64_t dims[2] = {cuuint64_t(k), cuuint64_t(m)};
  const cuuint64_t strides[1] = {cuuint64_t(ldx) * 2};
  const cuuint32_t box[2] = {64, cuuint32_t(box_m)};
  const cuuint32_t elem_strides[2] = {1, 1};
  const CUresult r = fn(map, act == ActType::bf16 ? CU_TENSOR_MAP_DATA_TYPE_BFLOAT16 : CU_TENSOR_MAP_DATA_TYPE_FLOAT16, 2,
                        const_cast<void*>(x), dims, strides, box, elem_strides, CU_TENSOR_MAP_INTERLEAVE_NONE,
                        CU_TENSOR_MAP_SWIZZLE_128B, CU_TENSOR_MAP_L2_PROMOTION_L2_256B,
                        CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
  if (r != CUDA_SUCCESS)
    return {StatusCode::cuda_error, "cuTensorMapEncodeTiled failed for X (m=" + std::to_string(m) + ", k=" +
                                        std::to_string(k) + ", ldx=" + std::to_string(ldx) + "): CUresult " +
                                        std::to_string(int(r))};
  return Status::success();
}

}  // namespace mixgemm::detail
