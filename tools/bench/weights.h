// Test data of the bench: quantized weights from the CPU reference (mixgemm::ref::make_weights),
// their prepacked copies on the GPU (through the public mixgemm::prepack, like any user), and
// the dequantized dense weight the cuBLAS baseline multiplies by.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>
#include <vector>

#include "device_buffer.h"
#include "mixgemm/mixgemm.h"
#include "mixgemm_ref.h"

namespace mixgemm::bench {

// A layer's weights on the host.
struct HostWeights {
  ref::QuantizedWeights q;
  std::vector<float> dequant;  // W[K][N] as the kernels define it (ref::dequantize)
};

// Random weights (ref::Distribution::random). With `unit_gain`, the scales are multiplied by
// 1 / (rms(W) * sqrt(K)) so that Y = X . W has about the magnitude of X: a chain of GEMMs (the
// layer stack) then neither overflows fp16/bf16 nor decays to zero, as in a trained model.
HostWeights make_host_weights(const WeightDesc& w, uint64_t seed, bool unit_gain);

// Uploads the reference's inputs and prepacks them on the GPU into a new buffer
// (prepacked_bytes(w)). Synchronises: the weights are complete before any mm() reads them
// (mm() may prefetch weights under PDL before the preceding kernel finishes).
DeviceBuffer prepack_on_device(const ref::QuantizedWeights& q, cudaStream_t stream);

// The dequantized weight as Wt[N][K] in the activation type (the nn.Linear layout the cuBLAS
// baseline reads), on the device.
DeviceBuffer dense_on_device(const HostWeights& hw, cudaStream_t stream);

// `count` copies of `src` in new buffers (device-to-device), synchronised.
std::vector<DeviceBuffer> replicate(const DeviceBuffer& src, int count, cudaStream_t stream);

// Copies a host vector into a new device buffer, synchronised.
template <typename T>
DeviceBuffer upload(const std::vector<T>& v, cudaStream_t stream) {
  DeviceBuffer b(v.size() * sizeof(T));
  if (!v.empty()) {
    BENCH_CUDA_CHECK(cudaMemcpyAsync(b.get(), v.data(), b.bytes(), cudaMemcpyHostToDevice, stream));
    BENCH_CUDA_CHECK(cudaStreamSynchronize(stream));
  }
  return b;
}

// How many copies of a `bytes`-sized buffer make a working set larger than 2x the L2, so each
// call reads its weights from HBM as in a model whose layers do not fit in L2.
int rotation_count(size_t bytes, size_t l2_bytes);

// The activation type's quiet NaN in every element: unwritten outputs show up in the check.
void poison(void* p, size_t bytes, cudaStream_t stream);

}  // namespace mixgemm::bench
