// Instantiates the sm_90 GEMM for one (activation, weight) type pair and every token tile.
// Included only by src/instances/*.cu.
#pragma once

#include "host/kernel_registry.h"
#include "kernels/gemm_sm90_ws.cuh"

namespace mixgemm::detail {

template <class Cfg>
GemmKernel gemm_kernel() {
  return {&kernels::launch_gemm_sm90_ws<Cfg>, &kernels::resident_ctas_sm90_ws<Cfg>};
}

template <ActType A, WeightType W>
GemmKernel select_gemm_kernel(int blk_m, int ctas_per_sm) {
  using namespace kernels;
  if (ctas_per_sm == 2) {
    switch (blk_m) {
      case 8: return gemm_kernel<GemmConfig<A, W, 8, 2>>();
      case 16: return gemm_kernel<GemmConfig<A, W, 16, 2>>();
      case 32: return gemm_kernel<GemmConfig<A, W, 32, 2>>();
      case 64: return gemm_kernel<GemmConfig<A, W, 64, 2>>();
      default: return {};
    }
  }
  if (ctas_per_sm != 1) return {};
  switch (blk_m) {
    case 8: return gemm_kernel<GemmConfig<A, W, 8>>();
    case 16: return gemm_kernel<GemmConfig<A, W, 16>>();
    case 32: return gemm_kernel<GemmConfig<A, W, 32>>();
    case 64: return gemm_kernel<GemmConfig<A, W, 64>>();
    case 128: return gemm_kernel<GemmConfig<A, W, 128>>();
    case 256: return gemm_kernel<GemmConfig<A, W, 256>>();
    default: return {};
  }
}

}  // namespace mixgemm::detail
