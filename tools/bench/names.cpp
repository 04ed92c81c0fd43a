#include "names.h"

namespace mixgemm::bench {

namespace {
struct ActEntry {
  ActType t;
  const char* name;
};
struct WtypeEntry {
  WeightType t;
  const char* name;
};
constexpr ActEntry kActs[] = {{ActType::bf16, "bf16"}, {ActType::fp16, "fp16"}};
constexpr WtypeEntry kWtypes[] = {{WeightType::u4b8, "u4b8"},
                                  {WeightType::u4, "u4"},
                                  {WeightType::u8b128, "u8b128"},
                                  {WeightType::u8, "u8"}};
}  // namespace

const char* act_name(ActType t) {
  for (const ActEntry& e : kActs)
    if (e.t == t) return e.name;
  return "?";
}

const char* wtype_name(WeightType t) {
  for (const WtypeEntry& e : kWtypes)
    if (e.t == t) return e.name;
  return "?";
}

bool parse_act_name(const std::string& s, ActType* out) {
  for (const ActEntry& e : kActs)
    if (s == e.name) {
      *out = e.t;
      return true;
    }
  return false;
}

bool parse_wtype_name(const std::string& s, WeightType* out) {
  for (const WtypeEntry& e : kWtypes)
    if (s == e.name) {
      *out = e.t;
      return true;
    }
  return false;
}

std::vector<std::string> all_act_names() {
  std::vector<std::string> v;
  for (const ActEntry& e : kActs) v.push_back(e.name);
  return v;
}

std::vector<std::string> all_wtype_names() {
  std::vector<std::string> v;
  for (const WtypeEntry& e : kWtypes) v.push_back(e.name);
  return v;
}

std::string group_label(int64_t group_size) {
  return group_size == kChannelWise ? std::string("ch") : std::to_string(group_size);
}

}  // namespace mixgemm::bench
