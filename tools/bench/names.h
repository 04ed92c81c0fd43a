// Names of the activation and weight types as the bench's flags and reports spell them.
// The bench core keeps its own table rather than calling mixgemm::to_string / parse_*_type so
// that mixgemm_bench_core (and its CPU tests) needs only the library's headers, not its
// archive; the spellings are the library's (types.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mixgemm/types.h"

namespace mixgemm::bench {

const char* act_name(ActType t);
const char* wtype_name(WeightType t);
bool parse_act_name(const std::string& s, ActType* out);
bool parse_wtype_name(const std::string& s, WeightType* out);
std::vector<std::string> all_act_names();
std::vector<std::string> all_wtype_names();

// Group sizes: a positive integer, or -1 for channel-wise (one group spanning K), which the
// table prints as "ch" and the CSV as -1.
constexpr int64_t kChannelWise = -1;
std::string group_label(int64_t group_size);

}  // namespace mixgemm::bench
