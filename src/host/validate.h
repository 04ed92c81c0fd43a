// Argument validation for the public API: every check returns a Status that names the argument
// and its values. Nothing here touches device memory or the stream.
#pragma once

#include "host/schedules.h"
#include "mixgemm/mixgemm.h"

namespace mixgemm::detail {

// Group size -1 (or k) means channel-wise; returns the description with group_size = k then.
WeightDesc normalize(const WeightDesc& w);

// A GEMM call after validation: normalized strides, the schedule and its launch plan.
struct ResolvedGemm {
  WeightDesc w;
  int64_t ldx = 0, ldy = 0;
  bool auto_schedule = true;
  LaunchPlan plan;
  int device = -1;  // the current device's ordinal, read once here: the launcher needs no runtime query
};

// Validates everything mm() needs, including the device (checked last, so argument errors are
// reported on machines without a GPU too).
Status resolve_gemm(const GemmArgs& args, ResolvedGemm* out);

Status check_prepack_args(const PrepackArgs& args, const char* fn);

}  // namespace mixgemm::detail
