#include "tuning_rows.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <tuple>

#include "names.h"

namespace mixgemm::bench {

std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> f(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        f.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        f.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      f.emplace_back();
    } else if (c != '\r') {
      f.back() += c;
    }
  }
  return f;
}

namespace {

bool to_int(const std::string& s, int64_t* v) {
  if (s.empty()) return false;
  char* end = nullptr;
  *v = std::strtoll(s.c_str(), &end, 10);
  return *end == '\0';
}

}  // namespace

bool read_csv_rows(const std::string& path, std::vector<Row>* rows, std::string* device, std::string* error) {
  std::ifstream f(path);
  if (!f) {
    *error = "cannot read " + path;
    return false;
  }
  std::string line;
  if (!std::getline(f, line)) {
    *error = path + " is empty";
    return false;
  }
  const std::vector<std::string> header = csv_fields(line);
  std::map<std::string, size_t> col;
  for (size_t i = 0; i < header.size(); ++i) col[header[i]] = i;
  for (const char* need : {"device", "act", "wtype", "group", "M", "N", "K", "schedule", "us"}) {
    if (!col.count(need)) {
      *error = path + ": no '" + need + "' column";
      return false;
    }
  }
  int line_no = 1;
  while (std::getline(f, line)) {
    ++line_no;
    if (line.empty() || line == "\r") continue;
    const std::string where = path + ":" + std::to_string(line_no) + ": ";
    const std::vector<std::string> v = csv_fields(line);
    if (v.size() != header.size()) {
      *error = where + "expected " + std::to_string(header.size()) + " fields, got " + std::to_string(v.size());
      return false;
    }
    Row r;
    r.device = v[col["device"]];
    r.act = v[col["act"]];
    r.wtype = v[col["wtype"]];
    r.schedule = v[col["schedule"]];
    if (!to_int(v[col["group"]], &r.group) || !to_int(v[col["M"]], &r.m) || !to_int(v[col["N"]], &r.n) ||
        !to_int(v[col["K"]], &r.k)) {
      *error = where + "group, M, N and K must be integers";
      return false;
    }
    const std::string& us = v[col["us"]];
    char* end = nullptr;
    r.us = us.empty() ? NAN : std::strtod(us.c_str(), &end);
    if (!us.empty() && *end != '\0') {
      *error = where + "us '" + us + "' is not a number";
      return false;
    }
    if (r.schedule.rfind("auto:", 0) == 0) continue;
    if (!device->empty() && *device != r.device) {
      *error = where + "device '" + r.device + "' differs from '" + *device + "'";
      return false;
    }
    *device = r.device;
    rows->push_back(r);
  }
  return true;
}

namespace {

using PointKey = std::tuple<std::string, std::string, int64_t, int64_t, int64_t, int64_t>;

PointKey point_key(const Row& r) {
  const int64_t group = r.group == kChannelWise ? r.k : r.group;
  return {r.act, r.wtype, group, r.k, r.n, r.m};
}

}  // namespace

void supersede_rows(std::vector<Row>* rows, const std::vector<Row>& newer) {
  std::set<PointKey> covered;
  for (const Row& r : newer) covered.insert(point_key(r));
  rows->erase(std::remove_if(rows->begin(), rows->end(), [&](const Row& r) { return covered.count(point_key(r)) > 0; }),
              rows->end());
  rows->insert(rows->end(), newer.begin(), newer.end());
}

std::vector<SelectionGap> selection_gaps(const std::vector<Row>& rows,
                                         const std::function<std::string(const Row&)>& choose) {
  std::map<PointKey, std::vector<const Row*>> points;  // ordered: stable output
  for (const Row& r : rows)
    if (r.us > 0) points[point_key(r)].push_back(&r);
  std::vector<SelectionGap> out;
  for (const auto& [key, measured] : points) {
    SelectionGap g;
    g.k = measured.front()->k;
    g.n = measured.front()->n;
    g.m = measured.front()->m;
    g.chosen = choose(*measured.front());
    for (const Row* r : measured) {
      if (std::isnan(g.fastest_us) || r->us < g.fastest_us) {
        g.fastest_us = r->us;
        g.fastest = r->schedule;
      }
      if (r->schedule == g.chosen && (std::isnan(g.chosen_us) || r->us < g.chosen_us)) g.chosen_us = r->us;
    }
    out.push_back(g);
  }
  return out;
}

TuningTable best_per_point(const std::vector<Row>& rows, const std::string& device, int sm_count) {
  std::map<PointKey, const Row*> best;
  for (const Row& r : rows) {
    if (!(r.us > 0)) continue;
    const PointKey key = point_key(r);
    auto it = best.find(key);
    if (it == best.end() || r.us < it->second->us) best[key] = &r;
  }
  TuningTable t;
  t.device = device;
  t.sm_count = sm_count;
  for (const auto& [key, r] : best) {
    TunedPoint p;
    if (!parse_act_type(r->act, &p.act) || !parse_weight_type(r->wtype, &p.wtype)) continue;
    p.group_size = std::get<2>(key);
    p.k = r->k;
    p.n = r->n;
    p.m = r->m;
    p.schedule = r->schedule;
    p.us = r->us;
    t.points.push_back(p);
  }
  return t;
}

}  // namespace mixgemm::bench
