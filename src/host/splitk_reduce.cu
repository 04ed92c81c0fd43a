#include "host/launchers.h"
#include "kernels/splitk_reduce.cuh"

namespace mixgemm::detail {

cudaError_t launch_splitk_reduce(const kernels::SplitKReduceParams& p, ActType act, cudaStream_t stream, bool pdl) {
  constexpr int kThreads = 256;
  const int64_t work = p.m * (p.n / 8);
  cudaLaunchConfig_t cfg = {};
  cfg.gridDim = dim3(unsigned((work + kThreads - 1) / kThreads));
  cfg.blockDim = dim3(kThreads);
  cfg.stream = stream;
  cudaLaunchAttribute attr[1];
  attr[0].id = cudaLaunchAttributeProgrammaticStreamSerialization;
  attr[0].val.programmaticStreamSerializationAllowed = 1;
  cfg.attrs = attr;
  cfg.numAttrs = pdl ? 1 : 0;
  if (act == ActType::bf16) return cudaLaunchKernelEx(&cfg, kernels::splitk_reduce_kernel<ActType::bf16>, p);
  return cudaLaunchKernelEx(&cfg, kernels::splitk_reduce_kernel<ActType::fp16>, p);
}

}  // namespace mixgemm::detail
