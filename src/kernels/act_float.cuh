// Conversions between the activation type (bf16 / fp16, carried as raw 16-bit words) and fp32,
// shared by the mainloop (group scales applied in fp32), the epilogue and the split-K reduction.
#pragma once

#include <cstdint>

#include "mixgemm/types.h"

namespace mixgemm::kernels {

template <ActType A>
__device__ __forceinline__ uint16_t float_to_act(float v) {
  uint16_t r;
  if constexpr (A == ActType::bf16)
    asm("cvt.rn.bf16.f32 %0, %1;" : "=h"(r) : "f"(v));
  else
    asm("cvt.rn.f16.f32 %0, %1;" : "=h"(r) : "f"(v));
  return r;
}

template <ActType A>
__device__ __forceinline__ float act_to_float(uint16_t v) {
  if constexpr (A == ActType::bf16) {
    return __uint_as_float(uint32_t(v) << 16);  // bf16 is the top half of an fp32: exact, one shift
  } else {
    float f;
    asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(v));
    return f;
  }
}

// Two fp32 values rounded to the activation type in one 32-bit word, lo in the low half.
template <ActType A>
__device__ __forceinline__ uint32_t pack_act2(float lo, float hi) {
  uint32_t r;
  if constexpr (A == ActType::bf16)
    asm("cvt.rn.bf16x2.f32 %0, %1, %2;" : "=r"(r) : "f"(hi), "f"(lo));
  else
    asm("cvt.rn.f16x2.f32 %0, %1, %2;" : "=r"(r) : "f"(hi), "f"(lo));
  return r;
}

}  // namespace mixgemm::kernels
