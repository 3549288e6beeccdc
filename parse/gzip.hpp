// Inflating gzip and raw zlib streams with zlib, under a byte budget shared by
// every layer and member of one unpack() call. Output is counted chunk by
// chunk as it is produced; sizes a header declares (gzip ISIZE) are ignored.
// Failures are values: malformed with zlib's message, or too_large naming
// max_unpacked_bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "parse/error.hpp"

namespace dmarc::parse {

// A running count of decompressed bytes against Limits::max_unpacked_bytes.
class InflateBudget {
 public:
  explicit InflateBudget(std::uint64_t limit) : m_limit(limit) {}

  // Counts n more bytes. Returns false, and stays exceeded, when the total
  // would pass the limit; the bytes are then not counted.
  [[nodiscard]] bool spend(std::uint64_t n);

  std::uint64_t limit() const { return m_limit; }
  std::uint64_t used() const { return m_used; }
  bool exceeded() const { return m_exceeded; }

 private:
  std::uint64_t m_limit;
  std::uint64_t m_used = 0;
  bool m_exceeded = false;
};

// Inflates a gzip stream: every concatenated member, output joined as
// `gzip -d` does. Bytes after the last member that do not start another
// member (1f 8b) are ignored. A truncated or corrupt member is malformed.
// `subject` names the stream in messages, e.g. `gzip stream` or
// `gzip stream in zip member "a.xml.gz"`.
[[nodiscard]] Expected<std::string> gunzip(std::string_view input, InflateBudget& budget,
                                           std::string_view subject);

// Inflates one raw zlib stream (RFC 1950); bytes after its end are ignored.
[[nodiscard]] Expected<std::string> inflate_zlib(std::string_view input, InflateBudget& budget,
                                                 std::string_view subject);

// The message used when `subject` pushes the budget past its limit:
// `<subject> inflates past max_unpacked_bytes (<limit>)`.
std::string budget_message(std::string_view subject, const InflateBudget& budget);

}  // namespace dmarc::parse
