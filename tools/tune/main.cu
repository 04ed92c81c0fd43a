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
#include <cstdlib>
#include <cstring>
#include <exception>
#include <sstream>
#include <string>
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
#include "tuning_rows.h"

namespace mixgemm::bench {
namespace {

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
  const TuningTable table = best_per_point(ctx.rows, dev.name, dev.sm_count);
  if (!write_file(out_path, format_tuning_table(table), &error)) {
    std::fprintf(stderr, "mixgemm-tune: %s\n", error.c_str());
    return 2;
  }
  std::printf("\n%zu measurements, %zu points: selection table written to %s\n", ctx.rows.size(),
              table.points.size(), out_path.c_str());
  return 0;
}

// --from-csv: the table from earlier sweeps' rows, no GPU involved.
int table_from_csv(const std::string& files, int sm_count, const std::string& out_path) {
  std::vector<Row> rows;
  std::string device, error;
  std::stringstream list(files);
  std::string path;
  while (std::getline(list, path, ',')) {  // oldest first: a later file's points replace earlier ones
    std::vector<Row> file_rows;
    if (!read_csv_rows(path, &file_rows, &device, &error)) {
      std::fprintf(stderr, "mixgemm-tune: %s\n", error.c_str());
      return 2;
    }
    supersede_rows(&rows, file_rows);
  }
  const TuningTable table = best_per_point(rows, device, sm_count);
  if (!write_file(out_path, format_tuning_table(table), &error)) {
    std::fprintf(stderr, "mixgemm-tune: %s\n", error.c_str());
    return 2;
  }
  std::printf("%zu rows, %zu points: selection table written to %s\n", rows.size(), table.points.size(),
              out_path.c_str());
  return 0;
}

}  // namespace
}  // namespace mixgemm::bench

int main(int argc, char** argv) {
  using namespace mixgemm::bench;
  std::string out_path = "mixgemm-tuning.tsv";
  std::string from_csv;
  int sm_count = 0;
  std::vector<std::string> args;
  bool repeats_given = false;
  bool interleave = true;  // rounds in shuffled order: clock drift hits every schedule alike
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--out" || a == "--from-csv" || a == "--sm-count") {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "mixgemm-tune: %s needs a value\n", a.c_str());
        return 2;
      }
      const std::string v = argv[++i];
      if (a == "--out") out_path = v;
      if (a == "--from-csv") from_csv = v;
      if (a == "--sm-count") sm_count = std::atoi(v.c_str());
      continue;
    }
    if (a == "--help" || a == "-h") {
      std::printf(
          "mixgemm-tune [--out FILE] [flags of mixgemm-bench's sweep]\n"
          "mixgemm-tune --from-csv A.csv[,B.csv...] --sm-count N [--out FILE]\n"
          "Times every compiled schedule at every point of the sweep and writes the fastest per point\n"
          "as a selection table (default FILE: mixgemm-tuning.tsv). --from-csv builds the table from\n"
          "earlier --all-schedules / --csv rows instead (no GPU; N = the GPU's SM count; list files\n"
          "oldest first: a point measured by a later file takes only that file's rows). A point's\n"
          "schedules are timed in rounds, in a shuffled order each round (--no-interleave: one after\n"
          "the other). --schedule, --all-schedules and --stack do not apply. Sweep flags:\n\n%s",
          usage_text().c_str());
      return 0;
    }
    if (a == "--schedule" || a == "--all-schedules" || a == "--stack") {
      std::fprintf(stderr, "mixgemm-tune: %s does not apply (every schedule is timed)\n", a.c_str());
      return 2;
    }
    repeats_given |= a == "--repeats";
    if (a == "--interleave" || a == "--no-interleave") {  // the tuner sets --all-schedules itself
      interleave = a == "--interleave";
      continue;
    }
    args.push_back(a);
  }
  if (!from_csv.empty()) {
    if (sm_count <= 0) {
      std::fprintf(stderr, "mixgemm-tune: --from-csv needs --sm-count N (the GPU's SM count)\n");
      return 2;
    }
    return table_from_csv(from_csv, sm_count, out_path);
  }
  Options opt;
  std::string error;
  if (!parse_args(args, &opt, &error)) {
    std::fprintf(stderr, "mixgemm-tune: %s\n", error.c_str());
    return 2;
  }
  opt.all_schedules = true;
  opt.interleave = interleave;
  opt.auto_row = false;
  opt.cublas = false;  // not part of the selection
  if (!repeats_given) opt.repeats = 5;
  opt.graph_us = 1500;  // shorter graphs: ~46 schedules per point
  try {
    return run(opt, out_path);
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "mixgemm-tune: %s\n", e.what());
    return 2;
  }
}
