// The CPU prepack against the format as docs/prepacked-format.md states it (re-derived here
// from the document's formulas, not from src/common/prepacked_layout.h), and pack/unpack round
// trips for every type, activation type and group size.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "mixgemm/mixgemm.h"
#include "mixgemm_ref.h"

namespace mixgemm {
namespace {

uint64_t seed_now() { return std::random_device{}(); }

struct DocCoord {
  int64_t n, k;
};
// docs/prepacked-format.md, "Fragment element": element e of k16 step j held by thread t of tile
// (nb, kb).
DocCoord doc_coord(int64_t nb, int64_t kb, int t, int j, int e) {
  const int warp = t / 32, lane = t % 32;
  return {nb * 64 + 16 * warp + lane / 4 + 8 * ((e >> 1) & 1), kb * 64 + 16 * j + 2 * (lane % 4) + (e & 1) + 8 * (e >> 2)};
}

std::vector<uint8_t> prepack_cpu(const ref::QuantizedWeights& qw) {
  std::vector<uint8_t> out(prepacked_bytes(qw.w), 0xEE);
  PrepackArgs a;
  a.w = qw.w;
  a.qweight = qw.qweight.data();
  a.scales = qw.scales.data();
  a.zeros = qw.zeros.empty() ? nullptr : qw.zeros.data();
  a.out = out.data();
  const Status st = prepack_host(a);
  EXPECT_TRUE(st.ok()) << st.message;
  return out;
}

TEST(PrepackedFormat, FourBitNibblesAreWhereTheDocSays) {
  for (WeightType t : {WeightType::u4b8, WeightType::u4}) {
    WeightDesc w;
    w.wtype = t;
    w.n = 192;
    w.k = 256;
    w.group_size = 64;
    const uint64_t seed = seed_now();
    SCOPED_TRACE("seed=" + std::to_string(seed));
    const ref::QuantizedWeights qw = ref::make_weights(w, seed);
    const std::vector<uint8_t> p = prepack_cpu(qw);
    const int64_t k_tiles = w.k / 64;
    int64_t checked = 0;
    for (int64_t nb = 0; nb < w.n / 64; ++nb)
      for (int64_t kb = 0; kb < k_tiles; ++kb)
        for (int th = 0; th < 128; ++th)
          for (int j = 0; j < 4; ++j) {
            // Tile (nb, kb) starts at (nb * K/64 + kb) * 2048; thread t's 16 bytes at 16 t; word j.
            const int64_t off = (nb * k_tiles + kb) * 2048 + 16 * th + 4 * j;
            uint32_t word;
            std::memcpy(&word, &p[off], 4);
            for (int i = 0; i < 8; ++i) {
              const int e = 2 * (i % 4) + i / 4;  // nibble i holds element e
              const DocCoord c = doc_coord(nb, kb, th, j, e);
              ASSERT_EQ(int((word >> (4 * i)) & 0xF), qw.q(c.k, c.n)) << "nb=" << nb << " kb=" << kb << " t=" << th
                                                                     << " j=" << j << " nibble=" << i;
              ++checked;
            }
          }
    EXPECT_EQ(checked, w.n * w.k);
  }
}

TEST(PrepackedFormat, EightBitBytesAreWhereTheDocSays) {
  WeightDesc w;
  w.wtype = WeightType::u8;
  w.n = 128;
  w.k = 192;
  w.group_size = 32;
  const uint64_t seed = seed_now();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  const ref::QuantizedWeights qw = ref::make_weights(w, seed);
  const std::vector<uint8_t> p = prepack_cpu(qw);
  const int64_t k_tiles = w.k / 64;
  for (int64_t nb = 0; nb < w.n / 64; ++nb)
    for (int64_t kb = 0; kb < k_tiles; ++kb)
      for (int th = 0; th < 128; ++th)
        for (int j = 0; j < 4; ++j)
          for (int e = 0; e < 8; ++e) {
            // 4096-byte tiles of two 2048-byte planes; step j in plane j/2, bytes 8 (j%2) + e.
            const int64_t off = (nb * k_tiles + kb) * 4096 + (j / 2) * 2048 + 16 * th + 8 * (j % 2) + e;
            const DocCoord c = doc_coord(nb, kb, th, j, e);
            ASSERT_EQ(int(p[off]), qw.q(c.k, c.n));
          }
}

TEST(PrepackedFormat, ScalesAndZerosSections) {
  for (ActType act : {ActType::bf16, ActType::fp16}) {
    WeightDesc w;
    w.wtype = WeightType::u4;
    w.act = act;
    w.n = 192;
    w.k = 512;
    w.group_size = 128;
    const ref::QuantizedWeights qw = ref::make_weights(w, seed_now());
    const std::vector<uint8_t> p = prepack_cpu(qw);
    const int64_t groups = 4;
    // Sections: weights (n k / 2 bytes), then scales, then zeros, each at a 256-byte boundary.
    const int64_t scales_off = (w.n * w.k / 2 + 255) / 256 * 256;
    const int64_t zeros_off = (scales_off + w.n * groups * 2 + 255) / 256 * 256;
    EXPECT_EQ(prepacked_bytes(w), size_t((zeros_off + w.n * groups * 2 + 255) / 256 * 256));
    for (int64_t g = 0; g < groups; ++g)
      for (int64_t n = 0; n < w.n; ++n) {
        const int64_t idx = (n / 64) * groups * 64 + g * 64 + n % 64;  // [N/64][groups][64]
        uint16_t s, z;
        std::memcpy(&s, &p[scales_off + 2 * idx], 2);
        std::memcpy(&z, &p[zeros_off + 2 * idx], 2);
        ASSERT_EQ(s, qw.scales[g * w.n + n]);
        // Zero points are stored as the activation-type value of the integer.
        ASSERT_EQ(ref::act_to_float(z, act), float(qw.zeros[g * w.n + n]));
      }
  }
}

TEST(PrepackedFormat, PackUnpackRoundTripEveryType) {
  for (WeightType t : {WeightType::u4b8, WeightType::u4, WeightType::u8b128, WeightType::u8})
    for (ActType act : {ActType::bf16, ActType::fp16})
      for (int64_t g : {32, 64, 128, -1}) {
        WeightDesc w;
        w.wtype = t;
        w.act = act;
        w.n = 128;
        w.k = 384;
        w.group_size = g == -1 ? w.k : g;
        const uint64_t seed = seed_now();
        SCOPED_TRACE(std::string(to_string(t)) + " " + to_string(act) + " g=" + std::to_string(g) + " seed=" + std::to_string(seed));
        const ref::QuantizedWeights qw = ref::make_weights(w, seed);
        w.group_size = g;
        ref::QuantizedWeights q2 = qw;
        q2.w = w;
        const std::vector<uint8_t> p = prepack_cpu(q2);
        std::vector<int32_t> qweight(qw.qweight.size(), 0x55);
        std::vector<uint16_t> scales(qw.scales.size(), 0);
        std::vector<uint8_t> zeros(qw.zeros.size(), 0xFF);
        UnpackArgs u;
        u.w = w;
        u.packed = p.data();
        u.qweight = qweight.data();
        u.scales = scales.data();
        u.zeros = zeros.empty() ? nullptr : zeros.data();
        const Status st = unpack_host(u);
        ASSERT_TRUE(st.ok()) << st.message;
        EXPECT_EQ(qweight, qw.qweight);
        EXPECT_EQ(scales, qw.scales);
        EXPECT_EQ(zeros, qw.zeros);
      }
}

TEST(PrepackedFormat, RejectsZeroPointsOutOfRange) {
  WeightDesc w;
  w.wtype = WeightType::u4;
  w.n = 64;
  w.k = 128;
  w.group_size = 128;
  ref::QuantizedWeights qw = ref::make_weights(w, 7);
  qw.zeros[5] = 16;  // does not fit 4 bits
  std::vector<uint8_t> out(prepacked_bytes(w));
  PrepackArgs a;
  a.w = w;
  a.qweight = qw.qweight.data();
  a.scales = qw.scales.data();
  a.zeros = qw.zeros.data();
  a.out = out.data();
  const Status st = prepack_host(a);
  EXPECT_EQ(st.code, StatusCode::invalid_argument);
  EXPECT_NE(st.message.find("zeros[0][5]=16"), std::string::npos) << st.message;
}

}  // namespace
}  // namespace mixgemm
