// mixgemm-tune: measures every compiled schedule at every point of a shape list on the present
// GPU (the bench's sweep with --all-schedules, spot-checked, cold L2, CUDA graphs) and writes
// the selection table that "auto" loads: the fastest schedule per (types, group, K, N, M).
//
//   mixgemm-tune [--out FILE] [bench flags: --models --shape --m --types --groups --act ...]
//
// Defaults: the bench's default sweep (Llama-3.1-8B/70B layers and 8192x8192, M = 1..8192),
// u4b8 g128 bf16, 5 repeats of 1.5 ms graphs per measurement. Progress goes to stderr, every
// measured row to stdout (and to --csv). Commit the file under tuning/ to build it into the
// library; MIXGEMM_TUNING_TABLE=FILE uses it without a rebuild (docs/tuning.md).
#include <cstdio>
#include <cstring>
#include <exception>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "args.h"
#include "ceilings.h"
#include "check.h"
#include "context.h"
#include "cublas_baseline.h"
#include "device.h"
#include "device_buffer.h"
#include "mixgemm/mixgemm.h"
#include "names.h"
#include "report.h"
#include "sweep.h"

namespace mixgemm::bench {
namespace {

// The fastest schedule of each point among the sweep's rows (the rows of one point differ only
// in the schedule).
TuningTable best_per_point(const std::vector<Row>& rows, const DeviceInfo& dev) {
  using Key = std::tuple<std::string, std::string, int64_t, int64_t, int64_t, int64_t>;
  std::map<Key, const Row*> best;
  for (const Row& r : rows) {
    if (!(r.us > 0)) continue;
    const int64_t group = r.group == kChannelWise ? r.k : r.group;
    const Key key{r.act, r.wtype, group, r.k, r.n, r.m};
    auto it = best.find(key);
    if (it == best.end() || r.us < it->second->us) best[key] = &r;
  }
  TuningTable t;
  t.device = dev.name;
  t.sm_count = dev.sm_count;
  for (const auto& [key, r] : best) {
    TunedPoint p;
    parse_act_type(r->act, &p.act);
    parse_weight_type(r->wtype, &p.wtype);
    p.group_size = std::get<2>(key);
    p.k = r->k;
    p.n = r->n;
    p.m = r->m;
    p.schedule = r->schedule;
    p.us = r->us;
    t.points.push_back(p);
  }
  return t;
}

int run(const Options& opt, const std::string& out_path) {
  const DeviceInfo dev = query_device(opt.device);
  std::printf("mixgemm-tune\n%s", describe(dev).c_str());
  if (dev.cc_major != 9 || dev.cc_minor != 0) {
    std::fprintf(stderr, "mixgemm-tune: mixgemm's kernels need sm_90 (Hopper); this device is sm_%d%d\n", dev.cc_major,
                 dev.cc_minor);
    return 2;
  }
  set_pdl_enabled(opt.pdl);
  CsvWriter csv;
  std::string error;
  if (!opt.csv_path.empty() && !csv.open(opt.csv_path, &error)) {
    std::fprintf(stderr, "mixgemm-tune: %s\n", error.c_str());
    return 2;
  }
  Stream stream;
  CublasLt lt;
  std::fprintf(stderr, "measuring ceilings ...\n");
  const Ceilings ceilings = measure_ceilings(dev, lt, stream.get(), false);
  std::printf("%s", describe(ceilings).c_str());
  Context ctx{opt, dev, ceilings, lt, stream.get(), csv, {}, 0};
  run_sweep(ctx);
  csv.close(&error);
  if (ctx.failures) {
    std::fprintf(stderr, "mixgemm-tune: %d configurations FAILED the correctness check; no table written\n",
                 ctx.failures);
    return 1;
  }
  const TuningTable table = best_per_point(ctx.rows, dev);
  if (!write_file(out_path, format_tuning_table(table), &error)) {
    std::fprintf(stderr, "mixgemm-tune: %s\n", error.c_str());
    return 2;
  }
  std::printf("\n%zu measurements, %zu points: selection table written to %s\n", ctx.rows.size(),
              table.points.size(), out_path.c_str());
  return 0;
}

}  // namespace
}  // namespace mixgemm::bench

int main(int argc, char** argv) {
  using namespace mixgemm::bench;
  std::string out_path = "mixgemm-tuning.tsv";
  std::vector<std::string> args;
  bool repeats_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--out") {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "mixgemm-tune: --out needs a file name\n");
        return 2;
      }
      out_path = argv[++i];
      continue;
    }
    if (a == "--help" || a == "-h") {
      std::printf(
          "mixgemm-tune [--out FILE] [flags of mixgemm-bench's sweep]\n"
          "Times every compiled schedule at every point of the sweep and writes the fastest per point\n"
          "as a selection table (default FILE: mixgemm-tuning.tsv). --schedule, --all-schedules and\n"
          "--stack do not apply. Sweep flags:\n\n%s",
          usage_text().c_str());
      return 0;
    }
    if (a == "--schedule" || a == "--all-schedules" || a == "--stack") {
      std::fprintf(stderr, "mixgemm-tune: %s does not apply (every schedule is timed)\n", a.c_str());
      return 2;
    }
    repeats_given |= a == "--repeats";
    args.push_back(a);
  }
  Options opt;
  std::string error;
  if (!parse_args(args, &opt, &error)) {
    std::fprintf(stderr, "mixgemm-tune: %s\n", error.c_str());
    return 2;
  }
  opt.all_schedules = true;
  opt.auto_row = false;
  opt.cublas = false;  // not part of the selection
  if (!repeats_given) opt.repeats = 5;
  opt.graph_us = 1500;  // shorter graphs: ~40 schedules per point
  try {
    return run(opt, out_path);
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "mixgemm-tune: %s\n", e.what());
    return 2;
  }
}
