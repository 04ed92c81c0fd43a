#include "timing.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>

#include "check.h"
#include "device_buffer.h"

namespace mixgemm::bench {

namespace {

// Owns a captured graph and its executable instance.
struct Graph {
  cudaGraph_t graph = nullptr;
  cudaGraphExec_t exec = nullptr;
  Graph() = default;
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;
  ~Graph() {
    if (exec) cudaGraphExecDestroy(exec);
    if (graph) cudaGraphDestroy(graph);
  }
};

// Captures the calls; on an error inside enqueue the capture is ended (and dropped) before the
// error propagates, so the stream is usable again and the message is the first error's.
void capture(cudaStream_t stream, const Enqueue& enqueue, int calls, Graph* g) {
  // Thread-local mode: only this thread's unsafe calls (e.g. a stray cudaMalloc) break the capture.
  BENCH_CUDA_CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
  try {
    for (int i = 0; i < calls; ++i) enqueue(i, stream);
  } catch (...) {
    cudaGraph_t dropped = nullptr;
    cudaStreamEndCapture(stream, &dropped);
    if (dropped) cudaGraphDestroy(dropped);
    cudaGetLastError();
    throw;
  }
  BENCH_CUDA_CHECK(cudaStreamEndCapture(stream, &g->graph));
  BENCH_CUDA_CHECK(cudaGraphInstantiate(&g->exec, g->graph, 0));
  BENCH_CUDA_CHECK(cudaGraphUpload(g->exec, stream));
}

Timing summarize(const std::vector<double>& per_call, int calls) {
  Timing t;
  t.median_us = median(per_call);
  t.min_us = *std::min_element(per_call.begin(), per_call.end());
  t.max_us = *std::max_element(per_call.begin(), per_call.end());
  t.calls = calls;
  return t;
}

// Warm-up passes, then `repeats` passes each timed by events on the stream; a pass runs
// `calls` GEMMs. Returns the median time per call.
template <class Pass>
Timing time_passes(cudaStream_t stream, const Pass& pass, int calls, const TimingOptions& opt) {
  Event start, stop;
  for (int w = 0; w < opt.warmup; ++w) pass();
  BENCH_CUDA_CHECK(cudaStreamSynchronize(stream));
  std::vector<double> per_call;
  for (int r = 0; r < std::max(1, opt.repeats); ++r) {
    BENCH_CUDA_CHECK(cudaEventRecord(start.get(), stream));
    pass();
    BENCH_CUDA_CHECK(cudaEventRecord(stop.get(), stream));
    BENCH_CUDA_CHECK(cudaEventSynchronize(stop.get()));
    float ms = 0;
    BENCH_CUDA_CHECK(cudaEventElapsedTime(&ms, start.get(), stop.get()));
    per_call.push_back(1e3 * ms / calls);
  }
  return summarize(per_call, calls);
}

}  // namespace

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

Timing time_graph(cudaStream_t stream, const Enqueue& enqueue, int calls, const TimingOptions& opt) {
  // One eager call first: a kernel's first launch may load its module (lazy loading), which
  // must not happen inside a capture.
  enqueue(0, stream);
  BENCH_CUDA_CHECK(cudaStreamSynchronize(stream));
  Graph g;
  capture(stream, enqueue, calls, &g);
  return time_passes(stream, [&] { BENCH_CUDA_CHECK(cudaGraphLaunch(g.exec, stream)); }, calls, opt);
}

Timing time_eager(cudaStream_t stream, const Enqueue& enqueue, int calls, const TimingOptions& opt) {
  return time_passes(stream, [&] { for (int i = 0; i < calls; ++i) enqueue(i, stream); }, calls, opt);
}

namespace {

// Calls per graph for time_calls: a multiple of `rotation` lasting about opt.target_us.
int calls_per_graph(cudaStream_t stream, const Enqueue& enqueue, int rotation, const TimingOptions& opt) {
  // Eager estimate: one untimed pass over the copies (first-touch costs, lazy module loading),
  // then a timed one. Launch overhead can inflate it for tiny kernels, which only makes the
  // graph longer than needed.
  const int est_calls = std::max(rotation, 3);
  for (int i = 0; i < est_calls; ++i) enqueue(i % rotation, stream);
  Event start, stop;
  BENCH_CUDA_CHECK(cudaEventRecord(start.get(), stream));
  for (int i = 0; i < est_calls; ++i) enqueue(i % rotation, stream);
  BENCH_CUDA_CHECK(cudaEventRecord(stop.get(), stream));
  BENCH_CUDA_CHECK(cudaEventSynchronize(stop.get()));
  float ms = 0;
  BENCH_CUDA_CHECK(cudaEventElapsedTime(&ms, start.get(), stop.get()));
  const double est_us = std::max(1e-3, 1e3 * ms / est_calls);

  int calls = static_cast<int>(std::min<double>(opt.max_calls, std::ceil(opt.target_us / est_us)));
  calls = std::max(calls, 1);
  return (calls + rotation - 1) / rotation * rotation;  // every copy equally often
}

}  // namespace

Timing time_calls(cudaStream_t stream, const Enqueue& enqueue, int rotation, const TimingOptions& opt) {
  rotation = std::max(1, rotation);
  const int calls = calls_per_graph(stream, enqueue, rotation, opt);
  return time_graph(stream, [&](int i, cudaStream_t s) { enqueue(i % rotation, s); }, calls, opt);
}

std::vector<Timing> time_calls_interleaved(cudaStream_t stream, const std::vector<Alternative>& alternatives,
                                           const TimingOptions& opt) {
  const size_t n = alternatives.size();
  std::vector<std::unique_ptr<Graph>> graphs;
  std::vector<int> calls;
  for (const Alternative& a : alternatives) {
    const int rotation = std::max(1, a.rotation);
    const Enqueue& e = a.enqueue;
    calls.push_back(calls_per_graph(stream, e, rotation, opt));
    const Enqueue rotated = [&e, rotation](int i, cudaStream_t s) { e(i % rotation, s); };
    rotated(0, stream);  // outside the capture: a first launch may load the kernel's module
    BENCH_CUDA_CHECK(cudaStreamSynchronize(stream));
    graphs.push_back(std::make_unique<Graph>());
    capture(stream, rotated, calls.back(), graphs.back().get());
  }
  for (int w = 0; w < opt.warmup; ++w)
    for (const auto& g : graphs) BENCH_CUDA_CHECK(cudaGraphLaunch(g->exec, stream));
  BENCH_CUDA_CHECK(cudaStreamSynchronize(stream));
  Event start, stop;
  std::vector<std::vector<double>> per_call(n);
  // A fresh order every round (fixed seed): a schedule's neighbours and its place in the round
  // vary, so the clock and power state the previous graph leaves behind averages out instead of
  // always penalizing the same alternative.
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  std::mt19937 rng(12345);
  for (int r = 0; r < std::max(1, opt.repeats); ++r) {
    std::shuffle(order.begin(), order.end(), rng);
    for (const size_t i : order) {  // one timed launch of each alternative per round
      BENCH_CUDA_CHECK(cudaEventRecord(start.get(), stream));
      BENCH_CUDA_CHECK(cudaGraphLaunch(graphs[i]->exec, stream));
      BENCH_CUDA_CHECK(cudaEventRecord(stop.get(), stream));
      BENCH_CUDA_CHECK(cudaEventSynchronize(stop.get()));
      float ms = 0;
      BENCH_CUDA_CHECK(cudaEventElapsedTime(&ms, start.get(), stop.get()));
      per_call[i].push_back(1e3 * ms / calls[i]);
    }
  }
  std::vector<Timing> out;
  for (size_t i = 0; i < n; ++i) out.push_back(summarize(per_call[i], calls[i]));
  return out;
}

}  // namespace mixgemm::bench
