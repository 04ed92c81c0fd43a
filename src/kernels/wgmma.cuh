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
__device__ __forceinline__ uint64_t smem_desc_k_major_sw128(uint32_t smem_addr) {
  uint64_t desc = 0;
  desc |= uint64_t((smem_addr & 0x3FFFF) >> 4);   // start address, bits 0-13
  desc |= uint64_t(1) << 16;                       // leading byte offset (ignored), bits 16-29
  desc |= uint64_t(1024 >> 4) << 32;               // stride byte offset, bits 32-45
  desc |= uint64_t(1) << 62;                       // layout: 128-byte swizzle, bits 62-63
  return desc;
}

}  // namespace mixgemm::kernels
