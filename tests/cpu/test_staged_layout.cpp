// The staged epilogue's shared-memory layout (kernels/staged_layout.h), checked without a GPU:
// stmatrix.trans and the read-back simulated for one warp must put every accumulator value at
// its own (token, weight row) of Y, and both the stores and the loads must be free of bank
// conflicts (16-byte accesses: 8 groups of 4 banks).
#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <vector>

#include "kernels/staged_layout.h"

namespace {

namespace staged = mixgemm::kernels::staged;

constexpr int kLanes = 32;

// 16-byte bank group of a staging offset.
int bank_group(uint32_t offset) { return int(offset / 16) % 8; }

TEST(StagedLayout, EveryTokenAndHalfHasItsOwn16Bytes) {
  std::set<uint32_t> seen;
  for (int token = 0; token < staged::kGroupTokens; ++token)
    for (int half = 0; half < 2; ++half) {
      const uint32_t o = staged::offset(token, half);
      EXPECT_EQ(o % 16, 0u);
      EXPECT_LT(o + 16, uint32_t(staged::kWarpStagingBytes) + 1);
      EXPECT_TRUE(seen.insert(o).second) << "token " << token << " half " << half;
    }
}

// Each stmatrix phase (the 8 rows of one matrix) and each quarter warp of the read-back meets 8
// distinct bank groups.
TEST(StagedLayout, StoresAndLoadsAreConflictFree) {
  for (int pair = 0; pair < staged::kGroupTokens / 16; ++pair)
    for (int matrix = 0; matrix < 4; ++matrix) {
      std::set<int> groups;
      for (int row = 0; row < 8; ++row) {
        const int lane = 8 * matrix + row;
        groups.insert(bank_group(staged::offset(staged::stored_token(pair, lane), staged::stored_half(lane))));
      }
      EXPECT_EQ(groups.size(), 8u) << "pair " << pair << " matrix " << matrix;
    }
  for (int j = 0; j < staged::kGroupTokens / 16; ++j)
    for (int quarter = 0; quarter < 4; ++quarter) {
      std::set<int> groups;
      for (int lane = 8 * quarter; lane < 8 * quarter + 8; ++lane)
        groups.insert(bank_group(staged::offset(staged::read_token(j, lane), staged::read_half(lane))));
      EXPECT_EQ(groups.size(), 8u) << "step " << j << " quarter " << quarter;
    }
}

// One warp's 16 weight rows x 64 tokens through stmatrix.x4.trans and the read-back, as the PTX
// ISA defines them: register i of lane L holds elements (row L / 4, columns 2 (L % 4) and + 1) of
// matrix i; with .trans, the row addressed by lane 8 i + c receives column c of matrix i. The
// accumulator layout (epilogue.cuh): chunk c holds token columns 8 c + 2 (L % 4) + {0, 1} of
// weight rows L / 4 (values 0, 1) and L / 4 + 8 (values 2, 3). Every Y element must come out at
// its own (token, weight row), written once.
TEST(StagedLayout, RoundTripPutsEveryValueInItsPlace) {
  auto value = [](int token, int row) { return uint16_t(1 + token * 16 + row); };  // distinct, non-zero
  std::vector<uint16_t> smem(staged::kWarpStagingBytes / 2, 0);
  for (int pair = 0; pair < staged::kGroupTokens / 16; ++pair)
    for (int matrix = 0; matrix < 4; ++matrix) {
      const int chunk = 2 * pair + matrix / 2, half = matrix % 2;  // StagedWriter::store_group
      for (int c = 0; c < 8; ++c) {  // stored row c of the matrix: its column c
        const int addr_lane = 8 * matrix + c;
        const uint32_t o = staged::offset(staged::stored_token(pair, addr_lane), staged::stored_half(addr_lane));
        for (int r = 0; r < 8; ++r) {
          // Element (r, c) of matrix `matrix`: held by lane L = 4 r + c / 2, half of its register.
          const int lane = 4 * r + c / 2;
          const int token = 8 * chunk + 2 * (lane % 4) + c % 2;
          const int row = lane / 4 + 8 * half;
          smem[o / 2 + r] = value(token, row);
        }
      }
    }
  std::vector<int> written(staged::kGroupTokens * 16, 0);
  for (int j = 0; j < staged::kGroupTokens / 16; ++j)
    for (int lane = 0; lane < kLanes; ++lane) {
      const int token = staged::read_token(j, lane), half = staged::read_half(lane);
      const uint32_t o = staged::offset(token, half);
      for (int e = 0; e < 8; ++e) {  // Y[token][8 half + e]
        const int row = 8 * half + e;
        EXPECT_EQ(smem[o / 2 + e], value(token, row)) << "token " << token << " row " << row;
        ++written[token * 16 + row];
      }
    }
  for (int w : written) EXPECT_EQ(w, 1);
}

}  // namespace
