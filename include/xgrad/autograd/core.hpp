// Scalar types, devices and shapes: the vocabulary every other header uses.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace xgrad {

// Spelled kFloat32, kFloat64, kInt64 (and kCPU, kCUDA for devices), as in LibTorch.
enum class Dtype : uint8_t { f32, f64, i64 };
inline constexpr Dtype kFloat32 = Dtype::f32;
inline constexpr Dtype kFloat64 = Dtype::f64;
inline constexpr Dtype kInt64 = Dtype::i64;

inline constexpr size_t element_size(Dtype d) { return d == kFloat32 ? 4 : 8; }
inline constexpr bool is_floating(Dtype d) { return d != kInt64; }
const char* dtype_name(Dtype d);  // "float32", "float64", "int64"

enum class DeviceType : uint8_t { CPU, CUDA };

// A device: its type and, for CUDA, its index: kCPU, kCUDA (device 0), Device(DeviceType::CUDA, 1).
struct Device {
  DeviceType type = DeviceType::CPU;
  int8_t index = 0;

  constexpr Device() = default;
  constexpr Device(DeviceType t, int i = 0) : type(t), index(static_cast<int8_t>(i)) {}
  constexpr bool is_cpu() const { return type == DeviceType::CPU; }
  constexpr bool is_cuda() const { return type == DeviceType::CUDA; }
  friend constexpr bool operator==(Device a, Device b) { return a.type == b.type && a.index == b.index; }
  std::string str() const;  // "cpu", "cuda:0"
};
inline constexpr Device kCPU{DeviceType::CPU};
inline constexpr Device kCUDA{DeviceType::CUDA};

// A shape held inline (no allocation): at most kMaxDims dimensions.
class Shape {
 public:
  static constexpr int kMaxDims = 8;

  Shape() = default;
  Shape(std::initializer_list<int64_t> dims);
  explicit Shape(std::span<const int64_t> dims);
  Shape(const std::vector<int64_t>& dims) : Shape(std::span<const int64_t>(dims)) {}

  int64_t ndim() const { return n_; }
  int64_t operator[](int64_t i) const { return d_[i]; }
  int64_t& operator[](int64_t i) { return d_[i]; }
  const int64_t* begin() const { return d_; }
  const int64_t* end() const { return d_ + n_; }
  int64_t* begin() { return d_; }
  int64_t* end() { return d_ + n_; }
  int64_t back() const { return d_[n_ - 1]; }
  int64_t numel() const;
  void push_back(int64_t v);
  void insert(int64_t pos, int64_t v);
  void erase(int64_t pos);
  std::vector<int64_t> vec() const { return {begin(), end()}; }
  std::string str() const;  // "[2, 3]"

  friend bool operator==(const Shape& a, const Shape& b);

 private:
  int64_t d_[kMaxDims] = {};
  int8_t n_ = 0;
};

// A list of dimension indices, negative ones counting from the end, as reductions and permute take
// them: sum(x, {0, 2}), x.permute({1, 0}), mean(x, 1) (one index converts, as in PyTorch). Not a
// Shape: a Shape holds sizes.
class Dims {
 public:
  Dims() = default;
  Dims(std::initializer_list<int64_t> dims);
  Dims(int64_t dim) : Dims({dim}) {}
  Dims(const std::vector<int64_t>& dims);

  int64_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  int64_t operator[](int64_t i) const { return d_[i]; }
  const int64_t* begin() const { return d_; }
  const int64_t* end() const { return d_ + n_; }
  void push_back(int64_t dim);
  std::string str() const;  // "[0, -1]"

 private:
  int64_t d_[Shape::kMaxDims] = {};
  int8_t n_ = 0;
};

std::ostream& operator<<(std::ostream& os, const Shape& s);
std::ostream& operator<<(std::ostream& os, Dtype d);
std::ostream& operator<<(std::ostream& os, Device d);

// Every error xgrad raises: the message names the op and what was wrong.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace xgrad
