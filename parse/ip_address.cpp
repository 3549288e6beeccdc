#include "parse/ip_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <array>

#include "parse/dotted_quad.hpp"

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

}  // namespace

std::optional<std::string> normalize_ip(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  if (text.empty() || text.size() > k_max_address_text) return std::nullopt;
  // inet_pton accepts exactly these among IPv4 texts, and inet_ntop gives
  // them back unchanged: the text is its own canonical form.
  if (parse_dotted_quad(text)) return std::string(text);
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
