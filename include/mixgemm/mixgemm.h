// mixgemm: mixed-input GEMM for NVIDIA Hopper (sm_90a).
//
//   Y[M, N] = X[M, K] . dequant(Wq)[K, N] (+ bias[N])
//
// X and Y are row-major bf16 or fp16 (Y has the type of X); Wq holds 4- or 8-bit integers
// quantized along K in groups (see types.h for the weight types). Before use, weights are
// converted once into mixgemm's prepacked format (docs/prepacked-format.md) by prepack() on the
// GPU or prepack_host() on the CPU; both produce the same bytes.
//
// Numerics: q - z is exact in the activation type; the decode schedules multiply each group's
// fp32 sums by its scale (m8 and m16 at every group size, m32 at group sizes that are multiples
// of 64); the others dequantize each weight to the activation type first, w = round(s * (q - z))
// (one rounding). Products are
// accumulated in fp32, the bias is added in fp32 and the result is rounded once to the output
// type. Results are bitwise reproducible run to run (split-K and stream-K partials are summed in
// a fixed order; a stream-K schedule's bits depend on the device's SM count).
//
// Calling contract of mm():
//   - never allocates, never synchronises, is safe to capture in a CUDA graph;
//   - split-K and stream-K schedules need a caller-provided workspace (workspace_bytes(); a
//     stream-K one is sized for the current device). Zero-fill it once after allocating it
//     (cudaMemset): its first 32 KiB hold per-tile arrival counters that
//     every call returns to zero (the last split of each output tile to finish sums the
//     partials in split order), so one buffer serves any sequence of calls, shapes and
//     schedules on one stream. Calls that may run concurrently need separate workspaces. A
//     workspace found not zeroed gives NaN outputs (detected through its counters), not a
//     wrong sum; zero it again then. Split-K calls cover at most 8192 output tiles
//     (n/128 x ceil(m/BlkM)); larger ones are rejected with a message.
//   - with programmatic dependent launch enabled (the default, see set_pdl_enabled), mm() may
//     start reading the prepacked weights before the kernel preceding it on the stream has
//     finished: weights must not be written by that kernel (they are constant during inference;
//     after prepack(), synchronise or record/wait an event before the first mm()). X, bias and Y
//     are only touched after the preceding kernel has completed.
//   - a failed validation returns a Status naming the argument and launches nothing, leaving no
//     CUDA error state behind.
#pragma once

#include <cuda_runtime_api.h>

#include <string>
#include <vector>

#include "mixgemm/types.h"

namespace mixgemm {

// ---- Prepacked weights -----------------------------------------------------------------------

// Bytes of the prepacked buffer for `w` (weights, scales and, for u4/u8, zero points).
// Returns 0 if `w` is not a valid description (see check_weight_desc).
size_t prepacked_bytes(const WeightDesc& w);

// Validates a weight description alone: types, n and k multiples of 64, group size.
Status check_weight_desc(const WeightDesc& w);

// Inputs to prepack, in the layout quantization tools produce:
//   qweight: int32 [K * bits / 32, N], packed along K, lowest bits first (GPTQ / machete_prepack_B
//            layout: element (k, n) is bits [b*(k % (32/b)), +b) of qweight[k / (32/b)][n]);
//   scales:  [K / group_size, N] in the activation type;
//   zeros:   uint8 [K / group_size, N], integer zero points 0 <= z < 2^bits (u4 and u8 only,
//            must be null for u4b8 / u8b128).
struct PrepackArgs {
  WeightDesc w;
  const int32_t* qweight = nullptr;
  const void* scales = nullptr;
  const uint8_t* zeros = nullptr;
  void* out = nullptr;  // prepacked_bytes(w) bytes, 256-byte aligned
};

// Prepack on the GPU; all pointers are device pointers. Asynchronous on `stream`.
Status prepack(const PrepackArgs& args, cudaStream_t stream);
// Prepack on the CPU; all pointers are host pointers. Produces the same bytes as prepack().
Status prepack_host(const PrepackArgs& args);

// Inverse of prepack_host: recovers qweight, scales and zeros (host pointers; zeros only for
// u4/u8, else may be null).
struct UnpackArgs {
  WeightDesc w;
  const void* packed = nullptr;
  int32_t* qweight = nullptr;
  void* scales = nullptr;
  uint8_t* zeros = nullptr;
};
Status unpack_host(const UnpackArgs& args);

// ---- GEMM ------------------------------------------------------------------------------------

struct GemmArgs {
  WeightDesc w;
  const void* packed = nullptr;  // prepacked weights (device), from prepack()
  int64_t m = 0;                 // rows of X and Y; 0 is a no-op
  const void* x = nullptr;       // X [m, k], row stride ldx (elements), 16-byte aligned
  int64_t ldx = 0;               // >= k and a multiple of 8 (TMA needs 16-byte row strides); 0 = k
  void* y = nullptr;             // Y [m, n], row stride ldy (elements), 16-byte aligned
  int64_t ldy = 0;               // >= n and a multiple of 8; 0 = n
  const void* bias = nullptr;    // optional bias [n] in the activation type
  void* workspace = nullptr;     // workspace_bytes(...) bytes, 256-byte aligned, zero-filled once
                                 // before first use (see the contract above); may be null if 0
  size_t workspace_bytes = 0;
  const char* schedule = nullptr;  // null or "auto": heuristic; else a name from list_schedules()
};

// Full validation of a GEMM call, including the current device (must be sm_90) and that the
// requested schedule is compiled in. mm() runs the same checks.
Status can_implement(const GemmArgs& args);

// Workspace needed by mm() for any m' <= max_m with this weight description and schedule
// (null/"auto" = the heuristic). Size it once for the largest batch and reuse it.
size_t workspace_bytes(const WeightDesc& w, int64_t max_m, const char* schedule = nullptr);

// Launches the GEMM on `stream`.
Status mm(const GemmArgs& args, cudaStream_t stream);

// ---- Schedules -------------------------------------------------------------------------------

// Names of the compiled schedules for the given types (e.g. "sm90_ws_n128_m64" and split-K
// forms "sm90_ws_n128_m64_sk4"). The names spell out the tile: n = weight rows per CTA,
// m = token columns per CTA, o2 = two CTAs per SM, sk = fixed split-K factor, dpsk = split of
// the last partial wave only, p = persistent grid, streamk = stream-K (docs/design.md).
std::vector<std::string> list_schedules(WeightType wtype, ActType act);

// The schedule that "auto" picks for this problem on the current device (selection table, else
// the heuristic).
std::string select_schedule(const WeightDesc& w, int64_t m);

// ---- Selection tables ------------------------------------------------------------------------
// "auto" first looks the problem up in a selection table: the fastest schedule measured per
// (types, group size, K, N, M) on one GPU model, written by mixgemm-tune (docs/tuning.md). The
// table in use is the file named by the environment variable MIXGEMM_TUNING_TABLE if set, else
// the built-in table measured on a GPU of the current device's name and SM count, else none (the
// heuristic alone decides). Problems between tuned points take the nearest tuned shape's token
// tile and occupancy; see docs/tuning.md for the exact rule.
struct TunedPoint {
  ActType act = ActType::bf16;
  WeightType wtype = WeightType::u4b8;
  int64_t group_size = 128;  // as used: K for channel-wise
  int64_t k = 0, n = 0, m = 0;
  std::string schedule;      // the fastest schedule measured at this point (a list_schedules() name)
  double us = 0;             // its time
};
struct TuningTable {
  std::string device;  // cudaDeviceProp::name of the GPU it was measured on
  int sm_count = 0;
  std::vector<TunedPoint> points;
};
// The table's text form (docs/tuning.md), and back. parse_tuning_table reports the first bad
// line by number.
std::string format_tuning_table(const TuningTable& table);
Status parse_tuning_table(const std::string& text, TuningTable* out);
// The schedule "auto" would pick with `table` on a GPU of `sm_count` SMs, computed on the host
// without a GPU (offline evaluation of a table: mixgemm-tune --evaluate). "" for an invalid
// weight description.
std::string select_schedule_with_table(const TuningTable& table, const WeightDesc& w, int64_t m, int sm_count);
// Replaces the table "auto" uses in this process: a file path, "" for no table (heuristic only),
// or null to return to the default (MIXGEMM_TUNING_TABLE, then the built-in tables).
Status use_tuning_table(const char* path);
// Where the current device's table comes from: "file:<path>", "builtin:<file>" or "none". A GPU
// model without a built-in table of its own takes one of another model with the same SM count:
// "builtin:<file> (measured on <model>; none for <this model>)".
std::string tuning_table_source();

// Programmatic dependent launch (PDL) on mixgemm's launches: on by default; the environment
// variable MIXGEMM_PDL=0 or this switch turns it off (process-wide).
void set_pdl_enabled(bool enabled);
bool pdl_enabled();

// Pinning: a two-CTA-per-SM decode schedule whose grid holds at most one CTA per SM is launched
// with just over half an SM's shared memory, so that no SM runs two of its CTAs whatever ran
// before it, while the next GEMM's CTAs still start beside it (docs/design.md). On by default;
// MIXGEMM_PINNING=0 in the environment or this switch turns it off (process-wide). The results
// are the same bits either way, and such a grid sums its split tiles the same way (clusters
// only where they fit pinned). mixgemm-tune times with it off (docs/tuning.md).
void set_pinning_enabled(bool enabled);
bool pinning_enabled();

// MIXGEMM_LOG_SCHEDULE=1 in the environment prints the chosen schedule of every mm() call to
// stderr.

}  // namespace mixgemm
