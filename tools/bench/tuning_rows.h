// From measured rows to a selection table (mixgemm-tune): reading the bench's CSV back and
// keeping the fastest schedule per point. GPU-free (mixgemm_bench_core).
#pragma once

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "mixgemm/mixgemm.h"
#include "report.h"

namespace mixgemm::bench {

// Splits one CSV line into fields (RFC 4180 quoting, empty fields kept, trailing ones included).
std::vector<std::string> csv_fields(const std::string& line);

// Appends the rows of a CSV written by mixgemm-bench or mixgemm-tune (--csv) to *rows. "auto:"
// rows are skipped (they repeat a named schedule's measurement). All rows must come from one
// device: *device is set from the first and checked against the rest. False with a message
// naming the file and line on a bad file.
bool read_csv_rows(const std::string& path, std::vector<Row>* rows, std::string* device, std::string* error);

// Appends *newer to *rows after removing the rows of *rows at every point (act, wtype, group,
// K, N, M) that *newer measures: a later tuning run replaces an earlier one where it covers the
// same points (the kernels may have changed in between), and the earlier one's other points stay.
void supersede_rows(std::vector<Row>* rows, const std::vector<Row>& newer);

// Selection quality against measured rows: per point (act, wtype, group, K, N, M), the schedule
// `choose` names for it, its measured time (NAN when the rows lack it) and the fastest row's.
struct SelectionGap {
  int64_t k = 0, n = 0, m = 0;
  std::string chosen, fastest;
  double chosen_us = NAN, fastest_us = NAN;
};
std::vector<SelectionGap> selection_gaps(const std::vector<Row>& rows,
                                         const std::function<std::string(const Row&)>& choose);

// The fastest schedule of each point (act, wtype, group, K, N, M) among the rows; channel-wise
// rows (group -1) become group K. Rows without a time are ignored.
TuningTable best_per_point(const std::vector<Row>& rows, const std::string& device, int sm_count);

}  // namespace mixgemm::bench
