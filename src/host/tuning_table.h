// Selection tables behind "auto": loading (environment file, built-in tables compiled from
// tuning/*.tsv, or an explicit use_tuning_table), device matching and the lookup that turns a
// problem into a tuned schedule.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "host/device_info.h"
#include "host/schedules.h"
#include "mixgemm/mixgemm.h"

namespace mixgemm::detail {

// One built-in table: its file name under tuning/ and its text (generated at build time).
struct BuiltinTable {
  const char* file;
  const char* text;
};
// The generated list, ended by {nullptr, nullptr}.
extern const BuiltinTable kBuiltinTables[];

// The schedule the table in use gives for (w, m) on `dev`; false when there is no table for this
// device or no point of these types in it. w must be normalized (group_size > 0).
//   - the points of the closest kind the table has: same weight and activation types, else the
//     same weight type, else the same weight width (u4 / u4b8, u8 / u8b128); none: no answer;
//   - among them the nearest tuned shape: smallest |ln K/K'| + |ln N/N'| + |ln G/G'| / 4;
//   - at that shape, the point with the smallest tuned M >= m (the largest M past the end);
//   - the exact schedule when (K, N, group, weight type) match, else that point's token tile and
//     occupancy with the split chosen for this problem by the heuristic's rules: a "_dpsk" split
//     where last_wave_split_for gives one, else split_for's.
bool tuned_schedule(const WeightDesc& w, int64_t m, const DeviceInfo& dev, Schedule* out);

// The distinct M values of the table in use for `dev` (empty without one): "auto" can only
// change schedule at these M (and where the heuristic's rules change), which bounds the scan
// of workspace_bytes().
std::vector<int64_t> tuned_ms(const DeviceInfo& dev);

// Which built-in table serves a GPU, given the (device name, SM count) of each table: the one
// measured on this model; else, a table of another model with the same SM count, the first by
// file name (the same SMs and wave arithmetic, another memory: on the H200's tuning rows the
// H100 table chose within 3 % of the fastest at 105 of 112 points, the heuristic alone at 89);
// else none (-1). Which of the two it is shows in the chosen table's device.
struct TableDevice {
  std::string file, device;
  int sm_count;
};
int pick_builtin_table(const std::vector<TableDevice>& tables, const std::string& device, int sm_count);

// A table's points bound to schedules (names parsed once), for the lookup.
struct TunedEntry {
  ActType act;
  WeightType wtype;
  int64_t group_size, k, n, m;
  Schedule schedule;
};
bool lookup_tuned(const std::vector<TunedEntry>& entries, const WeightDesc& w, int64_t m, int sm_count,
                  Schedule* out);
// A parsed table's points with their schedule names parsed (points naming no schedule dropped).
std::vector<TunedEntry> bind_entries(const TuningTable& t);

}  // namespace mixgemm::detail

namespace mixgemm::detail {

// "auto": the selection table's schedule, else the heuristic's.
Schedule auto_schedule(const WeightDesc& w, int64_t m, const DeviceInfo& dev);
// What "auto" would choose with `table` on a GPU of `sm_count` SMs (no device needed: offline
// evaluation of a table, mixgemm-tune --evaluate). w normalized.
Schedule schedule_from_table(const TuningTable& table, const WeightDesc& w, int64_t m, int sm_count);
// The same with the table's points already bound (bind_entries), for many lookups.
Schedule schedule_from_entries(const std::vector<TunedEntry>& entries, const WeightDesc& w, int64_t m, int sm_count);

}  // namespace mixgemm::detail
