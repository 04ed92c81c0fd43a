// Warp-specialized mainloop of the sm_90 mixed-input GEMM (transposed problem Y^T = W^T . X^T).
//
// Producer (one thread of warpgroup 0): per 64-deep K tile, bulk-copies each consumer's
// prepacked 64x64 weight tile (contiguous 2 or 4 KB), the group scales / zero points when a new
// group starts, and the TMA tile of X (BlkM rows x 64, 128-byte swizzle) into one pipeline
// stage, completing on the stage's "full" mbarrier.
// Consumers (warpgroups 1..kConsumers): per stage, load their weight fragment with LDS.128,
// up-convert it in registers (dequant.cuh), issue four wgmma m64nBlkMk16 with the weights as the
// register A operand and X from shared memory, then release the stage on its "empty" mbarrier.
#pragma once

#include <cstdint>

#include "common/prepacked_layout.h"
#include "kernels/dequant.cuh"
#include "kernels/gemm_params.h"
#include "kernels/sm90_ptx.cuh"
#include "kernels/wgmma.cuh"

namespace mixgemm::kernels {

// Which K tiles carry group parameters: every tile for group size 32 (two groups per tile),
// else the first tile of each group and the first tile of this CTA's K range (a split may start
// inside a group). Producer and consumers evaluate the same predicate.
__device__ __forceinline__ bool tile_loads_group_params(int group_size, int kt, int k_begin) {
  return group_size == 32 || (kt * 64) % group_size == 0 || kt == k_begin;
}

template <class Cfg>
struct MainloopSm90 {
  static constexpr int kStages = Cfg::kStages;

  struct Pipeline {
    uint64_t* full;   // producer -> consumers: stage data landed (1 arrival + transaction bytes)
    uint64_t* empty;  // consumers -> producer: stage consumed (one arrival per consumer warp)
    uint8_t* smem;    // kStages x kStageBytes, 1024-byte aligned
  };

  // ---- producer -------------------------------------------------------------------------------
  __device__ static void issue_weight_copies(const GemmParams& p, const Pipeline& pipe, int stage,
                                             int nb0, int active, int kt, int k_begin,
                                             uint64_t policy) {
    uint8_t* s = pipe.smem + stage * Cfg::kStageBytes;
    const int64_t k_tiles = p.k / Cfg::kBlkK;
    const int64_t groups = p.k / p.group_size;
    for (int c = 0; c < active; ++c) {
      const uint8_t* src = p.weights + ((nb0 + c) * k_tiles + kt) * int64_t(Cfg::kWBytes);
      ptx::bulk_copy_g2s(s + Cfg::kWOffset + c * Cfg::kWBytes, src, Cfg::kWBytes, &pipe.full[stage], policy);
    }
    if (tile_loads_group_params(p.group_size, kt, k_begin)) {
      const int rows = p.group_size == 32 ? 2 : 1;
      const int64_t group = int64_t(kt) * Cfg::kBlkK / p.group_size;
      for (int c = 0; c < active; ++c) {
        const int64_t idx = layout::group_param_index(groups, group, int64_t(nb0 + c) * layout::kTileN);
        ptx::bulk_copy_g2s(s + Cfg::kSOffset + c * Cfg::kGroupBytes, p.scales + idx,
                           rows * Cfg::kGroupRowBytes, &pipe.full[stage], policy);
        if constexpr (Cfg::kHasZero) {
          ptx::bulk_copy_g2s(s + Cfg::kZOffset + c * Cfg::kGroupBytes, p.zeros + idx,
                             rows * Cfg::kGroupRowBytes, &pipe.full[stage], policy);
        }
      }
    }
  }

  __device__ static uint32_t stage_tx_bytes(const GemmParams& p, int active, int kt, int k_begin) {
    uint32_t bytes = Cfg::kXBytes + active * Cfg::kWBytes;
    if (tile_loads_group_params(p.group_size, kt, k_begin)) {
      const int rows = p.group_size == 32 ? 2 : 1;
      bytes += active * rows * Cfg::kGroupRowBytes * (Cfg::kHasZero ? 2 : 1);
    }
    return bytes;
  }

  // Runs on one thread. nb0: first 64-row weight block of the CTA; active: weight blocks in range.
  __device__ static void produce(const GemmParams& p, const Pipeline& pipe, int nb0, int active,
                                 int m0, int k_begin, int nk) {
    const uint64_t policy_w = ptx::policy_evict_first();
    const uint64_t policy_x = ptx::policy_evict_last();
    ptx::prefetch_tensor_map(&p.x_map);

    // Prologue: the first stages' weights do not depend on the previous kernel in the stream, so
    // they are requested before waiting on it (programmatic dependent launch): the weight stream
    // starts while that kernel drains.
    const int prologue = nk < kStages ? nk : kStages;
    for (int i = 0; i < prologue; ++i) {
      const int kt = k_begin + i;
      ptx::mbarrier_arrive_expect_tx(&pipe.full[i], stage_tx_bytes(p, active, kt, k_begin));
      issue_weight_copies(p, pipe, i, nb0, active, kt, k_begin, policy_w);
    }
    ptx::grid_dependency_wait();  // X is written by the preceding kernel
    for (int i = 0; i < prologue; ++i) {
      ptx::tma_load_2d(pipe.smem + i * Cfg::kStageBytes + Cfg::kXOffset, &p.x_map, &pipe.full[i],
                       (k_begin + i) * Cfg::kBlkK, m0, policy_x);
    }

    for (int i = prologue; i < nk; ++i) {
      const int stage = i % kStages;
      const int use = i / kStages;                          // >= 1 here
      ptx::mbarrier_wait(&pipe.empty[stage], (use - 1) & 1);  // consumers freed the last use
      const int kt = k_begin + i;
      ptx::mbarrier_arrive_expect_tx(&pipe.full[stage], stage_tx_bytes(p, active, kt, k_begin));
      issue_weight_copies(p, pipe, stage, nb0, active, kt, k_begin, policy_w);
      ptx::tma_load_2d(pipe.smem + stage * Cfg::kStageBytes + Cfg::kXOffset, &p.x_map,
                       &pipe.full[stage], kt * Cfg::kBlkK, m0, policy_x);
    }
  }

  // ---- consumer -------------------------------------------------------------------------------
  using Converter = WeightConverter<Cfg::kAct, Cfg::kBits>;
  using Offset = typename Converter::Offset;

  // consumer: index of this consumer warpgroup; t: thread index within it (0..127).
  __device__ static void consume(const GemmParams& p, const Pipeline& pipe, int consumer, bool active,
                                 int k_begin, int nk, float (&acc)[Cfg::kBlkM / 2]) {
    const int t = threadIdx.x % 128;
    const int lane = t % 32;
    const int row_lo = (t / 32) * 16 + lane / 4;  // fragment rows row_lo and row_lo + 8
    const bool two_groups_per_tile = p.group_size == 32;

    uint32_t s_lo[2], s_hi[2];  // scales of rows row_lo / row_lo + 8, for up to two groups
    Offset o_lo[2], o_hi[2];    // magic + zero point for the same
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      s_lo[r] = s_hi[r] = 0;
      o_lo[r] = o_hi[r] = Converter::symmetric_offset(Cfg::kZeroBias);
    }

    for (int i = 0; i < nk; ++i) {
      const int stage = i % kStages;
      ptx::mbarrier_wait(&pipe.full[stage], (i / kStages) & 1);
      if (active) {
        const uint8_t* s = pipe.smem + stage * Cfg::kStageBytes;
        const int kt = k_begin + i;
        if (tile_loads_group_params(p.group_size, kt, k_begin)) {
#pragma unroll
          for (int r = 0; r < 2; ++r) {
            if (r == 0 || two_groups_per_tile) {
              const uint16_t* sc = reinterpret_cast<const uint16_t*>(
                  s + Cfg::kSOffset + consumer * Cfg::kGroupBytes + r * Cfg::kGroupRowBytes);
              s_lo[r] = broadcast2(sc[row_lo]);
              s_hi[r] = broadcast2(sc[row_lo + 8]);
              if constexpr (Cfg::kHasZero) {
                const uint16_t* zp = reinterpret_cast<const uint16_t*>(
                    s + Cfg::kZOffset + consumer * Cfg::kGroupBytes + r * Cfg::kGroupRowBytes);
                o_lo[r] = Converter::offset_from_zero(zp[row_lo]);
                o_hi[r] = Converter::offset_from_zero(zp[row_lo + 8]);
              }
            }
          }
        }

        // This thread's 16 bytes per plane: one conflict-free LDS.128 each.
        const uint8_t* wsrc = s + Cfg::kWOffset + consumer * Cfg::kWBytes + t * 16;
        uint32_t a[layout::kStepsPerTile][4];
        const uint4 plane0 = *reinterpret_cast<const uint4*>(wsrc);
        const uint32_t w0[4] = {plane0.x, plane0.y, plane0.z, plane0.w};
        if constexpr (Cfg::kBits == 4) {
#pragma unroll
          for (int j = 0; j < 4; ++j) {
            const int r = (two_groups_per_tile && j >= 2) ? 1 : 0;
            Converter::convert(w0[j], r ? o_lo[1] : o_lo[0], r ? o_hi[1] : o_hi[0],
                               r ? s_lo[1] : s_lo[0], r ? s_hi[1] : s_hi[0], a[j]);
          }
        } else {
          const uint4 plane1 = *reinterpret_cast<const uint4*>(wsrc + layout::kPlaneBytes);
          const uint32_t w1[4] = {plane1.x, plane1.y, plane1.z, plane1.w};
#pragma unroll
          for (int j = 0; j < 4; ++j) {
            const int r = (two_groups_per_tile && j >= 2) ? 1 : 0;
            const uint32_t* src = j < 2 ? w0 : w1;
            const uint32_t words[2] = {src[2 * (j & 1)], src[2 * (j & 1) + 1]};
            Converter::convert(words, r ? o_lo[1] : o_lo[0], r ? o_hi[1] : o_hi[0],
                               r ? s_lo[1] : s_lo[0], r ? s_hi[1] : s_hi[0], a[j]);
          }
        }

        const uint32_t x_addr = ptx::smem_u32(s + Cfg::kXOffset);
#pragma unroll
        for (int v = 0; v < Cfg::kBlkM / 2; ++v) ptx::fence_operand(acc[v]);
#pragma unroll
        for (int j = 0; j < 4; ++j)
#pragma unroll
          for (int r = 0; r < 4; ++r) ptx::fence_operand(a[j][r]);
        ptx::wgmma_fence();
#pragma unroll
        for (int j = 0; j < 4; ++j) {
          wgmma_rs<Cfg::kAct, Cfg::kBlkM>(a[j], smem_desc_k_major_sw128(x_addr + j * 32), acc);
        }
        ptx::wgmma_commit();
        ptx::wgmma_wait<0>();  // X stage and A registers are free once the MMAs have read them
#pragma unroll
        for (int v = 0; v < Cfg::kBlkM / 2; ++v) ptx::fence_operand(acc[v]);
      }
      __syncwarp();
      if (lane == 0) ptx::mbarrier_arrive(&pipe.empty[stage]);
    }
  }
};

}  // namespace mixgemm::kernels
