// Tests of the CPU reference (the oracle the GPU kernels are judged by).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

#include "mixgemm_ref.h"

namespace {

using mixgemm::ActType;
using mixgemm::WeightDesc;
using mixgemm::WeightType;
namespace ref = mixgemm::ref;

float from_bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

uint32_t to_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

bool is_bf16_nan(uint16_t v) { return (v & 0x7F80u) == 0x7F80u && (v & 0x007Fu) != 0; }
bool is_fp16_nan(uint16_t v) { return (v & 0x7C00u) == 0x7C00u && (v & 0x03FFu) != 0; }

uint64_t fresh_seed() { return (uint64_t{std::random_device{}()} << 32) | std::random_device{}(); }

constexpr WeightType kAllWeightTypes[] = {WeightType::u4b8, WeightType::u4, WeightType::u8b128,
                                          WeightType::u8};
constexpr ActType kAllActTypes[] = {ActType::bf16, ActType::fp16};

// ---- bf16 ---------------------------------------------------------------------------------------

TEST(RefConvert, Bf16KnownPatterns) {
  EXPECT_EQ(ref::float_to_bf16(1.0f), 0x3F80);
  EXPECT_EQ(ref::float_to_bf16(-2.5f), 0xC020);
  EXPECT_EQ(ref::float_to_bf16(0.0f), 0x0000);
  EXPECT_EQ(ref::float_to_bf16(-0.0f), 0x8000);
  EXPECT_EQ(ref::bf16_to_float(0x3F80), 1.0f);
  EXPECT_EQ(ref::bf16_to_float(0xC020), -2.5f);
  // Largest finite bf16: (2 - 2^-7) * 2^127.
  const float bf16_max = std::ldexp(2.0f - std::ldexp(1.0f, -7), 127);
  EXPECT_EQ(ref::float_to_bf16(bf16_max), 0x7F7F);
  EXPECT_EQ(ref::bf16_to_float(0x7F7F), bf16_max);
  // Smallest normal 2^-126 and a subnormal (bf16 keeps float's subnormals).
  EXPECT_EQ(ref::float_to_bf16(std::ldexp(1.0f, -126)), 0x0080);
  EXPECT_EQ(ref::bf16_to_float(0x0080), std::ldexp(1.0f, -126));
  EXPECT_EQ(ref::bf16_to_float(0x0001), std::ldexp(1.0f, -133));
  EXPECT_EQ(ref::float_to_bf16(std::ldexp(1.0f, -133)), 0x0001);
}

TEST(RefConvert, Bf16RoundsToNearestEven) {
  // 1 + 2^-8 is halfway between 1 (0x3F80, even) and 1 + 2^-7 (0x3F81): goes down.
  EXPECT_EQ(ref::float_to_bf16(1.0f + std::ldexp(1.0f, -8)), 0x3F80);
  // 1 + 3 * 2^-8 is halfway between 0x3F81 and 0x3F82 (even): goes up.
  EXPECT_EQ(ref::float_to_bf16(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3F82);
  // Just above a tie rounds up, just below rounds down.
  EXPECT_EQ(ref::float_to_bf16(from_bits(0x3F808001u)), 0x3F81);
  EXPECT_EQ(ref::float_to_bf16(from_bits(0x3F817FFFu)), 0x3F81);
  EXPECT_EQ(ref::float_to_bf16(from_bits(0xBF808001u)), 0xBF81);
}

TEST(RefConvert, Bf16NanAndInf) {
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(ref::float_to_bf16(inf), 0x7F80);
  EXPECT_EQ(ref::float_to_bf16(-inf), 0xFF80);
  // FLT_MAX is beyond the last bf16 + half an ulp: overflows to Inf.
  EXPECT_EQ(ref::float_to_bf16(std::numeric_limits<float>::max()), 0x7F80);
  // The largest float that still rounds to bf16 max: just below the midpoint to 2^128.
  EXPECT_EQ(ref::float_to_bf16(from_bits(0x7F7F7FFFu)), 0x7F7F);
  EXPECT_EQ(ref::float_to_bf16(from_bits(0x7F7F8000u)), 0x7F80);  // tie, odd -> up to Inf
  EXPECT_TRUE(std::isinf(ref::bf16_to_float(0x7F80)));

  const uint16_t qnan = ref::float_to_bf16(std::numeric_limits<float>::quiet_NaN());
  EXPECT_TRUE(is_bf16_nan(qnan)) << std::hex << qnan;
  EXPECT_NE(qnan & 0x0040, 0) << "quiet bit";
  // A NaN whose payload lies only in the dropped bits must stay NaN (not become Inf).
  const uint16_t low_payload = ref::float_to_bf16(from_bits(0x7F800001u));
  EXPECT_TRUE(is_bf16_nan(low_payload)) << std::hex << low_payload;
  EXPECT_TRUE(std::isnan(ref::bf16_to_float(0x7FC0)));
  EXPECT_TRUE(std::isnan(ref::bf16_to_float(0x7F81)));  // signalling pattern comes back quiet
  EXPECT_NE(to_bits(ref::bf16_to_float(0x7F81)) & 0x00400000u, 0u);
  EXPECT_EQ(ref::act_nan(ActType::bf16), 0x7FC0);
  EXPECT_TRUE(std::isnan(ref::act_to_float(ref::act_nan(ActType::bf16), ActType::bf16)));
}

TEST(RefConvert, Bf16RoundTripsEveryPattern) {
  for (uint32_t v = 0; v < 0x10000u; ++v) {
    const uint16_t b = static_cast<uint16_t>(v);
    if (is_bf16_nan(b)) continue;
    ASSERT_EQ(ref::float_to_bf16(ref::bf16_to_float(b)), b) << std::hex << v;
    ASSERT_EQ(to_bits(ref::bf16_to_float(b)), v << 16) << std::hex << v;
  }
}

// ---- fp16 ---------------------------------------------------------------------------------------

TEST(RefConvert, Fp16KnownPatterns) {
  EXPECT_EQ(ref::float_to_fp16(1.0f), 0x3C00);
  EXPECT_EQ(ref::float_to_fp16(-2.5f), 0xC100);
  EXPECT_EQ(ref::float_to_fp16(0.0f), 0x0000);
  EXPECT_EQ(ref::float_to_fp16(-0.0f), 0x8000);
  EXPECT_EQ(ref::fp16_to_float(0x3C00), 1.0f);
  EXPECT_EQ(ref::fp16_to_float(0xC100), -2.5f);
  EXPECT_EQ(ref::float_to_fp16(65504.0f), 0x7BFF);  // max
  EXPECT_EQ(ref::fp16_to_float(0x7BFF), 65504.0f);
  EXPECT_EQ(ref::float_to_fp16(std::ldexp(1.0f, -14)), 0x0400);  // min normal
  EXPECT_EQ(ref::fp16_to_float(0x0400), std::ldexp(1.0f, -14));
  // Subnormals: 2^-24 is the smallest, 0x03FF the largest.
  EXPECT_EQ(ref::float_to_fp16(std::ldexp(1.0f, -24)), 0x0001);
  EXPECT_EQ(ref::fp16_to_float(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(ref::fp16_to_float(0x03FF), 1023 * std::ldexp(1.0f, -24));
  EXPECT_EQ(ref::float_to_fp16(1023 * std::ldexp(1.0f, -24)), 0x03FF);
  EXPECT_EQ(ref::fp16_to_float(0x8001), -std::ldexp(1.0f, -24));
  EXPECT_EQ(ref::float_to_fp16(-3 * std::ldexp(1.0f, -24)), 0x8003);
}

TEST(RefConvert, Fp16RoundsToNearestEven) {
  const float ulp1 = std::ldexp(1.0f, -10);                    // fp16 ulp at 1.0
  EXPECT_EQ(ref::float_to_fp16(1.0f + ulp1 / 2), 0x3C00);      // tie, even below
  EXPECT_EQ(ref::float_to_fp16(1.0f + 3 * ulp1 / 2), 0x3C02);  // tie, even above
  EXPECT_EQ(ref::float_to_fp16(std::nextafter(1.0f + ulp1 / 2, 2.0f)), 0x3C01);
  // Subnormal ties: 2^-25 is half of the smallest subnormal -> 0; 3 * 2^-25 -> 2 (even).
  const float sub = std::ldexp(1.0f, -25);
  EXPECT_EQ(ref::float_to_fp16(sub), 0x0000);
  EXPECT_EQ(ref::float_to_fp16(-sub), 0x8000);
  EXPECT_EQ(ref::float_to_fp16(std::nextafter(sub, 1.0f)), 0x0001);
  EXPECT_EQ(ref::float_to_fp16(1.5f * sub * 2), 0x0002);  // 3 * 2^-25: tie between 1 and 2
  EXPECT_EQ(ref::float_to_fp16(5 * sub), 0x0002);         // 2.5 ulps: tie, even is 2
  EXPECT_EQ(ref::float_to_fp16(7 * sub), 0x0004);         // 3.5 ulps: tie, even is 4
  EXPECT_EQ(ref::float_to_fp16(std::ldexp(1.0f, -30)), 0x0000);
  EXPECT_EQ(ref::float_to_fp16(std::numeric_limits<float>::denorm_min()), 0x0000);
  // Rounding out of the subnormal range into the smallest normal.
  EXPECT_EQ(ref::float_to_fp16(std::ldexp(1.0f, -14) - sub / 2), 0x0400);
}

TEST(RefConvert, Fp16OverflowNanInf) {
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(ref::float_to_fp16(65519.0f), 0x7BFF);  // below the midpoint 65520
  EXPECT_EQ(ref::float_to_fp16(65520.0f), 0x7C00);  // midpoint, odd max -> Inf
  EXPECT_EQ(ref::float_to_fp16(-65520.0f), 0xFC00);
  EXPECT_EQ(ref::float_to_fp16(1e6f), 0x7C00);
  EXPECT_EQ(ref::float_to_fp16(std::numeric_limits<float>::max()), 0x7C00);
  EXPECT_EQ(ref::float_to_fp16(inf), 0x7C00);
  EXPECT_EQ(ref::float_to_fp16(-inf), 0xFC00);
  EXPECT_TRUE(std::isinf(ref::fp16_to_float(0x7C00)));

  const uint16_t qnan = ref::float_to_fp16(std::numeric_limits<float>::quiet_NaN());
  EXPECT_TRUE(is_fp16_nan(qnan)) << std::hex << qnan;
  EXPECT_NE(qnan & 0x0200, 0) << "quiet bit";
  const uint16_t low_payload = ref::float_to_fp16(from_bits(0x7F800001u));
  EXPECT_TRUE(is_fp16_nan(low_payload)) << std::hex << low_payload;
  EXPECT_TRUE(std::isnan(ref::fp16_to_float(0x7E00)));
  EXPECT_TRUE(std::isnan(ref::fp16_to_float(0x7C01)));  // signalling pattern comes back quiet
  EXPECT_NE(to_bits(ref::fp16_to_float(0x7C01)) & 0x00400000u, 0u);
  EXPECT_EQ(ref::act_nan(ActType::fp16), 0x7E00);
  EXPECT_TRUE(std::isnan(ref::act_to_float(ref::act_nan(ActType::fp16), ActType::fp16)));
}

TEST(RefConvert, Fp16RoundTripsEveryPattern) {
  for (uint32_t v = 0; v < 0x10000u; ++v) {
    const uint16_t h = static_cast<uint16_t>(v);
    if (is_fp16_nan(h)) continue;
    ASSERT_EQ(ref::float_to_fp16(ref::fp16_to_float(h)), h) << std::hex << v;
  }
  // Monotone over the positive finite patterns.
  for (uint16_t h = 1; h < 0x7C00; ++h) {
    ASSERT_LT(ref::fp16_to_float(h - 1), ref::fp16_to_float(h)) << std::hex << h;
  }
}

// Nearest-even property on random floats, checked against the neighbouring representable values
// (independent of how the conversion is written).
template <typename ToFloat, typename FromFloat>
void check_nearest_even(ToFloat to_float, FromFloat from_float, int lo_exp, int hi_exp,
                        uint16_t max_finite, uint16_t lsb_mask, uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 200000; ++i) {
    const int e = lo_exp + static_cast<int>(rng() % static_cast<uint64_t>(hi_exp - lo_exp + 1));
    const float mant = 1.0f + static_cast<float>(rng() >> 40) * std::ldexp(1.0f, -24);
    const float f = std::ldexp(mant, e) * ((rng() & 1) ? -1.0f : 1.0f);
    if (std::fabs(f) >= to_float(max_finite)) continue;  // overflow is tested separately
    const uint16_t h = from_float(f);
    const uint16_t mag = h & 0x7FFF;
    ASSERT_LE(mag, max_finite) << "f=" << f << " seed=" << seed;
    const double got = to_float(h);
    const double err = std::fabs(got - static_cast<double>(f));
    // Both neighbours (towards and away from zero) are not closer.
    const uint16_t sign = h & 0x8000;
    if (mag > 0) {
      const double below = std::fabs(to_float(static_cast<uint16_t>(sign | (mag - 1))) - f);
      ASSERT_LE(err, below) << "f=" << f << " seed=" << seed;
      if (err == below) {
        ASSERT_EQ(h & lsb_mask, 0) << "tie not to even, f=" << f << " seed=" << seed;
      }
    }
    if (mag < max_finite) {
      const double above = std::fabs(to_float(static_cast<uint16_t>(sign | (mag + 1))) - f);
      ASSERT_LE(err, above) << "f=" << f << " seed=" << seed;
      if (err == above) {
        ASSERT_EQ(h & lsb_mask, 0) << "tie not to even, f=" << f << " seed=" << seed;
      }
    }
  }
}

TEST(RefConvert, RandomFloatsRoundToNearestEven) {
  const uint64_t seed = fresh_seed();
  // fp16: from deep subnormal to just under the overflow threshold.
  check_nearest_even(ref::fp16_to_float, ref::float_to_fp16, -26, 15, 0x7BFF, 1, seed);
  // bf16: a wide band of normals plus subnormals.
  check_nearest_even(ref::bf16_to_float, ref::float_to_bf16, -135, 126, 0x7F7F, 1, seed + 1);
}

#if defined(__FLT16_MAX__) && defined(__GNUC__) && !defined(__clang__)
// Cross-check with the compiler's own _Float16 conversion, where the compiler has one.
TEST(RefConvert, Fp16MatchesCompilerFloat16) {
  const uint64_t seed = fresh_seed();
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 200000; ++i) {
    const uint32_t bits = static_cast<uint32_t>(rng());
    const float f = from_bits(bits);
    if (std::isnan(f)) continue;
    const _Float16 h = static_cast<_Float16>(f);
    uint16_t expect;
    std::memcpy(&expect, &h, sizeof expect);
    ASSERT_EQ(ref::float_to_fp16(f), expect) << "bits=0x" << std::hex << bits << " seed=" << seed;
  }
}
#endif

// ---- GPTQ packing -------------------------------------------------------------------------------

TEST(RefPack, KnownLayout) {
  // One column, K = 8 four-bit values 0..7: lowest bits hold k = 0.
  std::vector<uint8_t> q4 = {0, 1, 2, 3, 4, 5, 6, 7};
  auto p4 = ref::pack_gptq(q4, 8, 1, 4);
  ASSERT_EQ(p4.size(), 1u);
  EXPECT_EQ(static_cast<uint32_t>(p4[0]), 0x76543210u);
  // Two columns of 8-bit values: packed[0][n] holds k = 0..3 of column n.
  std::vector<uint8_t> q8 = {0x01, 0xA1, 0x02, 0xA2, 0x03, 0xA3, 0xFF, 0xA4};  // [4][2]
  auto p8 = ref::pack_gptq(q8, 4, 2, 8);
  ASSERT_EQ(p8.size(), 2u);
  EXPECT_EQ(static_cast<uint32_t>(p8[0]), 0xFF030201u);
  EXPECT_EQ(static_cast<uint32_t>(p8[1]), 0xA4A3A2A1u);
}

TEST(RefPack, RoundTripRandom) {
  const uint64_t seed = fresh_seed();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (int bits : {4, 8}) {
    for (auto [k, n] : {std::pair<int64_t, int64_t>{8, 1}, {64, 3}, {136, 17}, {256, 64}}) {
      std::vector<uint8_t> q(static_cast<size_t>(k * n));
      for (auto& v : q) v = static_cast<uint8_t>(rng() & ((1u << bits) - 1));
      const auto packed = ref::pack_gptq(q, k, n, bits);
      ASSERT_EQ(static_cast<int64_t>(packed.size()), k * bits / 32 * n);
      // Element-wise layout check against the documented formula.
      const int per = 32 / bits;
      for (int64_t kk = 0; kk < k; ++kk)
        for (int64_t nn = 0; nn < n; ++nn) {
          const uint32_t word =
              static_cast<uint32_t>(packed[static_cast<size_t>((kk / per) * n + nn)]);
          ASSERT_EQ((word >> (bits * (kk % per))) & ((1u << bits) - 1),
                    q[static_cast<size_t>(kk * n + nn)])
              << "bits=" << bits << " k=" << kk << " n=" << nn;
        }
      EXPECT_EQ(ref::unpack_gptq(packed, k, n, bits), q)
          << "bits=" << bits << " k=" << k << " n=" << n;
    }
  }
}

TEST(RefPack, RejectsBadArguments) {
  std::vector<uint8_t> q(12 * 2, 1);
  EXPECT_THROW(ref::pack_gptq(q, 12, 2, 4), std::invalid_argument);  // 12 % 8 != 0
  EXPECT_THROW(ref::pack_gptq(std::vector<uint8_t>(6 * 2), 6, 2, 8), std::invalid_argument);
  EXPECT_THROW(ref::pack_gptq(std::vector<uint8_t>(8 * 2), 8, 2, 3), std::invalid_argument);
  EXPECT_THROW(ref::pack_gptq(std::vector<uint8_t>(8 * 2, 16), 8, 2, 4), std::invalid_argument);
  EXPECT_THROW(ref::unpack_gptq(std::vector<int32_t>(3), 12, 1, 4), std::invalid_argument);
}

// ---- make_weights / dequantize ------------------------------------------------------------------

TEST(RefWeights, RangesForEveryTypeAndGroup) {
  const int64_t k = 256, n = 96;
  for (WeightType wt : kAllWeightTypes)
    for (ActType at : kAllActTypes)
      for (int64_t g : {int64_t{32}, int64_t{64}, int64_t{128}, k})
        for (auto dist : {ref::Distribution::random, ref::Distribution::exact_small}) {
          SCOPED_TRACE("wtype=" + std::to_string(static_cast<int>(wt)) + " act=" +
                       std::to_string(static_cast<int>(at)) + " group=" + std::to_string(g) +
                       " exact_small=" + std::to_string(dist == ref::Distribution::exact_small));
          WeightDesc d;
          d.wtype = wt;
          d.act = at;
          d.n = n;
          d.k = k;
          d.group_size = g;
          const auto qw = ref::make_weights(d, 1234, dist);
          const int bits = mixgemm::weight_bits(wt);
          const int qmax = (1 << bits) - 1;
          ASSERT_EQ(static_cast<int64_t>(qw.qweight.size()), k * bits / 32 * n);
          ASSERT_EQ(static_cast<int64_t>(qw.scales.size()), k / g * n);
          ASSERT_EQ(static_cast<int64_t>(qw.zeros.size()),
                    mixgemm::has_zero_points(wt) ? k / g * n : 0);
          int qlo = 1 << 30, qhi = -1, zlo = 1 << 30, zhi = -1;
          for (int64_t kk = 0; kk < k; ++kk)
            for (int64_t nn = 0; nn < n; ++nn) {
              const int q = qw.q(kk, nn), z = qw.zero(kk, nn);
              qlo = std::min(qlo, q);
              qhi = std::max(qhi, q);
              zlo = std::min(zlo, z);
              zhi = std::max(zhi, z);
              if (!mixgemm::has_zero_points(wt)) {
                ASSERT_EQ(z, mixgemm::weight_bias(wt));
              }
              const float s = qw.scale(kk, nn);
              if (dist == ref::Distribution::random) {
                // U(0.5, 1.5) * 2^-5, rounded to the activation type.
                ASSERT_GE(s, 0.5f / 32 * (1 - 1.0f / 128)) << kk << "," << nn;
                ASSERT_LE(s, 1.5f / 32 * (1 + 1.0f / 128)) << kk << "," << nn;
              } else {
                int e;
                ASSERT_EQ(std::frexp(s, &e), 0.5f) << "not a power of two: " << s;
                ASSERT_GE(s, 0.25f);
                ASSERT_LE(s, 2.0f);
              }
              // The accessor reads the (group, column) entry of scales.
              ASSERT_EQ(s,
                        ref::act_to_float(qw.scales[static_cast<size_t>((kk / g) * n + nn)], at));
            }
          EXPECT_EQ(qlo, 0);
          EXPECT_EQ(qhi, qmax);  // the whole range is used (k * n >> 2^bits)
          if (mixgemm::has_zero_points(wt)) {
            EXPECT_GE(zlo, 0);
            EXPECT_LE(zhi, qmax);
            if (k / g * n >= 8 * (qmax + 1)) {
              EXPECT_LT(zlo, zhi);  // not constant
            }
          }
          // The accessors agree with unpack_gptq.
          const auto q = ref::unpack_gptq(qw.qweight, k, n, bits);
          for (int64_t i : {int64_t{0}, int64_t{7}, k * n / 2 + 3, k * n - 1})
            ASSERT_EQ(q[static_cast<size_t>(i)], qw.q(i / n, i % n));
        }
}

TEST(RefWeights, DeterministicPerSeed) {
  WeightDesc d;
  d.wtype = WeightType::u4;
  d.n = 64;
  d.k = 128;
  d.group_size = 64;
  const auto a = ref::make_weights(d, 7), b = ref::make_weights(d, 7), c = ref::make_weights(d, 8);
  EXPECT_EQ(a.qweight, b.qweight);
  EXPECT_EQ(a.scales, b.scales);
  EXPECT_EQ(a.zeros, b.zeros);
  EXPECT_NE(a.qweight, c.qweight);
  EXPECT_NE(a.scales, c.scales);
}

TEST(RefWeights, RejectsBadDescriptions) {
  WeightDesc d;
  d.n = 64;
  d.k = 128;
  d.group_size = 48;  // does not divide k
  EXPECT_THROW(ref::make_weights(d, 1), std::invalid_argument);
  d.group_size = -1;  // must be normalized first
  EXPECT_THROW(ref::make_weights(d, 1), std::invalid_argument);
}

TEST(RefWeights, DequantizeExactSmallIsExact) {
  for (WeightType wt : kAllWeightTypes)
    for (ActType at : kAllActTypes) {
      SCOPED_TRACE("wtype=" + std::to_string(static_cast<int>(wt)) +
                   " act=" + std::to_string(static_cast<int>(at)));
      WeightDesc d;
      d.wtype = wt;
      d.act = at;
      d.n = 64;
      d.k = 256;
      d.group_size = 64;
      const auto qw = ref::make_weights(d, 99, ref::Distribution::exact_small);
      const auto w = ref::dequantize(qw);
      ASSERT_EQ(static_cast<int64_t>(w.size()), d.k * d.n);
      const auto q = ref::unpack_gptq(qw.qweight, d.k, d.n, mixgemm::weight_bits(wt));
      for (int64_t kk = 0; kk < d.k; ++kk)
        for (int64_t nn = 0; nn < d.n; ++nn) {
          const size_t i = static_cast<size_t>(kk * d.n + nn);
          const double s =
              ref::act_to_float(qw.scales[static_cast<size_t>((kk / 64) * d.n + nn)], at);
          const int z = mixgemm::has_zero_points(wt)
                            ? qw.zeros[static_cast<size_t>((kk / 64) * d.n + nn)]
                            : mixgemm::weight_bias(wt);
          const double exact = s * (static_cast<int>(q[i]) - z);
          ASSERT_EQ(static_cast<double>(w[i]), exact) << "k=" << kk << " n=" << nn;
          // And representable in the activation type.
          ASSERT_EQ(ref::act_to_float(ref::float_to_act(w[i], at), at), w[i]);
        }
    }
}

TEST(RefWeights, DequantizeRandomRoundsOnceToActType) {
  for (ActType at : kAllActTypes) {
    WeightDesc d;
    d.wtype = WeightType::u8;
    d.act = at;
    d.n = 64;
    d.k = 128;
    d.group_size = 32;
    const auto qw = ref::make_weights(d, 5);
    const auto w = ref::dequantize(qw);
    const double rel = at == ActType::bf16 ? std::ldexp(1.0, -8) : std::ldexp(1.0, -11);
    bool some_rounded = false;
    for (int64_t kk = 0; kk < d.k; ++kk)
      for (int64_t nn = 0; nn < d.n; ++nn) {
        const double exact =
            static_cast<double>(qw.scale(kk, nn)) * (qw.q(kk, nn) - qw.zero(kk, nn));
        const float got = w[static_cast<size_t>(kk * d.n + nn)];
        ASSERT_LE(std::fabs(got - exact), rel * std::fabs(exact)) << "k=" << kk << " n=" << nn;
        ASSERT_EQ(ref::act_to_float(ref::float_to_act(got, at), at), got);  // representable
        some_rounded |= (got != exact);
      }
    EXPECT_TRUE(some_rounded) << "random scales should need rounding somewhere";
  }
}

// The decode tiles' numerics: s * (q - z) with no rounding at all (exact in fp32).
TEST(RefWeights, DequantizeUnroundedIsExact) {
  for (ActType at : kAllActTypes) {
    for (WeightType wt : {WeightType::u8, WeightType::u4b8}) {
      WeightDesc d;
      d.wtype = wt;
      d.act = at;
      d.n = 64;
      d.k = 256;
      d.group_size = 128;
      const auto qw = ref::make_weights(d, 11);
      const auto w = ref::dequantize(qw, ref::WeightRounding::none);
      for (int64_t kk = 0; kk < d.k; ++kk)
        for (int64_t nn = 0; nn < d.n; ++nn) {
          const double exact = static_cast<double>(qw.scale(kk, nn)) * (qw.q(kk, nn) - qw.zero(kk, nn));
          ASSERT_EQ(static_cast<double>(w[static_cast<size_t>(kk * d.n + nn)]), exact) << "k=" << kk << " n=" << nn;
        }
    }
  }
}

// ---- activations, gemm, compare -----------------------------------------------------------------

TEST(RefActivations, RangesAndPoisonedPadding) {
  for (ActType at : kAllActTypes) {
    const int64_t m = 5, k = 40, ldx = 48;
    const auto xr = ref::make_activations(m, k, ldx, at, 3);
    const auto xe = ref::make_activations(m, k, ldx, at, 3, ref::Distribution::exact_small);
    ASSERT_EQ(static_cast<int64_t>(xr.size()), m * ldx);
    ASSERT_EQ(static_cast<int64_t>(xe.size()), m * ldx);
    bool neg = false, pos = false;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < ldx; ++j) {
        const float r = ref::act_to_float(xr[static_cast<size_t>(i * ldx + j)], at);
        const float e = ref::act_to_float(xe[static_cast<size_t>(i * ldx + j)], at);
        if (j >= k) {
          EXPECT_TRUE(std::isnan(r)) << i << "," << j;
          EXPECT_TRUE(std::isnan(e)) << i << "," << j;
          continue;
        }
        ASSERT_TRUE(r >= -1.0f && r <= 1.0f) << r;
        neg |= r < 0;
        pos |= r > 0;
        ASSERT_EQ(e, std::nearbyint(e));
        ASSERT_TRUE(e >= -4.0f && e <= 4.0f) << e;
      }
    EXPECT_TRUE(neg && pos);
  }
}

TEST(RefGemm, TinyHandComputed) {
  for (ActType at : kAllActTypes) {
    auto a = [at](float f) { return ref::float_to_act(f, at); };
    const uint16_t nan = ref::act_nan(at);
    // X [2][3], row stride 4 (padding poisoned with NaN: must not be read).
    const std::vector<uint16_t> x = {a(1),  a(2),    a(3), nan,  //
                                     a(-1), a(0.5f), a(4), nan};
    // W [3][2]
    const std::vector<float> w = {1,     -2,  //
                                  0.25f, 3,   //
                                  -1,    0.5f};
    // Row 0: [1*1 + 2*0.25 + 3*(-1), 1*(-2) + 2*3 + 3*0.5] = [-1.5, 5.5]
    // Row 1: [-1 + 0.125 - 4, 2 + 1.5 + 2] = [-4.875, 5.5]
    auto y = ref::gemm(x, 2, 3, 4, w, 2, {}, at);
    EXPECT_EQ(y, (std::vector<double>{-1.5, 5.5, -4.875, 5.5}));
    y = ref::gemm(x, 2, 3, 4, w, 2, {a(10), a(-0.25f)}, at);
    EXPECT_EQ(y, (std::vector<double>{8.5, 5.25, 5.125, 5.25}));
  }
}

// The blocked, threaded GEMM against a naive triple loop on an awkward shape (tails in every
// dimension). exact_small data makes every sum exact in fp64, so results must be identical.
TEST(RefGemm, MatchesNaiveLoop) {
  const uint64_t seed = fresh_seed();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  const ActType at = ActType::fp16;
  WeightDesc d;
  d.wtype = WeightType::u8;
  d.act = at;
  d.n = 8 + 256 * 2 + 40;  // two full column tiles and a tail
  d.k = 264;               // a full depth tile and a tail
  d.group_size = 8;
  const int64_t m = 71, ldx = 272;  // m tiles of 64 and 4 rows with tails
  const auto w = ref::dequantize(ref::make_weights(d, seed, ref::Distribution::exact_small));
  const auto x = ref::make_activations(m, d.k, ldx, at, seed + 1, ref::Distribution::exact_small);
  std::vector<uint16_t> bias(static_cast<size_t>(d.n));
  for (int64_t j = 0; j < d.n; ++j)
    bias[static_cast<size_t>(j)] = ref::float_to_act(static_cast<float>(j % 7) - 3, at);
  const auto y = ref::gemm(x, m, d.k, ldx, w, d.n, bias, at);
  ASSERT_EQ(static_cast<int64_t>(y.size()), m * d.n);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < d.n; ++j) {
      double acc = 0;
      for (int64_t kk = 0; kk < d.k; ++kk)
        acc += static_cast<double>(ref::act_to_float(x[static_cast<size_t>(i * ldx + kk)], at)) *
               w[static_cast<size_t>(kk * d.n + j)];
      acc += ref::act_to_float(bias[static_cast<size_t>(j)], at);
      ASSERT_EQ(y[static_cast<size_t>(i * d.n + j)], acc) << "m=" << i << " n=" << j;
    }
}

TEST(RefGemm, RejectsBadArguments) {
  const std::vector<uint16_t> x(6);
  const std::vector<float> w(6);
  EXPECT_THROW(ref::gemm(x, 2, 3, 2, w, 2, {}, ActType::bf16), std::invalid_argument);  // ldx < k
  EXPECT_THROW(ref::gemm(x, 3, 3, 3, w, 2, {}, ActType::bf16), std::invalid_argument);  // x short
  EXPECT_THROW(ref::gemm(x, 2, 3, 3, w, 3, {}, ActType::bf16), std::invalid_argument);  // w size
  EXPECT_THROW(ref::gemm(x, 2, 3, 3, w, 2, std::vector<uint16_t>(3), ActType::bf16),
               std::invalid_argument);  // bias size
}

TEST(RefCompare, ExactMatchAndWorstElement) {
  const ActType at = ActType::bf16;
  const int64_t m = 3, n = 4, ldy = 6;
  std::vector<double> r(static_cast<size_t>(m * n));
  std::vector<uint16_t> out(static_cast<size_t>(m * ldy), ref::act_nan(at));  // padding: NaN
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      r[static_cast<size_t>(i * n + j)] = static_cast<double>(i * n + j) - 5;
      out[static_cast<size_t>(i * ldy + j)] =
          ref::float_to_act(static_cast<float>(i * n + j) - 5, at);
    }
  auto c = ref::compare(out, ldy, r, m, n, at, 1e-3, 1e-2);
  EXPECT_EQ(c.nan_count, 0) << "row padding must be ignored";
  EXPECT_EQ(c.max_abs_err, 0);
  EXPECT_EQ(c.rel_fro_err, 0);
  EXPECT_EQ(c.worst_tol_ratio, 0);

  // Perturb two elements: (1, 2) by 0.5 at |ref| = 1 and (2, 3) by 0.5 at |ref| = 6.
  out[static_cast<size_t>(1 * ldy + 2)] = ref::float_to_act(1.5f, at);  // ref 1
  out[static_cast<size_t>(2 * ldy + 3)] = ref::float_to_act(6.5f, at);  // ref 6
  c = ref::compare(out, ldy, r, m, n, at, 0.0, 0.1);
  EXPECT_EQ(c.nan_count, 0);
  EXPECT_EQ(c.max_abs_err, 0.5);
  EXPECT_EQ(c.worst_m, 1);
  EXPECT_EQ(c.worst_n, 2);
  EXPECT_DOUBLE_EQ(c.worst_tol_ratio, 0.5 / 0.1);
  double ref_sq = 0;
  for (double v : r) ref_sq += v * v;
  EXPECT_DOUBLE_EQ(c.rel_fro_err, std::sqrt(0.5) / std::sqrt(ref_sq));
}

TEST(RefCompare, DetectsNanAndInf) {
  for (ActType at : kAllActTypes) {
    const int64_t m = 4, n = 8;
    std::vector<double> r(static_cast<size_t>(m * n), 1.0);
    std::vector<uint16_t> out(static_cast<size_t>(m * n), ref::float_to_act(1.0f, at));
    out[static_cast<size_t>(1 * n + 0)] = ref::float_to_act(1.25f, at);  // finite error first
    out[static_cast<size_t>(2 * n + 5)] = ref::act_nan(at);
    out[static_cast<size_t>(3 * n + 7)] =
        ref::float_to_act(std::numeric_limits<float>::infinity(), at);
    const auto c = ref::compare(out, n, r, m, n, at, 1e-2, 1e-2);
    EXPECT_EQ(c.nan_count, 2);
    EXPECT_TRUE(std::isinf(c.worst_tol_ratio) && c.worst_tol_ratio > 0);
    EXPECT_EQ(c.worst_m, 2);  // the first non-finite element
    EXPECT_EQ(c.worst_n, 5);
    EXPECT_FALSE(c.max_abs_err <= 1.0);  // not hidden as a small number
    EXPECT_FALSE(c.rel_fro_err <= 1.0);
  }
}

TEST(RefCompare, NonFiniteReferenceIsNotHidden) {
  // An oracle that overflowed must not let a finite output pass.
  const ActType at = ActType::fp16;
  const std::vector<double> r = {1.0, std::numeric_limits<double>::infinity()};
  const std::vector<uint16_t> out = {ref::float_to_act(1.0f, at), ref::float_to_act(2.0f, at)};
  const auto c = ref::compare(out, 2, r, 1, 2, at, 1e-2, 1e-2);
  EXPECT_EQ(c.nan_count, 0);
  EXPECT_TRUE(std::isinf(c.worst_tol_ratio));
  EXPECT_EQ(c.worst_n, 1);
}

}  // namespace
