// Strict dotted-quad IPv4 text: four decimal parts of 0-255 without leading
// zeros, the form inet_ntop writes. Header only: spf/ (which does not link
// the parse library) reads addresses in SPF records with it too.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace dmarc::parse {

// The four bytes of text, or nullopt if text is anything else (no spaces,
// no fewer parts, no octal or hexadecimal forms).
inline std::optional<std::array<std::uint8_t, 4>> parse_dotted_quad(std::string_view text) {
  std::array<std::uint8_t, 4> bytes{};
  std::size_t pos = 0;
  for (std::size_t octet = 0; octet < bytes.size(); ++octet) {
    if (octet > 0) {
      if (pos >= text.size() || text[pos] != '.') return std::nullopt;
      ++pos;
    }
    const std::size_t start = pos;
    unsigned value = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && pos - start < 3) {
      value = value * 10 + static_cast<unsigned>(text[pos] - '0');
      ++pos;
    }
    const std::size_t digits = pos - start;
    if (digits == 0 || value > 255 || (digits > 1 && text[start] == '0')) return std::nullopt;
    bytes[octet] = static_cast<std::uint8_t>(value);
  }
  if (pos != text.size()) return std::nullopt;
  return bytes;
}

}  // namespace dmarc::parse
