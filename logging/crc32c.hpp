// CRC32C (Castagnoli, polynomial 0x1EDC6F41 reflected as 0x82F63B78), as TFRecord files use it,
// and TensorFlow's masked form of it (a rotation plus a constant, so that a CRC of data that
// itself holds CRCs does not degenerate).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace xgrad::logging {

// The CRC32C of `n` bytes, continuing from `crc` (0 to start).
uint32_t crc32c(const void* data, size_t n, uint32_t crc = 0);
inline uint32_t crc32c(std::string_view s) { return crc32c(s.data(), s.size()); }

inline uint32_t mask_crc32c(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }
inline uint32_t unmask_crc32c(uint32_t masked) {
  uint32_t rot = masked - 0xa282ead8u;
  return (rot >> 17) | (rot << 15);
}

}  // namespace xgrad::logging
