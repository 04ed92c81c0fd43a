// CPU prepack and unpack (host memory): the same bytes as the GPU prepack, by a walk over (k, n)
// through layout::weight_pos rather than over fragments.
#include <cstring>
#include <string>

#include "common/prepacked_layout.h"
#include "host/validate.h"
#include "mixgemm/mixgemm.h"

namespace mixgemm {

size_t prepacked_bytes(const WeightDesc& in) {
  if (!check_weight_desc(in).ok()) return 0;
  const WeightDesc w = detail::normalize(in);
  return size_t(layout::sections(weight_bits(w.wtype), has_zero_points(w.wtype), w.n, w.k, w.groups()).total_bytes);
}

Status prepack_host(const PrepackArgs& in) {
  Status st = detail::check_prepack_args(in, "mixgemm::prepack_host");
  if (!st.ok()) return st;
  PrepackArgs a = in;
  a.w = detail::normalize(in.w);
  const int bits = weight_bits(a.w.wtype);
  const int per_word = 32 / bits;
  const int64_t n = a.w.n, k = a.w.k, groups = a.w.groups();
  const layout::Sections sec = layout::sections(bits, has_zero_points(a.w.wtype), n, k, groups);

  if (a.zeros != nullptr) {
    for (int64_t i = 0; i < n * groups; ++i) {
      if (a.zeros[i] >= (1 << bits))
        return Status::invalid("mixgemm::prepack_host: zeros[" + std::to_string(i / n) + "][" + std::to_string(i % n) +
                               "]=" + std::to_string(int(a.zeros[i])) + " does not fit " + std::to_string(bits) + " bits");
    }
  }

  uint8_t* out = static_cast<uint8_t*>(a.out);
  std::memset(out, 0, size_t(sec.total_bytes));
  uint8_t* wout = out + sec.weights_offset;
  const uint32_t mask = (1u << bits) - 1;
  for (int64_t kk = 0; kk < k; ++kk) {
    const int32_t* row = a.qweight + (kk / per_word) * n;
    const int shift = bits * int(kk % per_word);
    for (int64_t nn = 0; nn < n; ++nn) {
      const uint32_t q = (uint32_t(row[nn]) >> shift) & mask;
      const layout::WeightPos pos = layout::weight_pos(bits, k, kk, nn);
      wout[pos.byte] = uint8_t(wout[pos.byte] | (q << pos.shift));
    }
  }
  const uint16_t* scales = static_cast<const uint16_t*>(a.scales);
  uint16_t* sout = reinterpret_cast<uint16_t*>(out + sec.scales_offset);
  uint16_t* zout = reinterpret_cast<uint16_t*>(out + sec.zeros_offset);
  for (int64_t g = 0; g < groups; ++g) {
    for (int64_t nn = 0; nn < n; ++nn) {
      const int64_t dst = layout::group_param_index(groups, g, nn);
      sout[dst] = scales[g * n + nn];
      if (a.zeros != nullptr) zout[dst] = layout::small_int_to_act_bits(a.zeros[g * n + nn], a.w.act);
    }
  }
  return Status::success();
}

Status unpack_host(const UnpackArgs& in) {
  Status st = check_weight_desc(in.w);
  if (!st.ok()) return Status::invalid("mixgemm::unpack_host: " + st.message);
  if (in.packed == nullptr || in.qweight == nullptr || in.scales == nullptr)
    return Status::invalid("mixgemm::unpack_host: packed, qweight and scales must be non-null");
  if (has_zero_points(in.w.wtype) && in.zeros == nullptr)
    return Status::invalid(std::string("mixgemm::unpack_host: zeros is null but wtype=") + to_string(in.w.wtype) +
                           " has zero points");
  const WeightDesc w = detail::normalize(in.w);
  const int bits = weight_bits(w.wtype);
  const int per_word = 32 / bits;
  const int64_t n = w.n, k = w.k, groups = w.groups();
  const layout::Sections sec = layout::sections(bits, has_zero_points(w.wtype), n, k, groups);
  const uint8_t* packed = static_cast<const uint8_t*>(in.packed);

  std::memset(in.qweight, 0, size_t(k / per_word * n) * sizeof(int32_t));
  const uint32_t mask = (1u << bits) - 1;
  for (int64_t kk = 0; kk < k; ++kk) {
    int32_t* row = in.qweight + (kk / per_word) * n;
    const int shift = bits * int(kk % per_word);
    for (int64_t nn = 0; nn < n; ++nn) {
      const layout::WeightPos pos = layout::weight_pos(bits, k, kk, nn);
      const uint32_t q = (uint32_t(packed[sec.weights_offset + pos.byte]) >> pos.shift) & mask;
      row[nn] = int32_t(uint32_t(row[nn]) | (q << shift));
    }
  }
  const uint16_t* sin = reinterpret_cast<const uint16_t*>(packed + sec.scales_offset);
  const uint16_t* zin = reinterpret_cast<const uint16_t*>(packed + sec.zeros_offset);
  uint16_t* scales = static_cast<uint16_t*>(in.scales);
  for (int64_t g = 0; g < groups; ++g) {
    for (int64_t nn = 0; nn < n; ++nn) {
      const int64_t src = layout::group_param_index(groups, g, nn);
      scales[g * n + nn] = sin[src];
      if (has_zero_points(w.wtype)) {
        // Stored as the activation-type value of the integer: invert by lookup over 0..255.
        int z = -1;
        for (int cand = 0; cand < (1 << bits); ++cand) {
          if (layout::small_int_to_act_bits(cand, w.act) == zin[src]) {
            z = cand;
            break;
          }
        }
        if (z < 0)
          return Status::invalid("mixgemm::unpack_host: zero point at group " + std::to_string(g) + ", column " +
                                 std::to_string(nn) + " is not a valid " + std::to_string(bits) + "-bit integer");
        in.zeros[g * n + nn] = uint8_t(z);
      }
    }
  }
  return Status::success();
}

}  // namespace mixgemm
