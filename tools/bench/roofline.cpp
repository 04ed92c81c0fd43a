#include "roofline.h"

#include <cmath>

namespace mixgemm::bench {

namespace {
// Activations and outputs are bf16 or fp16.
constexpr double kActBytes = 2.0;
// Scales are stored in the activation type.
constexpr double kScaleBytes = 2.0;
}  // namespace

GemmBytes& GemmBytes::operator+=(const GemmBytes& o) {
  weight += o.weight;
  scale_zero += o.scale_zero;
  act += o.act;
  out += o.out;
  return *this;
}

GemmBytes GemmBytes::scaled(double f) const {
  GemmBytes b = *this;
  b.weight *= f;
  b.scale_zero *= f;
  b.act *= f;
  b.out *= f;
  return b;
}

GemmBytes gemm_bytes(WeightType wtype, int64_t m, int64_t n, int64_t k, int64_t group_size) {
  const double bits = weight_bits(wtype);
  const int64_t g = (group_size <= 0 || group_size > k) ? k : group_size;
  const double groups = g > 0 ? static_cast<double>(k / g) : 0.0;
  GemmBytes b;
  b.weight = static_cast<double>(k) * static_cast<double>(n) * bits / 8.0;
  b.scale_zero = groups * static_cast<double>(n) * kScaleBytes;
  if (has_zero_points(wtype)) b.scale_zero += groups * static_cast<double>(n) * bits / 8.0;
  b.act = static_cast<double>(m) * static_cast<double>(k) * kActBytes;
  b.out = static_cast<double>(m) * static_cast<double>(n) * kActBytes;
  return b;
}

double transfer_us(double bytes, double gbps) { return bytes / (gbps * 1e3); }

Metrics compute_metrics(double flops, const GemmBytes& bytes, double us, double cublas_us,
                        double hbm_read_gbps) {
  Metrics r;
  r.tflops = flops / us * 1e-6;      // flop/us = 1e6 flop/s
  r.gbps = bytes.total() / us * 1e-3;  // byte/us = 1e6 byte/s = 1e-3 GB/s
  r.roofline_us = transfer_us(bytes.total(), hbm_read_gbps);
  r.pct_roofline = 100.0 * r.roofline_us / us;
  r.speedup_vs_cublas = cublas_us / us;  // NaN propagates when there is no baseline
  return r;
}

}  // namespace mixgemm::bench
