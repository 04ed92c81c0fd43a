// The device's ceilings, measured at the start of every run (never taken from a datasheet):
// HBM read bandwidth, device-to-device copy bandwidth and the dense bf16 (and fp16) GEMM rate.
#pragma once

#include <cuda_runtime_api.h>

#include <string>
#include <vector>

#include "cublas_baseline.h"
#include "device.h"
#include "report.h"

namespace mixgemm::bench {

struct Ceilings {
  double hbm_read_gbps = 0;  // streaming-read kernel: the roofline's bandwidth
  double d2d_copy_gbps = 0;  // cudaMemcpyAsync device to device, read + write bytes per second
  double dense_bf16_tflops = 0;  // cuBLASLt 8192^3
  double dense_fp16_tflops = 0;  // NaN unless fp16 is benchmarked
};

// `fp16` adds the fp16 dense rate. Allocates (and frees) ~2 GiB for the bandwidth tests.
Ceilings measure_ceilings(const DeviceInfo& dev, const CublasLt& lt, cudaStream_t stream, bool fp16);

std::string describe(const Ceilings& c);
std::vector<JsonField> ceilings_json(const Ceilings& c);

}  // namespace mixgemm::bench
