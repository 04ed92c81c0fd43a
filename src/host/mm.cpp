// Public entry points: mm, can_implement, workspace sizing, schedule listing, the GPU prepack
// and the PDL switch. Validation lives in validate.cpp, the heuristic in schedules.cpp.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "common/prepacked_layout.h"
#include "host/device_info.h"
#include "host/kernel_registry.h"
#include "host/launchers.h"
#include "host/schedules.h"
#include "host/timeline.h"
#include "host/tensor_map.h"
#include "host/tuning_table.h"
#include "host/validate.h"
#include "mixgemm/mixgemm.h"

namespace mixgemm {

namespace {

std::atomic<int> g_pdl{-1};  // -1: not yet read from the environment
std::atomic<int> g_pinning{-1};  // -1: not yet read from the environment

bool env_flag(const char* name, bool fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  return !(std::strcmp(v, "0") == 0 || std::strcmp(v, "false") == 0 || std::strcmp(v, "off") == 0);
}

bool log_schedules() {
  static const bool on = env_flag("MIXGEMM_LOG_SCHEDULE", false);
  return on;
}

// A process-wide on/off switch read from the environment on first use (state -1), unless a
// setter stored 0 or 1 before.
bool env_switch(std::atomic<int>& state, const char* name) {
  int v = state.load();
  if (v < 0) {
    int expected = -1;
    state.compare_exchange_strong(expected, env_flag(name, true) ? 1 : 0);
    v = state.load();
  }
  return v == 1;
}

Status cuda_failure(const char* what, cudaError_t e) {
  cudaGetLastError();  // clear a non-sticky launch error so the caller's state stays clean
  return {StatusCode::cuda_error, std::string(what) + ": " + cudaGetErrorString(e)};
}

}  // namespace

void set_pdl_enabled(bool enabled) { g_pdl.store(enabled ? 1 : 0); }

namespace detail {
namespace {
std::atomic<int> g_cluster_splitk{-1};  // -1: not yet read from the environment
thread_local int t_last_cluster_splits = 0;
}  // namespace

int last_cluster_splits() { return t_last_cluster_splits; }

void set_cluster_splitk_enabled(bool enabled) { g_cluster_splitk.store(enabled ? 1 : 0); }

bool cluster_splitk_enabled() { return env_switch(g_cluster_splitk, "MIXGEMM_CLUSTER_SPLITK"); }
}  // namespace detail

bool pdl_enabled() { return env_switch(g_pdl, "MIXGEMM_PDL"); }

void set_pinning_enabled(bool enabled) { g_pinning.store(enabled ? 1 : 0); }

bool pinning_enabled() { return env_switch(g_pinning, "MIXGEMM_PINNING"); }

Status can_implement(const GemmArgs& args) {
  detail::ResolvedGemm r;
  return detail::resolve_gemm(args, &r);
}

size_t workspace_bytes(const WeightDesc& in, int64_t max_m, const char* schedule) {
  if (!check_weight_desc(in).ok() || max_m <= 0) return 0;
  const WeightDesc w = detail::normalize(in);
  if (schedule != nullptr && std::string(schedule) != "auto") {
    detail::Schedule s;
    if (!detail::parse_schedule(schedule, &s)) return 0;
    // Grows with m at a fixed split, up to the largest m whose split tiles the counters cover
    // (mm() rejects larger ones). "_dpsk" splits at most one wave of tiles: with the device
    // known, at most that; without it, sized as if every tile split.
    const int64_t n_tiles = (w.n + detail::kBlockN - 1) / detail::kBlockN;
    const int64_t m_runnable = std::min(max_m, kernels::kSplitKMaxTiles / n_tiles * s.blk_m);
    if (m_runnable <= 0) return 0;
    size_t bytes = detail::plan_launch(w, m_runnable, s, 0).workspace_bytes;
    detail::DeviceInfo dev;
    const bool have_dev = detail::current_device_info(&dev).ok();
    // Two CTAs per SM: a grid short of one CTA per SM takes a split more on some tiles
    // (top_up_splits), at most at the largest m (the fewer tiles, the less a top-up adds).
    if (s.ctas_per_sm == 2 && bytes > 0 && have_dev)
      bytes = std::max(bytes, detail::plan_launch(w, m_runnable, s, dev.sm_count).workspace_bytes);
    if (s.last_wave_split && bytes > 0 && have_dev)
      bytes = std::min(bytes, detail::last_wave_split_workspace_bound(s, dev.sm_count));
    // "_streamk": sized for this device (without one, the any-device bound above).
    if (s.stream_k && have_dev) bytes = detail::stream_k_workspace_bound(w, max_m, s, dev.sm_count);
    return bytes;
  }
  detail::DeviceInfo dev;
  if (!detail::current_device_info(&dev).ok()) return 0;
  // The chosen schedule and its split depend on m. The heuristic's rule never splits K past
  // max_split_m(), so every m up to there is planned; past it, "auto" changes schedule only at
  // the table's M values, and a fixed plain split needs the most workspace at the largest m it
  // serves: planning at those M and at max_m covers the rest. A "_dpsk" schedule splits at most
  // one wave of tiles, whatever m: it is sized for a full wave.
  // A stream-K choice is sized once per token tile for every m up to max_m, after the loop (the
  // bound plans each token-tile count up to two waves: not again for every m).
  size_t most = 0;
  bool stream_k_tiles[2] = {false, false};  // 128- and 256-token tiles
  const auto consider = [&](int64_t m) {
    const detail::Schedule s = detail::auto_schedule(w, m, dev);
    size_t b = detail::plan_launch(w, m, s, dev.sm_count).workspace_bytes;
    if (s.last_wave_split) b = std::max(b, detail::last_wave_split_workspace_bound(s, dev.sm_count));
    if (s.stream_k) stream_k_tiles[s.blk_m == 256 ? 1 : 0] = true;
    most = std::max(most, b);
  };
  const int64_t limit = detail::max_split_m(w, dev.sm_count);
  for (int64_t m = 1; m <= std::min(max_m, limit); ++m) consider(m);
  if (max_m > limit) {
    for (const int64_t m : detail::tuned_ms(dev))
      if (m > limit && m < max_m) consider(m);
    consider(max_m);
  }
  for (int i = 0; i < 2; ++i) {
    if (!stream_k_tiles[i]) continue;
    detail::Schedule s;
    s.blk_m = i == 0 ? 128 : 256;
    s.stream_k = true;
    most = std::max(most, detail::stream_k_workspace_bound(w, max_m, s, dev.sm_count));
  }
  return most;
}

std::vector<std::string> list_schedules(WeightType wtype, ActType act) {
  std::vector<std::string> names;
  for (const detail::Schedule& s : detail::all_schedules()) {
    if (detail::find_gemm_kernel(act, wtype, s.blk_m, s.ctas_per_sm).launch != nullptr) names.push_back(detail::schedule_name(s));
  }
  return names;
}

std::string select_schedule(const WeightDesc& in, int64_t m) {
  detail::DeviceInfo dev;
  if (!check_weight_desc(in).ok() || !detail::current_device_info(&dev).ok()) return "";
  return detail::schedule_name(detail::auto_schedule(detail::normalize(in), m, dev));
}

std::string select_schedule_with_table(const TuningTable& table, const WeightDesc& in, int64_t m, int sm_count) {
  if (!check_weight_desc(in).ok() || m <= 0 || sm_count <= 0) return "";
  return detail::schedule_name(detail::schedule_from_table(table, detail::normalize(in), m, sm_count));
}

Status mm(const GemmArgs& args, cudaStream_t stream) {
  detail::ResolvedGemm r;
  Status st = detail::resolve_gemm(args, &r);
  if (!st.ok() || args.m == 0) return st;

  const detail::LaunchPlan& plan = r.plan;
  kernels::GemmParams p{};
  st = detail::make_x_tensor_map(&p.x_map, args.x, r.w.act, args.m, r.w.k, r.ldx, plan.schedule.blk_m);
  if (!st.ok()) return st;
  const int bits = weight_bits(r.w.wtype);
  const layout::Sections sec = layout::sections(bits, has_zero_points(r.w.wtype), r.w.n, r.w.k, r.w.groups());
  const uint8_t* packed = static_cast<const uint8_t*>(args.packed);
  p.weights = packed + sec.weights_offset;
  p.scales = reinterpret_cast<const uint16_t*>(packed + sec.scales_offset);
  p.zeros = has_zero_points(r.w.wtype) ? reinterpret_cast<const uint16_t*>(packed + sec.zeros_offset) : nullptr;
  p.bias = static_cast<const uint16_t*>(args.bias);
  p.m = args.m;
  p.n = r.w.n;
  p.k = r.w.k;
  p.ldy = r.ldy;
  p.group_size = int(r.w.group_size);
  p.groups = int(r.w.groups());
  p.group_div = kernels::MultiplyShiftDivider::make(p.group_size);
  p.k_tiles_per_split = plan.k_tiles_per_split;
  p.n_tiles = int((r.w.n + detail::kBlockN - 1) / detail::kBlockN);
  p.dp_tiles = int(plan.dp_tiles);  // < 2^31: resolve_gemm checked the grid size
  p.sk_tiles = int(plan.sk_tiles);
  p.sk_splits = plan.splits;
  p.extra_split_tiles = int(plan.extra_split_tiles);
  p.k_tiles_per_extra_split = plan.k_tiles_per_extra_split;
  p.work_items = int(plan.work_items);
  if (plan.stream_k_iters_per_cta > 0)  // else per_cta 0: no stream-K
    p.stream_k = kernels::StreamKShape::make(int(r.w.k / 64), plan.stream_k_iters_per_cta,
                                            int(plan.stream_k_iters));  // < work_items
  p.y = static_cast<uint16_t*>(args.y);
  p.cluster_splits = plan.cluster_splitk && detail::cluster_splitk_enabled() ? plan.splits : 0;
  if (plan.sk_tiles > 0) {
    p.tile_counters = static_cast<uint32_t*>(args.workspace);
    p.partials = reinterpret_cast<float*>(static_cast<uint8_t*>(args.workspace) + plan.counters_bytes);
  }
#ifdef MIXGEMM_TIMELINE
  p.timeline = detail::timeline_take(plan.ctas);
#endif
  const bool pdl = pdl_enabled();
  const detail::GemmLauncher launch =
      detail::find_gemm_kernel(r.w.act, r.w.wtype, plan.schedule.blk_m, plan.schedule.ctas_per_sm).launch;
  const bool pin = pinning_enabled();
  cudaError_t e = launch(p, plan.ctas, r.device, stream, pdl, plan.one_cta_per_sm, pin);
  if (e != cudaSuccess) return cuda_failure("mixgemm::mm: GEMM launch failed", e);
  detail::t_last_cluster_splits = p.cluster_splits;
  if (log_schedules()) {
    std::fprintf(stderr,
                 "[mixgemm] mm m=%lld n=%lld k=%lld act=%s wtype=%s group=%lld schedule=%s%s splits=%d clusters=%d "
                 "ctas=%lld pinned=%d table=%s\n",
                 (long long)args.m, (long long)r.w.n, (long long)r.w.k, to_string(r.w.act), to_string(r.w.wtype),
                 (long long)r.w.group_size, r.auto_schedule ? "auto:" : "",
                 detail::schedule_name(plan.schedule).c_str(), plan.splits, p.cluster_splits, (long long)plan.ctas,
                 int(plan.one_cta_per_sm && pin), tuning_table_source().c_str());
  }
  return Status::success();
}

Status prepack(const PrepackArgs& in, cudaStream_t stream) {
  Status st = detail::check_prepack_args(in, "mixgemm::prepack");
  if (!st.ok()) return st;
  detail::DeviceInfo dev;
  if (!(st = detail::current_device_info(&dev)).ok()) return st;
  if (!(st = detail::check_device_supported(dev)).ok()) return st;
  PrepackArgs a = in;
  a.w = detail::normalize(in.w);
  const cudaError_t e = detail::launch_prepack(a, stream);
  if (e != cudaSuccess) return cuda_failure("mixgemm::prepack: launch failed", e);
  return Status::success();
}

}  // namespace mixgemm
