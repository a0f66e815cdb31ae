// Shared by the C++ benchmark programs (xgrad_bench, blas_bench, libtorch_bench): the raw data files
// written by `xgrad_bench export`, timing, and the `key value` output the driver (bench/run.py)
// reads. No xgrad or LibTorch header here, so each program includes only its own library.
#pragma once

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace bench {

using Clock = std::chrono::steady_clock;
inline double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

inline double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Runs `body` six times, the first as a warm-up, and returns the median of the other five in
// microseconds per unit of work (`units` per run: ops, iterations).
template <class F>
double median_us_per(F&& body, double units) {
  std::vector<double> t;
  for (int rep = 0; rep < 6; ++rep) {
    auto start = Clock::now();
    body();
    if (rep) t.push_back(seconds_since(start) * 1e6 / units);
  }
  return median(t);
}

// A file of raw little-endian values of T (float32 features, int64 labels).
template <class T>
std::vector<T> read_raw(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw std::runtime_error("cannot open " + path + " (run `xgrad_bench export DIR` first)");
  auto bytes = static_cast<size_t>(in.tellg());
  if (bytes % sizeof(T)) throw std::runtime_error(path + ": size is not a multiple of the element size");
  std::vector<T> v(bytes / sizeof(T));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(bytes));
  return v;
}

template <class T>
void write_raw(const std::string& path, const T* data, size_t n) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(n * sizeof(T)));
    if (!out) throw std::runtime_error("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw std::runtime_error("cannot rename " + tmp);
}

// Resident set size now, and its peak over the process's life, in MiB (Linux).
inline double rss_mib() {
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return static_cast<double>(resident) * 4096.0 / (1024.0 * 1024.0);
}
inline double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

inline void put(const char* key, double v) { std::printf("%s %.6g\n", key, v); }

// The workloads' fixed sizes, as the issue states them.
constexpr int kW0Ops = 200000;      // ops per timed chunk in W0 (a), (b)
constexpr int kW0Chains = 2000;     // chains of 100 adds in W0 (c)
constexpr int kW1Iters = 20000;     // iterations per timed chunk in W1
constexpr int kW6Length = 1000000;  // multiplies in W6
// W7 standardizes Fashion-MNIST's pixels (in [0, 1]) with its training set's mean and deviation.
constexpr double kFashionMean = 0.2860, kFashionStd = 0.3530;

}  // namespace bench
