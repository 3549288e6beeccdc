#include "spf/record.hpp"

#include <cctype>
#include <charconv>
#include <cstddef>

#include "spf/address.hpp"

namespace dmarc::spf {
namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool iequals(std::string_view a, std::string_view b) { return lower(a) == lower(b); }

tl::unexpected<Error> syntax(std::string_view term, std::string_view why) {
  return fail(Code::malformed, "\"" + std::string(term) + "\": " + std::string(why));
}

// "/" ("0" / %x31-39 0*N DIGIT) with a value of at most max.
std::optional<int> parse_cidr(std::string_view digits, int max) {
  if (digits.empty() || digits.size() > 3 || (digits.size() > 1 && digits[0] == '0')) {
    return std::nullopt;
  }
  int value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc{} || end != digits.data() + digits.size() || value < 0 || value > max) {
    return std::nullopt;
  }
  return value;
}

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!is_digit(c)) return false;
  }
  return true;
}

// Takes a trailing dual-cidr-length off rest ("/24", "//64", "/24//64").
std::string parse_dual_cidr(std::string& rest, Mechanism& m) {
  const std::size_t double_slash = rest.rfind("//");
  if (double_slash != std::string::npos && all_digits(std::string_view(rest).substr(double_slash + 2))) {
    const auto v6 = parse_cidr(std::string_view(rest).substr(double_slash + 2), 128);
    if (!v6) return "bad IPv6 CIDR length";
    m.cidr6 = *v6;
    rest.resize(double_slash);
  } else if (double_slash != std::string::npos && double_slash + 2 == rest.size()) {
    return "empty IPv6 CIDR length";
  }
  const std::size_t slash = rest.rfind('/');
  if (slash != std::string::npos) {
    const std::string_view digits = std::string_view(rest).substr(slash + 1);
    if (all_digits(digits) || digits.empty()) {
      const auto v4 = parse_cidr(digits, 32);
      if (!v4) return "bad IPv4 CIDR length";
      m.cidr4 = *v4;
      rest.resize(slash);
    }
  }
  return {};
}

Expected<Mechanism> parse_mechanism(std::string_view term) {
  Mechanism m;
  m.text = std::string(term);
  std::string_view body = term;
  switch (body.empty() ? '\0' : body.front()) {
    case '+': m.qualifier = Qualifier::pass; body.remove_prefix(1); break;
    case '-': m.qualifier = Qualifier::fail; body.remove_prefix(1); break;
    case '~': m.qualifier = Qualifier::softfail; body.remove_prefix(1); break;
    case '?': m.qualifier = Qualifier::neutral; body.remove_prefix(1); break;
    default: break;
  }
  std::size_t name_end = 0;
  while (name_end < body.size() && body[name_end] != ':' && body[name_end] != '/') ++name_end;
  const std::string name = lower(body.substr(0, name_end));
  std::string rest(body.substr(name_end));
  auto domain_after_colon = [&](bool required) -> std::string {
    if (rest.empty()) return required ? "needs a domain" : "";
    if (rest.front() != ':') return "expected \":\"";
    m.domain_spec = rest.substr(1);
    return check_domain_spec(m.domain_spec);
  };
  std::string problem;
  if (name == "all") {
    m.kind = MechanismKind::all;
    if (!rest.empty()) problem = "\"all\" takes no argument";
  } else if (name == "include" || name == "exists") {
    m.kind = name == "include" ? MechanismKind::include : MechanismKind::exists;
    problem = domain_after_colon(true);
  } else if (name == "a" || name == "mx") {
    m.kind = name == "a" ? MechanismKind::a : MechanismKind::mx;
    problem = parse_dual_cidr(rest, m);
    if (problem.empty()) problem = domain_after_colon(false);
  } else if (name == "ptr") {
    m.kind = MechanismKind::ptr;
    problem = domain_after_colon(false);
  } else if (name == "ip4" || name == "ip6") {
    const bool v6 = name == "ip6";
    m.kind = v6 ? MechanismKind::ip6 : MechanismKind::ip4;
    if (rest.empty() || rest.front() != ':') return syntax(term, "needs \":\" and a network");
    std::string network = rest.substr(1);
    const std::size_t slash = network.find('/');
    if (slash != std::string::npos) {
      const auto cidr = parse_cidr(std::string_view(network).substr(slash + 1), v6 ? 128 : 32);
      if (!cidr) return syntax(term, "bad CIDR length");
      (v6 ? m.cidr6 : m.cidr4) = *cidr;
      network.resize(slash);
    }
    const auto address = v6 ? parse_ip6_network(network) : parse_ip4_network(network);
    if (!address) {
      return syntax(term, v6 ? "not an IPv6 address" : "not an IPv4 address");
    }
    m.network = network;
  } else {
    return syntax(term, "unknown mechanism");
  }
  if (!problem.empty()) return syntax(term, problem);
  return m;
}

// A term that is name "=" ... with a valid modifier name.
bool is_modifier(std::string_view term) {
  if (term.empty() || !is_alpha(term.front())) return false;
  for (char c : term) {
    if (c == '=') return true;
    if (!is_alnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return false;
}

bool is_toplabel(std::string_view label) {
  if (label.empty()) return false;
  bool alpha = false;
  for (char c : label) {
    if (is_alpha(c)) alpha = true;
    else if (!is_digit(c) && c != '-') return false;
  }
  if (label.front() == '-' || label.back() == '-') return false;
  // All-numeric labels are not top labels; one with a hyphen is.
  return alpha || label.find('-') != std::string_view::npos;
}

}  // namespace

const char* to_string(MechanismKind kind) {
  switch (kind) {
    case MechanismKind::all: return "all";
    case MechanismKind::include: return "include";
    case MechanismKind::a: return "a";
    case MechanismKind::mx: return "mx";
    case MechanismKind::ptr: return "ptr";
    case MechanismKind::ip4: return "ip4";
    case MechanismKind::ip6: return "ip6";
    case MechanismKind::exists: return "exists";
  }
  return "?";
}

bool Mechanism::counts_lookup() const {
  return kind == MechanismKind::include || kind == MechanismKind::a ||
         kind == MechanismKind::mx || kind == MechanismKind::ptr || kind == MechanismKind::exists;
}

bool is_spf_record(std::string_view txt) {
  constexpr std::string_view k_version = "v=spf1";
  if (txt.size() < k_version.size() || !iequals(txt.substr(0, k_version.size()), k_version)) {
    return false;
  }
  return txt.size() == k_version.size() || txt[k_version.size()] == ' ';
}

std::string check_macro_string(std::string_view text, bool explanation) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c < 0x20 || c > 0x7e) return "non-ASCII or control character";
    if (c != '%') continue;
    if (i + 1 >= text.size()) return "\"%\" at the end";
    const char next = text[++i];
    if (next == '%' || next == '_' || next == '-') continue;
    if (next != '{') return "\"%\" not followed by {, %, _ or -";
    if (++i >= text.size()) return "unterminated macro";
    const char letter = static_cast<char>(std::tolower(static_cast<unsigned char>(text[i])));
    const std::string_view letters = explanation ? "slodiphvcrt" : "slodiphv";
    if (letters.find(letter) == std::string_view::npos) return "unknown macro letter";
    ++i;
    std::size_t digits = 0;
    while (i < text.size() && is_digit(text[i])) {
      ++i;
      ++digits;
    }
    if (digits > 0) {
      const std::string_view number = text.substr(i - digits, digits);
      if (number.find_first_not_of('0') == std::string_view::npos) return "macro digit 0";
    }
    if (i < text.size() && (text[i] == 'r' || text[i] == 'R')) ++i;
    while (i < text.size() && std::string_view(".-+,/_=").find(text[i]) != std::string_view::npos) {
      ++i;
    }
    if (i >= text.size() || text[i] != '}') return "malformed macro";
  }
  return {};
}

std::string check_domain_spec(std::string_view text) {
  if (text.empty()) return "empty domain";
  if (auto problem = check_macro_string(text, false); !problem.empty()) return problem;
  if (text.back() == '}') {
    // Ends in a macro-expand unless the "}" is a literal after %% etc.
    const std::size_t open = text.rfind("%{");
    if (open != std::string_view::npos && (open == 0 || text[open - 1] != '%')) return {};
  }
  std::string_view end = text;
  if (end.back() == '.') end.remove_suffix(1);
  const std::size_t dot = end.rfind('.');
  if (dot == std::string_view::npos) return "domain has no top-level label";
  if (!is_toplabel(end.substr(dot + 1))) return "bad top-level label";
  return {};
}

Expected<Record> parse_record(std::string_view txt) {
  if (!is_spf_record(txt)) return fail(Code::malformed, "not an SPF version 1 record");
  for (char c : txt) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte > 0x7e) {
      return fail(Code::malformed, "record holds a non-ASCII or control character");
    }
  }
  Record record;
  std::size_t pos = 6;  // after "v=spf1"
  while (pos < txt.size()) {
    if (txt[pos] == ' ') {
      ++pos;
      continue;
    }
    std::size_t end = txt.find(' ', pos);
    if (end == std::string_view::npos) end = txt.size();
    const std::string_view term = txt.substr(pos, end - pos);
    pos = end;
    if (is_modifier(term)) {
      const std::size_t eq = term.find('=');
      Modifier modifier{lower(term.substr(0, eq)), std::string(term.substr(eq + 1))};
      if (modifier.name == "redirect" || modifier.name == "exp") {
        auto& slot = modifier.name == "redirect" ? record.redirect : record.exp;
        if (slot) return syntax(term, "repeated modifier");
        if (auto problem = check_domain_spec(modifier.value); !problem.empty()) {
          return syntax(term, problem);
        }
        slot = modifier.value;
      } else {
        if (auto problem = check_macro_string(modifier.value, false); !problem.empty()) {
          return syntax(term, problem);
        }
        record.other_modifiers.push_back(std::move(modifier));
      }
      continue;
    }
    auto mechanism = parse_mechanism(term);
    if (!mechanism) return tl::unexpected(mechanism.error());
    record.mechanisms.push_back(std::move(*mechanism));
  }
  return record;
}

}  // namespace dmarc::spf
