// GPU timing of the bench: many calls captured into one CUDA graph, events around each graph
// launch, warm-up, and the median of repeated launches. Enqueueing must not allocate; every
// buffer is set up before timing starts.
#pragma once

#include <cuda_runtime_api.h>

#include <functional>
#include <vector>

namespace mixgemm::bench {

// Enqueues the i-th call on the stream (i picks the weight copy when buffers rotate). Errors
// throw BenchError.
using Enqueue = std::function<void(int i, cudaStream_t stream)>;

struct TimingOptions {
  int repeats = 10;          // timed graph launches; the median is reported
  int warmup = 2;            // untimed graph launches first (clocks ramp up, TLBs and caches settle)
  double target_us = 4000;   // graph length to aim for: launch gaps and event resolution vanish
  int max_calls = 2000;      // cap on calls per graph (graph build time and memory)
};

struct Timing {
  double median_us = 0;  // per call
  double min_us = 0;
  double max_us = 0;
  int calls = 0;  // calls per graph
};

// Times one call: a rough eager estimate picks the number of calls per graph (a multiple of
// `rotation`, so each weight copy is used equally often), then the graph is timed.
Timing time_calls(cudaStream_t stream, const Enqueue& enqueue, int rotation, const TimingOptions& opt);

// One alternative for time_calls_interleaved: its enqueue and the number of weight copies it
// rotates over (as time_calls' `rotation`).
struct Alternative {
  Enqueue enqueue;
  int rotation = 1;
};

// Times alternatives of one operation (every schedule at a point, cuBLAS against mixgemm)
// fairly: each gets its own graph as in time_calls, then the timed launches go in rounds over
// the alternatives (a shuffled order each round), so slow clock drifts under sustained load
// (the power and thermal limits lower an H100's clocks over seconds of compute-bound work) and
// the state one graph leaves for the next hit all of them alike instead of the last ones measured.
std::vector<Timing> time_calls_interleaved(cudaStream_t stream, const std::vector<Alternative>& alternatives,
                                           const TimingOptions& opt);

// Captures enqueue(0) ... enqueue(calls - 1) into one graph and times its launches; per-call
// times are the graph's time divided by `calls`.
Timing time_graph(cudaStream_t stream, const Enqueue& enqueue, int calls, const TimingOptions& opt);

// Events around `calls` eagerly enqueued calls (no graph), repeated; for operations whose
// captured form differs from the stream form (memcpy nodes).
Timing time_eager(cudaStream_t stream, const Enqueue& enqueue, int calls, const TimingOptions& opt);

// Median of a non-empty list.
double median(std::vector<double> v);

}  // namespace mixgemm::bench
