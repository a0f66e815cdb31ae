#include "xgrad/data/files.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "xgrad/autograd/core.hpp"

namespace xgrad::data {

namespace fs = std::filesystem;

std::string read_file(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error("cannot open '" + path + "': no such file");
  if (fs::is_directory(path, ec)) throw Error("cannot read '" + path + "': it is a directory");
  const size_t on_disk = static_cast<size_t>(fs::file_size(path, ec));
  // The size to expect: a gzip file's trailer holds it (mod 2^32), a plain file's is its own.
  size_t hint = 0;
  if (std::FILE* raw = std::fopen(path.c_str(), "rb")) {
    unsigned char head[2] = {0, 0}, tail[4] = {0, 0, 0, 0};
    bool gz = std::fread(head, 1, 2, raw) == 2 && head[0] == 0x1f && head[1] == 0x8b;
    if (gz && std::fseek(raw, -4, SEEK_END) == 0 && std::fread(tail, 1, 4, raw) == 4)
      hint = tail[0] | (tail[1] << 8) | (tail[2] << 16) | (size_t(tail[3]) << 24);
    else if (!gz)
      hint = on_disk;
    std::fclose(raw);
  }
  // gzread passes plain files through unchanged, so one reader serves both. Its buffers (one
  // for input, two for output) are sized to the file, up to 128 KiB: reading a folder of small
  // reviews allocates no more than they hold.
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw Error("cannot open '" + path + "': " + std::strerror(errno));
  gzbuffer(f, static_cast<unsigned>(std::clamp<size_t>(on_disk, 8192, 1 << 17)));
  std::string out;
  // A truncated file's "trailer" is arbitrary bytes: trust it no further than deflate's
  // maximum ratio (about 1032:1) allows. One byte more than expected, so that a right hint
  // ends in one read that comes back short.
  out.reserve(std::min({hint, on_disk * 1032, size_t(1) << 32}) + 1);
  for (;;) {
    const size_t have = out.size();
    // What is reserved; when that is full (a short hint), as much again (at least 4 KiB). At
    // most 64 MiB a read, so a wrong hint never makes us zero-fill gigabytes.
    const size_t room = out.capacity() - have;
    const size_t want = std::min<size_t>(room > 0 ? room : std::max<size_t>(have, 4096), 1 << 26);
    out.resize(have + want);
    const unsigned ask = static_cast<unsigned>(std::min<size_t>(want, 1 << 30));
    int n = gzread(f, out.data() + have, ask);
    out.resize(have + static_cast<size_t>(std::max(n, 0)));
    int err = Z_OK;
    const char* msg = gzerror(f, &err);
    if (n < 0 || (err != Z_OK && err != Z_STREAM_END)) {
      std::string what = msg && *msg ? msg : "read error";
      gzclose(f);
      throw Error("cannot read '" + path + "': corrupt or truncated gzip data (" + what +
                  ") after " + std::to_string(out.size()) + " uncompressed bytes");
    }
    if (static_cast<unsigned>(n) < ask) break;  // gzread returns less only at the end
  }
  gzclose(f);
  // A short hint leaves up to twice the text reserved: give it back, or a folder of 50,000
  // reviews (read_text_folders on aclImdb) would hold twice its size.
  if (out.capacity() > out.size() + out.size() / 8 + 4096) out.shrink_to_fit();
  return out;
}

void write_file_atomic(const std::string& path, std::string_view content) {
  static std::atomic<uint64_t> counter{0};
  fs::path target(path);
  fs::path tmp = target;
  // Unique per process and call, so concurrent writers of one path never share a temporary.
  tmp += ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter.fetch_add(1));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw Error("cannot write '" + path + "': " + std::strerror(errno));
  const char* p = content.data();
  size_t left = content.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw Error("cannot write '" + path + "': " + std::strerror(e));
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    throw Error("cannot write '" + path + "': " + std::strerror(e));
  }
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    throw Error("cannot rename '" + tmp.string() + "' to '" + path + "': " + std::strerror(e));
  }
  // Make the rename itself durable (best effort: the file is already complete).
  fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

std::string data_path(const std::string& name) {
  fs::path local = fs::path("data") / name;
  std::error_code ec;
  if (fs::exists(local, ec)) return local.string();
  // __FILE__ is this source file's absolute path (CMake passes absolute paths).
  fs::path beside = fs::path(__FILE__).parent_path() / name;
  if (fs::exists(beside, ec)) return beside.string();
  return local.string();  // the error on opening it names the expected place
}

}  // namespace xgrad::data
