#include "host/tuning_table.h"

#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <algorithm>
#include <mutex>
#include <sstream>

namespace mixgemm {

namespace {

constexpr const char* kHeader =
    "# mixgemm selection table: the fastest compiled schedule per problem, measured by mixgemm-tune\n"
    "# (docs/tuning.md). Columns: act wtype group k n m schedule us\n";

bool parse_int(const std::string& s, int64_t* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (*end != '\0') return false;
  *out = v;
  return true;
}

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> f;
  size_t start = 0;
  while (true) {
    const size_t tab = line.find('\t', start);
    f.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) break;
    start = tab + 1;
  }
  return f;
}

}  // namespace

std::string format_tuning_table(const TuningTable& t) {
  std::ostringstream out;
  out << kHeader << "device\t" << t.device << "\t" << t.sm_count << "\n";
  char us[32];
  for (const TunedPoint& p : t.points) {
    std::snprintf(us, sizeof us, "%.2f", p.us);
    out << to_string(p.act) << "\t" << to_string(p.wtype) << "\t" << p.group_size << "\t" << p.k << "\t" << p.n
        << "\t" << p.m << "\t" << p.schedule << "\t" << us << "\n";
  }
  return out.str();
}

Status parse_tuning_table(const std::string& text, TuningTable* out) {
  TuningTable t;
  std::istringstream in(text);
  std::string line;
  int line_no = 0;
  bool have_device = false;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    const std::vector<std::string> f = split_tabs(line);
    const auto bad = [&](const std::string& why) {
      return Status::invalid("selection table line " + std::to_string(line_no) + ": " + why + " ('" + line + "')");
    };
    if (f[0] == "device") {
      int64_t sms = 0;
      if (f.size() != 3 || f[1].empty() || !parse_int(f[2], &sms) || sms <= 0)
        return bad("expected 'device<TAB>name<TAB>SM count'");
      t.device = f[1];
      t.sm_count = int(sms);
      have_device = true;
      continue;
    }
    if (f.size() != 8) return bad("expected 8 tab-separated fields: act wtype group k n m schedule us");
    TunedPoint p;
    if (!parse_act_type(f[0], &p.act)) return bad("unknown activation type '" + f[0] + "'");
    if (!parse_weight_type(f[1], &p.wtype)) return bad("unknown weight type '" + f[1] + "'");
    if (!parse_int(f[2], &p.group_size) || !parse_int(f[3], &p.k) || !parse_int(f[4], &p.n) ||
        !parse_int(f[5], &p.m) || p.group_size <= 0 || p.k <= 0 || p.n <= 0 || p.m <= 0)
      return bad("group, k, n and m must be positive integers");
    detail::Schedule s;
    if (!detail::parse_schedule(f[6], &s)) return bad("'" + f[6] + "' is not a mixgemm schedule");
    p.schedule = f[6];
    char* end = nullptr;
    p.us = std::strtod(f[7].c_str(), &end);
    if (f[7].empty() || *end != '\0' || !(p.us > 0)) return bad("us must be a positive number");
    t.points.push_back(p);
  }
  if (!have_device) return Status::invalid("selection table: no 'device' line");
  *out = std::move(t);
  return Status::success();
}

namespace detail {

namespace {

struct LoadedTable {
  std::string source;  // "file:<path>" or "builtin:<device>"
  std::string device;
  int sm_count = 0;
  std::vector<TunedEntry> entries;
};

Status load_file(const std::string& path, LoadedTable* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Status::invalid("selection table '" + path + "' cannot be read");
  std::stringstream ss;
  ss << f.rdbuf();
  TuningTable t;
  Status st = parse_tuning_table(ss.str(), &t);
  if (!st.ok()) return Status::invalid("'" + path + "': " + st.message);
  out->source = "file:" + path;
  out->device = t.device;
  out->sm_count = t.sm_count;
  out->entries = bind_entries(t);
  return Status::success();
}

// The tables a process may use: the override (use_tuning_table), else the environment's file,
// else the built-in ones; each loaded once.
struct Registry {
  std::mutex mutex;
  bool override_set = false;                    // use_tuning_table(non-null) was called
  std::shared_ptr<const LoadedTable> override;  // null with override_set: no table
  bool env_read = false;
  std::shared_ptr<const LoadedTable> env;
  bool builtins_read = false;
  std::vector<std::shared_ptr<const LoadedTable>> builtins;
  std::vector<TableDevice> builtin_devices;  // builtins[i]'s file, device and SM count
};

Registry& registry() {
  static Registry r;
  return r;
}

// Bumped by use_tuning_table: answers remembered under an older value are stale. (The other
// sources, the environment's file and the built-in tables, are read once and never change.)
std::atomic<uint64_t> g_table_generation{1};

// mm()'s host path asks the same questions call after call (the same layers at the same batch
// sizes), and a lookup costs 0.4 µs at a tuned shape, 2.8 µs at another (a log distance to
// every point; measured on the build machine's CPU). Each thread remembers its recent answers
// in a small direct-mapped array: no lock, no allocation after the thread's first call.
struct RememberedLookup {
  uint64_t generation = 0;  // 0: empty
  int device = -1, sm_count = 0;
  ActType act = ActType::bf16;
  WeightType wtype = WeightType::u4b8;
  int64_t group_size = 0, k = 0, n = 0, m = 0;
  bool found = false;
  Schedule schedule;
};
constexpr size_t kRememberedLookups = 64;

size_t lookup_slot(const WeightDesc& w, int64_t m, int device) {
  uint64_t h = uint64_t(w.k) * 0x9E3779B97F4A7C15ull;
  h ^= uint64_t(w.n) + 0x7F4A7C15ull + (h << 6) + (h >> 2);
  h ^= uint64_t(m) + 0x94D049BBull + (h << 6) + (h >> 2);
  h ^= uint64_t(w.group_size) + (uint64_t(w.wtype) << 8) + (uint64_t(w.act) << 12) + (uint64_t(device) << 16) +
       (h << 6) + (h >> 2);
  return size_t(h % kRememberedLookups);
}

// The table for a device, or null. Called with the registry locked.
std::shared_ptr<const LoadedTable> table_for(Registry& r, const DeviceInfo& dev) {
  if (r.override_set) return r.override;
  if (!r.env_read) {
    r.env_read = true;
    const char* path = std::getenv("MIXGEMM_TUNING_TABLE");
    if (path != nullptr && *path != '\0') {
      auto t = std::make_shared<LoadedTable>();
      const Status st = load_file(path, t.get());
      if (st.ok())
        r.env = std::move(t);
      else  // a bad file must not break mm(): say so once, then fall back
        std::fprintf(stderr, "[mixgemm] MIXGEMM_TUNING_TABLE ignored: %s\n", st.message.c_str());
    }
  }
  if (r.env) return r.env;
  if (!r.builtins_read) {
    r.builtins_read = true;
    for (const BuiltinTable* b = kBuiltinTables; b->file != nullptr; ++b) {
      TuningTable t;
      if (!parse_tuning_table(b->text, &t).ok()) continue;  // tests/cpu check every built-in table parses
      auto lt = std::make_shared<LoadedTable>();
      lt->source = std::string("builtin:") + b->file;
      lt->device = t.device;
      lt->sm_count = t.sm_count;
      lt->entries = bind_entries(t);
      r.builtin_devices.push_back({lt->source, lt->device, lt->sm_count});
      r.builtins.push_back(std::move(lt));
    }
  }
  const int i = pick_builtin_table(r.builtin_devices, dev.name, dev.sm_count);
  return i < 0 ? nullptr : r.builtins[size_t(i)];
}

double log_ratio(int64_t a, int64_t b) { return std::fabs(std::log(double(a) / double(b))); }

}  // namespace

int pick_builtin_table(const std::vector<TableDevice>& tables, const std::string& device, int sm_count) {
  int kin = -1;
  for (size_t i = 0; i < tables.size(); ++i) {
    if (tables[i].sm_count != sm_count) continue;
    if (tables[i].device == device) return int(i);
    if (kin < 0 || tables[i].file < tables[size_t(kin)].file) kin = int(i);
  }
  return kin;
}

bool lookup_tuned(const std::vector<TunedEntry>& entries, const WeightDesc& w, int64_t m, int sm_count,
                  Schedule* out) {
  // The closest kind of point the table has: the same weight and activation types, else the
  // same weight type, else the same weight width (u4 <-> u4b8, u8 <-> u8b128: the same bytes and
  // conversion work but for the zero points), same activation type first. None: no answer.
  const auto rank = [&](const TunedEntry& e) {
    const int act = e.act == w.act ? 0 : 1;
    if (e.wtype == w.wtype) return act;
    if (weight_bits(e.wtype) == weight_bits(w.wtype)) return 2 + act;
    return 100;
  };
  int best_rank = 100;
  for (const TunedEntry& e : entries) best_rank = rank(e) < best_rank ? rank(e) : best_rank;
  if (best_rank == 100) return false;
  const auto usable = [&](const TunedEntry& e) { return rank(e) == best_rank; };

  // The nearest tuned shape: a tuned shape itself when there is one (the usual case, and no
  // logarithms on mm()'s host path), else the smallest log distance.
  const TunedEntry* shape = nullptr;
  for (const TunedEntry& e : entries) {
    if (usable(e) && e.k == w.k && e.n == w.n && e.group_size == w.group_size) {
      shape = &e;
      break;
    }
  }
  if (shape == nullptr) {
    double best = std::numeric_limits<double>::infinity();
    for (const TunedEntry& e : entries) {
      if (!usable(e)) continue;
      const double d = log_ratio(w.k, e.k) + log_ratio(w.n, e.n) + 0.25 * log_ratio(w.group_size, e.group_size);
      if (d < best) {
        best = d;
        shape = &e;
      }
    }
  }
  if (shape == nullptr) return false;

  // At that shape: the smallest tuned M >= m, else the largest.
  const TunedEntry* pick = nullptr;
  const TunedEntry* largest = nullptr;
  for (const TunedEntry& e : entries) {
    if (!usable(e) || e.k != shape->k || e.n != shape->n || e.group_size != shape->group_size ||
        e.act != shape->act || e.wtype != shape->wtype)
      continue;
    if (e.m >= m && (pick == nullptr || e.m < pick->m)) pick = &e;
    if (largest == nullptr || e.m > largest->m) largest = &e;
  }
  if (pick == nullptr) pick = largest;

  *out = pick->schedule;
  // The tuned shape itself, its group and weight width (u4 on u4b8 points: the same bytes and
  // grids; on the default layers at M = 4-512 the measured point within 3 % at 31 of 31 points,
  // re-derived 30 of 32, perf-notes v33h): the point's schedule as measured.
  const bool same_shape = pick->k == w.k && pick->n == w.n && pick->group_size == w.group_size &&
                          weight_bits(pick->wtype) == weight_bits(w.wtype);
  if (!same_shape) {
    // Another shape's point: its token tile and occupancy, the split chosen for this problem.
    // (The tile count, which decides the split, changes with N and M.) At M <= 8 an 8-token
    // tile rather than a 16-token one: a tuned point may pick either by a hair, and the 8-token
    // tile was the faster of the two in 90 % of the committed decode measurements (median
    // 0.95x the time of the same schedule with 16 tokens; tune-c, tune-d, untuned-v8).
    if (m <= 8 && out->blk_m == 16) out->blk_m = 8;
    // At M >= 256, the 128- or 256-token tile by how the tiles fill the SMs here: a near tie on
    // the tuned shape may not be one on this (8192x8192 M = 256: 128 tokens by 3 %; carried to
    // 28672x8192 they were 13 % slower than 256 with 2 splits; schedules.cpp).
    if (m >= 256 && (out->blk_m == 128 || out->blk_m == 256) && out->ctas_per_sm == 1)
      out->blk_m = large_m_token_tile(w, m, sm_count);
    // At 16 < M <= 64, the 32- or 64-token tile that covers M, as the heuristic takes it: over
    // the committed all-schedules rows the 32-token family was the fastest at every M = 32 point
    // (8 of 8 on each card), and the 64-token family within 3 % of the fastest at every M = 64
    // point but one (11 of 11 H200, 10 of 11 H100: 4096x4096, 7.8 %). 8B o's M = 64 point took
    // 32 tokens by 1.8 % on the H200; carried to 14336x4096 and 4096x6144 that was 18 and 6 %
    // slower (docs/perf-notes.md v15i).
    if (m > 16 && m <= 64 && (out->blk_m == 32 || out->blk_m == 64)) {
      out->blk_m = covering_token_tile(m);
      // And, within one wave of tiles, its occupancy by how they fill the SMs here: two CTAs per
      // SM with 3 splits only where they fill the two-CTA wave and the one-CTA wave is a third
      // idle (70B qkv's 80 tiles); elsewhere one CTA (two CTAs with 2 splits ran 1.33x slower
      // than one CTA unsplit at 8192x10240 M = 32, H200 tune-l). Past one wave, the rule below.
      if (two_ctas_three_splits_win(w, m, out->blk_m, sm_count))
        out->ctas_per_sm = 2;
      else if (output_tiles(w, m, out->blk_m) <= sm_count)
        out->ctas_per_sm = 1;
    }
    // At 64 < M <= 128, the 128-token tile, one CTA per SM: over the H200 tune-m, n and p runs
    // and the M = 96 run the 128-token family was within 3 % of the best at 30 of 32 points
    // (4096x4096 4.9 and 7.2 %), the 64-token one 9-52 % behind on six of the eight shapes. 8B
    // qkv's M = 128 point took 64 tokens by 0.9 % in tune-p; carried to 4096x11008 that was 23 %
    // slower (docs/perf-notes.md v25e).
    if (m > 64 && m <= 128 && (out->blk_m == 32 || out->blk_m == 64 || out->blk_m == 128)) {
      out->blk_m = 128;
      out->ctas_per_sm = 1;
    }
    // A one-CTA decode point whose split would leave more than a fifth of the SMs idle here:
    // two CTAs per SM, the split chosen for them below. One CTA per SM wins a decode point only
    // where its split fills the SMs (8B o: 32 tiles x 4 splits on 132 SMs); carried to 4096x6144
    // (48 x 2, 73 %) it was 1.13x slower than two CTAs with 4 splits, to 3584x4608 (36 x 2,
    // 55 %) 1.08x; at 3584x3584 (28 x 4, 85 %) it stays within 1 % (H200 tune-e,
    // allsched-fresh-v13; the rule is a fit to those shapes).
    if (m <= 16 && out->ctas_per_sm == 1 && out->blk_m <= 16 && !one_cta_split_fills_sms(w, m, out->blk_m, sm_count))
      out->ctas_per_sm = 2;
    // The converse: a two-CTA decode point where one CTA per SM with its split fills the SMs and
    // the two-CTA split would be too shallow, or one CTA takes 3 splits, runs one CTA per SM
    // (one_cta_split_wins).
    if (m <= 16 && out->ctas_per_sm == 2 && out->blk_m <= 16 && one_cta_split_wins(w, m, out->blk_m, sm_count))
      out->ctas_per_sm = 1;
    // A two-CTA tile whose tiles would double up on a minority of the SMs (more tiles than SMs,
    // the excess at most half of them): one CTA per SM with the last wave split instead. At
    // 64 tokens two CTAs per SM won with 84 and 92 SMs doubled (5120x27648, 4096x28672) and
    // lost 16 % with 16 (3584x18944, against m64_dpsk4; untuned-v8 and -v11 runs): three
    // shapes, the rule is a fit to them.
    if (out->ctas_per_sm == 2 && last_wave_split_for(w, m, out->blk_m, 1, sm_count) > 0) out->ctas_per_sm = 1;
    const int dpsk = last_wave_split_for(w, m, out->blk_m, out->ctas_per_sm, sm_count);
    out->last_wave_split = dpsk > 0;
    out->splits = dpsk > 0 ? dpsk : split_for(w, m, out->blk_m, out->ctas_per_sm, sm_count);
    // Over all of those for a decode tile: two CTAs with the split that is topped up to one CTA
    // per SM and pinned, where there is one (perf-notes v31b, v31g, v31i).
    take_top_up_split(out, w, m, sm_count);
    out->persistent = false;  // decided for this problem, below
    // Stream-K by its own rule here, not carried (its gain depends on how the tiles fill the SMs).
    out->stream_k = false;
    *out = stream_k_if_last_wave_idle(*out, w, m, sm_count);
  }
  *out = persistent_if_multiwave(*out, w, m, sm_count);
  return true;
}

std::vector<int64_t> tuned_ms(const DeviceInfo& dev) {
  Registry& r = registry();
  std::shared_ptr<const LoadedTable> t;
  {
    std::lock_guard<std::mutex> lock(r.mutex);
    t = table_for(r, dev);
  }
  std::vector<int64_t> ms;
  if (t == nullptr) return ms;
  for (const TunedEntry& e : t->entries) ms.push_back(e.m);
  std::sort(ms.begin(), ms.end());
  ms.erase(std::unique(ms.begin(), ms.end()), ms.end());
  return ms;
}

bool tuned_schedule(const WeightDesc& w, int64_t m, const DeviceInfo& dev, Schedule* out) {
  thread_local RememberedLookup remembered[kRememberedLookups];
  // Read before the lookup: an answer computed while the table changes is stored as stale.
  const uint64_t generation = g_table_generation.load(std::memory_order_acquire);
  RememberedLookup& slot = remembered[lookup_slot(w, m, dev.ordinal)];
  if (slot.generation == generation && slot.device == dev.ordinal && slot.sm_count == dev.sm_count &&
      slot.act == w.act && slot.wtype == w.wtype &&
      slot.group_size == w.group_size && slot.k == w.k && slot.n == w.n && slot.m == m) {
    if (slot.found) *out = slot.schedule;
    return slot.found;
  }
  Registry& r = registry();
  std::shared_ptr<const LoadedTable> t;
  {
    std::lock_guard<std::mutex> lock(r.mutex);
    t = table_for(r, dev);
  }
  Schedule s;
  const bool found = t != nullptr && lookup_tuned(t->entries, w, m, dev.sm_count, &s);
  slot = {generation, dev.ordinal, dev.sm_count, w.act, w.wtype, w.group_size, w.k, w.n, m, found, s};
  if (found) *out = s;
  return found;
}

Schedule auto_schedule(const WeightDesc& w, int64_t m, const DeviceInfo& dev) {
  Schedule s;
  if (tuned_schedule(w, m, dev, &s)) return s;
  return heuristic_schedule(w, m, dev.sm_count);
}

std::vector<TunedEntry> bind_entries(const TuningTable& t) {
  std::vector<TunedEntry> e;
  e.reserve(t.points.size());
  for (const TunedPoint& p : t.points) {
    TunedEntry x{p.act, p.wtype, p.group_size, p.k, p.n, p.m, {}};
    if (parse_schedule(p.schedule, &x.schedule)) e.push_back(x);
  }
  return e;
}

Schedule schedule_from_entries(const std::vector<TunedEntry>& entries, const WeightDesc& w, int64_t m, int sm_count) {
  Schedule s;
  if (lookup_tuned(entries, w, m, sm_count, &s)) return s;
  return heuristic_schedule(w, m, sm_count);
}

Schedule schedule_from_table(const TuningTable& table, const WeightDesc& w, int64_t m, int sm_count) {
  return schedule_from_entries(bind_entries(table), w, m, sm_count);
}

}  // namespace detail

Status use_tuning_table(const char* path) {
  detail::Registry& r = detail::registry();
  std::shared_ptr<const detail::LoadedTable> t;
  if (path != nullptr && *path != '\0') {
    auto lt = std::make_shared<detail::LoadedTable>();
    Status st = detail::load_file(path, lt.get());
    if (!st.ok()) return Status::invalid("mixgemm::use_tuning_table: " + st.message);
    t = std::move(lt);
  }
  std::lock_guard<std::mutex> lock(r.mutex);
  r.override_set = path != nullptr;
  r.override = std::move(t);
  detail::g_table_generation.fetch_add(1, std::memory_order_acq_rel);
  return Status::success();
}

std::string tuning_table_source() {
  detail::DeviceInfo dev;
  if (!detail::current_device_info(&dev).ok()) return "none";
  detail::Registry& r = detail::registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  const auto t = detail::table_for(r, dev);
  if (!t) return "none";
  // A built-in table of another model with the same SM count stands in: say so.
  if (t->source.rfind("builtin:", 0) == 0 && t->device != dev.name)
    return t->source + " (measured on " + t->device + "; none for " + dev.name + ")";
  return t->source;
}

}  // namespace mixgemm
