#include "device.h"

#include <cuda_runtime_api.h>

#include <cstdio>

#include "check.h"

namespace mixgemm::bench {

namespace {

// Attributes a driver may not expose (CUDA 13 keeps the clocks only as attributes; some
// virtualised or MIG setups report 0 for them): -1 means unknown rather than a failed run.
int optional_attribute(cudaDeviceAttr attr, int dev) {
  int v = -1;
  if (cudaDeviceGetAttribute(&v, attr, dev) != cudaSuccess) {
    cudaGetLastError();  // clear the error so later checks do not inherit it
    return -1;
  }
  return v;
}

std::string version_text(int v) { return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10); }

}  // namespace

DeviceInfo query_device(int ordinal) {
  DeviceInfo d;
  d.ordinal = ordinal;
  BENCH_CUDA_CHECK(cudaSetDevice(ordinal));
  cudaDeviceProp prop{};
  BENCH_CUDA_CHECK(cudaGetDeviceProperties(&prop, ordinal));
  d.name = prop.name;
  d.cc_major = prop.major;
  d.cc_minor = prop.minor;
  d.total_mem_bytes = prop.totalGlobalMem;
  BENCH_CUDA_CHECK(cudaDeviceGetAttribute(&d.sm_count, cudaDevAttrMultiProcessorCount, ordinal));
  int l2 = 0;
  BENCH_CUDA_CHECK(cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, ordinal));
  d.l2_bytes = static_cast<size_t>(l2);
  d.sm_clock_khz = optional_attribute(cudaDevAttrClockRate, ordinal);
  d.mem_clock_khz = optional_attribute(cudaDevAttrMemoryClockRate, ordinal);
  d.mem_bus_width_bits = optional_attribute(cudaDevAttrGlobalMemoryBusWidth, ordinal);
  d.ecc = optional_attribute(cudaDevAttrEccEnabled, ordinal);
  BENCH_CUDA_CHECK(cudaDriverGetVersion(&d.driver_version));
  BENCH_CUDA_CHECK(cudaRuntimeGetVersion(&d.runtime_version));
  return d;
}

std::string describe(const DeviceInfo& d) {
  char buf[1024];
  auto khz = [](int v) { return v > 0 ? std::to_string(v / 1000) + " MHz" : std::string("n/a"); };
  std::snprintf(buf, sizeof buf,
                "device %d: %s (sm_%d%d), %d SMs, L2 %.1f MiB, %.1f GiB memory\n"
                "clocks (peak): SM %s, memory %s, bus %s, ECC %s\n"
                "CUDA driver %s, runtime %s\n",
                d.ordinal, d.name.c_str(), d.cc_major, d.cc_minor, d.sm_count, d.l2_bytes / 1048576.0,
                d.total_mem_bytes / 1073741824.0, khz(d.sm_clock_khz).c_str(), khz(d.mem_clock_khz).c_str(),
                d.mem_bus_width_bits > 0 ? (std::to_string(d.mem_bus_width_bits) + " bit").c_str() : "n/a",
                d.ecc < 0 ? "n/a" : (d.ecc ? "on" : "off"), version_text(d.driver_version).c_str(),
                version_text(d.runtime_version).c_str());
  return buf;
}

std::vector<JsonField> device_json(const DeviceInfo& d) {
  return {json_text("name", d.name),
          json_number("ordinal", d.ordinal),
          json_text("compute_capability", std::to_string(d.cc_major) + "." + std::to_string(d.cc_minor)),
          json_number("sm_count", d.sm_count),
          json_number("l2_bytes", static_cast<double>(d.l2_bytes)),
          json_number("total_mem_bytes", static_cast<double>(d.total_mem_bytes)),
          json_number("sm_clock_khz", d.sm_clock_khz > 0 ? d.sm_clock_khz : NAN),
          json_number("mem_clock_khz", d.mem_clock_khz > 0 ? d.mem_clock_khz : NAN),
          json_number("mem_bus_width_bits", d.mem_bus_width_bits > 0 ? d.mem_bus_width_bits : NAN),
          json_number("ecc", d.ecc >= 0 ? d.ecc : NAN),
          json_text("driver_version", version_text(d.driver_version)),
          json_text("runtime_version", version_text(d.runtime_version))};
}

}  // namespace mixgemm::bench
