// Byte counting and roofline arithmetic of mixgemm-bench. GPU-free (mixgemm_bench_core).
//
// Units: bytes, microseconds, GB/s with GB = 1e9 bytes, TFLOP/s = 1e12 flop/s.
#pragma once

#include <cstdint>

#include "mixgemm/types.h"

namespace mixgemm::bench {

// The bytes one GEMM must move at least: every operand read once and the output written once.
// They are counted in the layout a checkpoint stores, independent of mixgemm's prepacked format,
// so the roofline is the same for any kernel: K*N*bits/8 integer weights, one 16-bit scale per
// (group, column), for u4/u8 one bits-wide zero point per (group, column), activations M*K and
// outputs M*N 16-bit elements.
struct GemmBytes {
  double weight = 0;      // integer weights
  double scale_zero = 0;  // scales and zero points
  double act = 0;         // X
  double out = 0;         // Y

  double total() const { return weight + scale_zero + act + out; }
  GemmBytes& operator+=(const GemmBytes& o);
  GemmBytes scaled(double f) const;
};

// group_size <= 0 or == k means one group spanning K (channel-wise).
GemmBytes gemm_bytes(WeightType wtype, int64_t m, int64_t n, int64_t k, int64_t group_size);

// The derived columns of a result row.
struct Metrics {
  double tflops = 0;             // 2*M*N*K / us
  double gbps = 0;               // bytes.total() / us
  double roofline_us = 0;        // bytes.total() / measured HBM read bandwidth
  double pct_roofline = 0;       // 100 * roofline_us / us: percent of the memory roofline reached
  double speedup_vs_cublas = 0;  // cublas_us / us (NaN when cublas_us is NaN: no baseline)
};

// flops: 2*M*N*K of the problem (summed over the GEMMs of a layer stack).
Metrics compute_metrics(double flops, const GemmBytes& bytes, double us, double cublas_us,
                        double hbm_read_gbps);

// Time to move `bytes` at `gbps`, in microseconds.
double transfer_us(double bytes, double gbps);

}  // namespace mixgemm::bench
