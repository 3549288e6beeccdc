#include "spf/macro.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <vector>

#include "spf/record.hpp"

namespace dmarc::spf {
namespace {

constexpr std::size_t k_max_domain = 253;

std::string url_escape(std::string_view text) {
  constexpr std::string_view k_hex = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += k_hex[byte >> 4];
      out += k_hex[byte & 0x0f];
    }
  }
  return out;
}

std::string letter_value(char letter, const MacroContext& c) {
  switch (letter) {
    case 's': return c.local_part + "@" + c.sender_domain;
    case 'l': return c.local_part;
    case 'o': return c.sender_domain;
    case 'd': return c.domain;
    case 'i': return macro_text(c.ip);
    case 'p': return c.validated_name ? c.validated_name() : "unknown";
    case 'h': return c.helo;
    case 'v': return c.ip.v6 ? "ip6" : "in-addr";
    case 'c': return to_text(c.ip);
    case 'r': return c.receiver;
    case 't': return std::to_string(c.now);
    default: return {};
  }
}

// Splits on any of delimiters, reverses if asked, keeps the rightmost keep
// parts (0: all), joins with ".".
std::string transform(const std::string& value, std::string_view delimiters, bool reverse,
                      std::size_t keep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= value.size(); ++i) {
    if (i == value.size() || delimiters.find(value[i]) != std::string_view::npos) {
      parts.push_back(std::string_view(value).substr(start, i - start));
      start = i + 1;
    }
  }
  if (reverse) std::reverse(parts.begin(), parts.end());
  const std::size_t first = keep > 0 && keep < parts.size() ? parts.size() - keep : 0;
  std::string out;
  for (std::size_t i = first; i < parts.size(); ++i) {
    if (i > first) out += '.';
    out += parts[i];
  }
  return out;
}

}  // namespace

Expected<std::string> expand_macros(std::string_view text, const MacroContext& context,
                                    bool explanation, std::size_t max_size) {
  if (auto problem = check_macro_string(text, explanation); !problem.empty()) {
    return fail(Code::malformed, "macro string \"" + std::string(text) + "\": " + problem);
  }
  std::string out;
  auto append = [&](std::string_view piece) {
    if (out.size() + piece.size() > max_size) return false;
    out += piece;
    return true;
  };
  const auto too_large = [&] {
    return fail(Code::too_large, "macro expansion passes " + std::to_string(max_size) + " characters");
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      if (!append(text.substr(i, 1))) return too_large();
      continue;
    }
    const char next = text[++i];
    if (next != '{') {
      const std::string_view piece = next == '%' ? "%" : next == '_' ? " " : "%20";
      if (!append(piece)) return too_large();
      continue;
    }
    const char raw_letter = text[++i];
    const bool upper = std::isupper(static_cast<unsigned char>(raw_letter)) != 0;
    const char letter = static_cast<char>(std::tolower(static_cast<unsigned char>(raw_letter)));
    ++i;
    const std::size_t digits_start = i;
    while (std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    std::size_t keep = 0;
    if (i > digits_start) {
      // Any count past the number of parts keeps all; cap the digits read.
      constexpr std::size_t k_max_keep = 255;
      const std::string_view number = text.substr(digits_start, std::min<std::size_t>(i - digits_start, 3));
      unsigned value = 0;
      std::from_chars(number.data(), number.data() + number.size(), value);
      keep = i - digits_start > 3 ? k_max_keep : std::min<std::size_t>(value, k_max_keep);
    }
    bool reverse = false;
    if (text[i] == 'r' || text[i] == 'R') {
      reverse = true;
      ++i;
    }
    const std::size_t delimiters_start = i;
    while (text[i] != '}') ++i;
    std::string_view delimiters = text.substr(delimiters_start, i - delimiters_start);
    if (delimiters.empty()) delimiters = ".";
    std::string value = transform(letter_value(letter, context), delimiters, reverse, keep);
    if (upper) value = url_escape(value);
    if (!append(value)) return too_large();
  }
  return out;
}

std::string truncate_domain(std::string domain) {
  if (!domain.empty() && domain.back() == '.') domain.pop_back();
  while (domain.size() > k_max_domain) {
    const std::size_t dot = domain.find('.');
    if (dot == std::string::npos) return {};
    domain.erase(0, dot + 1);
  }
  return domain;
}

}  // namespace dmarc::spf
