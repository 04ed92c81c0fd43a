// Host side of the diagnostic GEMM timeline (kernels/timeline.h; builds with
// -DMIXGEMM_TIMELINE=ON; read by tools/timeline). Not part of the public API: a timeline build
// gives every mm() call its own block of per-CTA records in a device buffer attached here.
#pragma once

#include <cstdint>
#include <vector>

namespace mixgemm::detail {

struct TimelineLaunch {
  int64_t first_record;  // index of the launch's CTA 0 in the attached buffer
  int64_t ctas;          // its grid size: records first_record .. first_record + ctas - 1
};

// Whether the library was built with the timeline (otherwise attaching records nothing).
bool timeline_built();

// Attaches a device buffer of `capacity` records (kernels::timeline::kEvents words each) and
// forgets earlier launches: each later mm() takes the next records, in call order (also while
// a stream is captured into a graph, whose replays then rewrite the same records).
void timeline_attach(uint64_t* records, int64_t capacity);
void timeline_detach();
std::vector<TimelineLaunch> timeline_launches();

// For mm(): this launch's first record, or null when detached or the buffer is full.
uint64_t* timeline_take(int64_t ctas);

}  // namespace mixgemm::detail
