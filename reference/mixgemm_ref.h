// mixgemm CPU reference: the oracle that tests and benchmarks judge the kernels by.
// Quantized-weight generation, GPTQ int32 packing, dequantization and an fp64 GEMM. It shares no
// code with the GPU kernels (only the public types).
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "mixgemm/types.h"

namespace mixgemm::ref {

// ---- 16-bit float conversions (round to nearest even; NaN preserved) -------------------------
float bf16_to_float(uint16_t v);
float fp16_to_float(uint16_t v);
uint16_t float_to_bf16(float f);
uint16_t float_to_fp16(float f);
float act_to_float(uint16_t v, ActType t);
uint16_t float_to_act(float f, ActType t);
// The activation type's quiet NaN bit pattern (used to poison outputs).
uint16_t act_nan(ActType t);

// ---- Quantized weights ------------------------------------------------------------------------

// A quantized weight matrix in the layouts prepack() takes (see mixgemm.h PrepackArgs).
struct QuantizedWeights {
  WeightDesc w;
  std::vector<int32_t> qweight;  // [K * bits / 32, N], packed along K, lowest bits first
  std::vector<uint16_t> scales;  // [K / group, N], activation type bit patterns
  std::vector<uint8_t> zeros;    // [K / group, N] for u4/u8, empty otherwise

  int q(int64_t k, int64_t n) const;  // unpacked integer q(k, n)
  int zero(int64_t k, int64_t n) const;  // zero point of (k, n): given or the type's fixed bias
  float scale(int64_t k, int64_t n) const;
};

enum class Distribution {
  random,       // q uniform over the type's range, z uniform, scales ~ U(0.5, 1.5) * 2^-5 (non-zero)
  exact_small,  // scales powers of two in [2^-2, 2]: every dequantized weight is exact and
                // products with small-integer X sum exactly in fp32 (a tight oracle)
};

QuantizedWeights make_weights(const WeightDesc& w, uint64_t seed,
                              Distribution dist = Distribution::random);

// Pack / unpack a row-major [K][N] matrix of integers into the GPTQ int32 layout.
std::vector<int32_t> pack_gptq(const std::vector<uint8_t>& q /*[K][N]*/, int64_t k, int64_t n, int bits);
std::vector<uint8_t> unpack_gptq(const std::vector<int32_t>& packed, int64_t k, int64_t n, int bits);

// Dequantized weights W[K][N] as the kernels define them (mixgemm.h, Numerics), as float:
// to_activation: round_act(s * (q - z)), the weights of tiles larger than 16 tokens;
// none: s * (q - z) exactly (a 16-bit float times an integer of at most 9 bits fits fp32), the
// decode tiles, which apply the scale to fp32 sums.
enum class WeightRounding { to_activation, none };
std::vector<float> dequantize(const QuantizedWeights& qw, WeightRounding rounding = WeightRounding::to_activation);

// ---- Activations and the GEMM oracle ---------------------------------------------------------

// X [m, ldx] of activation-type bit patterns. random: U(-1, 1); exact_small: integers in [-4, 4].
std::vector<uint16_t> make_activations(int64_t m, int64_t k, int64_t ldx, ActType t, uint64_t seed,
                                       Distribution dist = Distribution::random);

// out[m][n] = sum_k x[m][k] * w[k][n] + bias[n], in fp64. x holds activation bit patterns with
// row stride ldx; bias may be empty.
std::vector<double> gemm(const std::vector<uint16_t>& x, int64_t m, int64_t k, int64_t ldx,
                         const std::vector<float>& w, int64_t n, const std::vector<uint16_t>& bias,
                         ActType t);

// Comparison of a GPU result (activation bit patterns, row stride ldy) against the oracle.
struct Comparison {
  double max_abs_err = 0;     // over all elements
  double rel_fro_err = 0;     // ||out - ref||_F / ||ref||_F
  int64_t nan_count = 0;      // NaN or Inf in out (unwritten, poisoned elements show up here)
  int64_t worst_m = -1, worst_n = -1;
  double worst_tol_ratio = 0;  // max over elements of |out - ref| / (atol + rtol*|ref|)
};
Comparison compare(const std::vector<uint16_t>& out, int64_t ldy, const std::vector<double>& ref,
                   int64_t m, int64_t n, ActType t, double atol, double rtol);

}  // namespace mixgemm::ref
