// Where the staged epilogue (epilogue.cuh, StagedWriter) puts a consumer warp's output in shared
// memory: pure index arithmetic, shared by the kernels and the CPU tests that check it.
//
// A warp owns 16 weight rows and stages 64 tokens at a time: [64 tokens][16 rows] of 16-bit
// values, 32 bytes per token, its two 16-byte halves (rows 0-7 and 8-15) swapped on token bit 2.
// Shared memory serves 16-byte accesses from 8 groups of 4 banks. stmatrix.trans writes the 8
// rows of one 8x8 matrix (8 consecutive tokens, one half) in one phase: at a 32-byte stride
// they would use 4 of the groups twice (a 2-way conflict); the swap spreads them over all 8. The
// read-back's quarter warps (4 tokens, both halves) meet 8 distinct groups too.
#pragma once

#include <cstdint>

#if defined(__CUDACC__)
#define MIXGEMM_STAGED_FN __host__ __device__ __forceinline__ constexpr
#else
#define MIXGEMM_STAGED_FN inline constexpr
#endif

namespace mixgemm::kernels::staged {

inline constexpr int kGroupTokens = 64;                  // tokens staged at a time
inline constexpr int kWarpStagingBytes = kGroupTokens * 32;  // per consumer warp

// Byte offset of token `token` (0-63), half `half` (weight rows 8 half .. 8 half + 7).
MIXGEMM_STAGED_FN uint32_t offset(int token, int half) {
  return uint32_t(token * 32 + ((half ^ ((token >> 2) & 1)) * 16));
}

// stmatrix.x4.trans of pair `pair` (tokens 16 pair .. 16 pair + 15): lane `lane` gives the
// address of row lane % 8 of matrix lane / 8, matrix i being (half i % 2, 8-token column
// 2 pair + i / 2): that row holds one token's 8 weight rows.
MIXGEMM_STAGED_FN int stored_token(int pair, int lane) { return pair * 16 + (lane / 16) * 8 + lane % 8; }
MIXGEMM_STAGED_FN int stored_half(int lane) { return (lane / 8) % 2; }

// Read-back step j (0-3): lane `lane` loads 16 bytes, half lane % 2 of token 16 j + lane / 2,
// and stores them to Y as 8 consecutive weight rows of that token.
MIXGEMM_STAGED_FN int read_token(int j, int lane) { return 16 * j + lane / 2; }
MIXGEMM_STAGED_FN int read_half(int lane) { return lane % 2; }

}  // namespace mixgemm::kernels::staged

#undef MIXGEMM_STAGED_FN
