#include "xgrad/nn/serialize.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>
#include <vector>

#include "autograd/json.hpp"

namespace xgrad::nn {

namespace {

using nlohmann::json;

// The safetensors reference reader refuses headers above 100 MB; so do we, before reading one.
constexpr uint64_t kMaxHeader = 100'000'000;

[[noreturn]] void fail(const char* op, const std::string& path, const std::string& what) {
  throw Error(std::string(op) + ": '" + path + "': " + what);
}

std::string errno_text() { return std::strerror(errno); }

const char* safetensors_dtype(Dtype d) {
  switch (d) {
    case kFloat32:
      return "F32";
    case kFloat64:
      return "F64";
    case kInt64:
      return "I64";
  }
  return "?";
}

// Swaps each element's bytes in place (only on big-endian hosts: the format is little-endian).
void to_little_endian(char* data, size_t bytes, size_t elsize) {
  if constexpr (std::endian::native == std::endian::big) {
    for (size_t i = 0; i + elsize <= bytes; i += elsize) std::reverse(data + i, data + i + elsize);
  } else {
    (void)data, (void)bytes, (void)elsize;
  }
}

// A file descriptor closed on scope exit.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

void write_all(int fd, const char* data, size_t n, const std::string& tmp) {
  while (n > 0) {
    ssize_t w = ::write(fd, data, std::min<size_t>(n, size_t{1} << 30));
    if (w < 0) {
      if (errno == EINTR) continue;
      throw Error("write to '" + tmp + "' failed: " + errno_text());
    }
    data += w;
    n -= static_cast<size_t>(w);
  }
}

void read_all(int fd, char* data, size_t n, uint64_t offset, const std::string& path) {
  while (n > 0) {
    ssize_t r = ::pread(fd, data, std::min<size_t>(n, size_t{1} << 30), static_cast<off_t>(offset));
    if (r < 0) {
      if (errno == EINTR) continue;
      fail("nn::load", path, "read failed at byte " + std::to_string(offset) + ": " + errno_text());
    }
    if (r == 0) fail("nn::load", path, "unexpected end of file at byte " + std::to_string(offset));
    data += r;
    n -= static_cast<size_t>(r);
    offset += static_cast<uint64_t>(r);
  }
}

// Opens a fresh temporary beside `path` (same directory, so rename is atomic); O_EXCL with a
// unique name, and mode 0666 so the umask applies as for any new file.
std::string open_temporary(const std::string& path, Fd& out) {
  static std::atomic<uint64_t> counter{0};
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string tmp =
        path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter.fetch_add(1));
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) {
      out.fd = fd;
      return tmp;
    }
    if (errno != EEXIST)
      fail("nn::save", path, "cannot create temporary file '" + tmp + "': " + errno_text());
  }
  fail("nn::save", path, "cannot find a free temporary file name");
}

void fsync_directory_of(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // best effort: the rename itself has happened
  ::fsync(fd);
  ::close(fd);
}

struct Entry {
  std::string name;
  Dtype dtype;
  Shape shape;
  uint64_t begin, end;
};

}  // namespace

// ---- save

void save(const StateDict& state, const std::string& path, const Metadata& metadata) {
  // Everything that can be wrong with the input is found before a file is touched.
  std::vector<Tensor> cpu;
  json header = json::object();
  uint64_t offset = 0;
  for (auto& [name, t] : state) {
    if (name.empty()) fail("nn::save", path, "a tensor has an empty name");
    if (name == "__metadata__")
      fail("nn::save", path, "\"__metadata__\" is reserved and cannot name a tensor");
    if (!t.defined()) fail("nn::save", path, "tensor \"" + name + "\" is undefined");
    Tensor c = t.detach().cpu();
    uint64_t bytes = static_cast<uint64_t>(c.numel()) * element_size(c.dtype());
    header[name] = {{"dtype", safetensors_dtype(c.dtype())},
                    {"shape", c.shape().vec()},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    cpu.push_back(std::move(c));
  }
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::string text = json_io::dump(header);
  text.append((8 - text.size() % 8) % 8, ' ');  // keeps the data area 8-byte aligned
  char length[8];
  uint64_t n = text.size();
  for (int i = 0; i < 8; ++i) length[i] = static_cast<char>((n >> (8 * i)) & 0xff);

  Fd fd;
  std::string tmp = open_temporary(path, fd);
  try {
    write_all(fd.fd, length, 8, tmp);
    write_all(fd.fd, text.data(), text.size(), tmp);
    std::vector<char> swapped;
    for (auto& c : cpu) {
      size_t bytes = static_cast<size_t>(c.numel()) * element_size(c.dtype());
      if (bytes == 0) continue;
      const char* data = static_cast<const char*>(c.data_ptr());
      if constexpr (std::endian::native == std::endian::big) {
        swapped.assign(data, data + bytes);
        to_little_endian(swapped.data(), bytes, element_size(c.dtype()));
        data = swapped.data();
      }
      write_all(fd.fd, data, bytes, tmp);
    }
    if (::fsync(fd.fd) != 0) throw Error("fsync of '" + tmp + "' failed: " + errno_text());
    int rc = ::close(fd.fd);
    fd.fd = -1;
    if (rc != 0) throw Error("close of '" + tmp + "' failed: " + errno_text());
    if (::rename(tmp.c_str(), path.c_str()) != 0)
      throw Error("rename of '" + tmp + "' failed: " + errno_text());
  } catch (...) {
    if (fd.fd >= 0) {
      ::close(fd.fd);
      fd.fd = -1;
    }
    ::unlink(tmp.c_str());
    try {
      throw;
    } catch (const Error& e) {
      fail("nn::save", path, std::string(e.what()) + " (any previous file is unchanged)");
    }
  }
  fsync_directory_of(path);
}

void save(const Module& module, const std::string& path, const Metadata& metadata) {
  save(module.state_dict(), path, metadata);
}

// ---- load

namespace {
// Reads and parses the header (length and JSON checked) of the file open as `fd`.
json read_header(const std::string& path, Fd& fd, uint64_t& data_size, uint64_t& header_size) {
  auto bad = [&](const std::string& what) { fail("nn::load", path, what); };
  fd.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd.fd < 0) bad("cannot open: " + errno_text());
  struct stat st {};
  if (::fstat(fd.fd, &st) != 0) bad("cannot stat: " + errno_text());
  if (!S_ISREG(st.st_mode)) bad("not a regular file");
  const auto file_size = static_cast<uint64_t>(st.st_size);
  if (file_size < 8)
    bad("file is " + std::to_string(file_size) + " bytes, too short for the 8-byte header length");

  unsigned char length[8];
  read_all(fd.fd, reinterpret_cast<char*>(length), 8, 0, path);
  header_size = 0;
  for (int i = 7; i >= 0; --i) header_size = (header_size << 8) | length[i];
  if (header_size > file_size - 8)
    bad("header length " + std::to_string(header_size) + " exceeds the " +
        std::to_string(file_size - 8) +
        " bytes after the length field (truncated or not a safetensors file)");
  if (header_size > kMaxHeader)
    bad("header length " + std::to_string(header_size) + " is above the 100 MB limit");
  data_size = file_size - 8 - header_size;

  std::string text(header_size, '\0');
  read_all(fd.fd, text.data(), header_size, 8, path);
  json header;
  try {
    header = json_io::parse(text);
  } catch (const json::exception& e) {
    bad(std::string("header is not valid JSON: ") + e.what());
  }
  if (!header.is_object()) bad("header is not a JSON object");
  return header;
}
}  // namespace

Metadata load_metadata(const std::string& path) {
  Fd fd;
  uint64_t data_size = 0, header_size = 0;
  json header = read_header(path, fd, data_size, header_size);
  Metadata out;
  if (header.contains("__metadata__")) {
    const json& info = header["__metadata__"];
    if (!info.is_object()) fail("nn::load", path, "\"__metadata__\" must be an object of strings");
    for (auto& [k, v] : info.items()) {
      if (!v.is_string()) fail("nn::load", path, "\"__metadata__\" entry \"" + k + "\" is not a string");
      out[k] = v.get<std::string>();
    }
  }
  return out;
}

std::vector<std::string> remove_stale_temporaries(const std::string& path) {
  namespace fs = std::filesystem;
  fs::path target(path);
  fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  const std::string prefix = target.filename().string() + ".tmp.";
  std::vector<std::string> removed;
  std::error_code ec;
  for (auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    // <path>.tmp.<pid>.<n>: stale when process <pid> is gone
    std::string rest = name.substr(prefix.size());
    size_t dot = rest.find('.');
    if (dot == std::string::npos || dot == 0) continue;
    std::string pid_text = rest.substr(0, dot);
    if (pid_text.find_first_not_of("0123456789") != std::string::npos) continue;
    long pid = std::strtol(pid_text.c_str(), nullptr, 10);
    bool alive = pid == ::getpid() || ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
    if (alive) continue;
    std::error_code rm;
    if (fs::remove(entry.path(), rm)) removed.push_back(entry.path().string());
  }
  return removed;
}

Checkpoint load_checkpoint(const std::string& path) {
  auto bad = [&](const std::string& what) { fail("nn::load", path, what); };
  Fd fd;
  uint64_t data_size = 0, header_size = 0;
  json header = read_header(path, fd, data_size, header_size);

  Checkpoint out;
  std::vector<Entry> entries;
  for (auto& [name, info] : header.items()) {
    if (name == "__metadata__") {
      if (!info.is_object()) bad("\"__metadata__\" must be an object of strings");
      for (auto& [k, v] : info.items()) {
        if (!v.is_string()) bad("\"__metadata__\" entry \"" + k + "\" is not a string");
        out.metadata[k] = v.get<std::string>();
      }
      continue;
    }
    const std::string where = "tensor \"" + name + "\": ";
    if (!info.is_object()) bad(where + "entry is not an object");
    if (!info.contains("dtype") || !info["dtype"].is_string())
      bad(where + "missing string \"dtype\"");
    if (!info.contains("shape") || !info["shape"].is_array())
      bad(where + "missing array \"shape\"");
    if (!info.contains("data_offsets") || !info["data_offsets"].is_array() ||
        info["data_offsets"].size() != 2 || !info["data_offsets"][0].is_number_unsigned() ||
        !info["data_offsets"][1].is_number_unsigned())
      bad(where + "\"data_offsets\" must be two non-negative integers [begin, end]");

    Entry e{name, kFloat32, {}, 0, 0};
    auto dtype = info["dtype"].get<std::string>();
    if (dtype == "F32")
      e.dtype = kFloat32;
    else if (dtype == "F64")
      e.dtype = kFloat64;
    else if (dtype == "I64")
      e.dtype = kInt64;
    else
      bad(where + "unsupported dtype \"" + dtype + "\" (xgrad reads F32, F64 and I64)");

    auto& shape = info["shape"];
    if (shape.size() > static_cast<size_t>(Shape::kMaxDims))
      bad(where + "shape has " + std::to_string(shape.size()) + " dimensions, at most " +
          std::to_string(Shape::kMaxDims) + " are supported");
    uint64_t numel = 1;
    bool overflow = false;
    for (auto& d : shape) {
      if (!d.is_number_unsigned()) bad(where + "shape entries must be non-negative integers");
      auto v = d.get<uint64_t>();
      if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        overflow = true;
      else if (v != 0 && numel > std::numeric_limits<uint64_t>::max() / v)
        overflow = true;
      else
        numel *= v;
      e.shape.push_back(static_cast<int64_t>(v));
    }
    e.begin = info["data_offsets"][0].get<uint64_t>();
    e.end = info["data_offsets"][1].get<uint64_t>();
    if (e.begin > e.end)
      bad(where + "data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
          "] end before they begin");
    if (e.end > data_size)
      bad(where + "data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
          "] reach past the data area of " + std::to_string(data_size) + " bytes");
    const uint64_t elsize = element_size(e.dtype);
    if (overflow || numel > std::numeric_limits<uint64_t>::max() / elsize ||
        numel * elsize != e.end - e.begin)
      bad(where + "data_offsets give " + std::to_string(e.end - e.begin) + " bytes, but shape " +
          e.shape.str() + " of " + dtype + " needs " +
          (overflow ? std::string("more than 2^64") : std::to_string(numel * elsize)));
    entries.push_back(std::move(e));
  }

  // The data area must be covered exactly: no overlaps, no gaps, nothing after the last tensor.
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    if (a.begin != b.begin) return a.begin < b.begin;
    return a.end != b.end ? a.end < b.end : a.name < b.name;
  });
  uint64_t covered = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    if (e.begin < covered)
      bad("tensors \"" + entries[i - 1].name + "\" and \"" + e.name + "\" overlap (byte " +
          std::to_string(e.begin) + " is used by both)");
    if (e.begin > covered)
      bad("bytes [" + std::to_string(covered) + ", " + std::to_string(e.begin) +
          ") of the data area belong to no tensor (before \"" + e.name + "\")");
    covered = e.end;
  }
  if (covered != data_size)
    bad("the data area is " + std::to_string(data_size) + " bytes but the tensors use " +
        std::to_string(covered) + " (trailing bytes)");

  // Only now, with every size known to fit the file, allocate and read.
  for (auto& e : entries) {
    Tensor t = empty(e.shape, e.dtype);
    const uint64_t bytes = e.end - e.begin;
    if (bytes > 0) {
      char* data = static_cast<char*>(t.data_ptr());
      read_all(fd.fd, data, bytes, 8 + header_size + e.begin, path);
      to_little_endian(data, bytes, element_size(e.dtype));
    }
    out.tensors.insert(e.name, std::move(t));
  }
  return out;
}

StateDict load(const std::string& path) { return load_checkpoint(path).tensors; }

LoadResult load(Module& module, const std::string& path, bool strict) {
  StateDict state = load(path);
  try {
    return module.load_state_dict(state, strict);
  } catch (const Error& e) {
    fail("nn::load", path, e.what());
  }
}

}  // namespace xgrad::nn
