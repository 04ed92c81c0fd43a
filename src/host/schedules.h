// Schedules: the named kernel configurations mm() can run, and the heuristic that picks one.
//
// A schedule is "sm90_ws_n128_m<BlkM>[_o2][_sk<S>]": the warp-specialized sm_90 kernel with 128
// weight rows and BlkM tokens per CTA, two CTAs per SM with _o2 (token tiles up to 64), K split
// S ways (fp32 partials reduced in a fixed order).
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

// The heuristic behind "auto" where no selection table covers the problem. Every rule is
// stated with its reason in schedules.cpp.
Schedule heuristic_schedule(const WeightDesc& w, int64_t m, int sm_count);
// The split-K factor the heuristic gives a token tile and occupancy on this problem.
int split_for(const WeightDesc& w, int64_t m, int blk_m, int ctas_per_sm, int sm_count);
// A bound on M past which split_for gives 1 for every token tile and occupancy: there the tiles
// fill 7 or more waves even at the largest tile, and no split can lift the used fraction enough.
int64_t max_split_m(const WeightDesc& w, int sm_count);

// How a schedule runs on a problem: the K range per split and the split-K workspace.
struct LaunchPlan {
  Schedule schedule;
  int splits = 1;              // effective splits (no empty split)
  int k_tiles_per_split = 0;   // 64-deep K tiles
  int64_t tiles = 0;           // output tiles: ceil(n / 128) x ceil(m / BlkM)
  size_t counters_bytes = 0;   // split-K: the arrival counters at the workspace's start
  size_t workspace_bytes = 0;  // counters + fp32 partials of every split; 0 without split-K
};
LaunchPlan plan_launch(const WeightDesc& w, int64_t m, const Schedule& s);

}  // namespace mixgemm::detail
