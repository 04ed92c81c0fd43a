// The per-shape sweep: for each type configuration, layer and M, mixgemm::mm (per schedule)
// and the cuBLASLt dense baseline, each spot-checked against the CPU reference, then timed with
// CUDA graphs over rotated weight copies (cold L2).
#pragma once

#include "context.h"

namespace mixgemm::bench {

void run_sweep(Context& ctx);

}  // namespace mixgemm::bench
