// Host launcher of the library's auxiliary kernel, the GPU prepack (the GEMM kernels are in
// kernel_registry.h).
#pragma once

#include <cuda_runtime_api.h>

#include "kernels/gemm_params.h"
#include "mixgemm/mixgemm.h"

namespace mixgemm::detail {

// The GPU prepack: weights into the tiled fragment order, scales and zero points regrouped.
cudaError_t launch_prepack(const PrepackArgs& args, cudaStream_t stream);

}  // namespace mixgemm::detail
