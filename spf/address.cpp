#include "spf/address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstddef>

#include "parse/dotted_quad.hpp"

namespace dmarc::spf {
namespace {

constexpr std::size_t k_max_address_text = 64;

}  // namespace

std::optional<Address> parse_address(std::string_view text) {
  if (text.empty() || text.size() > k_max_address_text) return std::nullopt;
  const std::string copy(text);
  Address address;
  if (inet_pton(AF_INET, copy.c_str(), address.bytes.data()) == 1) return address;
  if (inet_pton(AF_INET6, copy.c_str(), address.bytes.data()) != 1) return std::nullopt;
  static constexpr std::array<std::uint8_t, 12> k_mapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  bool mapped = true;
  for (std::size_t i = 0; i < k_mapped.size(); ++i) mapped = mapped && address.bytes[i] == k_mapped[i];
  if (mapped) {
    Address v4;
    for (std::size_t i = 0; i < 4; ++i) v4.bytes[i] = address.bytes[12 + i];
    return v4;
  }
  address.v6 = true;
  return address;
}

std::optional<Address> parse_ip6_network(std::string_view text) {
  if (text.empty() || text.size() > k_max_address_text) return std::nullopt;
  const std::string copy(text);
  Address address;
  address.v6 = true;
  if (inet_pton(AF_INET6, copy.c_str(), address.bytes.data()) != 1) return std::nullopt;
  return address;
}

std::optional<Address> parse_ip4_network(std::string_view text) {
  const auto quad = parse::parse_dotted_quad(text);
  if (!quad) return std::nullopt;
  Address address;
  std::copy(quad->begin(), quad->end(), address.bytes.begin());
  return address;
}

bool in_network(const Address& a, const Address& network, int prefix) {
  if (a.v6 != network.v6) return false;
  const int bits = a.v6 ? 128 : 32;
  if (prefix < 0 || prefix > bits) return false;
  for (int i = 0; i < prefix; ++i) {
    const auto byte = static_cast<std::size_t>(i / 8);
    const int mask = 0x80 >> (i % 8);
    if ((a.bytes[byte] & mask) != (network.bytes[byte] & mask)) return false;
  }
  return true;
}

std::string to_text(const Address& a) {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(a.v6 ? AF_INET6 : AF_INET, a.bytes.data(), text, sizeof(text));
  return text;
}

std::string macro_text(const Address& a) {
  if (!a.v6) return to_text(a);
  // Upper-case nibbles, as in the examples of RFC 7208 section 7.4.
  constexpr std::string_view k_hex = "0123456789ABCDEF";
  std::string text;
  for (std::size_t i = 0; i < 16; ++i) {
    if (i > 0) text += '.';
    text += k_hex[a.bytes[i] >> 4];
    text += '.';
    text += k_hex[a.bytes[i] & 0x0f];
  }
  return text;
}

}  // namespace dmarc::spf
