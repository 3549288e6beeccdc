// Encoding of stored raw input bytes: the SHA-256 that identifies them and
// the zlib compression they are kept in (raw_reports.compression = 'zlib').
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dmarc::store {

// Highest ratio deflate can reach (about 1032:1); a stored size beyond it
// cannot belong to the stored compressed bytes.
inline constexpr std::uint64_t k_max_deflate_ratio = 1032;

// Lower-case hex SHA-256 of bytes (64 characters). Throws Fatal if libcrypto fails.
std::string sha256_hex(std::string_view bytes);

// zlib stream (compress2) of bytes. Throws Fatal if zlib fails (memory).
std::string zlib_compress(std::string_view bytes);

// Inverse of zlib_compress for a stream whose uncompressed size is known.
// nullopt if the stream is corrupt or does not inflate to exactly size bytes.
std::optional<std::string> zlib_uncompress(std::string_view compressed, std::uint64_t size);

}  // namespace dmarc::store
