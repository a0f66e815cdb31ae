#include "xgrad/data/csv.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <string_view>

#include "xgrad/data/files.hpp"

namespace xgrad::data {

namespace {

struct Parsed {
  std::vector<std::string> header;
  std::vector<double> values;  // row-major
  std::vector<int64_t> lines;  // the file line of each row
  int64_t rows = 0, cols = 0;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::string_view unquote(std::string_view s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return trim(s.substr(1, s.size() - 2));
  return s;
}

std::vector<std::string_view> split_fields(std::string_view line, char delimiter) {
  std::vector<std::string_view> fields;
  if (delimiter == ' ') {  // any run of blanks, as NumPy's genfromtxt without a delimiter
    line = trim(line);
    while (!line.empty()) {
      size_t end = line.find_first_of(" \t");
      fields.push_back(unquote(line.substr(0, end)));
      line = end == std::string_view::npos ? std::string_view() : trim(line.substr(end));
    }
    return fields;
  }
  size_t start = 0;
  for (;;) {
    size_t pos = line.find(delimiter, start);
    if (pos == std::string_view::npos) {
      fields.push_back(unquote(trim(line.substr(start))));
      return fields;
    }
    fields.push_back(unquote(trim(line.substr(start, pos - start))));
    start = pos + 1;
  }
}

std::string where(const std::string& path, int64_t line) {
  return "'" + path + "' line " + std::to_string(line);
}

std::string shown(std::string_view s) {
  std::string out(s.substr(0, 40));
  if (s.size() > 40) out += "...";
  return out;
}

// `text_columns`: columns whose fields are not parsed (read_csv_dataset's dropped columns, which
// may hold text such as sample ids); their values are NaN. Negative indices count from the end.
Parsed parse(const std::string& path, const CsvOptions& opt,
             const std::vector<int64_t>& text_columns = {}) {
  std::string text = read_file(path);
  Parsed p;
  int64_t line_no = 0, cols_line = 0;
  bool header_pending = opt.header;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    start = end + 1;
    ++line_no;
    if (trim(line).empty()) continue;
    if (line.find('\0') != std::string_view::npos)
      throw Error(where(path, line_no) + ": binary data (a NUL byte); not a CSV text file");
    auto fields = split_fields(line, opt.delimiter);
    if (header_pending) {
      for (auto f : fields) p.header.emplace_back(f);
      header_pending = false;
      continue;
    }
    int64_t n = static_cast<int64_t>(fields.size());
    if (p.rows == 0) {
      p.cols = n;
      cols_line = line_no;
    } else if (n != p.cols) {
      throw Error(where(path, line_no) + ": " + std::to_string(n) + " columns, expected " +
                  std::to_string(p.cols) + " (as on line " + std::to_string(cols_line) + ")");
    }
    for (int64_t c = 0; c < n; ++c) {
      if (std::any_of(text_columns.begin(), text_columns.end(),
                      [&](int64_t t) { return t == c || t + n == c; })) {
        p.values.push_back(std::numeric_limits<double>::quiet_NaN());
        continue;
      }
      std::string_view f = fields[c];
      if (f.empty())
        throw Error(where(path, line_no) + " column " + std::to_string(c + 1) + ": empty field");
      std::string_view digits = f.front() == '+' ? f.substr(1) : f;
      double v = 0;
      auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
      if (ec == std::errc::result_out_of_range)
        throw Error(where(path, line_no) + " column " + std::to_string(c + 1) + ": '" + shown(f) +
                    "' is out of range for a double");
      if (ec != std::errc() || ptr != digits.data() + digits.size())
        throw Error(where(path, line_no) + " column " + std::to_string(c + 1) + ": '" + shown(f) +
                    "' is not a number");
      p.values.push_back(v);
    }
    p.lines.push_back(line_no);
    ++p.rows;
  }
  if (p.rows == 0) throw Error("'" + path + "': no data rows");
  return p;
}

int64_t column_index(int64_t c, int64_t cols, const std::string& path, const char* what) {
  int64_t j = c < 0 ? c + cols : c;
  if (j < 0 || j >= cols)
    throw Error("'" + path + "': " + what + " " + std::to_string(c) + " does not exist (" +
                std::to_string(cols) + " columns)");
  return j;
}

}  // namespace

CsvLayout sniff_csv(const std::string& path, const std::vector<int64_t>& text_columns) {
  std::string text = read_file(path);
  size_t start = 0;
  std::string_view line;
  while (start < text.size() && trim(line).empty()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    line = std::string_view(text.data() + start, end - start);
    start = end + 1;
  }
  if (trim(line).empty()) throw Error("'" + path + "': no data rows");
  CsvLayout layout;
  // A tab alone separates fields (empty ones too); tabs mixed with spaces are blanks.
  const std::string_view fields_part = trim(line);
  const bool tabs = fields_part.find('\t') != std::string_view::npos;
  const bool spaces = fields_part.find(' ') != std::string_view::npos;
  layout.delimiter = line.find(',') != std::string_view::npos   ? ','
                     : line.find(';') != std::string_view::npos ? ';'
                     : tabs && !spaces                          ? '\t'
                                                                : ' ';
  auto fields = split_fields(line, layout.delimiter);
  int64_t n = static_cast<int64_t>(fields.size());
  for (int64_t c = 0; c < n; ++c) {
    if (std::any_of(text_columns.begin(), text_columns.end(),
                    [&](int64_t t) { return t == c || t + n == c; }))
      continue;
    std::string_view f = fields[c];
    std::string_view digits = !f.empty() && f.front() == '+' ? f.substr(1) : f;
    double v = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (f.empty() || ec == std::errc::invalid_argument || ptr != digits.data() + digits.size())
      layout.header = true;
  }
  return layout;
}

CsvTable read_csv_table(const std::string& path, const CsvOptions& options) {
  Parsed p = parse(path, options);
  return {std::move(p.header), tensor(p.values, Shape{p.rows, p.cols}, options.dtype)};
}

TensorDataset read_csv_dataset(const std::string& path, const CsvOptions& options) {
  Parsed p = parse(path, options, options.drop_columns);
  int64_t label = column_index(options.label_column, p.cols, path, "label column");
  std::vector<char> keep(static_cast<size_t>(p.cols), 1);
  keep[label] = 0;
  for (int64_t c : options.drop_columns) keep[column_index(c, p.cols, path, "column to drop")] = 0;
  int64_t n_features = 0;
  for (char k : keep) n_features += k;
  if (n_features == 0) throw Error("'" + path + "': no feature columns left");

  std::vector<double> x, y;
  x.reserve(static_cast<size_t>(p.rows * n_features));
  y.reserve(static_cast<size_t>(p.rows));
  for (int64_t r = 0; r < p.rows; ++r) {
    const double* row = p.values.data() + r * p.cols;
    for (int64_t c = 0; c < p.cols; ++c)
      if (keep[c]) x.push_back(row[c]);
    double v = row[label];
    if (!is_floating(options.label_dtype) && (!std::isfinite(v) || v != std::floor(v)))
      throw Error(where(path, p.lines[r]) + " column " + std::to_string(label + 1) + ": label " +
                  std::to_string(v) + " is not an integer (label_dtype is int64)");
    // Beyond int64 the conversion would be undefined (1e300 passed the check above).
    if (!is_floating(options.label_dtype) && !(v >= -0x1p63 && v < 0x1p63))
      throw Error(where(path, p.lines[r]) + " column " + std::to_string(label + 1) + ": label " +
                  std::to_string(v) + " is outside int64's range (label_dtype is int64)");
    y.push_back(v);
  }
  return {tensor(x, Shape{p.rows, n_features}, options.dtype),
          tensor(y, Shape{p.rows}, options.label_dtype)};
}

}  // namespace xgrad::data
