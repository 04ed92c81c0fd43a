#include "host/device_info.h"

#include <cuda_runtime_api.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <string>

namespace mixgemm::detail {

namespace {
// Per-device answers, written once and then only read: mm() asks on every call, so a reader
// takes no lock (one acquire load; a mutex cost 20-40 ns per call). A slot is claimed by one
// writer (empty -> filling), filled, then published (-> ready); a thread that finds it being
// filled queries the device itself and leaves the slot to the first writer.
constexpr int kMaxDevices = 64;
enum SlotState : int { kEmpty = 0, kFilling = 1, kReady = 2 };
std::array<std::atomic<int>, kMaxDevices> g_state{};
std::array<DeviceInfo, kMaxDevices> g_cache;
}  // namespace

Status current_device_info(DeviceInfo* info) {
  int dev = -1;
  cudaError_t e = cudaGetDevice(&dev);
  if (e != cudaSuccess) {
    cudaGetLastError();  // leave no sticky error state behind for the caller
    return Status::unsupported(std::string("no usable CUDA device: ") + cudaGetErrorString(e));
  }
  if (dev >= 0 && dev < kMaxDevices && g_state[dev].load(std::memory_order_acquire) == kReady) {
    *info = g_cache[dev];
    return Status::success();
  }
  DeviceInfo d;
  d.ordinal = dev;
  if (cudaDeviceGetAttribute(&d.cc_major, cudaDevAttrComputeCapabilityMajor, dev) != cudaSuccess ||
      cudaDeviceGetAttribute(&d.cc_minor, cudaDevAttrComputeCapabilityMinor, dev) != cudaSuccess ||
      cudaDeviceGetAttribute(&d.sm_count, cudaDevAttrMultiProcessorCount, dev) != cudaSuccess) {
    e = cudaGetLastError();
    return {StatusCode::cuda_error, std::string("device attribute query failed: ") + cudaGetErrorString(e)};
  }
  // The name is only in the device properties (a host query, once per device).
  cudaDeviceProp prop;
  if ((e = cudaGetDeviceProperties(&prop, dev)) != cudaSuccess) {
    cudaGetLastError();
    return {StatusCode::cuda_error, std::string("device property query failed: ") + cudaGetErrorString(e)};
  }
  std::snprintf(d.name, sizeof d.name, "%s", prop.name);
  int empty = kEmpty;
  if (dev >= 0 && dev < kMaxDevices && g_state[dev].compare_exchange_strong(empty, kFilling, std::memory_order_acq_rel)) {
    g_cache[dev] = d;
    g_state[dev].store(kReady, std::memory_order_release);
  }
  *info = d;
  return Status::success();
}

Status check_device_supported(const DeviceInfo& info) {
  if (info.cc_major != 9 || info.cc_minor != 0) {
    return Status::unsupported("device " + std::to_string(info.ordinal) + " has compute capability " +
                               std::to_string(info.cc_major) + "." + std::to_string(info.cc_minor) +
                               "; mixgemm's kernels are built for sm_90a (H100/H200) only");
  }
  return Status::success();
}

}  // namespace mixgemm::detail
