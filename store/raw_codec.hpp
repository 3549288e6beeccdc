// Encoding of stored raw input bytes: the SHA-256 that identifies them and
// the zlib compression they are kept in (raw_reports.compression = 'zlib').
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace dmarc::store {

// Highest ratio deflate can reach (about 1032:1); a stored size beyond it
// cannot belong to the stored compressed bytes.
inline constexpr std::uint64_t k_max_deflate_ratio = 1032;

// Lower-case hex SHA-256 of bytes (64 characters). Throws Fatal if libcrypto fails.
std::string sha256_hex(std::string_view bytes);

// zlib stream (as compress2 makes at the default level) of bytes, made with
// this thread's ZlibCompressor. Throws Fatal if zlib fails (memory).
std::string zlib_compress(std::string_view bytes);

// The same, with one deflate state kept for many inputs: deflateInit's
// allocation of a few hundred KiB per input dominates for small ones.
class ZlibCompressor {
 public:
  ZlibCompressor();  // throws Fatal if zlib cannot allocate its state
  std::string compress(std::string_view bytes);

 private:
  struct Deflate;
  struct DeflateEnd {
    void operator()(Deflate* state) const noexcept;
  };
  std::unique_ptr<Deflate, DeflateEnd> m_state;  // on the heap: zlib keeps a back-pointer
};

// Inverse of zlib_compress for a stream whose uncompressed size is known.
// nullopt if the stream is corrupt or does not inflate to exactly size bytes.
std::optional<std::string> zlib_uncompress(std::string_view compressed, std::uint64_t size);

}  // namespace dmarc::store
