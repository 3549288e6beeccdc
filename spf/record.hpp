// An SPF record (RFC 7208 section 4.5-4.6, 5, 6) parsed into its terms. The
// whole record is checked before evaluation: any syntax error, an unknown
// mechanism, a repeated redirect= or exp=, a non-ASCII or control byte, or a
// bad macro makes the record unusable (permerror), whatever its terms match.
// Domain specs stay unexpanded macro strings; spf/macro.hpp expands them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parse/error.hpp"

namespace dmarc::spf {

enum class Qualifier { pass, fail, softfail, neutral };  // + - ~ ?

enum class MechanismKind { all, include, a, mx, ptr, ip4, ip6, exists };

const char* to_string(MechanismKind kind);

struct Mechanism {
  Qualifier qualifier = Qualifier::pass;
  MechanismKind kind = MechanismKind::all;
  std::string domain_spec;  // unexpanded; "" when the term has none (a, mx, ptr)
  std::string network;      // ip4/ip6: the address text
  int cidr4 = 32;           // a, mx, ip4
  int cidr6 = 128;          // a, mx, ip6
  std::string text;         // the term as written

  // True for the terms that count against the limit of 10 DNS lookups.
  bool counts_lookup() const;
};

struct Modifier {
  std::string name;  // lower-case
  std::string value;
};

struct Record {
  std::vector<Mechanism> mechanisms;
  std::optional<std::string> redirect;  // domain spec
  std::optional<std::string> exp;       // domain spec
  std::vector<Modifier> other_modifiers;
};

// True when txt is an SPF version 1 record: "v=spf1" (any case) alone or
// followed by a space.
bool is_spf_record(std::string_view txt);

// Parses a record for which is_spf_record holds. Error code malformed, with a
// message naming the offending term.
[[nodiscard]] Expected<Record> parse_record(std::string_view txt);

// Checks macro-string syntax (RFC 7208 section 7.1). explanation allows the
// c, r and t macro letters. Returns an error message, "" when valid.
std::string check_macro_string(std::string_view text, bool explanation);

// Checks domain-spec syntax: a macro string that ends in a macro or in
// "." toplabel ["."]. Returns an error message, "" when valid.
std::string check_domain_spec(std::string_view text);

}  // namespace dmarc::spf
