// SPF macro expansion (RFC 7208 section 7). Input is a macro string already
// checked by check_macro_string; the output is bounded by max_size (an
// expansion that would pass it is an error, never a large allocation).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "parse/error.hpp"
#include "spf/address.hpp"

namespace dmarc::spf {

// Upper bound for any one expanded string (domain specs are cut to 253
// characters afterwards; explanations are shown to people).
inline constexpr std::size_t k_max_expansion = 4096;

struct MacroContext {
  std::string local_part;     // %{l}
  std::string sender_domain;  // %{o}
  std::string domain;         // %{d}: the domain whose record is evaluated
  Address ip;                 // %{i}, %{c}, %{v}
  std::string helo;           // %{h}
  std::string receiver = "unknown";  // %{r}
  std::int64_t now = 0;              // %{t}
  // %{p}: the validated reverse name of ip; called at most once per use.
  std::function<std::string()> validated_name;
};

// Expands text. explanation allows %{c}, %{r}, %{t}. Errors: malformed (bad
// macro) or too_large (past max_size).
[[nodiscard]] Expected<std::string> expand_macros(std::string_view text, const MacroContext& context,
                                                  bool explanation,
                                                  std::size_t max_size = k_max_expansion);

// Cuts labels off the left of an expanded domain until it has at most 253
// characters (RFC 7208 section 7.3); drops one trailing dot.
std::string truncate_domain(std::string domain);

}  // namespace dmarc::spf
