// The prepacked weight format (docs/prepacked-format.md), as index arithmetic shared by the CPU
// prepack, the GPU prepack kernel and the GEMM kernels' address computations.
//
// Why this shape: the GEMM runs the transposed problem Y^T = W^T . X^T with W^T as the register
// (A) operand of wgmma m64nNk16. A 64 (N) x 64 (K) weight tile is what one consumer warpgroup
// needs for four k16 steps; each of its 128 threads needs exactly 8 values per step, at the
// positions of the wgmma A fragment. Storing each thread's 4 x 8 values contiguously (16 bytes
// for 4-bit, 2 x 16 for 8-bit) makes the shared-memory -> register move one conflict-free
// LDS.128 per plane (8 consecutive threads read 128 consecutive bytes), and ordering the
// nibbles so that register r of the fragment is (nibble r, nibble r+4) lets one LOP3 per
// register turn them into two 16-bit floats without shuffles.
#pragma once

#include <cstdint>

#include "mixgemm/types.h"

#if defined(__CUDACC__)
#define MIXGEMM_HD __host__ __device__ __forceinline__
#else
#define MIXGEMM_HD inline
#endif

namespace mixgemm::layout {

constexpr int kTileN = 64;          // weight rows (output features) per tile: the wgmma M extent
constexpr int kTileK = 64;          // reduction depth per tile: four wgmma k16 steps
constexpr int kTileThreads = 128;   // one warpgroup
constexpr int kPlaneBytes = 2048;   // 128 threads x 16 bytes
constexpr int kStepsPerTile = kTileK / 16;
constexpr int64_t kSectionAlign = 256;

MIXGEMM_HD constexpr int planes(int bits) { return bits / 4; }
MIXGEMM_HD constexpr int tile_bytes(int bits) { return kPlaneBytes * planes(bits); }
MIXGEMM_HD constexpr int64_t align_up(int64_t v, int64_t a) { return (v + a - 1) / a * a; }

// Byte and bit position of one weight (k, n) in the weight section.
struct WeightPos {
  int64_t byte;
  int shift;  // bit offset inside that byte (0 or 4 for 4-bit, 0 for 8-bit)
};

// Where fragment element e (0..7) of k16 step j lives inside thread t's bytes of a tile.
//   e bit 0: k + 1, e bit 1: row + 8, e bit 2: k + 8 (the wgmma / mma.sync A fragment order).
MIXGEMM_HD WeightPos fragment_pos(int bits, int t, int j, int e) {
  if (bits == 4) {
    // One plane. Word j (bytes 4j..4j+3) holds step j; element e sits at nibble
    // (e >> 1) + 4 * (e & 1), so register r = (e = 2r, e = 2r + 1) is nibbles (r, r + 4).
    const int nib = (e >> 1) + 4 * (e & 1);
    return {int64_t(t) * 16 + 4 * j + nib / 2, 4 * (nib & 1)};
  }
  // 8-bit: two planes; step j lives in plane j / 2, bytes 8 * (j % 2) + e of the thread's 16.
  return {int64_t(j >> 1) * kPlaneBytes + int64_t(t) * 16 + 8 * (j & 1) + e, 0};
}

// Inverse view: the tile row (0..63) and tile depth (0..63) of fragment element e of k16 step j
// held by thread t.
struct TileCoord {
  int row, depth;
};
MIXGEMM_HD TileCoord fragment_coord(int t, int j, int e) {
  const int warp = t / 32, lane = t % 32;
  return {warp * 16 + lane / 4 + 8 * ((e >> 1) & 1), 16 * j + 2 * (lane % 4) + (e & 1) + 8 * (e >> 2)};
}

// Position of weight (k, n) of a [K, N] matrix in the weight section.
MIXGEMM_HD WeightPos weight_pos(int bits, int64_t k_total, int64_t k, int64_t n) {
  const int64_t nb = n / kTileN, kb = k / kTileK;
  const int r = int(n % kTileN), kk = int(k % kTileK);
  const int warp = r / 16, rr = r % 16, g = rr % 8, row_hi = rr / 8;
  const int j = kk / 16, kq = kk % 16, c = (kq % 8) / 2, k_odd = kq % 2, k_hi = kq / 8;
  const int e = k_odd + 2 * row_hi + 4 * k_hi;
  const int t = warp * 32 + g * 4 + c;
  const int64_t tile = nb * (k_total / kTileK) + kb;
  WeightPos p = fragment_pos(bits, t, j, e);
  p.byte += tile * tile_bytes(bits);
  return p;
}

// Scales and zero points: [N / 64][K / group][64] elements of the activation type, i.e. for each
// 64-row block of output features the groups follow each other, so the values a CTA needs for a
// stretch of K are contiguous (one bulk copy).
MIXGEMM_HD int64_t group_param_index(int64_t groups, int64_t group, int64_t n) {
  return (n / kTileN) * groups * kTileN + group * kTileN + (n % kTileN);
}

// Sections of the prepacked buffer: weights, then scales, then zero points (u4 / u8 only),
// each starting at a 256-byte boundary.
struct Sections {
  int64_t weights_offset, weights_bytes;
  int64_t scales_offset, scales_bytes;
  int64_t zeros_offset, zeros_bytes;
  int64_t total_bytes;
};

MIXGEMM_HD Sections sections(int bits, bool zeros, int64_t n, int64_t k, int64_t groups) {
  Sections s{};
  s.weights_offset = 0;
  s.weights_bytes = n * k * bits / 8;
  s.scales_offset = align_up(s.weights_bytes, kSectionAlign);
  s.scales_bytes = n * groups * 2;
  s.zeros_offset = align_up(s.scales_offset + s.scales_bytes, kSectionAlign);
  s.zeros_bytes = zeros ? n * groups * 2 : 0;
  s.total_bytes = align_up(s.zeros_offset + s.zeros_bytes, kSectionAlign);
  return s;
}

// Zero points are stored as activation-type values of the integer z (exact for 0 <= z < 256).
MIXGEMM_HD uint16_t small_int_to_act_bits(int z, ActType act) {
  if (z == 0) return 0;
  int e = 0;  // z = 1.f * 2^e
  while ((z >> (e + 1)) != 0) ++e;
  if (act == ActType::bf16) {
    const uint32_t mant = (uint32_t(z) << (7 - e)) & 0x7F;  // e <= 7: exact in 7 mantissa bits
    return uint16_t(((127 + e) << 7) | mant);
  }
  const uint32_t mant = (uint32_t(z) << (10 - e)) & 0x3FF;
  return uint16_t(((15 + e) << 10) | mant);
}

}  // namespace mixgemm::layout
