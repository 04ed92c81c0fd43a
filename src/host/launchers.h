// Host launchers of the library's auxiliary kernels (the GEMM kernels are in kernel_registry.h).
#pragma once

#include <cuda_runtime_api.h>

#include "kernels/gemm_params.h"
#include "mixgemm/mixgemm.h"

namespace mixgemm::detail {

// Sums split-K partials in split order (deterministic), adds the bias, rounds to the output type.
cudaError_t launch_splitk_reduce(const kernels::SplitKReduceParams& p, ActType act, cudaStream_t stream, bool pdl);

// The GPU prepack: weights into the tiled fragment order, scales and zero points regrouped.
cudaError_t launch_prepack(const PrepackArgs& args, cudaStream_t stream);

}  // namespace mixgemm::detail
