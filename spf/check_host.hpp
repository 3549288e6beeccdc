// The RFC 7208 check_host() function over a dns::Resolver: evaluates the SPF
// record of a domain for a client address and sender, with the limits of
// section 4.6.4 (10 lookup terms, 2 void lookups, 10 names per mx and ptr)
// and a bound on nesting and total queries, so hostile DNS data cannot make
// it loop or grow. Never throws; every DNS failure and syntax error becomes a
// result (temperror, permerror) with a problem text. Returns a trace: every
// query made and the lookup count of each record visited (include branches).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "dns/resolver.hpp"

namespace dmarc::spf {

enum class Result { none, neutral, pass, fail, softfail, temperror, permerror };

// Lower-case RFC name ("softfail").
const char* to_string(Result result);

struct Limits {
  int max_lookups = 10;              // include a mx ptr exists redirect, all records together
  int max_void_lookups = 2;          // answers with no records or NXDOMAIN
  std::size_t max_mx_names = 10;     // MX records one mx term may look at
  std::size_t max_ptr_names = 10;    // PTR names one ptr term (or %{p}) checks
  int max_depth = 25;                // nested include/redirect records
  std::size_t max_queries = 250;     // DNS queries of one evaluation, all kinds
};

struct CheckOptions {
  Limits limits;
  std::string receiver = "unknown";  // %{r}
  std::int64_t now = 0;              // %{t}
  // The explanation of a fail whose record has no usable exp=.
  std::string default_explanation;
};

struct QueryTrace {
  std::string name;
  dns::RecordType type = dns::RecordType::txt;
  dns::Status status = dns::Status::error;
  std::vector<std::string> values;
  std::string record_domain;  // the domain whose record made the query
  int depth = 0;              // 0: the checked domain's record
};

// One SPF record visited: the checked domain's, or one reached by include:
// or redirect=.
struct BranchTrace {
  std::string domain;
  std::string via;      // "" for the top record, else "include:x" / "redirect=x"
  int depth = 0;
  std::string record;   // "" when none was found
  int own_lookups = 0;  // lookup terms of this record evaluated
  int lookups = 0;      // the same plus every lookup of records under it
};

struct Evaluation {
  Result result = Result::none;
  std::string domain;       // the domain checked
  std::string record;       // its SPF record, "" when none
  std::string mechanism;    // the matched term as written; "" when none matched
  std::string matched_in;   // domain of the record holding mechanism
  // "domain: term" from the checked record down through the include: that
  // matched to the innermost matching term; empty when none matched.
  std::vector<std::string> match_path;
  std::string explanation;  // for fail: the exp= text, else the default explanation
  std::string problem;      // why none / permerror / temperror
  int lookups = 0;
  int void_lookups = 0;
  std::vector<QueryTrace> queries;
  std::vector<BranchTrace> branches;
};

// check_host(ip, domain, sender) with sender "local@domain". An ip that is
// not an address gives permerror without a query.
Evaluation check_host(dns::Resolver& resolver, const std::string& ip, const std::string& domain,
                      const std::string& sender, const std::string& helo,
                      const CheckOptions& options = {});

// The MAIL FROM check: domain from mail_from; the null sender ("") becomes
// postmaster@helo; a missing local part becomes "postmaster".
Evaluation check_mail_from(dns::Resolver& resolver, const std::string& ip,
                           const std::string& mail_from, const std::string& helo,
                           const CheckOptions& options = {});

// True for a name check_host will look up: labels of 1 to 63 characters, at
// least two labels, at most 253 characters (one trailing dot allowed).
bool is_valid_domain(std::string_view domain);

}  // namespace dmarc::spf
