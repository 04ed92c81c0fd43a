// Shape tables of mixgemm-bench: the model layers of the default sweep, the M lists and the
// decode layer-stack definitions. GPU-free (part of mixgemm_bench_core).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mixgemm::bench {

// One linear layer: Y[M, N] = X[M, K] . W[K, N].
struct Layer {
  std::string name;  // "8b.qkv", "70b.down", "8192x8192" (KxN for square / custom shapes)
  int64_t k = 0;
  int64_t n = 0;
};

// A transformer's linear-layer dimensions at tensor parallelism 1.
struct ModelSpec {
  std::string key;          // "8b", "70b": what --models takes and what layer names start with
  std::string name;         // "llama-3.1-8b"
  int64_t hidden = 0;       // model width: K of qkv, o and gate_up; N of o and down
  int64_t qkv_n = 0;        // (heads + 2 * kv_heads) * head_dim
  int64_t intermediate = 0; // MLP width: K of down; gate_up's N is 2x this (gate and up fused)
  int depth = 0;            // decoder layers (the stack mode scales its per-layer time to this)
};

// Llama-3.1-8B and Llama-3.1-70B (Llama-3-70B and 3.3-70B share the dims).
const std::vector<ModelSpec>& model_specs();
// The spec with this key or name ("8b", "llama-3.1-8b", "llama3.1-8b"), or null.
const ModelSpec* find_model(const std::string& key_or_name);

// The model's four linear layers in execution order: qkv, o, gate_up, down.
std::vector<Layer> model_layers(const ModelSpec& model);

// A square or custom layer named "KxN".
Layer shape_layer(int64_t k, int64_t n);

// The extra 8192 x 8192 layer of the default sweep; --models takes it under this key.
constexpr const char* kSquareKey = "square";
constexpr int64_t kSquareDim = 8192;

// --models default: both Llama models and the square layer.
std::vector<std::string> default_model_keys();
// Every key --models accepts, for error messages and --help.
std::vector<std::string> known_model_keys();

// M = 1 ... 8192 in powers of two (the default sweep).
std::vector<int64_t> default_m_list();
// --quick: a smoke test that still covers the memory-bound, transition and compute-bound regimes.
std::vector<int64_t> quick_m_list();
std::vector<Layer> quick_layers();

// Decode layer-stack mode: batch sizes B of one decode step.
std::vector<int64_t> stack_batches();
std::vector<int64_t> quick_stack_batches();

// One GEMM of a decoder layer in the stack. It reads the output of GEMM `input` of the same layer
// (or, for input == -1, the previous layer's last output, or the stack's input for layer 0) with
// row stride ldx >= k: that emulates what sits between the GEMMs (attention between qkv and o,
// the gated activation between gate_up and down) by reading the first k columns.
struct StackGemm {
  Layer layer;
  int64_t ldx = 0;
  int input = -1;
};

// qkv -> o -> gate_up -> down of one decoder layer; every GEMM reads the previous one's output.
std::vector<StackGemm> stack_gemms(const ModelSpec& model);

}  // namespace mixgemm::bench
