// What the sweep and the stack mode share: options, device, ceilings, the cuBLASLt handle, the
// stream, and where result rows go (stdout table, CSV, the list the JSON is written from).
#pragma once

#include <cuda_runtime_api.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "args.h"
#include "ceilings.h"
#include "cublas_baseline.h"
#include "device.h"
#include "names.h"
#include "report.h"
#include "roofline.h"
#include "timing.h"

namespace mixgemm::bench {

struct Context {
  const Options& opt;
  const DeviceInfo& dev;
  const Ceilings& ceilings;
  const CublasLt& lt;
  cudaStream_t stream;
  CsvWriter& csv;
  std::vector<Row> rows;
  int failures = 0;  // correctness checks that failed

  TimingOptions timing() const {
    TimingOptions t;
    t.repeats = opt.repeats;
    t.target_us = opt.graph_us;
    return t;
  }

  // A result row with its derived columns (roofline from the measured HBM read bandwidth).
  Row make_row(const std::string& layer, ActType act, WeightType wtype, int64_t group, int64_t m, int64_t n,
               int64_t k, const std::string& schedule, double us, double cublas_us, double flops,
               const GemmBytes& bytes) const {
    Row r;
    r.device = dev.name;
    r.act = act_name(act);
    r.wtype = wtype_name(wtype);
    r.group = group;
    r.layer = layer;
    r.m = m;
    r.n = n;
    r.k = k;
    r.schedule = schedule;
    r.us = us;
    r.cublas_us = cublas_us;
    const Metrics x = compute_metrics(flops, bytes, us, cublas_us, ceilings.hbm_read_gbps);
    r.tflops = x.tflops;
    r.gbps = x.gbps;
    r.roofline_us = x.roofline_us;
    r.pct_roofline = x.pct_roofline;
    r.speedup_vs_cublas = x.speedup_vs_cublas;
    return r;
  }

  // A finished row: to the table (stdout, flushed so long sweeps show progress), the CSV and
  // the JSON list.
  void emit(const Row& r) {
    const bool fp16 = r.act == act_name(ActType::fp16) && std::isfinite(ceilings.dense_fp16_tflops);
    std::printf("%s\n", table_row(r, fp16 ? ceilings.dense_fp16_tflops : ceilings.dense_bf16_tflops).c_str());
    std::fflush(stdout);
    csv.write(r);
    rows.push_back(r);
  }

  // A failed correctness check: a FAIL line in the table's flow; main() exits non-zero.
  void fail(const std::string& what) {
    std::printf("FAIL %s\n", what.c_str());
    std::fflush(stdout);
    ++failures;
  }
};

}  // namespace mixgemm::bench
