// Host side of the diagnostic timeline (src/host/timeline.h): each launch takes the next block
// of records in call order, a full buffer records nothing, and attaching starts over. GPU-free:
// the records pointer is only offset, never dereferenced.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "host/timeline.h"
#include "kernels/timeline.h"

namespace {

using mixgemm::detail::timeline_attach;
using mixgemm::detail::timeline_detach;
using mixgemm::detail::timeline_launches;
using mixgemm::detail::timeline_take;
constexpr int kEvents = mixgemm::kernels::timeline::kEvents;

TEST(Timeline, LaunchesTakeConsecutiveRecordsUntilTheBufferIsFull) {
  std::vector<uint64_t> buffer(10 * kEvents);
  timeline_attach(buffer.data(), 10);
  EXPECT_EQ(timeline_take(4), buffer.data());
  EXPECT_EQ(timeline_take(5), buffer.data() + 4 * kEvents);
  EXPECT_EQ(timeline_take(2), nullptr);  // 9 of 10 used: two more do not fit
  EXPECT_EQ(timeline_take(1), buffer.data() + 9 * kEvents);
  const auto launches = timeline_launches();
  ASSERT_EQ(launches.size(), 3u);  // the refused launch is not listed
  EXPECT_EQ(launches[0].first_record, 0);
  EXPECT_EQ(launches[0].ctas, 4);
  EXPECT_EQ(launches[1].first_record, 4);
  EXPECT_EQ(launches[2].first_record, 9);
  EXPECT_EQ(launches[2].ctas, 1);

  timeline_attach(buffer.data(), 10);  // starts over
  EXPECT_TRUE(timeline_launches().empty());
  EXPECT_EQ(timeline_take(3), buffer.data());
  timeline_detach();
  EXPECT_EQ(timeline_take(1), nullptr);
  EXPECT_TRUE(timeline_launches().empty());
}

}  // namespace
