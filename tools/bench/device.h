// The device the bench runs on: what it logs at the top of every run and what the measurement
// code needs (SM count, L2 size for the cold-L2 rotation).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "report.h"

namespace mixgemm::bench {

struct DeviceInfo {
  int ordinal = 0;
  std::string name;
  int cc_major = 0, cc_minor = 0;
  int sm_count = 0;
  size_t l2_bytes = 0;
  size_t total_mem_bytes = 0;
  // Peak clocks in kHz and bus width in bits; -1 where the driver does not report them.
  int sm_clock_khz = -1;
  int mem_clock_khz = -1;
  int mem_bus_width_bits = -1;
  int ecc = -1;
  int driver_version = 0;   // e.g. 13000 = 13.0
  int runtime_version = 0;
};

// Selects `ordinal` and reads its properties (throws BenchError on a CUDA error).
DeviceInfo query_device(int ordinal);

// Multi-line text for the top of the log.
std::string describe(const DeviceInfo& d);
std::vector<JsonField> device_json(const DeviceInfo& d);

}  // namespace mixgemm::bench
