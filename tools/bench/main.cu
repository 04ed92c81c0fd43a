// mixgemm-bench: how fast mixgemm is on a model's layers and how far from the hardware limit.
//
// Logs the device, measures its ceilings (HBM read and copy bandwidth, dense bf16 rate), then
// runs the per-shape sweep or the decode layer-stack mode (--stack) and prints a table; --csv
// and --json write the rows. See --help, and tools/plot_bench.py for charts from the CSV.
#include <cstdio>
#include <ctime>
#include <exception>
#include <string>

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
#include "stack.h"
#include "sweep.h"

namespace mixgemm::bench {
namespace {

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

template <typename T, typename F>
std::string join(const std::vector<T>& v, F f) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + f(v[i]);
  return s;
}

std::vector<JsonField> options_json(const Options& o, const std::string& command, const std::string& date) {
  return {json_text("command", command),
          json_text("date", date),
          json_text("mode", o.stack ? "stack" : "sweep"),
          json_text("types", join(o.wtypes, [](WeightType t) { return std::string(wtype_name(t)); })),
          json_text("groups", join(o.groups, [](int64_t g) { return std::to_string(g); })),
          json_text("act", join(o.acts, [](ActType t) { return std::string(act_name(t)); })),
          json_text("m", join(o.m_list, [](int64_t m) { return std::to_string(m); })),
          json_text("schedule", o.all_schedules ? "all" : (o.schedule.empty() ? "auto" : o.schedule)),
          json_number("interleave", o.interleave),
          json_number("graph_us", o.graph_us),
          json_number("check", o.check),
          json_number("pdl", o.pdl),
          json_number("pinning", o.pinning),
          json_number("repeats", o.repeats)};
}

int run(const Options& opt, const std::string& command) {
  const std::string date = utc_now();
  const DeviceInfo dev = query_device(opt.device);
  std::printf("mixgemm-bench  %s\n%s", date.c_str(), describe(dev).c_str());
  std::printf("command: %s\n", command.c_str());
  if (dev.cc_major != 9 || dev.cc_minor != 0)
    std::printf("warning: mixgemm's kernels need sm_90 (Hopper); this device is sm_%d%d\n", dev.cc_major, dev.cc_minor);
  set_pdl_enabled(opt.pdl);
  std::printf("programmatic dependent launch: %s\n", pdl_enabled() ? "on" : "off");
  if (!opt.pinning) set_pinning_enabled(false);  // else the library's default (MIXGEMM_PINNING)
  std::printf("one-CTA-per-SM pinning: %s\n", pinning_enabled() ? "on" : "off");
  if (!opt.check) std::printf("correctness spot check: off (--no-check)\n");

  // A bad --csv path fails now, not after an hour of sweep.
  CsvWriter csv;
  std::string error;
  if (!opt.csv_path.empty() && !csv.open(opt.csv_path, &error)) {
    std::fprintf(stderr, "mixgemm-bench: %s\n", error.c_str());
    return 2;
  }

  Stream stream;
  CublasLt lt;
  bool fp16 = false;
  for (const ActType a : opt.acts) fp16 = fp16 || a == ActType::fp16;
  std::fprintf(stderr, "measuring ceilings ...\n");
  const Ceilings ceilings = measure_ceilings(dev, lt, stream.get(), fp16);
  std::printf("%s", describe(ceilings).c_str());
  std::fflush(stdout);

  Context ctx{opt, dev, ceilings, lt, stream.get(), csv, {}, 0};
  if (opt.stack) {
    run_stack(ctx);
  } else {
    run_sweep(ctx);
  }

  int status = 0;
  if (!csv.close(&error)) {
    std::fprintf(stderr, "mixgemm-bench: %s\n", error.c_str());
    status = 2;
  }
  if (!opt.json_path.empty() &&
      !write_file(opt.json_path,
                  json_report(device_json(dev), ceilings_json(ceilings), options_json(opt, command, date), ctx.rows),
                  &error)) {
    std::fprintf(stderr, "mixgemm-bench: %s\n", error.c_str());
    status = 2;
  }
  std::printf("\n%zu result rows, %d correctness failures\n", ctx.rows.size(), ctx.failures);
  if (ctx.failures) {
    std::fprintf(stderr, "mixgemm-bench: %d configurations FAILED the correctness check (see the FAIL lines)\n",
                 ctx.failures);
    if (status == 0) status = 1;
  }
  return status;
}

}  // namespace
}  // namespace mixgemm::bench

int main(int argc, char** argv) {
  using namespace mixgemm::bench;
  Options opt;
  std::string error;
  if (!parse_args(argc, argv, &opt, &error)) {
    std::fprintf(stderr, "mixgemm-bench: %s\nrun 'mixgemm-bench --help' for the options\n", error.c_str());
    return 2;
  }
  if (opt.help) {
    std::fputs(usage_text().c_str(), stdout);
    return 0;
  }
  std::string command = "mixgemm-bench";
  for (int i = 1; i < argc; ++i) command += std::string(" ") + argv[i];
  try {
    return run(opt, command);
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "mixgemm-bench: %s\n", e.what());
    return 2;
  }
}
