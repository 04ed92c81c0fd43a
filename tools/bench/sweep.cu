#include "sweep.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "check.h"
#include "mixgemm/mixgemm.h"
#include "mixgemm_ref.h"
#include "spotcheck.h"
#include "weights.h"

namespace mixgemm::bench {

namespace {

// Headroom left free on the device (cuBLASLt and the CUDA context allocate on their own).
constexpr size_t kMemoryMargin = size_t(512) << 20;

// The schedules timed at each point; "" is the library's automatic choice.
std::vector<std::string> schedules_for(const Options& o, WeightType wtype, ActType act) {
  if (o.all_schedules) {
    std::vector<std::string> v = o.schedule_list.empty() ? list_schedules(wtype, act) : o.schedule_list;
    if (o.auto_row) v.push_back("");  // plus one row for "auto:<chosen>"
    return v;
  }
  return {o.schedule};
}

// A fixed seed per configuration: the same data every run, different data per layer.
uint64_t seed_for(const WeightDesc& w) {
  return 0x6d697867656d6dULL ^ (uint64_t(w.k) << 40) ^ (uint64_t(w.n) << 16) ^
         (uint64_t(w.group_size) << 4) ^ (uint64_t(w.wtype) << 2) ^ uint64_t(w.act);
}

// Reduces the copy counts until the copies fit in free memory (only the largest layers on a
// small card get here; with one copy a layer larger than 2x L2 is cold anyway).
void fit_rotations(size_t packed_bytes, int* packed_copies, size_t dense_bytes, int* dense_copies) {
  size_t free_bytes = 0, total = 0;
  BENCH_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total));
  const size_t avail = free_bytes > kMemoryMargin ? free_bytes - kMemoryMargin : 0;
  // The copies beyond the first (already allocated); the small packed copies go first.
  const size_t packed_extra = std::min<size_t>(*packed_copies - 1, packed_bytes ? avail / packed_bytes : 0);
  *packed_copies = 1 + static_cast<int>(packed_extra);
  const size_t left = avail - packed_extra * packed_bytes;
  if (dense_bytes)
    *dense_copies = 1 + static_cast<int>(std::min<size_t>(*dense_copies - 1, left / dense_bytes));
}

// Spot check of one configuration's output; on failure reports it and returns false.
bool spot_check(Context& ctx, const std::string& what, const void* y, int64_t n, ActType act,
                const std::vector<int64_t>& rows, const std::vector<double>& ref) {
  const CheckResult c = check_rows(y, n, rows, n, act, ref, ctx.stream);
  if (!c.pass) ctx.fail(what + ": " + c.text);
  return c.pass;
}

void run_layer(Context& ctx, const Layer& layer, const WeightDesc& w, int64_t group_opt, const std::string& label) {
  const Options& o = ctx.opt;
  const cudaStream_t stream = ctx.stream;
  const int64_t max_m = *std::max_element(o.m_list.begin(), o.m_list.end());
  const std::vector<std::string> schedules = schedules_for(o, w.wtype, w.act);
  const uint64_t seed = seed_for(w);

  // ---- Setup (all allocation happens here, before any timing) ----
  const HostWeights hw = make_host_weights(w, seed, /*unit_gain=*/false);
  const std::vector<uint16_t> x_host = ref::make_activations(max_m, w.k, w.k, w.act, seed + 1);
  std::vector<DeviceBuffer> packed;
  packed.push_back(prepack_on_device(hw.q, stream));
  std::vector<DeviceBuffer> dense;
  if (o.cublas) dense.push_back(dense_on_device(hw, stream));
  DeviceBuffer x = upload(x_host, stream);
  DeviceBuffer y(static_cast<size_t>(max_m * w.n) * sizeof(uint16_t));
  size_t ws_bytes = 0;
  for (const std::string& s : schedules) ws_bytes = std::max(ws_bytes, workspace_bytes(w, max_m, s.empty() ? nullptr : s.c_str()));
  DeviceBuffer ws(ws_bytes);
  ws.zero();  // once: every mm() call leaves it zeroed

  int packed_copies = rotation_count(packed[0].bytes(), ctx.dev.l2_bytes);
  int dense_copies = o.cublas ? rotation_count(dense[0].bytes(), ctx.dev.l2_bytes) : 0;
  fit_rotations(packed[0].bytes(), &packed_copies, o.cublas ? dense[0].bytes() : 0, &dense_copies);
  for (DeviceBuffer& b : replicate(packed[0], packed_copies - 1, stream)) packed.push_back(std::move(b));
  if (o.cublas)
    for (DeviceBuffer& b : replicate(dense[0], dense_copies - 1, stream)) dense.push_back(std::move(b));
  const double packed_set = static_cast<double>(packed.size() * packed[0].bytes());
  const double dense_set = dense.empty() ? 0.0 : static_cast<double>(dense.size() * dense[0].bytes());
  if (packed_set <= 2.0 * ctx.dev.l2_bytes || (!dense.empty() && dense_set <= 2.0 * ctx.dev.l2_bytes))
    std::fprintf(stderr, "  warning: %s: not enough memory for a working set > 2x L2; times may be L2-warm\n",
                 label.c_str());
  std::fprintf(stderr, "  weights rotated over %zu prepacked copies (%.1f MiB) and %zu dense copies (%.1f MiB)\n",
               packed.size(), packed_set / 1048576.0, dense.size(), dense_set / 1048576.0);

  std::printf("\n== %s (K=%lld N=%lld)\n%s\n", label.c_str(), static_cast<long long>(w.k),
              static_cast<long long>(w.n), table_header().c_str());
  for (const int64_t m : o.m_list) {
    const std::string point = label + " M=" + std::to_string(m);
    std::vector<int64_t> rows;
    std::vector<double> ref;
    if (o.check) {
      rows = pick_check_rows(m, w.n, w.k);
      ref = reference_rows(x_host.data(), w.k, rows, w.k, hw.dequant.data(), w.n, w.act);
    }

    // mixgemm and cuBLAS are timed together, in shuffled rounds (time_calls_interleaved), so
    // both see the same clock and power state: timed one after the other, the second loses up
    // to 20 % at power-bound points. --all-schedules without --interleave times each schedule
    // on its own, cuBLAS first.
    const bool together = !o.all_schedules || o.interleave;
    std::vector<Alternative> alternatives;
    std::vector<std::string> names;  // of the mixgemm alternatives, after cuBLAS's if any
    bool cublas_timed_together = false;

    // cuBLASLt on the dequantized weight, the same X and Y.
    double cublas_us = NAN;
    std::optional<DenseGemm> gemm;
    if (o.cublas) {
      gemm.emplace(ctx.lt, w.act, m, w.n, w.k, w.k, w.n);
      bool ok = true;
      if (o.check) {
        poison(y.get(), y.bytes(), stream);
        gemm->run(x.get(), dense[0].get(), y.get(), stream);
        ok = spot_check(ctx, "cuBLASLt " + point, y.get(), w.n, w.act, rows, ref);
      }
      const Enqueue run_dense = [&](int i, cudaStream_t s) { gemm->run(x.get(), dense[i].get(), y.get(), s); };
      if (ok && together) {
        alternatives.push_back({run_dense, static_cast<int>(dense.size())});
        cublas_timed_together = true;
      } else if (ok) {
        cublas_us = time_calls(stream, run_dense, static_cast<int>(dense.size()), ctx.timing()).median_us;
      }
    }

    // One mm() call per enqueue, on the i-th rotated weight copy.
    const auto enqueue_mm = [&packed](const GemmArgs& a) -> Enqueue {
      return [&packed, a](int i, cudaStream_t s) {
        GemmArgs ai = a;
        ai.packed = packed[i].get();
        BENCH_MIXGEMM_CHECK(mm(ai, s));
      };
    };
    const GemmBytes bytes = gemm_bytes(w.wtype, m, w.n, w.k, w.group_size);
    const auto emit = [&](const std::string& name, double us) {
      ctx.emit(ctx.make_row(layer.name, w.act, w.wtype, group_opt, m, w.n, w.k, name, us, cublas_us,
                            2.0 * m * w.n * w.k, bytes));
    };
    for (const std::string& sched : schedules) {
      GemmArgs a;
      a.w = w;
      a.packed = packed[0].get();
      a.m = m;
      a.x = x.get();
      a.ldx = w.k;
      a.y = y.get();
      a.ldy = w.n;
      a.workspace = ws.get();
      a.workspace_bytes = ws.bytes();
      a.schedule = sched.empty() ? nullptr : sched.c_str();
      const std::string name = sched.empty() ? "auto:" + select_schedule(w, m) : sched;
      const Status st = can_implement(a);
      if (!st.ok()) {
        // A forced schedule of --all-schedules that does not fit this M is expected (stderr);
        // the automatic or the one requested schedule failing is a result (the table's stdout).
        std::FILE* out = (o.all_schedules && !sched.empty()) ? stderr : stdout;
        std::fprintf(out, "SKIP %s schedule %s: %s\n", point.c_str(), name.c_str(), st.message.c_str());
        continue;
      }
      if (o.check) {
        poison(y.get(), y.bytes(), stream);
        BENCH_MIXGEMM_CHECK(mm(a, stream));
        if (!spot_check(ctx, "mixgemm " + point + " schedule " + name, y.get(), w.n, w.act, rows, ref)) continue;
      }
      if (together) {
        names.push_back(name);
        alternatives.push_back({enqueue_mm(a), static_cast<int>(packed.size())});
        continue;
      }
      emit(name, time_calls(stream, enqueue_mm(a), static_cast<int>(packed.size()), ctx.timing()).median_us);
    }
    if (!alternatives.empty()) {
      const std::vector<Timing> t = time_calls_interleaved(stream, alternatives, ctx.timing());
      const size_t first = cublas_timed_together ? 1 : 0;
      if (cublas_timed_together) cublas_us = t[0].median_us;
      for (size_t i = 0; i < names.size(); ++i) emit(names[i], t[first + i].median_us);
    }
  }
}

}  // namespace

void run_sweep(Context& ctx) {
  const Options& o = ctx.opt;
  const std::vector<TypeConfig> configs = type_configs(o);
  const size_t total = configs.size() * o.layers.size();
  size_t index = 0;
  for (const TypeConfig& c : configs)
    for (const Layer& layer : o.layers) {
      ++index;
      WeightDesc w;
      w.wtype = c.wtype;
      w.act = c.act;
      w.n = layer.n;
      w.k = layer.k;
      w.group_size = c.group == kChannelWise ? layer.k : c.group;
      const std::string label = layer.name + " " + c.label();
      std::fprintf(stderr, "[%zu/%zu] %s (K=%lld N=%lld), %zu M values\n", index, total, label.c_str(),
                   static_cast<long long>(layer.k), static_cast<long long>(layer.n), o.m_list.size());
      const Status st = check_weight_desc(w);
      if (!st.ok()) {
        std::printf("SKIP %s: %s\n", label.c_str(), st.message.c_str());
        continue;
      }
      const auto t0 = std::chrono::steady_clock::now();
      run_layer(ctx, layer, w, c.group, label);
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::fprintf(stderr, "[%zu/%zu] %s done in %.1f s\n", index, total, label.c_str(), s);
    }
}

}  // namespace mixgemm::bench
