#include "spotcheck.h"

#include <algorithm>
#include <cstdio>
#include <thread>

#include "check.h"
#include "mixgemm_ref.h"

namespace mixgemm::bench {

namespace {
constexpr int64_t kMaxRows = 64;
constexpr double kMaxMultiplyAdds = 4e9;  // ~0.5 s on 16 cores
}  // namespace

std::vector<int64_t> pick_check_rows(int64_t m, int64_t n, int64_t k) {
  const double per_row = static_cast<double>(n) * static_cast<double>(k);
  const int64_t budget = std::max<int64_t>(1, static_cast<int64_t>(kMaxMultiplyAdds / per_row));
  const int64_t count = std::min({m, kMaxRows, budget});
  std::vector<int64_t> rows;
  if (count <= 0) return rows;
  if (count == 1) return {m - 1};  // the last row: the partial tile at the end of M
  for (int64_t i = 0; i < count; ++i) {
    const int64_t r = (i * (m - 1) + (count - 1) / 2) / (count - 1);  // rounded, 0 ... m-1
    if (rows.empty() || rows.back() != r) rows.push_back(r);
  }
  return rows;
}

std::vector<double> reference_rows(const uint16_t* x, int64_t ldx, const std::vector<int64_t>& rows,
                                   int64_t k, const float* w, int64_t n, ActType act) {
  const size_t nr = rows.size();
  std::vector<double> xd(nr * k);
  for (size_t r = 0; r < nr; ++r)
    for (int64_t i = 0; i < k; ++i) xd[r * k + i] = ref::act_to_float(x[rows[r] * ldx + i], act);

  std::vector<double> out(nr * n, 0.0);
  const int threads = static_cast<int>(std::max(1u, std::min(32u, std::thread::hardware_concurrency())));
  // Columns split into contiguous chunks: each thread streams W[k][chunk] once for all rows.
  const int64_t chunk = std::max<int64_t>(64, (n + threads - 1) / threads);
  std::vector<std::thread> pool;
  for (int64_t n0 = 0; n0 < n; n0 += chunk) {
    const int64_t n1 = std::min(n, n0 + chunk);
    pool.emplace_back([&, n0, n1] {
      const int64_t width = n1 - n0;
      std::vector<double> acc(nr * width, 0.0);
      for (int64_t i = 0; i < k; ++i) {
        const float* wk = w + i * n + n0;
        for (size_t r = 0; r < nr; ++r) {
          const double xv = xd[r * k + i];
          if (xv == 0.0) continue;
          double* a = acc.data() + r * width;
          for (int64_t j = 0; j < width; ++j) a[j] += xv * static_cast<double>(wk[j]);
        }
      }
      for (size_t r = 0; r < nr; ++r) std::copy_n(acc.data() + r * width, width, out.data() + r * n + n0);
    });
  }
  for (std::thread& t : pool) t.join();
  return out;
}

CheckResult check_rows(const void* y, int64_t ldy, const std::vector<int64_t>& rows, int64_t n, ActType act,
                       const std::vector<double>& ref, cudaStream_t stream) {
  std::vector<uint16_t> out(rows.size() * n);
  for (size_t r = 0; r < rows.size(); ++r) {
    const auto* src = static_cast<const uint16_t*>(y) + rows[r] * ldy;
    BENCH_CUDA_CHECK(cudaMemcpyAsync(out.data() + r * n, src, n * sizeof(uint16_t), cudaMemcpyDeviceToHost, stream));
  }
  BENCH_CUDA_CHECK(cudaStreamSynchronize(stream));
  const ref::Comparison c =
      ref::compare(out, n, ref, static_cast<int64_t>(rows.size()), n, act, /*atol=*/1e-2, /*rtol=*/1e-2);
  CheckResult res;
  res.rel_fro_err = c.rel_fro_err;
  res.max_abs_err = c.max_abs_err;
  res.nan_count = c.nan_count;
  res.rows = rows.size();
  res.pass = c.nan_count == 0 && c.rel_fro_err <= kMaxRelFroErr;
  char buf[256];
  std::snprintf(buf, sizeof buf, "rel_fro_err %.3g (limit %.0e), max_abs_err %.3g, NaN/Inf %lld, %zu rows checked",
                c.rel_fro_err, kMaxRelFroErr, c.max_abs_err, static_cast<long long>(c.nan_count), rows.size());
  res.text = buf;
  return res;
}

}  // namespace mixgemm::bench
