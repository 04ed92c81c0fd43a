// Schedules: the named kernel configurations mm() can run, and the heuristic that picks one.
//
// A schedule is "sm90_ws_n128_m<BlkM>[_o2][_sk<S>]": the warp-specialized sm_90 kernel with 128
// weight rows and BlkM tokens per CTA, two CTAs per SM with _o2 (token tiles up to 64), K split
// S ways (the S CTAs of a tile form a cluster and reduce their fp32 partials in split order
// through distributed shared memory).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mixgemm/types.h"

namespace mixgemm::detail {

struct Schedule {
  int blk_m = 0;
  int splits = 1;
  int ctas_per_sm = 1;
};

inline constexpr int kSplitChoices[] = {1, 2, 4, 8};

std::string schedule_name(const Schedule& s);
bool parse_schedule(const std::string& name, Schedule* out);
std::vector<Schedule> all_schedules();

// The heuristic behind "auto". Every rule is stated with its reason in schedules.cpp.
Schedule select_schedule(const WeightDesc& w, int64_t m, int sm_count);

// How a schedule runs on a problem: the K range per split.
struct LaunchPlan {
  Schedule schedule;
  int splits = 1;              // effective splits (no empty split)
  int k_tiles_per_split = 0;   // 64-deep K tiles
};
LaunchPlan plan_launch(const WeightDesc& w, const Schedule& s);

}  // namespace mixgemm::detail
