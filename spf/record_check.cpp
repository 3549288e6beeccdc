#include "spf/record_check.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <utility>

#include "spf/record.hpp"

namespace dmarc::spf {
namespace {

using dns::RecordType;
using dns::Status;

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

class Walker {
 public:
  Walker(dns::Resolver& resolver, const Limits& limits, RecordCheck& check)
      : m_resolver(resolver), m_limits(limits), m_check(check) {}

  // Walks the record of domain; returns the lookups it needs.
  int walk(const std::string& domain, const std::string& via, int depth,
           std::vector<std::string>& ancestors) {
    if (depth > m_limits.max_depth) {
      add("too_deep", Severity::error, "records nest deeper than " + std::to_string(m_limits.max_depth));
      return 0;
    }
    const std::size_t index = m_check.branches.size();
    m_check.branches.push_back(LookupBranch{domain, via, depth, {}, 0, 0, 0});
    const dns::Answer txt = ask(domain, RecordType::txt);
    if (txt.status != Status::ok && txt.status != Status::nodata && txt.status != Status::nxdomain) {
      add("dns_error", Severity::error,
          "TXT lookup of " + domain + " failed (" + std::string(dns::to_string(txt.status)) +
              "): receivers get temperror");
      return 0;
    }
    std::vector<std::string> records;
    for (const auto& value : txt.values) {
      if (is_spf_record(value)) records.push_back(value);
    }
    if (depth == 0) m_check.records = records;
    if (records.empty()) {
      if (depth == 0) {
        add("missing", Severity::error, domain + " publishes no SPF record: receivers get none");
      } else {
        add("include_missing", Severity::error,
            via + ": " + domain + " publishes no SPF record: the whole record is permerror");
      }
      return 0;
    }
    if (records.size() > 1) {
      add("multiple", Severity::error,
          domain + " publishes " + std::to_string(records.size()) +
              " SPF records: receivers get permerror; merge them into one");
      return 0;
    }
    m_check.branches[index].record = records.front();
    const auto record = parse_record(records.front());
    if (!record) {
      add("syntax", Severity::error, "SPF record of " + domain + ": " + record.error().message +
                                         ": receivers get permerror");
      return 0;
    }
    ancestors.push_back(lower(domain));
    int own = 0;
    int nested = 0;
    bool has_all = false;
    for (const Mechanism& m : record->mechanisms) {
      if (m.counts_lookup()) ++own;
      switch (m.kind) {
        case MechanismKind::all:
          has_all = true;
          if (depth == 0 && m.qualifier == Qualifier::pass) {
            add("plus_all", Severity::error, "\"" + m.text + "\" lets every host on the Internet pass SPF");
          } else if (depth == 0 && m.qualifier == Qualifier::neutral) {
            add("neutral_all", Severity::warning, "\"" + m.text + "\" makes unlisted hosts neutral, not fail");
          }
          break;
        case MechanismKind::ptr:
          add("ptr", Severity::warning, domain + ": \"" + m.text + "\" is slow and discouraged (RFC 7208 section 5.5)");
          break;
        case MechanismKind::a:
        case MechanismKind::mx:
        case MechanismKind::exists:
          count_void_target(m, domain, index);
          break;
        case MechanismKind::include:
          nested += follow(m.domain_spec, "include:", depth, ancestors);
          break;
        default:
          break;
      }
    }
    if (record->redirect && !has_all) {
      ++own;
      nested += follow(*record->redirect, "redirect=", depth, ancestors);
    }
    if (depth == 0 && !has_all && !record->redirect) {
      add("no_all", Severity::warning, "the record ends without an all term: unlisted hosts are neutral");
    }
    ancestors.pop_back();
    m_check.branches[index].own_lookups = own;
    m_check.branches[index].lookups = own + nested;
    return own + nested;
  }

 private:
  void add(std::string code, Severity severity, std::string message) {
    Problem problem{std::move(code), severity, std::move(message)};
    if (std::find(m_check.problems.begin(), m_check.problems.end(), problem) == m_check.problems.end()) {
      m_check.problems.push_back(std::move(problem));
    }
  }

  dns::Answer ask(const std::string& name, RecordType type) {
    if (m_queries >= m_limits.max_queries) {
      dns::Answer refused;
      refused.status = Status::error;
      return refused;
    }
    ++m_queries;
    return m_resolver.query(name, type);
  }

  int follow(const std::string& spec, const std::string& how, int depth,
             std::vector<std::string>& ancestors) {
    if (spec.find('%') != std::string::npos) {
      add("macro_include", Severity::warning,
          how + spec + " uses macros: its lookups depend on the sender and are not counted here");
      return 0;
    }
    std::string target = spec;
    if (!target.empty() && target.back() == '.') target.pop_back();
    if (std::find(ancestors.begin(), ancestors.end(), lower(target)) != ancestors.end()) {
      add("include_loop", Severity::error,
          how + target + " leads back to a record that includes it: receivers get permerror");
      return 0;
    }
    return walk(target, how + target, depth + 1, ancestors);
  }

  void count_void_target(const Mechanism& m, const std::string& domain, std::size_t index) {
    if (m.domain_spec.find('%') != std::string::npos) return;
    std::string target = m.domain_spec.empty() ? domain : m.domain_spec;
    if (!target.empty() && target.back() == '.') target.pop_back();
    const RecordType type = m.kind == MechanismKind::mx ? RecordType::mx : RecordType::a;
    dns::Answer answer = ask(target, type);
    if (m.kind == MechanismKind::a && answer.status != Status::ok) {
      const dns::Answer v6 = ask(target, RecordType::aaaa);
      if (v6.status == Status::ok) answer = v6;
    }
    if (answer.status == Status::nxdomain || answer.status == Status::nodata) {
      ++m_check.branches[index].void_lookups;
      ++m_check.void_lookups;
    } else if (m.kind == MechanismKind::mx && answer.status == Status::ok &&
               answer.values.size() > m_limits.max_mx_names) {
      add("too_many_mx", Severity::error,
          "\"" + m.text + "\": " + target + " has " + std::to_string(answer.values.size()) +
              " MX records, more than " + std::to_string(m_limits.max_mx_names) + ": permerror");
    }
  }

  dns::Resolver& m_resolver;
  const Limits& m_limits;
  RecordCheck& m_check;
  std::size_t m_queries = 0;
};

}  // namespace

bool RecordCheck::has_error() const {
  return std::any_of(problems.begin(), problems.end(),
                     [](const Problem& p) { return p.severity == Severity::error; });
}

bool RecordCheck::has(const std::string& code) const {
  return std::any_of(problems.begin(), problems.end(), [&](const Problem& p) { return p.code == code; });
}

std::vector<LookupBranch> heaviest_includes(const RecordCheck& check) {
  std::vector<LookupBranch> out;
  for (const auto& branch : check.branches) {
    if (branch.depth == 1) out.push_back(branch);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const LookupBranch& a, const LookupBranch& b) { return a.lookups > b.lookups; });
  return out;
}

RecordCheck check_record(dns::Resolver& resolver, const std::string& domain, const Limits& limits) {
  RecordCheck check;
  check.domain = domain;
  if (!is_valid_domain(domain)) {
    check.problems.push_back({"missing", Severity::error, "\"" + domain + "\" is not a domain name"});
    return check;
  }
  Walker walker(resolver, limits, check);
  std::vector<std::string> ancestors;
  check.lookups = walker.walk(domain, "", 0, ancestors);
  if (check.lookups > limits.max_lookups) {
    std::string names;
    for (const auto& branch : heaviest_includes(check)) {
      if (branch.lookups < 2) continue;
      names += (names.empty() ? "" : ", ") + branch.via + " (" + std::to_string(branch.lookups) + ")";
    }
    check.problems.insert(check.problems.begin(),
                          Problem{"too_many_lookups", Severity::error,
                                  "the record needs " + std::to_string(check.lookups) +
                                      " DNS lookups; the limit is " + std::to_string(limits.max_lookups) +
                                      ": receivers get permerror" +
                                      (names.empty() ? "" : "; heaviest: " + names)});
  }
  if (check.void_lookups > limits.max_void_lookups) {
    check.problems.push_back({"too_many_void_lookups", Severity::error,
                              std::to_string(check.void_lookups) +
                                  " lookup terms name hosts without records; the limit is " +
                                  std::to_string(limits.max_void_lookups) +
                                  ": receivers get permerror when they reach the third"});
  }
  return check;
}

}  // namespace dmarc::spf
