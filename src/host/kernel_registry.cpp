#include "host/kernel_registry.h"

namespace mixgemm::detail {

GemmKernel find_gemm_kernel(ActType act, WeightType wtype, int blk_m, int ctas_per_sm) {
#define MIXGEMM_CASE(ACT, WT) \
  if (act == ActType::ACT && wtype == WeightType::WT) return gemm_kernel_##ACT##_##WT(blk_m, ctas_per_sm);
  MIXGEMM_CASE(bf16, u4b8)
  MIXGEMM_CASE(bf16, u4)
  MIXGEMM_CASE(bf16, u8b128)
  MIXGEMM_CASE(bf16, u8)
  MIXGEMM_CASE(fp16, u4b8)
  MIXGEMM_CASE(fp16, u4)
  MIXGEMM_CASE(fp16, u8b128)
  MIXGEMM_CASE(fp16, u8)
#undef MIXGEMM_CASE
  return {};
}

}  // namespace mixgemm::detail
