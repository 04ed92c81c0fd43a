#include "host/validate.h"

#include <cstdint>
#include <sstream>
#include <string>

#include "common/prepacked_layout.h"
#include "host/device_info.h"
#include "host/kernel_registry.h"
#include "host/tuning_table.h"
#include "kernels/gemm_params.h"

namespace mixgemm::detail {

namespace {

// Sizes that fit the kernels' 32-bit TMA coordinates and tile indices.
constexpr int64_t kMaxDim = (int64_t(1) << 31) - 1;
// TMA global strides must be below 2^40 bytes.
constexpr int64_t kMaxStrideBytes = int64_t(1) << 40;

std::string ptr_str(const void* p) {
  std::ostringstream os;
  os << p;
  return os.str();
}

bool aligned(const void* p, uintptr_t a) { return reinterpret_cast<uintptr_t>(p) % a == 0; }

Status check_pointer(const char* fn, const char* name, const void* p, uintptr_t align, bool required) {
  if (p == nullptr) {
    if (required) return Status::invalid(std::string(fn) + ": " + name + " is null");
    return Status::success();
  }
  if (!aligned(p, align)) {
    return Status::invalid(std::string(fn) + ": " + name + "=" + ptr_str(p) + " is not " + std::to_string(align) +
                           "-byte aligned");
  }
  return Status::success();
}

bool valid_enum(WeightType t) { return int(t) >= 0 && int(t) <= 3; }
bool valid_enum(ActType t) { return int(t) >= 0 && int(t) <= 1; }

}  // namespace

WeightDesc normalize(const WeightDesc& w) {
  WeightDesc n = w;
  if (n.group_size == -1) n.group_size = n.k;
  return n;
}

}  // namespace mixgemm::detail

namespace mixgemm {

Status check_weight_desc(const WeightDesc& in) {
  using detail::normalize;
  using detail::valid_enum;
  using detail::kMaxDim;
  const WeightDesc w = normalize(in);
  if (!valid_enum(w.wtype)) return Status::invalid("wtype=" + std::to_string(int(w.wtype)) + " is not a WeightType");
  if (!valid_enum(w.act)) return Status::invalid("act=" + std::to_string(int(w.act)) + " is not an ActType");
  if (w.n <= 0 || w.k <= 0)
    return Status::invalid("n=" + std::to_string(w.n) + ", k=" + std::to_string(w.k) + ": both must be positive");
  if (w.n > kMaxDim || w.k > kMaxDim)
    return Status::invalid("n=" + std::to_string(w.n) + ", k=" + std::to_string(w.k) + " exceed 2^31-1");
  // 64 x 64 is the prepacked tile (one consumer warpgroup's wgmma A operand for 4 k16 steps).
  if (w.n % layout::kTileN != 0)
    return Status::invalid("n=" + std::to_string(w.n) + " is not a multiple of 64 (the prepacked tile)");
  if (w.k % layout::kTileK != 0)
    return Status::invalid("k=" + std::to_string(w.k) + " is not a multiple of 64 (the prepacked tile)");
  if (w.group_size <= 0)
    return Status::invalid("group_size=" + std::to_string(in.group_size) + " must be positive, or -1 for channel-wise");
  if (w.k % w.group_size != 0)
    return Status::invalid("k=" + std::to_string(w.k) + " is not a multiple of group_size=" + std::to_string(w.group_size));
  // A 64-deep K tile holds either whole groups of 32 or lies inside one group.
  if (w.group_size != 32 && w.group_size % 64 != 0)
    return Status::invalid("group_size=" + std::to_string(w.group_size) +
                           " is not supported: use 32, a multiple of 64 dividing k, or -1 (channel-wise)");
  return Status::success();
}

}  // namespace mixgemm

namespace mixgemm::detail {

Status check_prepack_args(const PrepackArgs& a, const char* fn) {
  Status st = check_weight_desc(a.w);
  if (!st.ok()) return Status::invalid(std::string(fn) + ": " + st.message);
  if (!(st = check_pointer(fn, "qweight", a.qweight, 4, true)).ok()) return st;
  if (!(st = check_pointer(fn, "scales", a.scales, 2, true)).ok()) return st;
  if (!(st = check_pointer(fn, "out", a.out, 16, true)).ok()) return st;
  if (has_zero_points(a.w.wtype) && a.zeros == nullptr)
    return Status::invalid(std::string(fn) + ": zeros is null but wtype=" + to_string(a.w.wtype) + " needs zero points");
  if (!has_zero_points(a.w.wtype) && a.zeros != nullptr)
    return Status::invalid(std::string(fn) + ": zeros given but wtype=" + to_string(a.w.wtype) +
                           " has a fixed zero point of " + std::to_string(weight_bias(a.w.wtype)));
  return Status::success();
}

Status resolve_gemm(const GemmArgs& a, ResolvedGemm* out) {
  const char* fn = "mixgemm::mm";
  Status st = check_weight_desc(a.w);
  if (!st.ok()) return Status::invalid(std::string(fn) + ": " + st.message);
  ResolvedGemm r;
  r.w = normalize(a.w);
  if (a.m < 0) return Status::invalid(std::string(fn) + ": m=" + std::to_string(a.m) + " is negative");
  if (a.m > kMaxDim) return Status::invalid(std::string(fn) + ": m=" + std::to_string(a.m) + " exceeds 2^31-1");
  r.ldx = a.ldx == 0 ? r.w.k : a.ldx;
  r.ldy = a.ldy == 0 ? r.w.n : a.ldy;
  // TMA reads X rows at 16-byte granularity; the epilogue writes Y in 16-byte vectors.
  if (r.ldx < r.w.k || r.ldx % 8 != 0 || r.ldx * 2 >= kMaxStrideBytes)
    return Status::invalid(std::string(fn) + ": ldx=" + std::to_string(r.ldx) + " must be >= k=" +
                           std::to_string(r.w.k) + ", a multiple of 8 and below 2^39");
  if (r.ldy < r.w.n || r.ldy % 8 != 0)
    return Status::invalid(std::string(fn) + ": ldy=" + std::to_string(r.ldy) + " must be >= n=" +
                           std::to_string(r.w.n) + " and a multiple of 8");

  // Schedule: named, or the heuristic (which needs the SM count, hence the device).
  Schedule sched;
  r.auto_schedule = a.schedule == nullptr || std::string(a.schedule) == "auto";
  if (!r.auto_schedule && !parse_schedule(a.schedule, &sched))
    return Status::invalid(std::string(fn) + ": schedule='" + a.schedule + "' is not a mixgemm schedule (see list_schedules())");

  if (a.m == 0) {  // a no-op: nothing is read or written
    *out = r;
    return Status::success();
  }
  if (!(st = check_pointer(fn, "packed", a.packed, 16, true)).ok()) return st;
  if (!(st = check_pointer(fn, "x", a.x, 16, true)).ok()) return st;
  if (!(st = check_pointer(fn, "y", a.y, 16, true)).ok()) return st;
  if (!(st = check_pointer(fn, "bias", a.bias, 16, false)).ok()) return st;

  // The device is needed by the heuristic (SM count); a named schedule is checked without it,
  // so argument errors are reported first on any machine.
  DeviceInfo dev;
  const Status dev_st = current_device_info(&dev);
  if (r.auto_schedule) {
    if (!dev_st.ok()) return Status{dev_st.code, std::string(fn) + ": " + dev_st.message};
    sched = auto_schedule(r.w, a.m, dev);
  }
  if (find_gemm_kernel(r.w.act, r.w.wtype, sched.blk_m, sched.ctas_per_sm).launch == nullptr)
    return Status::unsupported(std::string(fn) + ": schedule " + schedule_name(sched) + " for act=" + to_string(r.w.act) +
                               " wtype=" + to_string(r.w.wtype) + " is not compiled into this build");
  r.plan = plan_launch(r.w, a.m, sched, dev_st.ok() ? dev.sm_count : 0);
  if (r.plan.work_items > int64_t(0x7fffffff))
    return Status::invalid(std::string(fn) + ": m=" + std::to_string(a.m) + " needs " + std::to_string(r.plan.work_items) +
                           " CTAs with schedule " + schedule_name(sched) + ", more than a grid holds");
  if (r.plan.sk_tiles > kernels::kSplitKMaxTiles)
    return Status::invalid(std::string(fn) + ": schedule " + schedule_name(sched) + " at m=" + std::to_string(a.m) +
                           " splits " + std::to_string(r.plan.sk_tiles) + " output tiles; split-K schedules support at most " +
                           std::to_string(kernels::kSplitKMaxTiles) +
                           " (n/128 x ceil(m/BlkM)): use a larger token tile or no split");
  if (r.plan.workspace_bytes > 0) {
    if (!(st = check_pointer(fn, "workspace", a.workspace, 256, true)).ok())
      return Status::invalid(st.message + " (schedule " + schedule_name(sched) + " splits K and needs " +
                             std::to_string(r.plan.workspace_bytes) + " bytes; see workspace_bytes())");
    if (a.workspace_bytes < r.plan.workspace_bytes)
      return Status::invalid(std::string(fn) + ": workspace_bytes=" + std::to_string(a.workspace_bytes) + " < " +
                             std::to_string(r.plan.workspace_bytes) + " needed by schedule " + schedule_name(sched) +
                             " at m=" + std::to_string(a.m) + " (see workspace_bytes())");
  }
  if (!dev_st.ok()) return Status{dev_st.code, std::string(fn) + ": " + dev_st.message};
  if (!(st = check_device_supported(dev)).ok()) return Status{st.code, std::string(fn) + ": " + st.message};
  r.device = dev.ordinal;
  *out = r;
  return Status::success();
}

}  // namespace mixgemm::detail
