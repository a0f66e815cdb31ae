/// \file
/// CSV files of numbers (plain or gzip-compressed) read into tensors.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "xgrad/autograd/tensor.hpp"
#include "xgrad/data/dataset.hpp"

namespace xgrad::data {

/// How read_csv_table, read_csv and read_csv_dataset read a file.
struct CsvOptions {
  bool header = false;        ///< the first line holds names, not numbers
  char delimiter = ',';       ///< ' ': any run of spaces and tabs (NumPy's genfromtxt default)
  int64_t label_column = -1;  ///< read_csv_dataset: the column that becomes y (-1: the last)
  /// read_csv_dataset: columns to leave out (an id, say); their fields may be any text.
  std::vector<int64_t> drop_columns = {};
  Dtype dtype = kFloat32;        ///< of the values (x)
  Dtype label_dtype = kInt64;  ///< of y; int64 labels must be integers
};

/// A CSV file's column names and values.
struct CsvTable {
  std::vector<std::string> columns;  ///< the header's names; empty without a header
  Tensor values;                     ///< [rows, columns] of options.dtype
};

/// Every row must have the same number of fields, each a number (surrounding blanks and double
/// quotes are allowed; blank lines are skipped). A bad file raises xgrad::Error naming the file,
/// the line and the column.
CsvTable read_csv_table(const std::string& path, const CsvOptions& options = {});
/// The values of read_csv_table(path, options): [rows, columns].
inline Tensor read_csv(const std::string& path, const CsvOptions& options = {}) {
  return read_csv_table(path, options).values;
}

/// x: every column except the label column and the dropped ones; y: the label column, 1-D.
TensorDataset read_csv_dataset(const std::string& path, const CsvOptions& options = {});

/// A file's layout guessed from its first non-blank line: the delimiter (',' or ';' where the line
/// has one, a tab where it has tabs and no spaces, else ' ': runs of blanks) and whether the line
/// is a header (a field that is not a number, outside `text_columns`, whose fields may be any
/// text; negatives count from the end).
struct CsvLayout {
  char delimiter = ',';  ///< ',', ';', '\\t', or ' ' (runs of blanks).
  bool header = false;  ///< Whether the first line is a header.
};
/// Guesses the layout of `path` (see CsvLayout); throws xgrad::Error when the file cannot be read
/// or has no data rows.
CsvLayout sniff_csv(const std::string& path, const std::vector<int64_t>& text_columns = {});

}  // namespace xgrad::data
