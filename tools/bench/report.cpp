#include "report.h"

#include <cerrno>
#include <cstring>

namespace mixgemm::bench {

namespace {

// printf into a std::string (the "C" locale: '.' decimal point whatever the user's locale).
template <typename... A>
std::string fmt(const char* f, A... a) {
  char buf[512];
  const int n = std::snprintf(buf, sizeof buf, f, a...);
  return std::string(buf, n < 0 ? 0 : (n < static_cast<int>(sizeof buf) ? n : sizeof buf - 1));
}

// A number with `decimals` digits after the point; empty for NaN/Inf (no measurement).
std::string num(double v, int decimals) {
  if (!std::isfinite(v)) return "";
  return fmt("%.*f", decimals, v);
}

std::string json_num(double v) {
  if (!std::isfinite(v)) return "null";
  // Integers (M, N, K, the summed N*K of stack rows) exactly; measurements to 9 digits.
  if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt("%.0f", v);
  return fmt("%.9g", v);
}

void append_field(std::string* s, const JsonField& f, bool first) {
  *s += first ? "" : ", ";
  *s += "\"" + json_escape(f.key) + "\": ";
  *s += f.is_number ? json_num(f.number) : "\"" + json_escape(f.text) + "\"";
}

std::string json_object(const std::vector<JsonField>& fields) {
  std::string s = "{";
  for (size_t i = 0; i < fields.size(); ++i) append_field(&s, fields[i], i == 0);
  return s + "}";
}

}  // namespace

const char* csv_header() {
  return "device,act,wtype,group,layer,M,N,K,schedule,us,tflops,gbps,roofline_us,pct_roofline,"
         "cublas_us,speedup_vs_cublas";
}

std::string csv_escape(const std::string& field) {
  if (field.find_first_of(",\"\r\n") == std::string::npos) return field;
  std::string s = "\"";
  for (char c : field) {
    if (c == '"') s += '"';
    s += c;
  }
  return s + "\"";
}

std::string csv_row(const Row& r) {
  std::string s;
  s += csv_escape(r.device) + ",";
  s += csv_escape(r.act) + ",";
  s += csv_escape(r.wtype) + ",";
  s += std::to_string(r.group) + ",";
  s += csv_escape(r.layer) + ",";
  s += std::to_string(r.m) + ",";
  s += std::to_string(r.n) + ",";
  s += std::to_string(r.k) + ",";
  s += csv_escape(r.schedule) + ",";
  // Microseconds to the nanosecond; rates to a precision well under the run-to-run noise.
  s += num(r.us, 3) + ",";
  s += num(r.tflops, 2) + ",";
  s += num(r.gbps, 1) + ",";
  s += num(r.roofline_us, 3) + ",";
  s += num(r.pct_roofline, 1) + ",";
  s += num(r.cublas_us, 3) + ",";
  s += num(r.speedup_vs_cublas, 3);
  return s;
}

CsvWriter::~CsvWriter() {
  if (f_) std::fclose(f_);
}

bool CsvWriter::open(const std::string& path, std::string* error) {
  f_ = std::fopen(path.c_str(), "w");
  if (!f_) {
    *error = "cannot write '" + path + "': " + std::strerror(errno);
    return false;
  }
  path_ = path;
  std::fprintf(f_, "%s\n", csv_header());
  std::fflush(f_);
  return true;
}

void CsvWriter::write(const Row& r) {
  if (!f_) return;
  std::fprintf(f_, "%s\n", csv_row(r).c_str());
  std::fflush(f_);
}

bool CsvWriter::close(std::string* error) {
  if (!f_) return true;
  const bool ok = std::ferror(f_) == 0;
  const bool closed = std::fclose(f_) == 0;
  f_ = nullptr;
  if (!ok || !closed) {
    *error = "error writing '" + path_ + "'";
    return false;
  }
  return true;
}

JsonField json_text(std::string key, std::string value) {
  JsonField f;
  f.key = std::move(key);
  f.text = std::move(value);
  return f;
}

JsonField json_number(std::string key, double value) {
  JsonField f;
  f.key = std::move(key);
  f.number = value;
  f.is_number = true;
  return f;
}

std::string json_escape(const std::string& s) {
  std::string o;
  for (unsigned char c : s) {
    switch (c) {
      case '"': o += "\\\""; break;
      case '\\': o += "\\\\"; break;
      case '\n': o += "\\n"; break;
      case '\r': o += "\\r"; break;
      case '\t': o += "\\t"; break;
      default:
        if (c < 0x20) {
          o += fmt("\\u%04x", c);
        } else {
          o += static_cast<char>(c);
        }
    }
  }
  return o;
}

std::string json_report(const std::vector<JsonField>& device, const std::vector<JsonField>& ceilings,
                        const std::vector<JsonField>& options, const std::vector<Row>& rows) {
  std::string s = "{\n";
  s += "  \"device\": " + json_object(device) + ",\n";
  s += "  \"ceilings\": " + json_object(ceilings) + ",\n";
  s += "  \"options\": " + json_object(options) + ",\n";
  s += "  \"rows\": [";
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    const std::vector<JsonField> f = {
        json_text("device", r.device),       json_text("act", r.act),
        json_text("wtype", r.wtype),         json_number("group", static_cast<double>(r.group)),
        json_text("layer", r.layer),         json_number("M", static_cast<double>(r.m)),
        json_number("N", static_cast<double>(r.n)), json_number("K", static_cast<double>(r.k)),
        json_text("schedule", r.schedule),   json_number("us", r.us),
        json_number("tflops", r.tflops),     json_number("gbps", r.gbps),
        json_number("roofline_us", r.roofline_us), json_number("pct_roofline", r.pct_roofline),
        json_number("cublas_us", r.cublas_us),
        json_number("speedup_vs_cublas", r.speedup_vs_cublas)};
    s += (i ? ",\n    " : "\n    ") + json_object(f);
  }
  s += rows.empty() ? "]\n}\n" : "\n  ]\n}\n";
  return s;
}

bool write_file(const std::string& path, const std::string& text, std::string* error) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f) {
    *error = "cannot write '" + path + "': " + std::strerror(errno);
    return false;
  }
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (std::fclose(f) != 0 || !ok) {
    *error = "error writing '" + path + "'";
    return false;
  }
  return true;
}

namespace {
constexpr const char* kTableFormat = "%-20s %-18s %6s %6s %6s  %-26s %10s %10s %7s %8s %8s %10s %6s %6s";
}

std::string table_header() {
  return fmt(kTableFormat, "layer", "type", "M", "N", "K", "schedule", "us", "cublas_us", "speedup",
             "TFLOP/s", "GB/s", "roofline", "%roof", "%dense");
}

std::string table_row(const Row& r, double dense_tflops) {
  auto cell = [](double v, int decimals) {
    const std::string s = num(v, decimals);
    return s.empty() ? std::string("-") : s;
  };
  const std::string type = r.wtype + " g" + (r.group < 0 ? std::string("ch") : std::to_string(r.group)) +
                           " " + r.act;
  // Stack rows carry the summed N*K in N: too wide for the column, shown in millions.
  const bool stack = r.layer.rfind("stack:", 0) == 0;
  const std::string n = stack ? fmt("%.0fM", static_cast<double>(r.n) * 1e-6) : std::to_string(r.n);
  return fmt(kTableFormat, r.layer.c_str(), type.c_str(), std::to_string(r.m).c_str(), n.c_str(),
             std::to_string(r.k).c_str(), r.schedule.c_str(), cell(r.us, 2).c_str(),
             cell(r.cublas_us, 2).c_str(), cell(r.speedup_vs_cublas, 2).c_str(),
             cell(r.tflops, 1).c_str(), cell(r.gbps, 0).c_str(), cell(r.roofline_us, 2).c_str(),
             cell(r.pct_roofline, 1).c_str(), cell(100.0 * r.tflops / dense_tflops, 1).c_str());
}

}  // namespace mixgemm::bench
