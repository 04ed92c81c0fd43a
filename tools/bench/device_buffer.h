// Owning device and host-pinned buffers for the bench: every allocation happens in setup,
// never inside a timed region, and is freed on every path out (exceptions included).
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdio>
#include <utility>

#include "check.h"

namespace mixgemm::bench {

class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t bytes) { reset(bytes); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept : p_(std::exchange(o.p_, nullptr)), bytes_(std::exchange(o.bytes_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
      release();
      p_ = std::exchange(o.p_, nullptr);
      bytes_ = std::exchange(o.bytes_, 0);
    }
    return *this;
  }
  ~DeviceBuffer() { release(); }

  // cudaMalloc returns 256-byte aligned memory: what mm(), prepack() and TMA need.
  void reset(size_t bytes) {
    release();
    if (bytes) BENCH_CUDA_CHECK(cudaMalloc(&p_, bytes));
    bytes_ = bytes;
  }
  // Zero-fills the buffer (mixgemm's split-K workspace must be zero before its first use).
  void zero() {
    if (p_) BENCH_CUDA_CHECK(cudaMemset(p_, 0, bytes_));
  }
  void release() noexcept {
    if (p_) {
      const cudaError_t e = cudaFree(p_);
      if (e != cudaSuccess) std::fprintf(stderr, "warning: cudaFree: %s\n", cudaGetErrorString(e));
    }
    p_ = nullptr;
    bytes_ = 0;
  }
  void* get() const { return p_; }
  template <typename T>
  T* as() const { return static_cast<T*>(p_); }
  size_t bytes() const { return bytes_; }

 private:
  void* p_ = nullptr;
  size_t bytes_ = 0;
};

// RAII for the handles the timing code creates.
class Event {
 public:
  Event() { BENCH_CUDA_CHECK(cudaEventCreate(&e_)); }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  ~Event() { cudaEventDestroy(e_); }
  cudaEvent_t get() const { return e_; }

 private:
  cudaEvent_t e_ = nullptr;
};

class Stream {
 public:
  // Non-blocking: the legacy default stream cannot be captured and would serialise with it.
  Stream() { BENCH_CUDA_CHECK(cudaStreamCreateWithFlags(&s_, cudaStreamNonBlocking)); }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  ~Stream() { cudaStreamDestroy(s_); }
  cudaStream_t get() const { return s_; }

 private:
  cudaStream_t s_ = nullptr;
};

}  // namespace mixgemm::bench
