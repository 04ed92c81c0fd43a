// Facts about the current CUDA device that dispatch needs, read once per device and cached
// (attribute queries only: no synchronisation, safe during stream capture).
#pragma once

#include "mixgemm/types.h"

namespace mixgemm::detail {

struct DeviceInfo {
  int ordinal = -1;
  int cc_major = 0, cc_minor = 0;
  int sm_count = 0;
  char name[96] = {};  // cudaDeviceProp::name, e.g. "NVIDIA H100 80GB HBM3" (selection tables)
};

// Fills `info` for the calling thread's current device; not_supported if there is none.
Status current_device_info(DeviceInfo* info);

// sm_90 (H100 / H200) is the only architecture the kernels are built for.
Status check_device_supported(const DeviceInfo& info);

}  // namespace mixgemm::detail
