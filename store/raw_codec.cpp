#include "store/raw_codec.hpp"

#include <openssl/evp.h>
#include <zlib.h>

#include <array>
#include <fmt/core.h>

#include "parse/error.hpp"

namespace dmarc::store {

std::string sha256_hex(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha256(), nullptr) !=
          1 ||
      length != 32) {
    throw Fatal("computing SHA-256 failed (libcrypto)");
  }
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string hex(2 * length, '\0');
  for (unsigned int i = 0; i < length; ++i) {
    hex[2 * i] = k_hex[digest[i] >> 4];
    hex[2 * i + 1] = k_hex[digest[i] & 0x0f];
  }
  return hex;
}

std::string zlib_compress(std::string_view bytes) {
  uLongf length = compressBound(static_cast<uLong>(bytes.size()));
  std::string out(length, '\0');
  const int rc = compress2(reinterpret_cast<Bytef*>(out.data()), &length,
                           reinterpret_cast<const Bytef*>(bytes.data()),
                           static_cast<uLong>(bytes.size()), Z_DEFAULT_COMPRESSION);
  if (rc != Z_OK) {
    throw Fatal(fmt::format("compressing {} bytes with zlib failed: {}", bytes.size(),
                            zError(rc)));
  }
  out.resize(length);
  return out;
}

std::optional<std::string> zlib_uncompress(std::string_view compressed, std::uint64_t size) {
  if (size / k_max_deflate_ratio > compressed.size()) return std::nullopt;
  std::string out(size, '\0');
  uLongf length = static_cast<uLongf>(size);
  const int rc = uncompress(reinterpret_cast<Bytef*>(out.data()), &length,
                            reinterpret_cast<const Bytef*>(compressed.data()),
                            static_cast<uLong>(compressed.size()));
  if (rc != Z_OK || length != size) return std::nullopt;
  return out;
}

}  // namespace dmarc::store
