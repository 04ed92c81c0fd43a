// Shared memory that keeps a two-CTA kernel's grid at one CTA per SM (schedules.h,
// LaunchPlan::one_cta_per_sm): pure arithmetic over an SM's shared-memory figures, shared by
// the launcher, the kernel configurations' static checks and the tests.
//
// A CTA occupies its shared memory (in 128-byte units) plus a per-CTA reservation. A request of
// just over half an SM's shared memory lets no SM hold two CTAs of the launch, whatever ran
// before; a two-CTA kernel's CTA (at most half an SM less the reservations) still fits beside
// it, so the next GEMM, launched early under programmatic dependent launch, starts streaming its
// weights on every SM (docs/perf-notes.md v31a).
#pragma once

namespace mixgemm::kernels {

inline constexpr int kSmemAllocationBytes = 128;
// sm_90 (H100, H200): 228 KB of shared memory per SM, 1 KB reserved per CTA.
inline constexpr int kSm90SmemPerSm = 228 * 1024;
inline constexpr int kSm90ReservedSmemPerCta = 1024;

// The pinned request: two such CTAs need 2 x (bytes + reserved) > smem_per_sm.
constexpr int one_cta_per_sm_smem_bytes(int smem_per_sm, int reserved_per_cta) {
  return smem_per_sm / 2 - reserved_per_cta + kSmemAllocationBytes;
}

// Whether a CTA of `bytes` of shared memory (rounded up to the allocation unit) fits on an SM
// beside a pinned CTA.
constexpr bool fits_beside_pinned_cta(int bytes, int smem_per_sm, int reserved_per_cta) {
  const int allocated = (bytes + kSmemAllocationBytes - 1) / kSmemAllocationBytes * kSmemAllocationBytes;
  return one_cta_per_sm_smem_bytes(smem_per_sm, reserved_per_cta) + allocated + 2 * reserved_per_cta <= smem_per_sm;
}

}  // namespace mixgemm::kernels
