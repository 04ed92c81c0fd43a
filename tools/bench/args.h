// Command-line options of mixgemm-bench. GPU-free (mixgemm_bench_core): parse_args never exits
// and never prints; it returns false with a message naming the flag and the bad value.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mixgemm/types.h"
#include "shapes.h"

namespace mixgemm::bench {

struct Options {
  std::vector<WeightType> wtypes = {WeightType::u4b8};
  std::vector<int64_t> groups = {128};  // kChannelWise (-1) = one group spanning K
  std::vector<ActType> acts = {ActType::bf16};

  // Resolved by parse_args from --models, --shape and --quick (the default sweep otherwise).
  std::vector<Layer> layers;               // per-shape sweep
  std::vector<const ModelSpec*> stack_models;  // --stack
  std::vector<int64_t> m_list;             // M of the sweep, or batch sizes B of --stack

  std::string schedule;        // --schedule NAME; empty = the library's automatic choice
  bool all_schedules = false;  // every compiled schedule plus one "auto:<chosen>" row
  std::vector<std::string> schedule_list;  // --schedules LIST: all_schedules restricted to these
  bool auto_row = true;        // with all_schedules: the "auto:<chosen>" row (mixgemm-tune: off)
  bool interleave = false;     // with all_schedules: time a point's schedules round-robin
  std::string csv_path;
  std::string json_path;
  bool stack = false;
  bool quick = false;
  bool check = true;   // spot-check against the CPU reference before timing
  bool cublas = true;  // time the cuBLASLt dense baseline
  bool pdl = true;     // the library's default; --no-pdl turns it off for experiments
  bool pinning = true; // the library's default; --no-pinning turns it off (mixgemm-tune always does)
  int repeats = 10;    // timed graph launches per measurement; the median is reported
  double graph_us = 4000;  // length of each timed graph (TimingOptions::target_us)
  int device = 0;
  bool help = false;
};

// One (activation, weight type, group) combination of the options. The sweep and the stack
// mode run every one over their layers or models, in this order (activations outermost).
struct TypeConfig {
  ActType act;
  WeightType wtype;
  int64_t group;  // kChannelWise (-1): one group spanning K
  std::string label() const;  // as the reports print it, e.g. "u4b8 g128 bf16"
};
std::vector<TypeConfig> type_configs(const Options& o);

// Parses argv[1 .. argc-1] into *out. On a bad flag or value returns false and sets *error to a
// one-line message such as "--m: 'x2' is not a positive integer".
bool parse_args(int argc, const char* const* argv, Options* out, std::string* error);
bool parse_args(const std::vector<std::string>& args, Options* out, std::string* error);

// The --help text.
std::string usage_text();

// Parses a comma-separated list of positive integers ("1,16,256").
bool parse_int_list(const std::string& s, std::vector<int64_t>* out, std::string* error);
// Parses "KxN" (positive integers) into a Layer named "KxN".
bool parse_shape(const std::string& s, Layer* out, std::string* error);

}  // namespace mixgemm::bench
