// Building test inputs: deflate, gzip and zlib streams made with zlib, and
// base64 text for MIME bodies.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace dmarc::testing {

// Deflates data with the given window_bits (16 + MAX_WBITS for gzip,
// MAX_WBITS for zlib, negative for raw deflate) and an optional preset
// dictionary. Throws std::runtime_error if zlib fails.
inline std::string deflate_with(std::string_view data, int window_bits,
                                std::string_view dictionary = {}) {
  z_stream z{};
  if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  if (!dictionary.empty()) {
    deflateSetDictionary(&z, reinterpret_cast<const Bytef*>(dictionary.data()),
                         static_cast<uInt>(dictionary.size()));
  }
  std::string out(deflateBound(&z, data.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) throw std::runtime_error("deflate did not finish");
  return out;
}

inline std::string gzip(std::string_view data) { return deflate_with(data, 16 + MAX_WBITS); }
inline std::string zlib(std::string_view data) { return deflate_with(data, MAX_WBITS); }

// Base64 in lines of 76 characters, each ended by eol.
inline std::string base64(std::string_view data, std::string_view eol = "\n") {
  static constexpr char k_alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t line = 0;
  for (std::size_t i = 0; i < data.size(); i += 3) {
    std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(data[i])) << 16;
    if (i + 1 < data.size()) n |= static_cast<std::uint32_t>(static_cast<unsigned char>(data[i + 1])) << 8;
    if (i + 2 < data.size()) n |= static_cast<unsigned char>(data[i + 2]);
    out += k_alphabet[(n >> 18) & 63];
    out += k_alphabet[(n >> 12) & 63];
    out += i + 1 < data.size() ? k_alphabet[(n >> 6) & 63] : '=';
    out += i + 2 < data.size() ? k_alphabet[n & 63] : '=';
    if ((line += 4) == 76) {
      out += eol;
      line = 0;
    }
  }
  if (line != 0) out += eol;
  return out;
}

}  // namespace dmarc::testing
