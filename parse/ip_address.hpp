// Validation and normalisation of IP address text from reports.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace dmarc::parse {

// Returns the canonical text of an IPv4 or IPv6 address (inet_ntop form;
// IPv4-mapped IPv6 becomes plain IPv4), or nullopt if text is not an address.
// Surrounding whitespace is ignored.
std::optional<std::string> normalize_ip(std::string_view text);

}  // namespace dmarc::parse
