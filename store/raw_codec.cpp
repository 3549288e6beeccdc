#include "store/raw_codec.hpp"

#include <fmt/core.h>
#include <openssl/evp.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <limits>

#include "parse/error.hpp"

namespace dmarc::store {

std::string sha256_hex(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1 ||
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

struct ZlibCompressor::Deflate {
  z_stream stream{};
};

void ZlibCompressor::DeflateEnd::operator()(Deflate* state) const noexcept {
  deflateEnd(&state->stream);
  delete state;
}

ZlibCompressor::ZlibCompressor() {
  auto state = std::make_unique<Deflate>();
  const int rc = deflateInit(&state->stream, Z_DEFAULT_COMPRESSION);
  if (rc != Z_OK) throw Fatal(fmt::format("initialising zlib failed: {}", zError(rc)));
  m_state.reset(state.release());
}

std::string ZlibCompressor::compress(std::string_view bytes) {
  z_stream& stream = m_state->stream;
  if (deflateReset(&stream) != Z_OK) throw Fatal("resetting zlib failed");
  // z_stream counts in uInt: feed and drain in chunks that fit.
  constexpr std::size_t k_chunk = std::numeric_limits<uInt>::max();
  std::string out(deflateBound(&stream, static_cast<uLong>(bytes.size())), '\0');
  std::size_t in_pos = 0;
  std::size_t out_pos = 0;
  for (;;) {
    const std::size_t in_chunk = std::min(k_chunk, bytes.size() - in_pos);
    const std::size_t out_chunk = std::min(k_chunk, out.size() - out_pos);
    // zlib does not write through next_in (it is z_const when ZLIB_CONST is set).
    stream.next_in = const_cast<Bytef*>(reinterpret_cast<const Bytef*>(bytes.data() + in_pos));
    stream.avail_in = static_cast<uInt>(in_chunk);
    stream.next_out = reinterpret_cast<Bytef*>(out.data() + out_pos);
    stream.avail_out = static_cast<uInt>(out_chunk);
    const bool last = in_pos + in_chunk == bytes.size();
    const int rc = deflate(&stream, last ? Z_FINISH : Z_NO_FLUSH);
    in_pos += in_chunk - stream.avail_in;
    out_pos += out_chunk - stream.avail_out;
    if (rc == Z_STREAM_END) break;
    if ((rc != Z_OK && rc != Z_BUF_ERROR) || out_pos == out.size()) {
      throw Fatal(
          fmt::format("compressing {} bytes with zlib failed: {}", bytes.size(), zError(rc)));
    }
  }
  out.resize(out_pos);
  return out;
}

std::string zlib_compress(std::string_view bytes) {
  // One deflate state per thread: its allocation dominates for small inputs.
  thread_local ZlibCompressor compressor;
  return compressor.compress(bytes);
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
