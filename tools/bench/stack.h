// Decode layer-stack mode: one decode step's linear layers of a model (per decoder layer
// qkv -> o -> gate_up -> down, each reading the previous one's output) back to back in one CUDA
// graph, mixgemm against cuBLASLt on the dequantized weights, for each batch size B.
//
// Each layer has its own weight buffers, as in a real model, for as many layers as fit in
// memory (the same count for both); the time per layer is scaled to the model's full depth.
// Result rows: layer = "stack:<model>", M = B, N = the summed N*K of the GEMMs over the full
// depth and K = 1 (so 2*M*N*K stays the flop count), us = the time per token of the GEMMs.
#pragma once

#include "context.h"

namespace mixgemm::bench {

void run_stack(Context& ctx);

}  // namespace mixgemm::bench
