#include "parse/ip_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <array>

namespace dmarc::parse {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Longer than any textual IPv6 address (45 characters with an embedded IPv4).
constexpr std::size_t k_max_address_text = 64;

std::optional<std::string> ipv4_text(const void* address) {
  std::array<char, INET_ADDRSTRLEN> buffer{};
  if (inet_ntop(AF_INET, address, buffer.data(), buffer.size()) == nullptr) return std::nullopt;
  return std::string(buffer.data());
}

// Whether text is a dotted quad in the form inet_ntop writes: four decimal
// parts of 0-255 without leading zeros. inet_pton accepts exactly these
// among IPv4 texts, and inet_ntop gives them back unchanged.
bool is_canonical_ipv4(std::string_view text) {
  std::size_t parts = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t begin = i;
    unsigned value = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9' && i - begin < 3) {
      value = value * 10 + static_cast<unsigned>(text[i] - '0');
      ++i;
    }
    const std::size_t digits = i - begin;
    if (digits == 0 || value > 255 || (digits > 1 && text[begin] == '0')) return false;
    if (++parts == 4) return i == text.size();
    if (i >= text.size() || text[i] != '.') return false;
    ++i;
  }
  return false;
}

}  // namespace

std::optional<std::string> normalize_ip(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  if (text.empty() || text.size() > k_max_address_text) return std::nullopt;
  if (is_canonical_ipv4(text)) return std::string(text);
  if (text.find('\0') != std::string_view::npos) return std::nullopt;
  const std::string terminated(text);

  in_addr v4{};
  if (inet_pton(AF_INET, terminated.c_str(), &v4) == 1) return ipv4_text(&v4);

  in6_addr v6{};
  if (inet_pton(AF_INET6, terminated.c_str(), &v6) != 1) return std::nullopt;
  if (IN6_IS_ADDR_V4MAPPED(&v6)) return ipv4_text(&v6.s6_addr[12]);
  std::array<char, INET6_ADDRSTRLEN> buffer{};
  if (inet_ntop(AF_INET6, &v6, buffer.data(), buffer.size()) == nullptr) return std::nullopt;
  return std::string(buffer.data());
}

}  // namespace dmarc::parse
