#include "gemm_harness.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <random>
#include <sstream>

#include "kernels/gemm_params.h"

namespace mixgemm::test {

bool have_sm90() {
  static const bool ok = [] {
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess || n == 0) {
      cudaGetLastError();
      return false;
    }
    cudaDeviceProp p{};
    if (cudaGetDeviceProperties(&p, 0) != cudaSuccess) return false;
    return p.major == 9 && p.minor == 0;
  }();
  return ok;
}

DeviceBuffer::DeviceBuffer(size_t n) : bytes(n) {
  if (n > 0 && cudaMalloc(&ptr, n) != cudaSuccess) {
    ptr = nullptr;
    ADD_FAILURE() << "cudaMalloc(" << n << ") failed";
  }
}
DeviceBuffer::~DeviceBuffer() {
  if (ptr) cudaFree(ptr);
}

Tolerance gemm_tolerance(ActType act, int64_t k, double max_abs_w) {
  const double rtol = act == ActType::bf16 ? 2.0 * std::ldexp(1.0, -8) : 2.0 * std::ldexp(1.0, -11);
  const double atol = double(k) * std::ldexp(1.0, -22) * max_abs_w;
  return {rtol, atol};
}

// The weight numerics of the schedule mm() runs (mixgemm.h, Numerics), by the kernels' own rule
// (kernels::scales_fp32_sums): tiles that scale fp32 sums never round a weight.
ref::WeightRounding weight_rounding(const WeightDesc& w, int64_t m, const char* schedule) {
  const std::string name = schedule != nullptr && std::string(schedule) != "auto" ? schedule : select_schedule(w, m);
  const size_t at = name.find("_m");
  const int blk_m = at == std::string::npos ? 0 : std::atoi(name.c_str() + at + 2);
  const int64_t group = w.group_size > 0 ? w.group_size : w.k;
  const bool scaled_sums = blk_m > 0 && kernels::scales_fp32_sums(blk_m, group);
  return scaled_sums ? ref::WeightRounding::none : ref::WeightRounding::to_activation;
}

uint64_t fresh_seed() {
  static std::random_device rd;
  return (uint64_t(rd()) << 32) ^ rd();
}

std::string describe(const CaseSpec& s) {
  std::ostringstream os;
  os << "act=" << to_string(s.act) << " wtype=" << to_string(s.wtype) << " group=" << s.group << " m=" << s.m
     << " n=" << s.n << " k=" << s.k << " ldx_pad=" << s.ldx_pad << " ldy_pad=" << s.ldy_pad << " bias=" << s.bias
     << " dist=" << (s.dist == ref::Distribution::random ? "random" : "exact_small")
     << " schedule=" << (s.schedule ? s.schedule : "auto") << " seed=" << s.seed;
  return os.str();
}

void run_case(const CaseSpec& spec_in, CaseResult* res, int runs) {
  CaseSpec spec = spec_in;
  if (spec.seed == 0) spec.seed = fresh_seed();
  res->repro = describe(spec);
  SCOPED_TRACE(res->repro);

  WeightDesc w;
  w.wtype = spec.wtype;
  w.act = spec.act;
  w.n = spec.n;
  w.k = spec.k;
  w.group_size = spec.group == -1 ? spec.k : spec.group;
  const ref::QuantizedWeights qw = ref::make_weights(w, spec.seed, spec.dist);
  const int64_t ldx = spec.k + spec.ldx_pad;
  const std::vector<uint16_t> x = ref::make_activations(spec.m, spec.k, ldx, spec.act, spec.seed + 1, spec.dist);
  std::vector<uint16_t> bias;
  if (spec.bias) {
    std::mt19937_64 rng(spec.seed + 2);
    for (int64_t i = 0; i < spec.n; ++i)
      bias.push_back(ref::float_to_act(float(int64_t(rng() % 17) - 8) * 0.25f, spec.act));
  }

  // Weights through the GPU prepack (the path users take).
  w.group_size = spec.group;  // exercise the API's own normalization of -1
  DeviceBuffer d_q(qw.qweight.size() * 4), d_s(qw.scales.size() * 2), d_z(std::max<size_t>(qw.zeros.size(), 1));
  const size_t packed_bytes = prepacked_bytes(w);
  ASSERT_GT(packed_bytes, 0u);
  DeviceBuffer d_packed(packed_bytes);
  CUDA_OK(cudaMemcpy(d_q.ptr, qw.qweight.data(), d_q.bytes, cudaMemcpyHostToDevice));
  CUDA_OK(cudaMemcpy(d_s.ptr, qw.scales.data(), d_s.bytes, cudaMemcpyHostToDevice));
  if (!qw.zeros.empty()) CUDA_OK(cudaMemcpy(d_z.ptr, qw.zeros.data(), qw.zeros.size(), cudaMemcpyHostToDevice));
  PrepackArgs pa;
  pa.w = w;
  pa.qweight = d_q.as<int32_t>();
  pa.scales = d_s.ptr;
  pa.zeros = qw.zeros.empty() ? nullptr : d_z.as<uint8_t>();
  pa.out = d_packed.ptr;
  Status st = prepack(pa, nullptr);
  ASSERT_TRUE(st.ok()) << st.message;
  CUDA_OK(cudaDeviceSynchronize());

  const int64_t ldy = spec.n + spec.ldy_pad;
  DeviceBuffer d_x(x.size() * 2), d_y(size_t(spec.m) * ldy * 2 + 16), d_bias(bias.size() * 2 + 16);
  CUDA_OK(cudaMemcpy(d_x.ptr, x.data(), x.size() * 2, cudaMemcpyHostToDevice));
  if (spec.bias) CUDA_OK(cudaMemcpy(d_bias.ptr, bias.data(), bias.size() * 2, cudaMemcpyHostToDevice));
  const bool own_ws = spec.workspace == nullptr;
  const size_t ws_bytes = own_ws ? workspace_bytes(w, spec.m, spec.schedule) : spec.workspace_bytes;
  DeviceBuffer d_ws(own_ws ? ws_bytes : 0);
  if (own_ws && ws_bytes > 0) CUDA_OK(cudaMemset(d_ws.ptr, 0, ws_bytes));

  GemmArgs ga;
  ga.w = w;
  ga.packed = d_packed.ptr;
  ga.m = spec.m;
  ga.x = d_x.ptr;
  ga.ldx = ldx;
  ga.y = d_y.ptr;
  ga.ldy = ldy;
  ga.bias = spec.bias ? d_bias.ptr : nullptr;
  ga.workspace = own_ws ? d_ws.ptr : spec.workspace;
  ga.workspace_bytes = ws_bytes;
  ga.schedule = spec.schedule;

  const uint16_t nan = ref::act_nan(spec.act);
  const std::vector<uint16_t> poison(size_t(spec.m) * ldy, nan);
  std::vector<uint16_t> first, full(poison.size());
  for (int r = 0; r < runs; ++r) {
    CUDA_OK(cudaMemcpy(d_y.ptr, poison.data(), poison.size() * 2, cudaMemcpyHostToDevice));
    st = mm(ga, nullptr);
    ASSERT_TRUE(st.ok()) << st.message;
    CUDA_OK(cudaDeviceSynchronize());
    CUDA_OK(cudaMemcpy(full.data(), d_y.ptr, full.size() * 2, cudaMemcpyDeviceToHost));
    res->out.assign(size_t(spec.m) * spec.n, 0);
    int64_t padding_written = 0;
    for (int64_t i = 0; i < spec.m; ++i) {
      std::memcpy(res->out.data() + i * spec.n, full.data() + i * ldy, size_t(spec.n) * 2);
      for (int64_t j = spec.n; j < ldy; ++j) padding_written += full[size_t(i * ldy + j)] != nan;
    }
    ASSERT_EQ(padding_written, 0) << "values written into Y's row padding; " << res->repro;
    if (r == 0) {
      first = res->out;
    } else {
      ASSERT_EQ(0, std::memcmp(first.data(), res->out.data(), first.size() * 2)) << "run " << r << " differs bitwise";
    }
  }

  if (own_ws && ws_bytes > 0) {
    std::vector<uint32_t> counters(kernels::kSplitKMaxTiles);  // the fixed counter block
    ASSERT_GE(ws_bytes, counters.size() * 4);
    CUDA_OK(cudaMemcpy(counters.data(), d_ws.ptr, counters.size() * 4, cudaMemcpyDeviceToHost));
    size_t nonzero = 0;
    for (uint32_t c : counters) nonzero += c != 0;
    EXPECT_EQ(nonzero, 0u) << "split-K arrival counters not returned to zero; " << res->repro;
  }

  const std::vector<float> wdq = ref::dequantize(qw, weight_rounding(w, spec.m, spec.schedule));
  double max_w = 0;
  for (float v : wdq) max_w = std::max(max_w, double(std::fabs(v)));
  const std::vector<double> yref = ref::gemm(x, spec.m, spec.k, ldx, wdq, spec.n, bias, spec.act);
  res->tol = gemm_tolerance(spec.act, spec.k, max_w);
  res->cmp = ref::compare(res->out, spec.n, yref, spec.m, spec.n, spec.act, res->tol.atol, res->tol.rtol);
  if (spec.dist == ref::Distribution::exact_small) {
    // Every product and partial sum is exact in fp32: the output must be the reference rounded once.
    int64_t mismatches = 0;
    for (size_t i = 0; i < yref.size(); ++i)
      mismatches += res->out[i] != ref::float_to_act(float(yref[i]), spec.act);
    EXPECT_EQ(mismatches, 0) << res->repro;
  }
}

void expect_close(const CaseResult& r) {
  EXPECT_EQ(r.cmp.nan_count, 0) << "unwritten or NaN outputs; " << r.repro;
  EXPECT_LE(r.cmp.worst_tol_ratio, 1.0) << "worst element (m=" << r.cmp.worst_m << ", n=" << r.cmp.worst_n
                                        << ") max_abs_err=" << r.cmp.max_abs_err << " rel_fro=" << r.cmp.rel_fro_err
                                        << " rtol=" << r.tol.rtol << " atol=" << r.tol.atol << "; " << r.repro;
}

bool run_and_compare(const CaseSpec& spec) {
  CaseResult r;
  run_case(spec, &r);
  if (::testing::Test::HasFatalFailure()) return false;
  expect_close(r);
  return true;
}

}  // namespace mixgemm::test
