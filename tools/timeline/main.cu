// mixgemm-timeline: runs one GEMM shape, or a model's four decoder-layer GEMMs in turn (qkv, o,
// gate_up, down, as the bench's stack mode), as a chain of launches in a CUDA graph (each launch
// its own weights, rotated past the L2 as the bench does, with programmatic dependent launch as
// the library enables it) and reports where each launch's time goes, measured from the
// completion of the launch before it: when its CTAs started, when their wait for the previous
// grid returned, when the first stage's X and weights landed, when the mainloop and the tile
// ended. With --model, per layer: what a launch costs depends on the one before it.
//
//   mixgemm-timeline (--shape 4096x4096 | --model 8b) --m 1 [--schedule NAME] [--launches 32]
//                    [--csv FILE]
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
#include "shapes.h"

namespace {

namespace tl = mixgemm::kernels::timeline;
using mixgemm::bench::DeviceBuffer;
using mixgemm::bench::Layer;

struct Options {
  std::vector<Layer> layers{mixgemm::bench::shape_layer(4096, 4096)};  // launch l runs layers[l % size]
  int64_t m = 1;
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
      int64_t k = 0, n = 0;
      if (std::sscanf(v, "%ldx%ld", &k, &n) != 2 || k <= 0 || n <= 0) return false;
      o->layers = {mixgemm::bench::shape_layer(k, n)};
      ++i;
    } else if (a == "--model" && v) {
      const mixgemm::bench::ModelSpec* model = mixgemm::bench::find_model(v);
      if (model == nullptr) return false;
      o->layers = mixgemm::bench::model_layers(*model);
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
  // Every layer needs launches 2 .. launches - 2 to hold one of it (the statistics' range).
  return o->m > 0 && o->launches >= 3 + int(o->layers.size()) && o->replays >= 1;
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

  const int layers = int(o.layers.size());
  std::vector<mixgemm::WeightDesc> descs;
  int64_t max_k = 0;
  size_t ws_bytes = 0;
  const char* schedule = o.schedule.empty() ? nullptr : o.schedule.c_str();
  for (const Layer& layer : o.layers) {
    mixgemm::WeightDesc w;
    w.wtype = mixgemm::WeightType::u4b8;
    w.act = mixgemm::ActType::bf16;
    w.k = layer.k;
    w.n = layer.n;
    w.group_size = 128;
    BENCH_MIXGEMM_CHECK(mixgemm::check_weight_desc(w));
    descs.push_back(w);
    max_k = std::max(max_k, layer.k);
    ws_bytes = std::max(ws_bytes, mixgemm::workspace_bytes(w, o.m, schedule));
  }
  auto desc_of = [&](int l) -> const mixgemm::WeightDesc& { return descs[size_t(l % layers)]; };

  // Every launch its own weights (their values do not matter for time: a constant byte gives
  // finite scales and weights), X shared (L2-resident, as a layer's activations are), its own Y.
  // Each launch waits for the one before it all the same (the grid-dependency wait).
  std::vector<DeviceBuffer> packed, y;
  for (int l = 0; l < o.launches; ++l) {
    packed.emplace_back(mixgemm::prepacked_bytes(desc_of(l)));
    BENCH_CUDA_CHECK(cudaMemset(packed.back().get(), 0x3c, packed.back().bytes()));
    y.emplace_back(size_t(o.m * desc_of(l).n) * 2);
  }
  DeviceBuffer x(size_t(o.m * max_k) * 2);
  BENCH_CUDA_CHECK(cudaMemset(x.get(), 0x3c, x.bytes()));
  DeviceBuffer ws(ws_bytes);
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
    a.w = desc_of(l);
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
    std::fprintf(f, "launch,layer,cta,sm,entry,cta_synced,weights_issued,producer_waited,consumer_start,"
                    "consumer_waited,first_stage_full,mainloop_done,exit\n");
    for (int l = 0; l < o.launches; ++l)
      for (int64_t c = 0; c < launches[l].ctas; ++c) {
        std::fprintf(f, "%d,%s,%ld,%lu", l, o.layers[size_t(l % layers)].name.c_str(), c,
                     (unsigned long)at(l, c, tl::kSm));
        for (int e = tl::kEntry; e < tl::kEvents; ++e) {
          const uint64_t t = at(l, c, e);
          std::fprintf(f, ",%.0f", t == 0 ? -1.0 : double(int64_t(t - t0)));  // -1: not stamped
        }
        std::fprintf(f, "\n");
      }
    std::fclose(f);
  }

  // The stamped events, in the order a CTA passes them.
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
  std::printf("M=%ld, %d launches, PDL %s; graph time per launch: %.2f us (median of %d replays)\n", o.m,
              o.launches, o.pdl ? "on" : "off", median(per_launch), o.replays);
  // Per layer, over its launches among 2 .. launches - 2 (the first two and the last left out: no
  // predecessor, or a chain still filling), each event's time after the previous launch's last
  // CTA stamped its exit: the CTAs' min, p10, median and max, each a median over the launches.
  for (int j = 0; j < layers; ++j) {
    const Layer& layer = o.layers[size_t(j)];
    std::vector<int> mine;
    for (int l = 2; l + 1 < o.launches; ++l)
      if (l % layers == j) mine.push_back(l);
    const std::string chosen = o.schedule.empty() ? mixgemm::select_schedule(descs[size_t(j)], o.m) : o.schedule;
    std::printf("\n%s (%ldx%ld) schedule %s, %ld CTAs, after %s; us after the previous launch's last exit:\n",
                layer.name.c_str(), (long)layer.k, (long)layer.n, chosen.c_str(), (long)launches[size_t(j)].ctas,
                o.layers[size_t((j + layers - 1) % layers)].name.c_str());
    std::printf("  %-18s %8s %8s %8s %8s %12s\n", "event", "min", "p10", "median", "max", "last CTA");
    std::vector<double> period;
    for (int l : mine) period.push_back((end[l] - end[l - 1]) * 1e-3);
    for (const Column& col : cols) {
      std::vector<double> mn, p10, md, mx, last_cta;
      for (int l : mine) {
        std::vector<double> v;
        int64_t last = 0;  // the CTA whose exit came last: the next launch's wait depends on it
        for (int64_t c = 0; c < launches[l].ctas; ++c) {
          const uint64_t t = at(l, c, col.event);
          if (t != 0) v.push_back((double(int64_t(t - end[l - 1]))) * 1e-3);
          if (at(l, c, tl::kExit) > at(l, last, tl::kExit)) last = c;
        }
        const uint64_t t_last = at(l, last, col.event);
        if (t_last != 0) last_cta.push_back(double(int64_t(t_last - end[l - 1])) * 1e-3);
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
      std::printf("  %-18s %8.2f %8.2f %8.2f %8.2f %12.2f\n", col.name, median(mn), median(p10), median(md),
                  median(mx), median(last_cta));
    }
    std::printf("  %-18s %8s %8s %8.2f\n", "period", "", "", median(period));
  }
  return 0;
}

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, &o)) {
    std::fprintf(stderr,
                 "usage: mixgemm-timeline (--shape KxN | --model 8b|70b) --m M [--schedule NAME] "
                 "[--launches L >= 3 + layers] [--replays R] [--no-pdl] [--csv FILE]\n");
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
