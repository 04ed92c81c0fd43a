// mixgemm CPU reference implementation. Plain C++17; shares no code with the GPU kernels.
#include "mixgemm_ref.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>

namespace mixgemm::ref {

namespace {

uint32_t float_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

float bits_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

void require(bool cond, const std::string& msg) {
  if (!cond) throw std::invalid_argument("mixgemm::ref: " + msg);
}

// Uniform integer in [lo, hi] (inclusive). The modulo bias is < 2^-50 for the ranges used here;
// the mapping is spelled out (rather than std::uniform_int_distribution) so data sets are the same
// with every standard library.
int64_t uniform_int(std::mt19937_64& rng, int64_t lo, int64_t hi) {
  const uint64_t range = static_cast<uint64_t>(hi - lo) + 1;
  return lo + static_cast<int64_t>(rng() % range);
}

// Uniform double in [0, 1).
double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

int checked_bits(int bits) {
  require(bits == 4 || bits == 8, "bits=" + std::to_string(bits) + " must be 4 or 8");
  return bits;
}

void check_desc(const WeightDesc& w) {
  require(w.n > 0 && w.k > 0,
          "n=" + std::to_string(w.n) + " and k=" + std::to_string(w.k) + " must be positive");
  require(w.group_size > 0 && w.k % w.group_size == 0,
          "group_size=" + std::to_string(w.group_size) + " must be positive and divide k=" +
              std::to_string(w.k) + " (normalize -1 to k first)");
  const int per = 32 / weight_bits(w.wtype);
  require(w.k % per == 0,
          "k=" + std::to_string(w.k) + " must be a multiple of " + std::to_string(per));
}

}  // namespace

// ---- 16-bit float conversions -------------------------------------------------------------------

float bf16_to_float(uint16_t v) {
  uint32_t u = static_cast<uint32_t>(v) << 16;
  if ((u & 0x7FFFFFFFu) > 0x7F800000u) u |= 0x00400000u;  // NaN: make it quiet
  return bits_float(u);
}

uint16_t float_to_bf16(float f) {
  const uint32_t u = float_bits(f);
  if ((u & 0x7FFFFFFFu) > 0x7F800000u) {  // NaN: keep sign and top payload bits, set quiet bit
    return static_cast<uint16_t>((u >> 16) | 0x0040u);
  }
  // Round to nearest even on the 16 dropped bits; a carry out of the mantissa bumps the exponent,
  // which turns values beyond the bf16 range into Inf exactly as IEEE rounding does.
  const uint32_t rounded = u + 0x7FFFu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(rounded >> 16);
}

float fp16_to_float(uint16_t v) {
  const uint32_t sign = static_cast<uint32_t>(v & 0x8000u) << 16;
  const uint32_t exp = (v >> 10) & 0x1Fu;
  const uint32_t mant = v & 0x3FFu;
  if (exp == 0x1F) {  // Inf or NaN (NaN made quiet, payload kept)
    return bits_float(sign | 0x7F800000u | (mant << 13) | (mant ? 0x00400000u : 0u));
  }
  if (exp == 0) {
    if (mant == 0) return bits_float(sign);
    // Subnormal: mant * 2^-24, exact in float.
    const float mag = static_cast<float>(mant) * 0x1.0p-24f;
    return sign ? -mag : mag;
  }
  return bits_float(sign | ((exp + 112u) << 23) | (mant << 13));
}

uint16_t float_to_fp16(float f) {
  const uint32_t u = float_bits(f);
  const uint16_t sign = static_cast<uint16_t>((u >> 16) & 0x8000u);
  const uint32_t a = u & 0x7FFFFFFFu;
  if (a > 0x7F800000u) {  // NaN: quiet, keep the top payload bits
    return static_cast<uint16_t>(sign | 0x7E00u | ((a >> 13) & 0x3FFu));
  }
  if (a >= 0x38800000u) {  // |f| >= 2^-14: normal fp16 range (or overflow)
    if (a >= 0x47800000u) return static_cast<uint16_t>(sign | 0x7C00u);  // >= 2^16 (or Inf)
    const uint32_t r = a - (112u << 23);                 // rebias the exponent from 127 to 15
    uint32_t h = (r + 0xFFFu + ((r >> 13) & 1u)) >> 13;  // round to nearest even
    if (h > 0x7C00u) h = 0x7C00u;  // defensive; 65520 <= |f| < 65536 carries into 0x7C00 exactly
    return static_cast<uint16_t>(sign | h);
  }
  // Subnormal fp16 result (or zero): round |f| * 2^24 to an integer, ties to even.
  const uint32_t e = a >> 23;  // biased float exponent, <= 112 here
  if (e == 0) return sign;     // float zero / subnormal: far below half of 2^-24
  const uint32_t m = (a & 0x7FFFFFu) | 0x800000u;  // |f| = m * 2^(e - 150)
  const uint32_t shift = 126u - e;                 // |f| * 2^24 = m / 2^shift, shift >= 14
  if (shift > 24) return sign;                     // < 2^-25: rounds to zero
  uint32_t q = m >> shift;
  const uint32_t rem = m & ((1u << shift) - 1u);
  const uint32_t half = 1u << (shift - 1);
  if (rem > half || (rem == half && (q & 1u))) ++q;  // may carry into 0x400 = min normal: correct
  return static_cast<uint16_t>(sign | q);
}

float act_to_float(uint16_t v, ActType t) {
  return t == ActType::bf16 ? bf16_to_float(v) : fp16_to_float(v);
}

uint16_t float_to_act(float f, ActType t) {
  return t == ActType::bf16 ? float_to_bf16(f) : float_to_fp16(f);
}

uint16_t act_nan(ActType t) { return t == ActType::bf16 ? 0x7FC0u : 0x7E00u; }

// ---- Quantized weights --------------------------------------------------------------------------

int QuantizedWeights::q(int64_t k, int64_t n) const {
  const int bits = weight_bits(w.wtype);
  const int per = 32 / bits;
  const uint32_t word = static_cast<uint32_t>(qweight[static_cast<size_t>((k / per) * w.n + n)]);
  return static_cast<int>((word >> (bits * (k % per))) & ((1u << bits) - 1u));
}

int QuantizedWeights::zero(int64_t k, int64_t n) const {
  if (!has_zero_points(w.wtype)) return weight_bias(w.wtype);
  return zeros[static_cast<size_t>((k / w.group_size) * w.n + n)];
}

float QuantizedWeights::scale(int64_t k, int64_t n) const {
  return act_to_float(scales[static_cast<size_t>((k / w.group_size) * w.n + n)], w.act);
}

std::vector<int32_t> pack_gptq(const std::vector<uint8_t>& q, int64_t k, int64_t n, int bits) {
  checked_bits(bits);
  const int per = 32 / bits;
  require(k >= 0 && n >= 0, "k and n must be non-negative");
  require(k % per == 0, "k=" + std::to_string(k) + " must be a multiple of " + std::to_string(per) +
                            " for " + std::to_string(bits) + "-bit packing");
  require(static_cast<int64_t>(q.size()) == k * n,
          "q has " + std::to_string(q.size()) + " elements, expected k*n=" + std::to_string(k * n));
  const uint32_t mask = (1u << bits) - 1u;
  std::vector<int32_t> packed(static_cast<size_t>(k / per * n), 0);
  for (int64_t kk = 0; kk < k; ++kk) {
    const int shift = bits * static_cast<int>(kk % per);
    int32_t* row = packed.data() + (kk / per) * n;
    const uint8_t* src = q.data() + kk * n;
    for (int64_t nn = 0; nn < n; ++nn) {
      if (src[nn] > mask) {
        require(false, "q(" + std::to_string(kk) + ", " + std::to_string(nn) +
                           ")=" + std::to_string(src[nn]) + " does not fit in " +
                           std::to_string(bits) + " bits");
      }
      row[nn] = static_cast<int32_t>(static_cast<uint32_t>(row[nn]) |
                                     (static_cast<uint32_t>(src[nn]) << shift));
    }
  }
  return packed;
}

std::vector<uint8_t> unpack_gptq(const std::vector<int32_t>& packed, int64_t k, int64_t n,
                                 int bits) {
  checked_bits(bits);
  const int per = 32 / bits;
  require(k >= 0 && n >= 0, "k and n must be non-negative");
  require(k % per == 0, "k=" + std::to_string(k) + " must be a multiple of " + std::to_string(per) +
                            " for " + std::to_string(bits) + "-bit packing");
  require(static_cast<int64_t>(packed.size()) == k / per * n,
          "packed has " + std::to_string(packed.size()) + " elements, expected " +
              std::to_string(k / per * n));
  const uint32_t mask = (1u << bits) - 1u;
  std::vector<uint8_t> q(static_cast<size_t>(k * n));
  for (int64_t kk = 0; kk < k; ++kk) {
    const int shift = bits * static_cast<int>(kk % per);
    const int32_t* row = packed.data() + (kk / per) * n;
    uint8_t* dst = q.data() + kk * n;
    for (int64_t nn = 0; nn < n; ++nn) {
      dst[nn] = static_cast<uint8_t>((static_cast<uint32_t>(row[nn]) >> shift) & mask);
    }
  }
  return q;
}

QuantizedWeights make_weights(const WeightDesc& w, uint64_t seed, Distribution dist) {
  check_desc(w);
  const int bits = weight_bits(w.wtype);
  const int64_t qmax = (int64_t{1} << bits) - 1;
  const int64_t groups = w.k / w.group_size;
  std::mt19937_64 rng(seed);

  QuantizedWeights out;
  out.w = w;

  // Every 4-bit q and z lie in [0, 15] and every 8-bit one in [0, 255], so |q - z| <= 15 resp. 255
  // in both distributions; exact_small differs only in its power-of-two scales.
  std::vector<uint8_t> q(static_cast<size_t>(w.k * w.n));
  for (auto& v : q) v = static_cast<uint8_t>(uniform_int(rng, 0, qmax));

  if (has_zero_points(w.wtype)) {
    out.zeros.resize(static_cast<size_t>(groups * w.n));
    for (auto& z : out.zeros) z = static_cast<uint8_t>(uniform_int(rng, 0, qmax));
  }

  out.scales.resize(static_cast<size_t>(groups * w.n));
  for (auto& s : out.scales) {
    float value;
    if (dist == Distribution::exact_small) {
      value = std::ldexp(1.0f, static_cast<int>(uniform_int(rng, -2, 1)));
    } else {
      value = static_cast<float>((0.5 + uniform01(rng)) * 0x1.0p-5);
    }
    s = float_to_act(value, w.act);
  }

  out.qweight = pack_gptq(q, w.k, w.n, bits);
  return out;
}

std::vector<float> dequantize(const QuantizedWeights& qw, WeightRounding rounding) {
  const WeightDesc& w = qw.w;
  check_desc(w);
  const int bits = weight_bits(w.wtype);
  const int64_t groups = w.k / w.group_size;
  require(static_cast<int64_t>(qw.qweight.size()) == w.k * bits / 32 * w.n,
          "qweight has the wrong size");
  require(static_cast<int64_t>(qw.scales.size()) == groups * w.n, "scales has the wrong size");
  require(has_zero_points(w.wtype) ? static_cast<int64_t>(qw.zeros.size()) == groups * w.n
                                   : qw.zeros.empty(),
          "zeros has the wrong size (must be [K/group][N] for u4/u8, empty otherwise)");

  const std::vector<uint8_t> q = unpack_gptq(qw.qweight, w.k, w.n, bits);
  std::vector<float> out(static_cast<size_t>(w.k * w.n));
  std::vector<float> s(static_cast<size_t>(w.n));
  std::vector<int> z(static_cast<size_t>(w.n));
  for (int64_t kk = 0; kk < w.k; ++kk) {
    if (kk % w.group_size == 0) {  // the scales and zero points of this group's row
      for (int64_t nn = 0; nn < w.n; ++nn) {
        s[static_cast<size_t>(nn)] = qw.scale(kk, nn);
        z[static_cast<size_t>(nn)] = qw.zero(kk, nn);
      }
    }
    for (int64_t nn = 0; nn < w.n; ++nn) {
      const size_t idx = static_cast<size_t>(kk * w.n + nn);
      const int d = static_cast<int>(q[idx]) - z[static_cast<size_t>(nn)];
      // s * d is exact in float (d is a small integer); the only rounding is the optional one to
      // the activation type.
      const float exact = s[static_cast<size_t>(nn)] * static_cast<float>(d);
      out[idx] = rounding == WeightRounding::none ? exact : act_to_float(float_to_act(exact, w.act), w.act);
    }
  }
  return out;
}

// ---- Activations and the GEMM oracle ------------------------------------------------------------

std::vector<uint16_t> make_activations(int64_t m, int64_t k, int64_t ldx, ActType t, uint64_t seed,
                                       Distribution dist) {
  require(m >= 0 && k >= 0, "m and k must be non-negative");
  require(ldx >= k, "ldx=" + std::to_string(ldx) + " must be >= k=" + std::to_string(k));
  std::mt19937_64 rng(seed);
  std::vector<uint16_t> x(static_cast<size_t>(m * ldx), act_nan(t));  // padding stays NaN
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < k; ++j) {
      float v;
      if (dist == Distribution::exact_small) {
        v = static_cast<float>(uniform_int(rng, -4, 4));
      } else {
        v = static_cast<float>(2.0 * uniform01(rng) - 1.0);
      }
      x[static_cast<size_t>(i * ldx + j)] = float_to_act(v, t);
    }
  }
  return x;
}

namespace {

constexpr int64_t kTileN = 256;  // output columns per task (fixed trip count: vectorizes at -O2)
constexpr int64_t kTileK = 256;  // depth of a W tile kept in cache (256 x 256 floats = 256 KiB)
constexpr int64_t kTileM = 64;   // rows per task

// out rows o0..o3 [0, kTileN) += x_r[kk] * w[kk][0, kTileN) for kk in [0, kb).
void kernel_rows4(double* __restrict o0, double* __restrict o1, double* __restrict o2,
                  double* __restrict o3, const float* __restrict x0, const float* __restrict x1,
                  const float* __restrict x2, const float* __restrict x3, const float* __restrict w,
                  int64_t ldw, int64_t kb) {
  for (int64_t kk = 0; kk < kb; ++kk) {
    const double a0 = x0[kk], a1 = x1[kk], a2 = x2[kk], a3 = x3[kk];
    const float* __restrict wr = w + kk * ldw;
    for (int64_t j = 0; j < kTileN; ++j) {
      const double b = wr[j];
      o0[j] += a0 * b;
      o1[j] += a1 * b;
      o2[j] += a2 * b;
      o3[j] += a3 * b;
    }
  }
}

// Generic single row, any width (tails).
void kernel_row(double* __restrict o, const float* __restrict x, const float* __restrict w,
                int64_t ldw, int64_t kb, int64_t nb) {
  for (int64_t kk = 0; kk < kb; ++kk) {
    const double a = x[kk];
    const float* __restrict wr = w + kk * ldw;
    for (int64_t j = 0; j < nb; ++j) o[j] += a * static_cast<double>(wr[j]);
  }
}

}  // namespace

std::vector<double> gemm(const std::vector<uint16_t>& x, int64_t m, int64_t k, int64_t ldx,
                         const std::vector<float>& w, int64_t n, const std::vector<uint16_t>& bias,
                         ActType t) {
  require(m >= 0 && k >= 0 && n >= 0, "m, k and n must be non-negative");
  require(ldx >= k, "ldx=" + std::to_string(ldx) + " must be >= k=" + std::to_string(k));
  require(m == 0 || static_cast<int64_t>(x.size()) >= (m - 1) * ldx + k,
          "x has " + std::to_string(x.size()) + " elements, too few for m=" + std::to_string(m) +
              " rows of stride ldx=" + std::to_string(ldx));
  require(static_cast<int64_t>(w.size()) == k * n,
          "w has " + std::to_string(w.size()) + " elements, expected k*n=" + std::to_string(k * n));
  require(bias.empty() || static_cast<int64_t>(bias.size()) == n,
          "bias has " + std::to_string(bias.size()) +
              " elements, expected 0 or n=" + std::to_string(n));

  std::vector<double> out(static_cast<size_t>(m * n), 0.0);
  if (m == 0 || n == 0) return out;

  // X converted once (exactly: every bf16/fp16 value is a float), densely packed [m][k].
  std::vector<float> xf(static_cast<size_t>(m * k));
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < k; ++j)
      xf[static_cast<size_t>(i * k + j)] = act_to_float(x[static_cast<size_t>(i * ldx + j)], t);

  const int64_t tiles_m = (m + kTileM - 1) / kTileM;
  const int64_t tiles_n = (n + kTileN - 1) / kTileN;
  const int64_t tasks = tiles_m * tiles_n;

  auto run_task = [&](int64_t task) {
    const int64_t m0 = (task / tiles_n) * kTileM, m1 = std::min(m, m0 + kTileM);
    const int64_t n0 = (task % tiles_n) * kTileN, nb = std::min(kTileN, n - n0);
    for (int64_t k0 = 0; k0 < k; k0 += kTileK) {
      const int64_t kb = std::min(kTileK, k - k0);
      const float* wt = w.data() + k0 * n + n0;
      int64_t i = m0;
      if (nb == kTileN) {
        for (; i + 4 <= m1; i += 4) {
          double* o = out.data() + i * n + n0;
          const float* xr = xf.data() + i * k + k0;
          kernel_rows4(o, o + n, o + 2 * n, o + 3 * n, xr, xr + k, xr + 2 * k, xr + 3 * k, wt, n,
                       kb);
        }
      }
      for (; i < m1; ++i)
        kernel_row(out.data() + i * n + n0, xf.data() + i * k + k0, wt, n, kb, nb);
    }
  };

  const double macs = static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  const int64_t nthreads = macs < 4e6 ? 1 : std::min<int64_t>(hw, tasks);
  if (nthreads <= 1) {
    for (int64_t task = 0; task < tasks; ++task) run_task(task);
  } else {
    std::atomic<int64_t> next{0};
    auto worker = [&]() {
      for (int64_t task = next.fetch_add(1); task < tasks; task = next.fetch_add(1)) run_task(task);
    };
    std::vector<std::thread> pool;
    pool.reserve(static_cast<size_t>(nthreads - 1));
    for (int64_t i = 0; i + 1 < nthreads; ++i) pool.emplace_back(worker);
    worker();
    for (auto& th : pool) th.join();
  }

  if (!bias.empty()) {
    for (int64_t j = 0; j < n; ++j) {
      const double b = act_to_float(bias[static_cast<size_t>(j)], t);
      for (int64_t i = 0; i < m; ++i) out[static_cast<size_t>(i * n + j)] += b;
    }
  }
  return out;
}

Comparison compare(const std::vector<uint16_t>& out, int64_t ldy, const std::vector<double>& ref,
                   int64_t m, int64_t n, ActType t, double atol, double rtol) {
  require(m >= 0 && n >= 0, "m and n must be non-negative");
  require(ldy >= n, "ldy=" + std::to_string(ldy) + " must be >= n=" + std::to_string(n));
  require(m == 0 || static_cast<int64_t>(out.size()) >= (m - 1) * ldy + n,
          "out has " + std::to_string(out.size()) + " elements, too few for m=" +
              std::to_string(m) + " rows of stride ldy=" + std::to_string(ldy));
  require(
      static_cast<int64_t>(ref.size()) >= m * n,
      "ref has " + std::to_string(ref.size()) + " elements, expected m*n=" + std::to_string(m * n));

  constexpr double inf = std::numeric_limits<double>::infinity();
  Comparison c;
  double err_sq = 0, ref_sq = 0;
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      const double o = act_to_float(out[static_cast<size_t>(i * ldy + j)], t);
      const double r = ref[static_cast<size_t>(i * n + j)];
      double err, ratio;
      if (!std::isfinite(o)) {
        ++c.nan_count;
        err = inf;
        ratio = inf;
      } else {
        err = std::fabs(o - r);
        if (!(err <= std::numeric_limits<double>::max())) err = inf;  // non-finite ref
        const double tol = atol + rtol * std::fabs(r);
        ratio = err == 0 ? 0.0 : (tol > 0 ? err / tol : inf);
        if (std::isnan(ratio)) ratio = inf;
      }
      c.max_abs_err = std::max(c.max_abs_err, err);
      err_sq += err * err;
      ref_sq += std::isfinite(r) ? r * r : inf;
      if (c.worst_m < 0 || ratio > c.worst_tol_ratio) {
        c.worst_tol_ratio = ratio;
        c.worst_m = i;
        c.worst_n = j;
      }
    }
  }
  if (err_sq == 0) {
    c.rel_fro_err = 0;
  } else if (ref_sq == 0 || std::isinf(err_sq)) {
    c.rel_fro_err = inf;
  } else {
    c.rel_fro_err = std::sqrt(err_sq) / std::sqrt(ref_sq);
  }
  return c;
}

}  // namespace mixgemm::ref
