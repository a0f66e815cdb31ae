/// \file
/// Whole-file reading (gzip or plain, told apart by content), atomic writing, and where the data
/// files shipped in data/ are found.
#pragma once

#include <string>
#include <string_view>

namespace xgrad::data {

/// The whole content; gzip-compressed files are inflated. Raises xgrad::Error naming the file
/// when it is missing, unreadable or a truncated/corrupt gzip stream.
std::string read_file(const std::string& path);

/// Writes `path` atomically: a temporary file beside it, flushed and fsync'ed, then renamed over
/// it, so a reader never sees half a file and a failure leaves the old file as it was.
void write_file_atomic(const std::string& path, std::string_view content);

/// A file shipped in the project's data/ folder: "data/NAME" relative to the working directory
/// when it exists there (the repository root), else the data/ folder this library was built from.
std::string data_path(const std::string& name);

}  // namespace xgrad::data
