#include "host/timeline.h"

#include <mutex>

#include "kernels/timeline.h"

namespace mixgemm::detail {
namespace {

struct TimelineState {
  std::mutex mutex;
  uint64_t* records = nullptr;
  int64_t capacity = 0;
  int64_t used = 0;
  std::vector<TimelineLaunch> launches;
};

TimelineState& state() {
  static TimelineState s;
  return s;
}

}  // namespace

bool timeline_built() {
#ifdef MIXGEMM_TIMELINE
  return true;
#else
  return false;
#endif
}

void timeline_attach(uint64_t* records, int64_t capacity) {
  TimelineState& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.records = records;
  s.capacity = records != nullptr ? capacity : 0;
  s.used = 0;
  s.launches.clear();
}

void timeline_detach() { timeline_attach(nullptr, 0); }

std::vector<TimelineLaunch> timeline_launches() {
  TimelineState& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  return s.launches;
}

uint64_t* timeline_take(int64_t ctas) {
  TimelineState& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.records == nullptr || s.used + ctas > s.capacity) return nullptr;
  uint64_t* first = s.records + s.used * kernels::timeline::kEvents;
  s.launches.push_back({s.used, ctas});
  s.used += ctas;
  return first;
}

}  // namespace mixgemm::detail
