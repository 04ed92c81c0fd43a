// mixgemm public types: element types, weight descriptions and the status returned by every call.
// Plain C++17 and the CUDA runtime's stream type only: no CUTLASS, CuTe or framework headers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace mixgemm {

// Activation (and output) element type.
enum class ActType : int { bf16 = 0, fp16 = 1 };

// Quantized weight type. The value of a weight is  w = s * (q - z)  with q the stored unsigned
// integer, s the group scale and z the zero point:
//   u4b8    4-bit, z = 8 for every weight (GPTQ symmetric)
//   u4      4-bit, z an integer per (group, column) given by the caller (AWQ style)
//   u8b128  8-bit, z = 128 for every weight
//   u8      8-bit, z an integer per (group, column) given by the caller
enum class WeightType : int { u4b8 = 0, u4 = 1, u8b128 = 2, u8 = 3 };

constexpr int weight_bits(WeightType t) { return (t == WeightType::u4b8 || t == WeightType::u4) ? 4 : 8; }
constexpr bool has_zero_points(WeightType t) { return t == WeightType::u4 || t == WeightType::u8; }
// The fixed zero point of the symmetric types (0 for the types whose zero points are given).
constexpr int weight_bias(WeightType t) {
  return t == WeightType::u4b8 ? 8 : (t == WeightType::u8b128 ? 128 : 0);
}

const char* to_string(ActType t);
const char* to_string(WeightType t);
// Parse "bf16"/"fp16" and "u4b8"/"u4"/"u8b128"/"u8"; false if the name is unknown.
bool parse_act_type(const std::string& name, ActType* out);
bool parse_weight_type(const std::string& name, WeightType* out);

// Describes one quantized weight matrix W[K, N] (K = input features, N = output features).
// group_size: 32, or a multiple of 64 that divides K; group_size == K (or -1, normalized to K by
// normalize_group_size) means one scale per output column ("channel-wise").
struct WeightDesc {
  WeightType wtype = WeightType::u4b8;
  ActType act = ActType::bf16;
  int64_t n = 0;
  int64_t k = 0;
  int64_t group_size = 128;

  int64_t groups() const { return group_size > 0 ? k / group_size : 0; }
};

enum class StatusCode : int {
  ok = 0,
  invalid_argument,  // the caller's arguments break a documented requirement
  not_supported,     // valid request this build or device cannot run (not sm_90, not compiled in)
  cuda_error,        // a CUDA runtime call failed; the message carries cudaGetErrorString
};

// Every mixgemm call returns a Status. On failure, message names the argument and its values,
// e.g. "k=4100 is not a multiple of group_size=128".
struct Status {
  StatusCode code = StatusCode::ok;
  std::string message;

  bool ok() const { return code == StatusCode::ok; }
  static Status success() { return {}; }
  static Status invalid(std::string msg) { return {StatusCode::invalid_argument, std::move(msg)}; }
  static Status unsupported(std::string msg) { return {StatusCode::not_supported, std::move(msg)}; }
};

}  // namespace mixgemm
