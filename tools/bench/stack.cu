#include "stack.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "check.h"
#include "mixgemm/mixgemm.h"
#include "mixgemm_ref.h"
#include "spotcheck.h"
#include "weights.h"

namespace mixgemm::bench {

namespace {

// Headroom left free on the device (cuBLASLt and the CUDA graph allocate on their own).
constexpr size_t kMemoryMargin = size_t(1) << 30;

// What one (model, type configuration) stack needs besides the per-layer weight copies.
struct Stack {
  std::vector<StackGemm> gemms;
  std::vector<WeightDesc> desc;
  std::vector<HostWeights> host;
  std::vector<DeviceBuffer> packed;  // layer 0's prepacked weights, one per GEMM
  std::vector<DeviceBuffer> dense;   // layer 0's dense Wt, one per GEMM (with the baseline)
  DeviceBuffer x0;                   // the stack's input [max_b, hidden]
  std::vector<DeviceBuffer> y;       // one output [max_b, n] per GEMM, reused by every layer
  DeviceBuffer ws;                   // mixgemm workspace for the largest B

  // The activation GEMM g of `layer` reads: an earlier output of the same layer, or the
  // previous layer's last output (the stack's input for layer 0).
  const void* input(size_t g, int layer) const {
    const int in = gemms[g].input;
    if (in >= 0) return y[in].get();
    return layer == 0 ? x0.get() : y.back().get();
  }
};

// Runs layer 0 once on poisoned outputs and checks each GEMM against the reference computed
// from the input that GEMM actually read (downloaded), so every link of the chain (strided
// inputs included) is checked on its own.
bool check_layer0(Context& ctx, const Stack& st, int64_t b, const std::function<void(cudaStream_t)>& layer0,
                  const std::string& what) {
  const cudaStream_t stream = ctx.stream;
  for (const DeviceBuffer& y : st.y) poison(y.get(), y.bytes(), stream);
  layer0(stream);
  BENCH_CUDA_CHECK(cudaStreamSynchronize(stream));
  bool ok = true;
  for (size_t g = 0; g < st.gemms.size(); ++g) {
    const WeightDesc& w = st.desc[g];
    const std::vector<int64_t> rows = pick_check_rows(b, w.n, w.k);
    std::vector<uint16_t> x(rows.size() * w.k);
    std::vector<int64_t> compact(rows.size());
    for (size_t r = 0; r < rows.size(); ++r) {
      const auto* src = static_cast<const uint16_t*>(st.input(g, 0)) + rows[r] * st.gemms[g].ldx;
      BENCH_CUDA_CHECK(cudaMemcpyAsync(x.data() + r * w.k, src, w.k * sizeof(uint16_t), cudaMemcpyDeviceToHost, stream));
      compact[r] = static_cast<int64_t>(r);
    }
    BENCH_CUDA_CHECK(cudaStreamSynchronize(stream));
    const std::vector<double> ref = reference_rows(x.data(), w.k, compact, w.k, st.host[g].dequant.data(), w.n, w.act);
    const CheckResult c = check_rows(st.y[g].get(), w.n, rows, w.n, w.act, ref, stream);
    if (!c.pass) {
      ctx.fail(what + " " + st.gemms[g].layer.name + ": " + c.text);
      ok = false;
    }
  }
  return ok;
}

// Per-layer times (us) of mixgemm for each B; NaN where it could not run or failed the check.
std::vector<double> time_mixgemm(Context& ctx, const Stack& st, int layers, const std::string& label) {
  const Options& o = ctx.opt;
  const size_t G = st.gemms.size();
  // Distinct weight buffers per layer: layer 0 uses st.packed, the others copies of it.
  std::vector<std::vector<DeviceBuffer>> copies(G);
  for (size_t g = 0; g < G; ++g) copies[g] = replicate(st.packed[g], layers - 1, ctx.stream);
  auto weights = [&](size_t g, int layer) { return layer == 0 ? st.packed[g].get() : copies[g][layer - 1].get(); };

  std::vector<double> us;
  for (const int64_t b : o.m_list) {
    std::vector<GemmArgs> args(G);
    bool runnable = true;
    for (size_t g = 0; g < G; ++g) {
      GemmArgs& a = args[g];
      a.w = st.desc[g];
      a.packed = weights(g, 0);
      a.m = b;
      a.x = st.input(g, 0);
      a.ldx = st.gemms[g].ldx;
      a.y = st.y[g].get();
      a.ldy = st.desc[g].n;
      a.workspace = st.ws.get();
      a.workspace_bytes = st.ws.bytes();
      a.schedule = o.schedule.empty() ? nullptr : o.schedule.c_str();
      const Status s = can_implement(a);
      if (!s.ok()) {
        std::printf("SKIP %s B=%lld %s: %s\n", label.c_str(), static_cast<long long>(b),
                    st.gemms[g].layer.name.c_str(), s.message.c_str());
        runnable = false;
        break;
      }
    }
    const auto layer = [&](int l, cudaStream_t s) {
      for (size_t g = 0; g < G; ++g) {
        GemmArgs a = args[g];
        a.packed = weights(g, l);
        a.x = st.input(g, l);
        BENCH_MIXGEMM_CHECK(mm(a, s));
      }
    };
    if (runnable && o.check)
      runnable = check_layer0(ctx, st, b, [&](cudaStream_t s) { layer(0, s); },
                              "mixgemm " + label + " B=" + std::to_string(b));
    us.push_back(runnable ? time_graph(ctx.stream, layer, layers, ctx.timing()).median_us : NAN);
  }
  return us;
}

// The same stack with cuBLASLt on the dense weights.
std::vector<double> time_cublas(Context& ctx, const Stack& st, int layers, const std::string& label) {
  const Options& o = ctx.opt;
  const size_t G = st.gemms.size();
  std::vector<std::vector<DeviceBuffer>> copies(G);
  for (size_t g = 0; g < G; ++g) copies[g] = replicate(st.dense[g], layers - 1, ctx.stream);
  auto weights = [&](size_t g, int layer) { return layer == 0 ? st.dense[g].get() : copies[g][layer - 1].get(); };

  std::vector<double> us;
  for (const int64_t b : o.m_list) {
    std::vector<std::unique_ptr<DenseGemm>> gemms;
    for (size_t g = 0; g < G; ++g)
      gemms.push_back(std::make_unique<DenseGemm>(ctx.lt, st.desc[g].act, b, st.desc[g].n, st.desc[g].k,
                                                  st.gemms[g].ldx, st.desc[g].n));
    const auto layer = [&](int l, cudaStream_t s) {
      for (size_t g = 0; g < G; ++g) gemms[g]->run(st.input(g, l), weights(g, l), st.y[g].get(), s);
    };
    bool ok = true;
    if (o.check)
      ok = check_layer0(ctx, st, b, [&](cudaStream_t s) { layer(0, s); },
                        "cuBLASLt " + label + " B=" + std::to_string(b));
    us.push_back(ok ? time_graph(ctx.stream, layer, layers, ctx.timing()).median_us : NAN);
  }
  return us;
}

void run_model(Context& ctx, const ModelSpec& model, ActType act, WeightType wtype, int64_t group,
               const std::string& label) {
  const Options& o = ctx.opt;
  const cudaStream_t stream = ctx.stream;
  const int64_t max_b = *std::max_element(o.m_list.begin(), o.m_list.end());

  Stack st;
  st.gemms = stack_gemms(model);
  for (const StackGemm& g : st.gemms) {
    WeightDesc w;
    w.wtype = wtype;
    w.act = act;
    w.n = g.layer.n;
    w.k = g.layer.k;
    w.group_size = group == kChannelWise ? g.layer.k : group;
    const Status s = check_weight_desc(w);
    if (!s.ok()) {
      std::printf("SKIP %s (%s): %s\n", label.c_str(), g.layer.name.c_str(), s.message.c_str());
      return;
    }
    st.desc.push_back(w);
  }

  // ---- Setup: weights (unit gain, so the chained activations keep their magnitude), buffers ----
  size_t ws_bytes = 0, per_layer_packed = 0, per_layer_dense = 0;
  for (size_t g = 0; g < st.gemms.size(); ++g) {
    const WeightDesc& w = st.desc[g];
    st.host.push_back(make_host_weights(w, 0x737461636bULL + 97 * g + 7 * uint64_t(w.wtype) + uint64_t(w.act), true));
    st.packed.push_back(prepack_on_device(st.host.back().q, stream));
    per_layer_packed += st.packed.back().bytes();
    if (o.cublas) {
      st.dense.push_back(dense_on_device(st.host.back(), stream));
      per_layer_dense += st.dense.back().bytes();
    }
    st.y.emplace_back(static_cast<size_t>(max_b * w.n) * sizeof(uint16_t));
    ws_bytes = std::max(ws_bytes, workspace_bytes(w, max_b, o.schedule.empty() ? nullptr : o.schedule.c_str()));
  }
  st.x0 = upload(ref::make_activations(max_b, model.hidden, model.hidden, act, 0x7830), stream);
  st.ws.reset(ws_bytes);
  st.ws.zero();  // once: every mm() call leaves it zeroed

  // As many layers as fit for both (the copies of one are freed before the other's are made).
  size_t free_bytes = 0, total = 0;
  BENCH_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total));
  const size_t avail = free_bytes > kMemoryMargin ? free_bytes - kMemoryMargin : 0;
  const size_t per_layer = std::max(per_layer_packed, per_layer_dense);
  const int layers = static_cast<int>(std::min<size_t>(model.depth, 1 + avail / per_layer));
  std::fprintf(stderr, "  %d of %d layers resident (per layer: mixgemm %.1f MiB, dense %.1f MiB)\n", layers,
               model.depth, per_layer_packed / 1048576.0, per_layer_dense / 1048576.0);

  const std::vector<double> mix_us = time_mixgemm(ctx, st, layers, label);
  const std::vector<double> cublas_us = o.cublas ? time_cublas(ctx, st, layers, label)
                                                 : std::vector<double>(o.m_list.size(), NAN);

  // ---- Rows: per-token time of the GEMMs at full depth ----
  std::printf("\n== stack %s (%d of %d layers resident, time per layer x %d)\n%s\n", label.c_str(), layers,
              model.depth, model.depth, table_header().c_str());
  double nk = 0;
  for (const WeightDesc& w : st.desc) nk += static_cast<double>(w.n) * static_cast<double>(w.k);
  for (size_t i = 0; i < o.m_list.size(); ++i) {
    if (std::isnan(mix_us[i])) continue;
    const int64_t b = o.m_list[i];
    GemmBytes bytes;
    for (const WeightDesc& w : st.desc) bytes += gemm_bytes(wtype, b, w.n, w.k, w.group_size);
    const double depth = model.depth;
    ctx.emit(ctx.make_row("stack:" + model.name, act, wtype, group, b, static_cast<int64_t>(nk * depth), 1,
                          o.schedule.empty() ? "auto" : o.schedule, mix_us[i] * depth, cublas_us[i] * depth,
                          2.0 * b * nk * depth, bytes.scaled(depth)));
    std::printf("  per layer: mixgemm %.2f us, cuBLASLt %.2f us\n", mix_us[i], cublas_us[i]);
    std::fflush(stdout);
  }
}

}  // namespace

void run_stack(Context& ctx) {
  const Options& o = ctx.opt;
  const std::vector<TypeConfig> configs = type_configs(o);
  const size_t total = configs.size() * o.stack_models.size();
  size_t index = 0;
  for (const TypeConfig& c : configs)
    for (const ModelSpec* model : o.stack_models) {
      ++index;
      const std::string label = model->name + " " + c.label();
      std::fprintf(stderr, "[stack %zu/%zu] %s: preparing weights\n", index, total, label.c_str());
      const auto t0 = std::chrono::steady_clock::now();
      run_model(ctx, *model, c.act, c.wtype, c.group, label);
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::fprintf(stderr, "[stack %zu/%zu] %s done in %.1f s\n", index, total, label.c_str(), s);
    }
}

}  // namespace mixgemm::bench
