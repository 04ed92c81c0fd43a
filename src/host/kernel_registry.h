// The compiled GEMM kernels, looked up by (activation type, weight type, token tile).
// Each src/instances/*.cu translation unit provides the launchers of one type pair; splitting
// them keeps a translation unit's compile time and memory bounded on small build machines.
#pragma once

#include <cuda_runtime_api.h>

#include "kernels/gemm_params.h"
#include "mixgemm/types.h"

namespace mixgemm::detail {

// ctas: the one-dimensional grid, dp_tiles + sk_tiles * sk_splits (tile_scheduler.cuh); dev:
// the current device's ordinal (resolve_gemm read it). The launcher clears
// params.cluster_splits where the clusters would not all start at once (gemm_sm90_ws.cuh):
// afterwards it says how the split tiles were summed.
// one_cta_per_sm: the plan's flag (schedules.h), honoured by two-CTA kernels: their split
// clusters as a pinned grid takes them, and with `pin` the pinning shared-memory request.
using GemmLauncher = cudaError_t (*)(kernels::GemmParams& params, int64_t ctas, int dev, cudaStream_t stream, bool pdl,
                                     bool one_cta_per_sm, bool pin);
// How many CTAs of the kernel one SM holds on device `dev` as launched with or without
// one_cta_per_sm, or with cluster_size > 1 how many clusters of that size the GPU holds at once
// (occupancy queries; the tests check the shared-memory pin and the launcher's cluster choice).
using GemmResidency = cudaError_t (*)(int dev, bool one_cta_per_sm, int cluster_size, int* count);

struct GemmKernel {
  GemmLauncher launch = nullptr;  // null: not compiled into this build
  GemmResidency resident_ctas = nullptr;
};

// Token tiles (wgmma N extents) compiled for every type pair.
inline constexpr int kBlockMs[] = {8, 16, 32, 64, 128, 256};
inline constexpr int kBlockN = 128;  // weight rows per CTA (two 64-row consumer warpgroups)
inline constexpr int kMaxBlockMTwoCtas = 64;  // token tiles that also run two CTAs per SM

// Null if this combination is not compiled into the build. ctas_per_sm: 1, or 2 for the
// small-tile variants that run two CTAs per SM (token tiles up to 64).
GemmKernel find_gemm_kernel(ActType act, WeightType wtype, int blk_m, int ctas_per_sm);

#define MIXGEMM_DECLARE_LAUNCHERS(ACT, WT) GemmKernel gemm_kernel_##ACT##_##WT(int blk_m, int ctas_per_sm);
MIXGEMM_DECLARE_LAUNCHERS(bf16, u4b8)
MIXGEMM_DECLARE_LAUNCHERS(bf16, u4)
MIXGEMM_DECLARE_LAUNCHERS(bf16, u8b128)
MIXGEMM_DECLARE_LAUNCHERS(bf16, u8)
MIXGEMM_DECLARE_LAUNCHERS(fp16, u4b8)
MIXGEMM_DECLARE_LAUNCHERS(fp16, u4)
MIXGEMM_DECLARE_LAUNCHERS(fp16, u8b128)
MIXGEMM_DECLARE_LAUNCHERS(fp16, u8)
#undef MIXGEMM_DECLARE_LAUNCHERS

}  // namespace mixgemm::detail
