// Names of the public enums, for messages, schedule listings and the bench's flags.
#include "mixgemm/types.h"

namespace mixgemm {

const char* to_string(ActType t) { return t == ActType::bf16 ? "bf16" : "fp16"; }

const char* to_string(WeightType t) {
  switch (t) {
    case WeightType::u4b8: return "u4b8";
    case WeightType::u4: return "u4";
    case WeightType::u8b128: return "u8b128";
    case WeightType::u8: return "u8";
  }
  return "?";
}

bool parse_act_type(const std::string& name, ActType* out) {
  if (name == "bf16") { *out = ActType::bf16; return true; }
  if (name == "fp16") { *out = ActType::fp16; return true; }
  return false;
}

bool parse_weight_type(const std::string& name, WeightType* out) {
  for (WeightType t : {WeightType::u4b8, WeightType::u4, WeightType::u8b128, WeightType::u8}) {
    if (name == to_string(t)) { *out = t; return true; }
  }
  return false;
}

}  // namespace mixgemm
