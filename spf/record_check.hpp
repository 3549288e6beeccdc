// A diagnosis of a domain's published SPF record that does not depend on a
// client address: the record, the lookups it needs when nothing matches early
// (the worst case a receiver meets), broken down per include: and redirect=
// branch, the void lookups among literal targets, and the problems found:
// missing, multiple, syntax, DNS errors, include loops, includes without a
// record, over the limits, +all / ?all / ptr weaknesses. Bounded like
// check_host (depth, total queries); never throws.
#pragma once

#include <string>
#include <vector>

#include "dns/resolver.hpp"
#include "spf/check_host.hpp"

namespace dmarc::spf {

enum class Severity { error, warning };

struct Problem {
  std::string code;  // stable: missing, multiple, syntax, dns_error, include_loop,
                     // include_missing, too_many_lookups, too_many_void_lookups,
                     // too_many_mx, too_deep, plus_all, neutral_all, no_all, ptr, macro_include
  Severity severity = Severity::error;
  std::string message;

  bool operator==(const Problem&) const = default;
};

// One record in the include/redirect tree, in depth-first order.
struct LookupBranch {
  std::string domain;
  std::string via;  // "" for the checked domain, else "include:x" / "redirect=x"
  int depth = 0;
  std::string record;    // "" when none was found
  int own_lookups = 0;   // lookup terms in this record
  int lookups = 0;       // own plus those of every record under it
  int void_lookups = 0;  // literal a/mx/exists targets of this record without records

  bool operator==(const LookupBranch&) const = default;
};

struct RecordCheck {
  std::string domain;
  std::vector<std::string> records;  // every SPF record published at domain
  int lookups = 0;                   // worst case, all branches
  int void_lookups = 0;
  std::vector<LookupBranch> branches;
  std::vector<Problem> problems;

  bool has_error() const;
  bool has(const std::string& code) const;
};

RecordCheck check_record(dns::Resolver& resolver, const std::string& domain,
                         const Limits& limits = {});

// The includes of the checked record (depth 1) sorted by lookups, most first:
// the ones to flatten or drop when the record is over the limit.
std::vector<LookupBranch> heaviest_includes(const RecordCheck& check);

}  // namespace dmarc::spf
