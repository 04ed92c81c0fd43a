// Weight up-conversion in registers: packed 4/8-bit integers -> the activation type, with the
// zero point subtracted: q - z, exact; then either the group scale is applied before the MMA
// (w = round(s * (q - z)), `convert`) or the MMA takes q - z and the scale multiplies its fp32
// sums (`convert_unscaled`, for small token tiles where that is fewer instructions).
//
// Each call converts one k16 step of one thread's wgmma A fragment (8 values, 4 registers of
// two 16-bit floats). Register r holds fragment elements (2r, 2r+1); registers 0 and 2 belong to
// fragment row g, registers 1 and 3 to row g + 8, so they take the row-g and row-(g+8) scale.
//
// Cost per two weights: 4-bit: one LOP3 (+ a shift for 3 of 4 registers), one SUB, one MUL;
// 8-bit fp16: one PRMT, one SUB, one MUL; 8-bit bf16: two PRMT, two FADD, one CVT, one MUL
// (bf16's 8-bit significand cannot hold 2^k + q for a byte q, so it goes through fp32).
// (the MUL only in `convert`). q - z is exact in every path, so the only rounding is the scale's.
#pragma once

#include <cstdint>

#include "kernels/act_float.cuh"
#include "mixgemm/types.h"

namespace mixgemm::kernels {

// (a & b) | c in one LOP3: places a nibble pair in the low mantissa bits of two 16-bit floats
// whose exponent encodes the magic value (128 for bf16, 1024 for fp16).
__device__ __forceinline__ uint32_t lop3_and_or(uint32_t a, uint32_t b, uint32_t c) {
  uint32_t r;
  asm("lop3.b32 %0, %1, %2, %3, 0xEA;" : "=r"(r) : "r"(a), "r"(b), "r"(c));
  return r;
}

template <ActType A>
__device__ __forceinline__ uint32_t sub2(uint32_t a, uint32_t b) {
  uint32_t r;
  if constexpr (A == ActType::bf16)
    asm("sub.rn.bf16x2 %0, %1, %2;" : "=r"(r) : "r"(a), "r"(b));
  else
    asm("sub.rn.f16x2 %0, %1, %2;" : "=r"(r) : "r"(a), "r"(b));
  return r;
}

template <ActType A>
__device__ __forceinline__ uint32_t mul2(uint32_t a, uint32_t b) {
  uint32_t r;
  if constexpr (A == ActType::bf16)
    asm("mul.rn.bf16x2 %0, %1, %2;" : "=r"(r) : "r"(a), "r"(b));
  else
    asm("mul.rn.f16x2 %0, %1, %2;" : "=r"(r) : "r"(a), "r"(b));
  return r;
}

template <ActType A>
__device__ __forceinline__ uint32_t add2(uint32_t a, uint32_t b) {
  uint32_t r;
  if constexpr (A == ActType::bf16)
    asm("add.rn.bf16x2 %0, %1, %2;" : "=r"(r) : "r"(a), "r"(b));
  else
    asm("add.rn.f16x2 %0, %1, %2;" : "=r"(r) : "r"(a), "r"(b));
  return r;
}

__device__ __forceinline__ uint32_t broadcast2(uint16_t v) { return uint32_t(v) * 0x10001u; }

// Multiplies a converted k16 fragment by its rows' scales (registers 0, 2: row g; 1, 3: row g + 8).
template <ActType A>
__device__ __forceinline__ void scale_fragment(uint32_t s_lo, uint32_t s_hi, uint32_t (&a)[4]) {
#pragma unroll
  for (int r = 0; r < 4; ++r) a[r] = mul2<A>(a[r], (r & 1) ? s_hi : s_lo);
}

template <ActType A, int Bits>
struct WeightConverter;

// ---- 4-bit ---------------------------------------------------------------------------------------
template <ActType A>
struct WeightConverter<A, 4> {
  // 16-bit float with the nibble in the lowest mantissa bits: 128 + q (bf16), 1024 + q (fp16).
  static constexpr uint32_t kMagic2 = A == ActType::bf16 ? 0x43004300u : 0x64006400u;
  static constexpr int kMagic = A == ActType::bf16 ? 128 : 1024;

  // The value subtracted from (magic + q): magic + z, as two 16-bit floats.
  using Offset = uint32_t;
  __device__ __forceinline__ static Offset offset_from_zero(uint16_t z_act) {
    return add2<A>(broadcast2(z_act), kMagic2);
  }
  static constexpr uint32_t symmetric_offset(int z) {
    // magic + z for a compile-time z < 16: the nibble pattern in the mantissa, as for q.
    return kMagic2 | (uint32_t(z) << 16) | uint32_t(z);
  }

  // word: the 32 bits of one k16 step (nibbles ordered e0 e2 e4 e6 e1 e3 e5 e7).
  // a = q - z, exact (the scale is applied later, to the fp32 sums).
  __device__ __forceinline__ static void convert_unscaled(uint32_t word, Offset off_lo, Offset off_hi,
                                                          uint32_t (&a)[4]) {
#pragma unroll
    for (int r = 0; r < 4; ++r) {
      const uint32_t v = lop3_and_or(word >> (4 * r), 0x000F000Fu, kMagic2);
      a[r] = sub2<A>(v, (r & 1) ? off_hi : off_lo);
    }
  }
  // a = s * (q - z), rounded once to the activation type.
  __device__ __forceinline__ static void convert(uint32_t word, Offset off_lo, Offset off_hi,
                                                 uint32_t s_lo, uint32_t s_hi, uint32_t (&a)[4]) {
    convert_unscaled(word, off_lo, off_hi, a);
    scale_fragment<A>(s_lo, s_hi, a);
  }
};

// ---- 8-bit ---------------------------------------------------------------------------------------
template <>
struct WeightConverter<ActType::fp16, 8> {
  using Offset = uint32_t;  // 1024 + z, two fp16
  __device__ __forceinline__ static Offset offset_from_zero(uint16_t z_act) {
    return add2<ActType::fp16>(broadcast2(z_act), 0x64006400u);
  }
  static constexpr uint32_t symmetric_offset(int z) { return 0x64006400u | (uint32_t(z) << 16) | uint32_t(z); }

  // words[0] = elements e0..e3, words[1] = e4..e7, one byte each. a = q - z, exact.
  __device__ __forceinline__ static void convert_unscaled(const uint32_t (&words)[2], Offset off_lo,
                                                          Offset off_hi, uint32_t (&a)[4]) {
#pragma unroll
    for (int r = 0; r < 4; ++r) {
      // bytes (2r', 2r'+1) of the word into the low mantissa byte of 1024.0 (0x64XX)
      const uint32_t v = __byte_perm(words[r >> 1], 0x64646464u, (r & 1) ? 0x4342 : 0x4140);
      a[r] = sub2<ActType::fp16>(v, (r & 1) ? off_hi : off_lo);
    }
  }
  __device__ __forceinline__ static void convert(const uint32_t (&words)[2], Offset off_lo,
                                                 Offset off_hi, uint32_t s_lo, uint32_t s_hi,
                                                 uint32_t (&a)[4]) {
    convert_unscaled(words, off_lo, off_hi, a);
    scale_fragment<ActType::fp16>(s_lo, s_hi, a);
  }
};

template <>
struct WeightConverter<ActType::bf16, 8> {
  // 2^23 + z in fp32: the byte q placed in the mantissa of 2^23 gives 2^23 + q exactly.
  using Offset = float;
  __device__ __forceinline__ static Offset offset_from_zero(uint16_t z_act) {
    return __uint_as_float(uint32_t(z_act) << 16) + 8388608.0f;
  }
  static constexpr float symmetric_offset(int z) { return 8388608.0f + float(z); }

  __device__ __forceinline__ static void convert_unscaled(const uint32_t (&words)[2], Offset off_lo,
                                                          Offset off_hi, uint32_t (&a)[4]) {
#pragma unroll
    for (int r = 0; r < 4; ++r) {
      const uint32_t w = words[r >> 1];
      const int b0 = (r & 1) * 2;  // byte index of the pair's first element in w
      const float f0 = __uint_as_float(__byte_perm(w, 0x4B000000u, 0x7440 + b0)) - ((r & 1) ? off_hi : off_lo);
      const float f1 = __uint_as_float(__byte_perm(w, 0x4B000000u, 0x7441 + b0)) - ((r & 1) ? off_hi : off_lo);
      // |q - z| <= 255 fits bf16's 8-bit significand: this conversion is exact.
      a[r] = pack_act2<ActType::bf16>(f0, f1);
    }
  }
  __device__ __forceinline__ static void convert(const uint32_t (&words)[2], Offset off_lo,
                                                 Offset off_hi, uint32_t s_lo, uint32_t s_hi,
                                                 uint32_t (&a)[4]) {
    convert_unscaled(words, off_lo, off_hi, a);
    scale_fragment<ActType::bf16>(s_lo, s_hi, a);
  }
};

}  // namespace mixgemm::kernels
