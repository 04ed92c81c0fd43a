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
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
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
  // Timed without pinning: the tuner chains one layer's launches, and pinned launches of one
  // kernel cannot share an SM, so each would wait for the previous one's CTAs to leave. In a
  // model the layers around a pinned one are other kernels whose CTAs share its SMs, which a
  // grid of exactly one CTA per SM also gets unpinned in a one-layer chain (perf-notes v30a,
  // v31a).
  set_pinning_enabled(false);
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

// Reads and parses a selection table file; false (with a message on stderr) if it cannot.
bool load_table(const std::string& path, TuningTable* table) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  const Status st = parse_tuning_table(ss.str(), table);
  if (!f || !st.ok()) {
    std::fprintf(stderr, "mixgemm-tune: table '%s': %s\n", path.c_str(), f ? st.message.c_str() : "cannot be read");
    return false;
  }
  return true;
}

// --choose: what "auto" would choose with a table at every point of a sweep (the bench's shape,
// M and type flags), no GPU: a selection check's old and new choices, stated before its run.
int choose(const Options& opt, const std::string& table_path, int sm_count) {
  TuningTable table;
  if (!load_table(table_path, &table)) return 2;
  if (sm_count <= 0) sm_count = table.sm_count;
  for (const TypeConfig& t : type_configs(opt))
    for (const Layer& layer : opt.layers)
      for (int64_t m : opt.m_list) {
        WeightDesc w;
        w.n = layer.n;
        w.k = layer.k;
        w.group_size = t.group;
        w.wtype = t.wtype;
        w.act = t.act;
        const std::string name = select_schedule_with_table(table, w, m, sm_count);
        const std::string shape = std::to_string(layer.k) + "x" + std::to_string(layer.n);
        const std::string where = layer.name == shape ? shape : layer.name + " (" + shape + ")";
        std::printf("%-16s %-24s M=%-6lld %s\n", t.label().c_str(), where.c_str(), (long long)m,
                    name.empty() ? "(invalid description)" : name.c_str());
      }
  return 0;
}

// --evaluate: what "auto" would choose with a table at every point of earlier all-schedules
// rows, against the fastest measured there (no GPU). Prints the points over 3 % and a summary.
int evaluate(const std::string& files, const std::string& table_path, int sm_count) {
  std::vector<Row> rows;
  std::string device, error, text;
  std::stringstream list(files);
  std::string path;
  while (std::getline(list, path, ','))
    if (!read_csv_rows(path, &rows, &device, &error)) {
      std::fprintf(stderr, "mixgemm-tune: %s\n", error.c_str());
      return 2;
    }
  TuningTable table;
  if (!load_table(table_path, &table)) return 2;
  if (sm_count <= 0) sm_count = table.sm_count;
  const auto choose = [&](const Row& r) {
    WeightDesc w;
    w.n = r.n;
    w.k = r.k;
    w.group_size = r.group;  // -1: channel-wise, as in the CSV
    if (!parse_weight_type(r.wtype, &w.wtype) || !parse_act_type(r.act, &w.act)) return std::string();
    return select_schedule_with_table(table, w, r.m, sm_count);
  };
  const std::vector<SelectionGap> gaps = selection_gaps(rows, choose);
  int within = 0, fastest = 0, unmeasured = 0;
  double worst = 0.0;
  std::string worst_at;
  for (const SelectionGap& g : gaps) {
    if (std::isnan(g.chosen_us)) {
      ++unmeasured;
      std::printf("%6lldx%-6lld M=%-5lld chosen %s: not among the rows\n", (long long)g.k, (long long)g.n,
                  (long long)g.m, g.chosen.c_str());
      continue;
    }
    const double gap = g.chosen_us / g.fastest_us - 1.0;
    within += gap <= 0.03;
    fastest += g.chosen == g.fastest;
    if (gap > worst) {
      worst = gap;
      worst_at = std::to_string(g.k) + "x" + std::to_string(g.n) + " M=" + std::to_string(g.m);
    }
    if (gap > 0.03)
      std::printf("%6lldx%-6lld M=%-5lld chosen %s %.2f us (gap %.1f %%), fastest %s %.2f us\n", (long long)g.k,
                  (long long)g.n, (long long)g.m, g.chosen.c_str(), g.chosen_us, 100.0 * gap, g.fastest.c_str(),
                  g.fastest_us);
  }
  std::printf("points: %zu; chosen within 3 %% of the fastest: %d, the fastest itself: %d, not measured: %d; "
              "worst gap %.1f %%%s%s (table %s, %d SMs)\n",
              gaps.size(), within, fastest, unmeasured, 100.0 * worst, worst_at.empty() ? "" : " at ",
              worst_at.c_str(), table_path.c_str(), sm_count);
  return 0;
}

}  // namespace
}  // namespace mixgemm::bench

int main(int argc, char** argv) {
  using namespace mixgemm::bench;
  std::string out_path = "mixgemm-tuning.tsv";
  std::string from_csv, evaluate_csv, table_path;
  bool choose_mode = false;
  int sm_count = 0;
  std::vector<std::string> args;
  bool repeats_given = false;
  bool interleave = true;  // rounds in shuffled order: clock drift hits every schedule alike
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--out" || a == "--from-csv" || a == "--sm-count" || a == "--evaluate" || a == "--table") {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "mixgemm-tune: %s needs a value\n", a.c_str());
        return 2;
      }
      const std::string v = argv[++i];
      if (a == "--out") out_path = v;
      if (a == "--from-csv") from_csv = v;
      if (a == "--sm-count") sm_count = std::atoi(v.c_str());
      if (a == "--evaluate") evaluate_csv = v;
      if (a == "--table") table_path = v;
      continue;
    }
    if (a == "--choose") {
      choose_mode = true;
      continue;
    }
    if (a == "--help" || a == "-h") {
      std::printf(
          "mixgemm-tune [--out FILE] [flags of mixgemm-bench's sweep]\n"
          "mixgemm-tune --from-csv A.csv[,B.csv...] --sm-count N [--out FILE]\n"
          "mixgemm-tune --evaluate A.csv[,B.csv...] --table FILE [--sm-count N]\n"
          "mixgemm-tune --choose --table FILE [--sm-count N] [--shape/--models --m --types ...]\n"
          "Times every compiled schedule at every point of the sweep and writes the fastest per point\n"
          "as a selection table (default FILE: mixgemm-tuning.tsv). --from-csv builds the table from\n"
          "earlier --all-schedules / --csv rows instead (no GPU; N = the GPU's SM count; list files\n"
          "oldest first: a point measured by a later file takes only that file's rows). A point's\n"
          "schedules are timed in rounds, in a shuffled order each round (--no-interleave: one after\n"
          "the other). --evaluate reports, without a GPU, what \"auto\" would choose with the table at\n"
          "every point of earlier all-schedules rows against the fastest measured there (N: the\n"
          "table's SM count unless given). --choose prints, without a GPU, what \"auto\" would choose\n"
          "with the table at every point of the sweep the flags describe. --schedule,\n"
          "--all-schedules and --stack do not apply.\n"
          "Sweep flags:\n\n%s",
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
  if (!evaluate_csv.empty()) {
    if (table_path.empty()) {
      std::fprintf(stderr, "mixgemm-tune: --evaluate needs --table FILE\n");
      return 2;
    }
    return evaluate(evaluate_csv, table_path, sm_count);
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
  if (choose_mode) {
    if (table_path.empty()) {
      std::fprintf(stderr, "mixgemm-tune: --choose needs --table FILE\n");
      return 2;
    }
    return choose(opt, table_path, sm_count);
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
