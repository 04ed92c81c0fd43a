// MultiplyShiftDivider (kernels/gemm_params.h): the kernels' division by a divisor fixed for the
// launch, a multiply-high and a shift, must equal the integer quotient for every index below
// 2^31: for every group size the API accepts (32, multiples of 64, channel-wise = K), and for
// stream-K's K tiles per tile and run lengths (any small divisor).
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "kernels/gemm_params.h"

namespace {

using mixgemm::kernels::MultiplyShiftDivider;

std::vector<int64_t> group_sizes() {
  std::vector<int64_t> d = {32};
  for (int64_t g = 64; g <= 64 * 512; g += 64) d.push_back(g);  // every multiple of 64 up to 32768
  for (int shift = 15; shift <= 30; ++shift) d.push_back(int64_t(1) << shift);
  // channel-wise groups: whole K of real layers, and odd multiples of 64 near the top of the range
  for (int64_t k : {4096, 5120, 8192, 11008, 13824, 14336, 18944, 28672, 53248, 65536 * 3})
    d.push_back(k);
  for (int64_t k : {int64_t(0x7fffffc0), int64_t(0x40000040), int64_t(3) << 28}) d.push_back(k);
  return d;
}

TEST(MultiplyShiftDivider, EqualsTheQuotientNearEveryMultiple) {
  for (int64_t d : group_sizes()) {
    const MultiplyShiftDivider g = MultiplyShiftDivider::make(d);
    // the first quotients, and both sides of multiples across the whole index range
    for (int64_t k = 0; k < 4 * d && k < (int64_t(1) << 20); ++k) ASSERT_EQ(g.divide(uint32_t(k)), k / d) << d;
    for (int64_t q = 1; q * d < (int64_t(1) << 31); q = q < 64 ? q + 1 : q * 2 + 1) {
      for (int64_t k : {q * d - 1, q * d, q * d + 1}) {
        if (k < (int64_t(1) << 31)) ASSERT_EQ(g.divide(uint32_t(k)), k / d) << "d=" << d << " k=" << k;
      }
    }
    ASSERT_EQ(g.divide(0x7fffffffu), int64_t(0x7fffffff) / d) << d;
  }
}

// Fresh indices each run; the seed is in the failure message.
TEST(MultiplyShiftDivider, EqualsTheQuotientOnRandomIndices) {
  const uint64_t seed = (uint64_t(std::random_device{}()) << 32) | std::random_device{}();
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<uint32_t> index(0, 0x7fffffffu);
  for (int64_t d : group_sizes()) {
    const MultiplyShiftDivider g = MultiplyShiftDivider::make(d);
    for (int i = 0; i < 2000; ++i) {
      const uint32_t k = index(rng);
      ASSERT_EQ(g.divide(k), int64_t(k) / d) << "d=" << d << " k=" << k << " seed=" << seed;
    }
  }
}

// Stream-K divides run positions by the K tiles per tile and by the run length: any divisor
// from 1 up (runs of 1 K tile at tiny shapes, 47 for 8B qkv at M = 512), indices up to the
// launch's K tiles (below 2^31). Every divisor to 4096, on the quotient's edges and at random.
TEST(MultiplyShiftDivider, EqualsTheQuotientForEverySmallDivisor) {
  const uint64_t seed = (uint64_t(std::random_device{}()) << 32) | std::random_device{}();
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<uint32_t> index(0, 0x7fffffffu);
  for (int64_t d = 1; d <= 4096; ++d) {
    const MultiplyShiftDivider g = MultiplyShiftDivider::make(d);
    for (int64_t q : {int64_t(0), int64_t(1), int64_t(2), int64_t(1000), int64_t(0x7fffffff) / d}) {
      for (int64_t k : {q * d - 1, q * d, q * d + d - 1}) {
        if (k < 0 || k > 0x7fffffff) continue;
        ASSERT_EQ(g.divide(uint32_t(k)), k / d) << "d=" << d << " k=" << k;
      }
    }
    for (int i = 0; i < 64; ++i) {
      const uint32_t k = index(rng);
      ASSERT_EQ(g.divide(k), int64_t(k) / d) << "d=" << d << " k=" << k << " seed=" << seed;
    }
  }
}

TEST(MultiplyShiftDivider, PowersOfTwoAreShifts) {
  for (int shift = 5; shift <= 30; ++shift) {
    const MultiplyShiftDivider g = MultiplyShiftDivider::make(int64_t(1) << shift);
    EXPECT_EQ(g.magic_lo, 0u);
    EXPECT_EQ(g.shift, shift);
    EXPECT_TRUE(g.is_power_of_two());
  }
}

// The decode consumers pick their shifted group walk by is_power_of_two(); every other group
// size must take the counted walk.
TEST(MultiplyShiftDivider, OnlyPowersOfTwoTakeTheShiftedWalk) {
  for (int64_t d : group_sizes()) {
    const bool power = (d & (d - 1)) == 0;
    EXPECT_EQ(MultiplyShiftDivider::make(d).is_power_of_two(), power) << d;
  }
}

}  // namespace
