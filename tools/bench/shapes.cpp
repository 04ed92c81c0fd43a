#include "shapes.h"

namespace mixgemm::bench {

const std::vector<ModelSpec>& model_specs() {
  // From the models' config.json: hidden_size, num_attention_heads * head_dim (128) plus two
  // num_key_value_heads * head_dim (8 KV heads: 1024 for 8B, 1024 for 70B at head_dim 128),
  // intermediate_size and num_hidden_layers. The Llama-3.1 pair is the default; the others
  // (other vendors' layer shapes in the same four-GEMM order, none of them tuned) check how
  // the selection carries to untuned shapes, in the stack mode as in the sweep.
  static const std::vector<ModelSpec> specs = {
      {"8b", "llama-3.1-8b", 4096, 4096 + 2 * 1024, 14336, 32},
      {"70b", "llama-3.1-70b", 8192, 8192 + 2 * 1024, 28672, 80},
      {"q7b", "qwen2.5-7b", 3584, 3584 + 2 * 512, 18944, 28},           // 28 heads, 4 KV heads
      {"l2-13b", "llama-2-13b", 5120, 3 * 5120, 13824, 40},             // 40 heads, no GQA
      {"q32b", "qwen2.5-32b", 5120, 5120 + 2 * 1024, 27648, 64},        // 40 heads, 8 KV heads
      {"phi3m", "phi-3-medium", 5120, 5120 + 2 * 1280, 17920, 40},      // 40 heads, 10 KV heads
  };
  return specs;
}

const ModelSpec* find_model(const std::string& key_or_name) {
  for (const ModelSpec& m : model_specs()) {
    if (key_or_name == m.key || key_or_name == m.name) return &m;
    // "llama3.1-8b" without the dash after "llama" is a common spelling too.
    if (m.name.rfind("llama-", 0) == 0) {
      std::string undashed = m.name;
      undashed.erase(5, 1);
      if (key_or_name == undashed) return &m;
    }
  }
  return nullptr;
}

std::vector<Layer> model_layers(const ModelSpec& model) {
  const std::string p = model.key + ".";
  return {
      {p + "qkv", model.hidden, model.qkv_n},
      {p + "o", model.hidden, model.hidden},
      {p + "gate_up", model.hidden, 2 * model.intermediate},
      {p + "down", model.intermediate, model.hidden},
  };
}

Layer shape_layer(int64_t k, int64_t n) {
  return {std::to_string(k) + "x" + std::to_string(n), k, n};
}

std::vector<std::string> default_model_keys() { return {"8b", "70b", kSquareKey}; }

std::vector<std::string> known_model_keys() {
  std::vector<std::string> keys;
  for (const ModelSpec& m : model_specs()) keys.push_back(m.key);
  keys.insert(keys.begin() + 2, kSquareKey);  // the defaults first
  return keys;
}

std::vector<int64_t> default_m_list() {
  std::vector<int64_t> ms;
  for (int64_t m = 1; m <= 8192; m *= 2) ms.push_back(m);
  return ms;
}

std::vector<int64_t> quick_m_list() { return {1, 16, 256}; }

std::vector<Layer> quick_layers() {
  return {shape_layer(kSquareDim, kSquareDim), model_layers(*find_model("8b"))[1]};
}

std::vector<int64_t> stack_batches() { return {1, 4, 16, 64}; }
std::vector<int64_t> quick_stack_batches() { return {1, 16}; }

std::vector<StackGemm> stack_gemms(const ModelSpec& model) {
  const std::vector<Layer> l = model_layers(model);
  return {
      {l[0], model.hidden, -1},           // qkv reads the layer input
      {l[1], model.qkv_n, 0},             // o reads the first hidden columns of qkv's output
      {l[2], model.hidden, 1},            // gate_up reads o's output
      {l[3], 2 * model.intermediate, 2},  // down reads the first half of gate_up's output
  };
}

}  // namespace mixgemm::bench
