#include "host/device_info.h"

#include <cuda_runtime_api.h>

#include <array>
#include <cstdio>
#include <mutex>
#include <string>

namespace mixgemm::detail {

namespace {
constexpr int kMaxDevices = 64;
std::mutex g_mutex;
std::array<DeviceInfo, kMaxDevices> g_cache;
}  // namespace

Status current_device_info(DeviceInfo* info) {
  int dev = -1;
  cudaError_t e = cudaGetDevice(&dev);
  if (e != cudaSuccess) {
    cudaGetLastError();  // leave no sticky error state behind for the caller
    return Status::unsupported(std::string("no usable CUDA device: ") + cudaGetErrorString(e));
  }
  if (dev >= 0 && dev < kMaxDevices) {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (g_cache[dev].ordinal == dev) {
      *info = g_cache[dev];
      return Status::success();
    }
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
  if (dev >= 0 && dev < kMaxDevices) {
    std::lock_guard<std::mutex> lock(g_mutex);
    g_cache[dev] = d;
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
