// Per-CTA timeline of a GEMM launch, for diagnostic builds only (CMake -DMIXGEMM_TIMELINE=ON;
// tools/timeline). Each CTA stamps the GPU's global timer (ns, one clock for all SMs) at the
// points of its critical path, so a chain of launches under programmatic dependent launch shows
// where a small layer's time goes between the previous grid's completion and this one's: the
// wait for that grid, the first stage's X, the mainloop, the split-K tail and the epilogue.
// A normal build compiles every mark to nothing: the kernels' SASS is unchanged.
#pragma once

#include <cstdint>

namespace mixgemm::kernels::timeline {

// One record per CTA (work item of a one-item-per-CTA grid; a persistent CTA keeps its last
// item's stamps): kEvents 64-bit words, a word 0 where the event did not occur.
enum Event : int {
  kSm = 0,              // the SM the CTA ran on (not a time)
  kEntry,               // thread 0 at kernel entry
  kCtaSynced,           // thread 0 past the CTA barrier after the pipeline's barrier set-up
  kWeightsIssued,       // producer: its prologue stages' weight copies issued
  kProducerWaited,      // producer: past griddepcontrol.wait (the previous grid has completed)
  kConsumerStart,       // consumer thread 0: its registers granted (setmaxnreg), before its wait
  kConsumerWaited,      // consumer thread 0: past griddepcontrol.wait
  kFirstStageFull,      // consumer thread 0: the first stage's weights and X have landed
  kMainloopDone,        // consumer thread 0: the last stage's MMAs issued and summed
  kExit,                // consumer thread 0: its tile stored (or, in split-K, handed over / reduced)
  kEvents
};

#if defined(MIXGEMM_TIMELINE) && defined(__CUDACC__)
inline constexpr bool kEnabled = true;

__device__ __forceinline__ uint64_t now_ns() {
  uint64_t t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  return t;
}

// A plain store: the stamping thread does not wait for it.
__device__ __forceinline__ void mark(uint64_t* records, Event e) {
  if (records == nullptr) return;
  uint64_t v;
  if (e == kSm) {
    uint32_t sm;
    asm volatile("mov.u32 %0, %%smid;" : "=r"(sm));
    v = sm;
  } else {
    v = now_ns();
  }
  records[uint64_t(blockIdx.x) * kEvents + e] = v;
}
#else
inline constexpr bool kEnabled = false;
#endif

}  // namespace mixgemm::kernels::timeline

// Marks `event` of this CTA's record; nothing in a normal build (the arguments are not evaluated).
#if defined(MIXGEMM_TIMELINE)
#define MIXGEMM_TIMELINE_MARK(params, event) ::mixgemm::kernels::timeline::mark((params).timeline, (event))
#else
#define MIXGEMM_TIMELINE_MARK(params, event) ((void)0)
#endif
