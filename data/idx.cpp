#include "xgrad/data/idx.hpp"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "xgrad/data/files.hpp"

namespace xgrad::data {

namespace {

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", v);
  return buf;
}

uint32_t be32(const unsigned char* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

uint64_t be64(const unsigned char* p) { return (uint64_t(be32(p)) << 32) | be32(p + 4); }

// The value at p of IDX type `type`, as double.
double value_at(const unsigned char* p, int type) {
  switch (type) {
    case 0x08:
      return p[0];
    case 0x09:
      return static_cast<int8_t>(p[0]);
    case 0x0B:
      return static_cast<int16_t>((uint16_t(p[0]) << 8) | p[1]);
    case 0x0C:
      return static_cast<int32_t>(be32(p));
    case 0x0D: {
      uint32_t bits = be32(p);
      float f;
      std::memcpy(&f, &bits, 4);
      return f;
    }
    default: {
      uint64_t bits = be64(p);
      double d;
      std::memcpy(&d, &bits, 8);
      return d;
    }
  }
}

}  // namespace

Tensor read_idx(const std::string& path, double divisor) {
  if (!(divisor != 0 && std::isfinite(divisor)))
    throw Error("read_idx: divisor must be finite and nonzero, got " + std::to_string(divisor));
  std::string bytes = read_file(path);
  const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t size = bytes.size();
  auto fail = [&](size_t offset, const std::string& what) -> Error {
    return Error("'" + path + "' byte " + std::to_string(offset) + ": " + what);
  };
  if (size < 4)
    throw fail(size, "file ends inside the 4-byte magic number (" + std::to_string(size) +
                         " bytes); not an IDX file");
  uint32_t magic = be32(b);
  int type = b[2], ndim = b[3];
  int elem = 0;
  switch (type) {
    case 0x08:
    case 0x09:
      elem = 1;
      break;
    case 0x0B:
      elem = 2;
      break;
    case 0x0C:
    case 0x0D:
      elem = 4;
      break;
    case 0x0E:
      elem = 8;
      break;
  }
  if (b[0] != 0 || b[1] != 0 || elem == 0 || ndim < 1 || ndim > Shape::kMaxDims)
    throw fail(0, "magic number " + hex32(magic) +
                      " is not an IDX one (expected 0x000008NN..0x00000ENN with 1 to " +
                      std::to_string(Shape::kMaxDims) +
                      " dimensions, e.g. 0x00000803 for images, 0x00000801 for labels)");
  const size_t header = 4 + 4 * static_cast<size_t>(ndim);
  if (size < header)
    throw fail(size, "file ends inside the header (" + std::to_string(ndim) +
                         " dimension sizes expected, " + std::to_string(size) + " bytes in file)");
  std::vector<int64_t> dims(static_cast<size_t>(ndim));
  uint64_t count = 1;
  for (int d = 0; d < ndim; ++d) {
    dims[d] = be32(b + 4 + 4 * d);
    // Checked before multiplying: 2^40 times a 32-bit size would wrap around 2^64 (to 0 for
    // [2^20, 2^20, 2^24], which then passed as an empty file).
    if (dims[d] != 0 && count > (uint64_t(1) << 40) / static_cast<uint64_t>(dims[d]))
      throw fail(4 + 4 * d, "dimension sizes multiply to more than 2^40 elements");
    count *= static_cast<uint64_t>(dims[d]);
  }
  const uint64_t expected = header + count * static_cast<uint64_t>(elem);
  if (size < expected)
    throw fail(size, "file is truncated: shape " + Shape(dims).str() + " needs " +
                         std::to_string(expected) + " bytes, the file has " + std::to_string(size));
  if (size > expected)
    throw fail(expected, std::to_string(size - expected) +
                             " unexpected bytes after the data of shape " + Shape(dims).str());

  // Values are written straight into the tensor's storage: no intermediate copy of what can be
  // hundreds of megabytes.
  const bool integer = type != 0x0D && type != 0x0E;
  const unsigned char* data = b + header;
  if (integer && ndim == 1) {
    Tensor out = empty(Shape(dims), kInt64);
    int64_t* v = out.data<int64_t>();
    for (uint64_t i = 0; i < count; ++i)
      v[i] = static_cast<int64_t>(value_at(data + i * elem, type));
    return out;
  }
  if (type == 0x0E) {
    Tensor out = empty(Shape(dims), kFloat64);
    double* v = out.data<double>();
    for (uint64_t i = 0; i < count; ++i) v[i] = value_at(data + i * elem, type) / divisor;
    return out;
  }
  Tensor out = empty(Shape(dims), kFloat32);
  float* v = out.data<float>();
  const float div = static_cast<float>(divisor);
  if (type == 0x08) {
    for (uint64_t i = 0; i < count; ++i) v[i] = static_cast<float>(data[i]) / div;
  } else {
    for (uint64_t i = 0; i < count; ++i)
      v[i] = static_cast<float>(value_at(data + i * elem, type)) / div;
  }
  return out;
}

}  // namespace xgrad::data
