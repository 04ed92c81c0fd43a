// Result rows and their three renderings: CSV (the exact columns), JSON and the readable
// stdout table. GPU-free (mixgemm_bench_core).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace mixgemm::bench {

// One CSV line. Missing numbers (no cuBLAS baseline) are NaN: empty in the CSV, null in JSON.
struct Row {
  std::string device;
  std::string act;
  std::string wtype;
  int64_t group = 0;  // -1 = channel-wise
  std::string layer;
  int64_t m = 0;
  int64_t n = 0;
  int64_t k = 0;
  std::string schedule;
  double us = NAN;
  double tflops = NAN;
  double gbps = NAN;
  double roofline_us = NAN;
  double pct_roofline = NAN;
  double cublas_us = NAN;
  double speedup_vs_cublas = NAN;
};

// Exactly the columns, in order, without a trailing newline.
const char* csv_header();
// One row without a trailing newline; text fields quoted per RFC 4180 when they need it.
std::string csv_row(const Row& r);
std::string csv_escape(const std::string& field);

// Writes the header at open() and each row as it comes (flushed), so a long sweep that stops
// early still leaves its rows.
class CsvWriter {
 public:
  CsvWriter() = default;
  CsvWriter(const CsvWriter&) = delete;
  CsvWriter& operator=(const CsvWriter&) = delete;
  ~CsvWriter();
  bool open(const std::string& path, std::string* error);
  bool is_open() const { return f_ != nullptr; }
  void write(const Row& r);
  bool close(std::string* error);

 private:
  std::FILE* f_ = nullptr;
  std::string path_;
};

// Run-level facts the JSON carries beside the rows (device properties, ceilings, options).
// Values are strings or numbers; numbers that are NaN become null.
struct JsonField {
  std::string key;
  std::string text;   // used when is_number is false
  double number = 0;  // used when is_number is true
  bool is_number = false;
};
JsonField json_text(std::string key, std::string value);
JsonField json_number(std::string key, double value);

// {"device": {...}, "ceilings": {...}, "options": {...}, "rows": [{...}, ...]}
std::string json_report(const std::vector<JsonField>& device, const std::vector<JsonField>& ceilings,
                        const std::vector<JsonField>& options, const std::vector<Row>& rows);
std::string json_escape(const std::string& s);
bool write_file(const std::string& path, const std::string& text, std::string* error);

// The stdout table: a header line per block (a layer and type configuration) and a line per row.
// dense_tflops (the measured cuBLASLt rate of the row's type) adds a "%dense" column: tflops / rate.
std::string table_header();
std::string table_row(const Row& r, double dense_tflops);

}  // namespace mixgemm::bench
