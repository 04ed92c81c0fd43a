// mixgemm-timeline: runs one GEMM shape as a chain of launches in a CUDA graph (each launch its
// own weights, rotated past the L2 as the bench does, with programmatic dependent launch as the
// library enables it) and reports where each launch's time goes, measured from the completion
// of the launch before it: when its CTAs started, when their wait for the previous grid
// returned, when the first stage's X and weights landed, when the mainloop and the tile ended.
//
//   mixgemm-timeline --shape 4096x4096 --m 1 [--schedule NAME] [--launches 32] [--csv FILE]
//
// Needs a library built with -DMIXGEMM_TIMELINE=ON (the stamps cost a few stores per CTA and
// change the kernels' code, so a normal build has none); exits 2 otherwise.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "check.h"
#include "device_buffer.h"
#include "host/timeline.h"
#include "kernels/timeline.h"
#include "mixgemm/mixgemm.h"

namespace {

namespace tl = mixgemm::kernels::timeline;
using mixgemm::bench::DeviceBuffer;

struct Options {
  int64_t k = 4096, n = 4096, m = 1;
  std::string schedule;  // empty: auto
  int launches = 32;
  int replays = 5;
  bool pdl = true;
  std::string csv;
};

bool parse(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
    if (a == "--shape" && v) {
      if (std::sscanf(v, "%ldx%ld", &o->k, &o->n) != 2) return false;
      ++i;
    } else if (a == "--m" && v) {
      o->m = std::atol(v), ++i;
    } else if (a == "--schedule" && v) {
      o->schedule = v, ++i;
    } else if (a == "--launches" && v) {
      o->launches = std::atoi(v), ++i;
    } else if (a == "--replays" && v) {
      o->replays = std::atoi(v), ++i;
    } else if (a == "--csv" && v) {
      o->csv = v, ++i;
    } else if (a == "--no-pdl") {
      o->pdl = false;
    } else {
      return false;
    }
  }
  return o->k > 0 && o->n > 0 && o->m > 0 && o->launches >= 4 && o->replays >= 1;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

// Everything after the arguments; CUDA and mixgemm failures throw (bench/check.h).
static int run(const Options& o) {
  mixgemm::set_pdl_enabled(o.pdl);

  mixgemm::WeightDesc w;
  w.wtype = mixgemm::WeightType::u4b8;
  w.act = mixgemm::ActType::bf16;
  w.k = o.k;
  w.n = o.n;
  w.group_size = 128;
  BENCH_MIXGEMM_CHECK(mixgemm::check_weight_desc(w));
  const char* schedule = o.schedule.empty() ? nullptr : o.schedule.c_str();

  // Every launch its own weights (their values do not matter for time: a constant byte gives
  // finite scales and weights), X shared (L2-resident, as a layer's activations are), its own Y.
  std::vector<DeviceBuffer> packed, y;
  for (int l = 0; l < o.launches; ++l) {
    packed.emplace_back(mixgemm::prepacked_bytes(w));
    BENCH_CUDA_CHECK(cudaMemset(packed.back().get(), 0x3c, packed.back().bytes()));
    y.emplace_back(size_t(o.m * o.n) * 2);
  }
  DeviceBuffer x(size_t(o.m * o.k) * 2);
  BENCH_CUDA_CHECK(cudaMemset(x.get(), 0x3c, x.bytes()));
  DeviceBuffer ws(mixgemm::workspace_bytes(w, o.m, schedule));
  ws.zero();
  const int64_t capacity = int64_t(o.launches) * 8192;
  DeviceBuffer records(size_t(capacity) * tl::kEvents * 8);

  mixgemm::bench::Stream stream_owner;
  const cudaStream_t stream = stream_owner.get();
  mixgemm::detail::timeline_attach(records.as<uint64_t>(), capacity);
  cudaGraph_t graph;
  BENCH_CUDA_CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
  for (int l = 0; l < o.launches; ++l) {
    mixgemm::GemmArgs a;
    a.w = w;
    a.packed = packed[l].get();
    a.m = o.m;
    a.x = x.get();
    a.y = y[l].get();
    a.workspace = ws.get();
    a.workspace_bytes = ws.bytes();
    a.schedule = schedule;
    BENCH_MIXGEMM_CHECK(mixgemm::mm(a, stream));
  }
  BENCH_CUDA_CHECK(cudaStreamEndCapture(stream, &graph));
  const std::vector<mixgemm::detail::TimelineLaunch> launches = mixgemm::detail::timeline_launches();
  mixgemm::detail::timeline_detach();
  if (int(launches.size()) != o.launches) {
    std::fprintf(stderr, "mixgemm-timeline: %zu of %d launches got records\n", launches.size(), o.launches);
    return 1;
  }
  cudaGraphExec_t exec;
  BENCH_CUDA_CHECK(cudaGraphInstantiate(&exec, graph, 0));

  // Warm-up replays, then the timed ones; the records hold the last replay's stamps.
  const mixgemm::bench::Event e0, e1;
  for (int r = 0; r < 3; ++r) BENCH_CUDA_CHECK(cudaGraphLaunch(exec, stream));
  std::vector<double> per_launch;
  for (int r = 0; r < o.replays; ++r) {
    BENCH_CUDA_CHECK(cudaMemsetAsync(records.get(), 0, records.bytes(), stream));
    BENCH_CUDA_CHECK(cudaEventRecord(e0.get(), stream));
    BENCH_CUDA_CHECK(cudaGraphLaunch(exec, stream));
    BENCH_CUDA_CHECK(cudaEventRecord(e1.get(), stream));
    BENCH_CUDA_CHECK(cudaStreamSynchronize(stream));
    float ms = 0;
    BENCH_CUDA_CHECK(cudaEventElapsedTime(&ms, e0.get(), e1.get()));
    per_launch.push_back(ms * 1e3 / o.launches);
  }
  const int64_t used = launches.back().first_record + launches.back().ctas;
  std::vector<uint64_t> h(size_t(used) * tl::kEvents);
  BENCH_CUDA_CHECK(cudaMemcpy(h.data(), records.get(), h.size() * 8, cudaMemcpyDeviceToHost));
  BENCH_CUDA_CHECK(cudaGraphExecDestroy(exec));
  BENCH_CUDA_CHECK(cudaGraphDestroy(graph));

  auto at = [&](int l, int64_t c, int e) { return h[size_t(launches[l].first_record + c) * tl::kEvents + e]; };
  uint64_t t0 = ~uint64_t(0);
  for (int64_t c = 0; c < launches[0].ctas; ++c) t0 = std::min(t0, at(0, c, tl::kEntry));
  std::vector<uint64_t> end(o.launches, 0);
  for (int l = 0; l < o.launches; ++l)
    for (int64_t c = 0; c < launches[l].ctas; ++c) end[l] = std::max(end[l], at(l, c, tl::kExit));

  if (!o.csv.empty()) {
    FILE* f = std::fopen(o.csv.c_str(), "w");
    if (!f) {
      std::fprintf(stderr, "cannot write %s\n", o.csv.c_str());
      return 1;
    }
    static_assert(tl::kEvents == 10, "the header names every event, in order");
    std::fprintf(f, "launch,cta,sm,entry,cta_synced,weights_issued,producer_waited,consumer_start,"
                    "consumer_waited,first_stage_full,mainloop_done,exit\n");
    for (int l = 0; l < o.launches; ++l)
      for (int64_t c = 0; c < launches[l].ctas; ++c) {
        std::fprintf(f, "%d,%ld,%lu", l, c, (unsigned long)at(l, c, tl::kSm));
        for (int e = tl::kEntry; e < tl::kEvents; ++e) {
          const uint64_t t = at(l, c, e);
          std::fprintf(f, ",%.0f", t == 0 ? -1.0 : double(int64_t(t - t0)));  // -1: not stamped
        }
        std::fprintf(f, "\n");
      }
    std::fclose(f);
  }

  // Per launch (the first two and the last left out: no predecessor, or a chain still filling),
  // each event's time after the previous launch's last CTA stamped its exit, over the CTAs.
  struct Column {
    const char* name;
    int event;
  };
  const Column cols[] = {{"entry", tl::kEntry},
                         {"cta_synced", tl::kCtaSynced},
                         {"weights_issued", tl::kWeightsIssued},
                         {"producer_waited", tl::kProducerWaited},
                         {"consumer_start", tl::kConsumerStart},
                         {"consumer_waited", tl::kConsumerWaited},
                         {"first_stage_full", tl::kFirstStageFull},
                         {"mainloop_done", tl::kMainloopDone},
                         {"exit", tl::kExit}};
  std::printf("shape %ldx%ld M=%ld schedule %s, %ld CTAs per launch, %d launches, PDL %s\n", o.k, o.n, o.m,
              o.schedule.empty() ? mixgemm::select_schedule(w, o.m).c_str() : o.schedule.c_str(),
              (long)launches[0].ctas, o.launches, o.pdl ? "on" : "off");
  std::printf("graph time per launch: %.2f us (median of %d replays)\n", median(per_launch), o.replays);
  std::printf("us after the previous launch's last exit stamp (medians over launches 2..%d):\n", o.launches - 2);
  std::printf("  %-18s %8s %8s %8s %8s\n", "event", "min", "p10", "median", "max");
  std::vector<double> period;
  for (int l = 2; l + 1 < o.launches; ++l) period.push_back((end[l] - end[l - 1]) * 1e-3);
  for (const Column& col : cols) {
    std::vector<double> mn, p10, md, mx;
    for (int l = 2; l + 1 < o.launches; ++l) {
      std::vector<double> v;
      for (int64_t c = 0; c < launches[l].ctas; ++c) {
        const uint64_t t = at(l, c, col.event);
        if (t != 0) v.push_back((double(int64_t(t - end[l - 1]))) * 1e-3);
      }
      if (v.empty()) continue;
      std::sort(v.begin(), v.end());
      mn.push_back(v.front());
      p10.push_back(v[v.size() / 10]);
      md.push_back(v[v.size() / 2]);
      mx.push_back(v.back());
    }
    if (md.empty()) {
      std::printf("  %-18s %8s\n", col.name, "-");
      continue;
    }
    std::printf("  %-18s %8.2f %8.2f %8.2f %8.2f\n", col.name, median(mn), median(p10), median(md), median(mx));
  }
  std::printf("  %-18s %8s %8s %8.2f\n", "period", "", "", median(period));
  // The critical path: per launch, the CTA whose exit stamp came last (the one the next launch's
  // wait depends on), each of its events against the previous launch's last exit.
  std::printf("the CTA that exits last (medians over the same launches):\n");
  for (const Column& col : cols) {
    std::vector<double> v;
    for (int l = 2; l + 1 < o.launches; ++l) {
      int64_t last = 0;
      for (int64_t c = 1; c < launches[l].ctas; ++c)
        if (at(l, c, tl::kExit) > at(l, last, tl::kExit)) last = c;
      const uint64_t t = at(l, last, col.event);
      if (t != 0) v.push_back(double(int64_t(t - end[l - 1])) * 1e-3);
    }
    if (!v.empty()) std::printf("  %-18s %8.2f\n", col.name, median(v));
  }
  return 0;
}

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, &o)) {
    std::fprintf(stderr,
                 "usage: mixgemm-timeline --shape KxN --m M [--schedule NAME] [--launches L >= 4] "
                 "[--replays R] [--no-pdl] [--csv FILE]\n");
    return 1;
  }
  if (!mixgemm::detail::timeline_built()) {
    std::fprintf(stderr, "mixgemm-timeline: the library was built without -DMIXGEMM_TIMELINE=ON\n");
    return 2;
  }
  try {
    return run(o);
  } catch (const mixgemm::bench::BenchError& e) {
    std::fprintf(stderr, "mixgemm-timeline: %s\n", e.what());
    return 1;
  }
}
