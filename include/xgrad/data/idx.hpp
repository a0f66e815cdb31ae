/// \file
/// IDX files (plain or gzip-compressed): the format of MNIST and Fashion-MNIST.
/// Layout: 2 zero bytes, a type byte, a dimension count, that many big-endian uint32 sizes, then
/// the values, big-endian, row-major.
#pragma once

#include <string>

#include "xgrad/autograd/tensor.hpp"

namespace xgrad::data {

/// The tensor an IDX file holds. 1-D integer data (labels, magic 0x00000801) becomes int64; other
/// integer data (images, magic 0x00000803) becomes float32 with its raw values (0..255 for bytes);
/// float data float32 and double data float64. A bad file (wrong magic, unknown type, truncated,
/// trailing bytes) raises xgrad::Error naming the file and the byte offset. Floating results are
/// divided by `divisor` as they are read (load_mnist passes 255 to scale pixels into [0, 1]).
Tensor read_idx(const std::string& path, double divisor = 1.0);

}  // namespace xgrad::data
