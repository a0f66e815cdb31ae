#include "xgrad/autograd/core.hpp"

#include <ostream>
#include <sstream>

namespace xgrad {

const char* dtype_name(Dtype d) {
  switch (d) {
    case kFloat32: return "float32";
    case kFloat64: return "float64";
    case kInt64: return "int64";
  }
  return "?";
}

std::string Device::str() const { return is_cpu() ? "cpu" : "cuda:" + std::to_string(index); }

Shape::Shape(std::initializer_list<int64_t> dims) : Shape(std::span<const int64_t>(dims.begin(), dims.size())) {}

Shape::Shape(std::span<const int64_t> dims) {
  if (dims.size() > static_cast<size_t>(kMaxDims))
    throw Error("Shape: " + std::to_string(dims.size()) + " dimensions given, at most " +
                std::to_string(kMaxDims) + " are supported");
  n_ = static_cast<int8_t>(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) d_[i] = dims[i];
}

int64_t Shape::numel() const {
  int64_t n = 1;
  for (int i = 0; i < n_; ++i) n *= d_[i];
  return n;
}

void Shape::push_back(int64_t v) { insert(n_, v); }

void Shape::insert(int64_t pos, int64_t v) {
  if (n_ == kMaxDims) throw Error("Shape: at most " + std::to_string(kMaxDims) + " dimensions are supported");
  for (int64_t i = n_; i > pos; --i) d_[i] = d_[i - 1];
  d_[pos] = v;
  ++n_;
}

void Shape::erase(int64_t pos) {
  for (int64_t i = pos; i + 1 < n_; ++i) d_[i] = d_[i + 1];
  --n_;
}

namespace {
std::string list_str(const int64_t* begin, const int64_t* end) {
  std::string s = "[";
  for (const int64_t* p = begin; p != end; ++p) {
    if (p != begin) s += ", ";
    s += std::to_string(*p);
  }
  return s + "]";
}
}  // namespace

std::string Shape::str() const { return list_str(begin(), end()); }

Dims::Dims(std::initializer_list<int64_t> dims) {
  for (int64_t d : dims) push_back(d);
}

Dims::Dims(const std::vector<int64_t>& dims) {
  for (int64_t d : dims) push_back(d);
}

void Dims::push_back(int64_t dim) {
  if (n_ == Shape::kMaxDims)
    throw Error("Dims: more than " + std::to_string(Shape::kMaxDims) + " dims given, at most " +
                std::to_string(Shape::kMaxDims) + " are supported");
  d_[n_++] = dim;
}

std::string Dims::str() const { return list_str(begin(), end()); }

bool operator==(const Shape& a, const Shape& b) {
  if (a.n_ != b.n_) return false;
  for (int i = 0; i < a.n_; ++i)
    if (a.d_[i] != b.d_[i]) return false;
  return true;
}

std::ostream& operator<<(std::ostream& os, const Shape& s) { return os << s.str(); }
std::ostream& operator<<(std::ostream& os, Dtype d) { return os << dtype_name(d); }
std::ostream& operator<<(std::ostream& os, Device d) { return os << d.str(); }

}  // namespace xgrad
