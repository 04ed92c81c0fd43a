// Register-A warpgroup MMA (wgmma RS): D[64 x N] += A[64 x 16] (registers) . B[16 x N] (shared
// memory, K-major, 128-byte swizzle), fp32 accumulators. The instruction encodings come from
// CuTe's SM90 GMMA atoms; this file picks the atom for (activation type, N) and builds the
// shared-memory descriptor of B.
#pragma once

#include <cute/arch/mma_sm90_gmma.hpp>

#include <cstdint>
#include <utility>

#include "mixgemm/types.h"

namespace mixgemm::kernels {

namespace gmma = cute::SM90::GMMA;

template <ActType A, int N>
struct RsAtom;

#define MIXGEMM_RS_ATOM(N)                                                                  \
  template <>                                                                               \
  struct RsAtom<ActType::bf16, N> {                                                         \
    using type = gmma::MMA_64x##N##x16_F32BF16BF16_RS<gmma::Major::K, gmma::Major::K>;      \
  };                                                                                        \
  template <>                                                                               \
  struct RsAtom<ActType::fp16, N> {                                                         \
    using type = gmma::MMA_64x##N##x16_F32F16F16_RS<gmma::Major::K, gmma::Major::K>;        \
  };
MIXGEMM_RS_ATOM(8)
MIXGEMM_RS_ATOM(16)
MIXGEMM_RS_ATOM(32)
MIXGEMM_RS_ATOM(64)
MIXGEMM_RS_ATOM(128)
MIXGEMM_RS_ATOM(256)
#undef MIXGEMM_RS_ATOM

template <class Atom, size_t... I>
__device__ __forceinline__ void wgmma_rs_impl(const uint32_t (&a)[4], uint64_t desc_b,
                                              float (&d)[sizeof...(I)], gmma::ScaleOut scale_d,
                                              std::index_sequence<I...>) {
  Atom::fma(a[0], a[1], a[2], a[3], desc_b, d[I]..., scale_d);
}

// One m64nNk16 MMA; d holds the N/2 accumulators this thread owns. accumulate = false
// overwrites d (D = A.B) instead of adding to it: starts a fresh partial sum without zeroing.
template <ActType A, int N>
__device__ __forceinline__ void wgmma_rs(const uint32_t (&a)[4], uint64_t desc_b, float (&d)[N / 2],
                                         bool accumulate = true) {
  wgmma_rs_impl<typename RsAtom<A, N>::type>(a, desc_b, d, accumulate ? gmma::ScaleOut::One : gmma::ScaleOut::Zero,
                                             std::make_index_sequence<N / 2>{});
}

// Shared-memory matrix descriptor for a K-major operand stored as 128-byte rows with the
// 128-byte swizzle (what TMA writes with CU_TENSOR_MAP_SWIZZLE_128B): 8-row core-matrix groups
// are 1024 bytes apart (stride byte offset); the leading byte offset is unused in this mode.
// Stepping 16 elements along K inside the swizzle atom is +32 bytes on the start address.
//
// Kept as its two 32-bit halves: the high word (stride byte offset, swizzle mode) is a
// compile-time constant and only the start address in the low word moves, so a step to the next
// operand is one 32-bit add. The low word is broadcast from lane 0 once (a shuffle per stage):
// ptxas then knows it is warp-uniform and keeps the steps in uniform registers, where wgmma
// reads its descriptor. Built as a 64-bit per-thread value, the descriptor cost five to six
// vector instructions per wgmma (64-bit add with carry, register moves, two register-to-uniform
// transfers): ~80 of the 8-token consumer's instructions per 4-tile stage (1.034x geomean at
// M <= 128 once removed). Every lane of the warp must construct it (the shuffle).
struct SmemDescSw128 {
  static constexpr uint32_t kHi = (1024u >> 4) | (1u << 30);  // bits 32-45: SBO; bits 62-63: 128B swizzle
  uint32_t lo;  // bits 0-13: start address >> 4; bits 16-29: leading byte offset (ignored), 1

  __device__ __forceinline__ explicit SmemDescSw128(uint32_t smem_addr)
      : lo(__shfl_sync(0xFFFFFFFFu, ((smem_addr & 0x3FFFF) >> 4) | (1u << 16), 0)) {}

  // The descriptor of the operand offset_bytes further on (a multiple of 16). The start address
  // field cannot carry into the leading byte offset: shared memory ends below 2^18 bytes.
  __device__ __forceinline__ uint64_t at(uint32_t offset_bytes) const {
    return (uint64_t(kHi) << 32) | (lo + (offset_bytes >> 4));
  }
};

}  // namespace mixgemm::kernels
