#include "weights.h"

#include <algorithm>
#include <cmath>
#include <thread>

#include "check.h"

namespace mixgemm::bench {

namespace {

// Runs f(begin, end) over [0, n) on all cores: the host-side data preparation of the largest
// layers (470 M weights for 70B's gate_up) would otherwise dominate the run.
template <typename F>
void parallel_for(int64_t n, F f) {
  const int64_t threads = std::max(1u, std::min(32u, std::thread::hardware_concurrency()));
  const int64_t chunk = (n + threads - 1) / threads;
  std::vector<std::thread> pool;
  for (int64_t b = 0; b < n; b += chunk) pool.emplace_back(f, b, std::min(n, b + chunk));
  for (std::thread& t : pool) t.join();
}

// rms of the dequantized weight from a strided sample of (k, n) points (exact enough to set a
// gain; avoids a second full dequantization).
double sampled_rms(const ref::QuantizedWeights& q) {
  const int64_t k = q.w.k, n = q.w.n;
  const int64_t total = k * n, samples = std::min<int64_t>(total, 1 << 20);
  const int64_t step = std::max<int64_t>(1, total / samples);
  double sum = 0;
  int64_t count = 0;
  // An odd step relative to N walks the columns as well as the rows.
  for (int64_t i = 0; i < total; i += step | 1) {
    const int64_t kk = i / n, nn = i % n;
    const double v = q.scale(kk, nn) * (q.q(kk, nn) - q.zero(kk, nn));
    sum += v * v;
    ++count;
  }
  return std::sqrt(sum / std::max<int64_t>(1, count));
}

}  // namespace

HostWeights make_host_weights(const WeightDesc& w, uint64_t seed, bool unit_gain) {
  HostWeights hw;
  hw.q = ref::make_weights(w, seed, ref::Distribution::random);
  if (unit_gain) {
    const double rms = sampled_rms(hw.q);
    const double gain = rms > 0 ? 1.0 / (rms * std::sqrt(static_cast<double>(w.k))) : 1.0;
    for (uint16_t& s : hw.q.scales)
      s = ref::float_to_act(static_cast<float>(ref::act_to_float(s, w.act) * gain), w.act);
  }
  hw.dequant = ref::dequantize(hw.q);
  return hw;
}

DeviceBuffer prepack_on_device(const ref::QuantizedWeights& q, cudaStream_t stream) {
  DeviceBuffer qweight = upload(q.qweight, stream);
  DeviceBuffer scales = upload(q.scales, stream);
  DeviceBuffer zeros = upload(q.zeros, stream);
  const size_t bytes = prepacked_bytes(q.w);
  if (bytes == 0) BENCH_MIXGEMM_CHECK(check_weight_desc(q.w));  // names the bad field
  DeviceBuffer out(bytes);
  PrepackArgs a;
  a.w = q.w;
  a.qweight = qweight.as<int32_t>();
  a.scales = scales.get();
  a.zeros = has_zero_points(q.w.wtype) ? zeros.as<uint8_t>() : nullptr;
  a.out = out.get();
  BENCH_MIXGEMM_CHECK(prepack(a, stream));
  BENCH_CUDA_CHECK(cudaStreamSynchronize(stream));
  return out;
}

DeviceBuffer dense_on_device(const HostWeights& hw, cudaStream_t stream) {
  const int64_t k = hw.q.w.k, n = hw.q.w.n;
  const ActType act = hw.q.w.act;
  std::vector<uint16_t> wt(static_cast<size_t>(k * n));
  // Blocked transpose W[K][N] -> Wt[N][K]; values are already rounded to the activation type,
  // so the conversion is exact.
  constexpr int64_t B = 64;
  parallel_for((n + B - 1) / B, [&](int64_t nb0, int64_t nb1) {
    for (int64_t nb = nb0; nb < nb1; ++nb)
      for (int64_t k0 = 0; k0 < k; k0 += B)
        for (int64_t j = nb * B; j < std::min(n, nb * B + B); ++j)
          for (int64_t i = k0; i < std::min(k, k0 + B); ++i)
            wt[j * k + i] = ref::float_to_act(hw.dequant[i * n + j], act);
  });
  return upload(wt, stream);
}

std::vector<DeviceBuffer> replicate(const DeviceBuffer& src, int count, cudaStream_t stream) {
  std::vector<DeviceBuffer> copies;
  for (int i = 0; i < count; ++i) {
    copies.emplace_back(src.bytes());
    BENCH_CUDA_CHECK(cudaMemcpyAsync(copies.back().get(), src.get(), src.bytes(), cudaMemcpyDeviceToDevice, stream));
  }
  BENCH_CUDA_CHECK(cudaStreamSynchronize(stream));
  return copies;
}

int rotation_count(size_t bytes, size_t l2_bytes) {
  if (bytes == 0) return 1;
  return static_cast<int>(2 * l2_bytes / bytes + 1);  // count * bytes > 2 * L2
}

void poison(void* p, size_t bytes, cudaStream_t stream) {
  // 0xFFFF is a NaN in both bf16 and fp16.
  BENCH_CUDA_CHECK(cudaMemsetAsync(p, 0xFF, bytes, stream));
}

}  // namespace mixgemm::bench
