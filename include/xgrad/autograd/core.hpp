/// \file
/// Scalar types, devices and shapes: the vocabulary every other header uses.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace xgrad {

/// Spelled kFloat32, kFloat64, kInt64 (and kCPU, kCUDA for devices), as in LibTorch.
enum class Dtype : uint8_t { f32, f64, i64 };
/// 32-bit float, the default dtype.
inline constexpr Dtype kFloat32 = Dtype::f32;
/// 64-bit float.
inline constexpr Dtype kFloat64 = Dtype::f64;
/// 64-bit signed integer (indices, labels).
inline constexpr Dtype kInt64 = Dtype::i64;

/// Bytes per element: 4 for float32, 8 for float64 and int64.
inline constexpr size_t element_size(Dtype d) { return d == kFloat32 ? 4 : 8; }
/// True for float32 and float64.
inline constexpr bool is_floating(Dtype d) { return d != kInt64; }
const char* dtype_name(Dtype d);  ///< "float32", "float64", "int64"

/// Where a tensor's memory lives: the CPU or a CUDA device.
enum class DeviceType : uint8_t { CPU, CUDA };

/// A device: its type and, for CUDA, its index: kCPU, kCUDA (device 0), Device(DeviceType::CUDA,
/// 1).
struct Device {
  DeviceType type = DeviceType::CPU;  ///< CPU or CUDA.
  int8_t index = 0;  ///< The CUDA device's index (0 on the CPU).

  constexpr Device() = default;
  /// Device `i` of type `t`.
  constexpr Device(DeviceType t, int i = 0) : type(t), index(static_cast<int8_t>(i)) {}
  /// True on the CPU.
  constexpr bool is_cpu() const { return type == DeviceType::CPU; }
  /// True on a CUDA device.
  constexpr bool is_cuda() const { return type == DeviceType::CUDA; }
  /// Same type and index.
  friend constexpr bool operator==(Device a, Device b) { return a.type == b.type && a.index == b.index; }
  std::string str() const;  ///< "cpu", "cuda:0"
};
/// The CPU.
inline constexpr Device kCPU{DeviceType::CPU};
/// CUDA device 0.
inline constexpr Device kCUDA{DeviceType::CUDA};

/// A shape held inline (no allocation): at most kMaxDims dimensions.
class Shape {
 public:
  /// The most dimensions a Shape (and a tensor) can have.
  static constexpr int kMaxDims = 8;

  Shape() = default;
  /// The given sizes, `Shape{2, 3}`; throws xgrad::Error past kMaxDims dimensions.
  Shape(std::initializer_list<int64_t> dims);
  /// The given sizes; throws xgrad::Error past kMaxDims dimensions.
  explicit Shape(std::span<const int64_t> dims);
  /// The given sizes; throws xgrad::Error past kMaxDims dimensions.
  Shape(const std::vector<int64_t>& dims) : Shape(std::span<const int64_t>(dims)) {}

  /// Number of dimensions (0 for a scalar).
  int64_t ndim() const { return n_; }
  /// Size of dimension `i` (0 <= i < ndim(), unchecked).
  int64_t operator[](int64_t i) const { return d_[i]; }
  /// Size of dimension `i`, writable (unchecked).
  int64_t& operator[](int64_t i) { return d_[i]; }
  /// First size, for range-for.
  const int64_t* begin() const { return d_; }
  /// Past the last size.
  const int64_t* end() const { return d_ + n_; }
  /// First size, writable.
  int64_t* begin() { return d_; }
  /// Past the last size.
  int64_t* end() { return d_ + n_; }
  /// The last dimension's size (the shape must not be empty).
  int64_t back() const { return d_[n_ - 1]; }
  /// Number of elements: the product of the sizes (1 for a scalar).
  int64_t numel() const;
  /// Appends a dimension of size `v`; throws xgrad::Error past kMaxDims.
  void push_back(int64_t v);
  /// Inserts a dimension of size `v` before position `pos`; throws xgrad::Error past kMaxDims.
  void insert(int64_t pos, int64_t v);
  /// Removes dimension `pos`.
  void erase(int64_t pos);
  /// The sizes as a vector.
  std::vector<int64_t> vec() const { return {begin(), end()}; }
  std::string str() const;  ///< "[2, 3]"

  /// Same number of dimensions and same sizes.
  friend bool operator==(const Shape& a, const Shape& b);

 private:
  int64_t d_[kMaxDims] = {};
  int8_t n_ = 0;
};

/// A list of dimension indices, negative ones counting from the end, as reductions and permute take
/// them: sum(x, {0, 2}), x.permute({1, 0}), mean(x, 1) (one index converts, as in PyTorch). Not a
/// Shape: a Shape holds sizes.
class Dims {
 public:
  Dims() = default;
  /// The given indices, `{0, -1}`; throws xgrad::Error past Shape::kMaxDims of them.
  Dims(std::initializer_list<int64_t> dims);
  /// One index.
  Dims(int64_t dim) : Dims({dim}) {}
  /// The given indices; throws xgrad::Error past Shape::kMaxDims of them.
  Dims(const std::vector<int64_t>& dims);

  /// Number of indices.
  int64_t size() const { return n_; }
  /// True when no index is given (reductions then take every dimension).
  bool empty() const { return n_ == 0; }
  /// Index `i`, as given (possibly negative).
  int64_t operator[](int64_t i) const { return d_[i]; }
  /// First index.
  const int64_t* begin() const { return d_; }
  /// Past the last index.
  const int64_t* end() const { return d_ + n_; }
  /// Appends an index; throws xgrad::Error past Shape::kMaxDims of them.
  void push_back(int64_t dim);
  std::string str() const;  ///< "[0, -1]"

 private:
  int64_t d_[Shape::kMaxDims] = {};
  int8_t n_ = 0;
};

/// Prints the shape as str() does: "[2, 3]".
std::ostream& operator<<(std::ostream& os, const Shape& s);
/// Prints dtype_name(d).
std::ostream& operator<<(std::ostream& os, Dtype d);
/// Prints d.str(): "cpu", "cuda:0".
std::ostream& operator<<(std::ostream& os, Device d);

/// Every error xgrad raises: the message names the op and what was wrong.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace xgrad
