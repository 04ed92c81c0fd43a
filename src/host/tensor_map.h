// TMA descriptor for the activation matrix X, encoded on the host per call (a few hundred
// nanoseconds, no allocation, no stream work) and passed by value in the kernel parameters.
#pragma once

#include <cuda.h>

#include <cstdint>

#include "mixgemm/types.h"

namespace mixgemm::detail {

// X [m, k] with row stride ldx elements; box of 64 elements along K (128 bytes, the widest
// the 128-byte swizzle allows) by box_m rows; rows past m read as zeros.
Status make_x_tensor_map(CUtensorMap* map, const void* x, ActType act, int64_t m, int64_t k, int64_t ldx, int box_m);

}  // namespace mixgemm::detail
