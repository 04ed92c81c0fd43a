// Warp-level MMA for the decode consumer: mma.sync m16n8k16 with the A operand in registers and
// its B operand (X) loaded from the 128-byte-swizzled X slab with ldmatrix.
//
// A warp's m16n8k16 A fragment has the layout of its 16-row slice of a wgmma m64k16 register A
// fragment, and its m16n8 accumulators that of the slice of an m64n8 wgmma accumulator, so the
// prepacked weights, the converter and the epilogue serve both MMA forms unchanged.
#pragma once

#include <cstdint>

#include "mixgemm/types.h"

namespace mixgemm::kernels {

// Four 8x8 16-bit matrices from shared memory; lane i gives the address of row i % 8 of matrix
// i / 8 and receives, from each matrix q, row i / 4, columns 2 (i % 4) and 2 (i % 4) + 1 in r[q].
__device__ __forceinline__ void ldmatrix_x4(uint32_t smem_addr, uint32_t (&r)[4]) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(smem_addr));
}

// d = A[16 x 16] . B[16 x 8] + c, fp32 accumulators. a: rows g and g + 8 (g = lane / 4), k pairs
// 2 (lane % 4) and + 8; b: k pairs 2 (lane % 4) and + 8 of column g.
template <ActType A>
__device__ __forceinline__ void mma_m16n8k16(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1,
                                             const float (&c)[4]) {
  if constexpr (A == ActType::bf16)
    asm(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
        "{%10, %11, %12, %13};"
        : "=f"(d[0]), "=f"(d[1]), "=f"(d[2]), "=f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1), "f"(c[0]), "f"(c[1]), "f"(c[2]), "f"(c[3]));
  else
    asm(
        "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
        "{%10, %11, %12, %13};"
        : "=f"(d[0]), "=f"(d[1]), "=f"(d[2]), "=f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1), "f"(c[0]), "f"(c[1]), "f"(c[2]), "f"(c[3]));
}

// This lane's ldmatrix row addresses in an X slab (BlkM token rows of 64 elements = 128 bytes,
// 128-byte swizzle: 16-byte chunk c of row r sits at chunk c ^ (r % 8)). One ldmatrix_x4 reads
// chunks c0 .. c0 + 3 of 8 token rows: the B fragments of two k16 steps. Lane i reads row
// i % 8, chunk c0 + i / 8; since c0 is 0 or 4, its swizzled offset is that of chunk i / 8 with
// bit 2 (64 bytes) flipped for c0 = 4, so the two offsets are computed once per thread and each
// read is a register plus a compile-time offset (slab, 8-row block).
struct XLaneOffsets {
  uint32_t chunks_0_3, chunks_4_7;
  __device__ __forceinline__ static XLaneOffsets of_lane(int lane) {
    const uint32_t row = lane % 8, chunk = lane / 8;
    XLaneOffsets o;
    o.chunks_0_3 = row * 128 + ((chunk ^ row) * 16);
    o.chunks_4_7 = row * 128 + (((chunk ^ row) * 16) ^ 64);
    return o;
  }
};

}  // namespace mixgemm::kernels
