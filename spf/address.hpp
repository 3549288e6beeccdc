// IP addresses as bytes for SPF matching: IPv4 (4 bytes) or IPv6 (16 bytes);
// an IPv4-mapped IPv6 address (::ffff:192.0.2.1) is the IPv4 address, as
// RFC 7208 section 5 asks. Parsing never throws; bad text gives nullopt.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dmarc::spf {

struct Address {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};  // first 4 used for IPv4

  bool operator==(const Address&) const = default;
};

// Any text inet_pton takes (IPv4 dotted quad or IPv6), surrounding spaces not allowed.
std::optional<Address> parse_address(std::string_view text);
// IPv6 text only, kept as IPv6 even when IPv4-mapped; used for ip6: terms.
std::optional<Address> parse_ip6_network(std::string_view text);
// Only a strict dotted quad (RFC 7208 ip4-network: four 0-255 numbers, no
// leading zeros); used for ip4: terms.
std::optional<Address> parse_ip4_network(std::string_view text);

// True when a and b are of one family and agree in their first prefix bits.
bool in_network(const Address& a, const Address& network, int prefix);

// inet_ntop text: "192.0.2.1", "2001:db8::1".
std::string to_text(const Address& a);
// The %{i} macro form: dotted decimal for IPv4, 32 dot-separated nibbles for IPv6.
std::string macro_text(const Address& a);

}  // namespace dmarc::spf
