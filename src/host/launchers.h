// Host launchers of the library's auxiliary kernels (the GEMM kernels are in kernel_registry.h).
#pragma once

#include <cuda_runtime_api.h>

#include "mixgemm/mixgemm.h"

namespace mixgemm::detail {

// The GPU prepack: weights into the tiled fragment order, scales and zero points regrouped.
cudaError_t launch_prepack(const PrepackArgs& args, cudaStream_t stream);

}  // namespace mixgemm::detail
