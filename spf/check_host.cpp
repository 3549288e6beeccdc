#include "spf/check_host.hpp"

#include <cctype>
#include <optional>
#include <utility>

#include "spf/address.hpp"
#include "spf/macro.hpp"
#include "spf/record.hpp"

namespace dmarc::spf {
namespace {

using dns::Answer;
using dns::RecordType;
using dns::Status;

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string without_dot(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  return std::string(name);
}

bool is_void(Status status) { return status == Status::nxdomain || status == Status::nodata; }
bool is_dns_error(Status status) { return !is_void(status) && status != Status::ok; }

// What one mechanism gave.
enum class Match { yes, no, temperror, permerror };

struct Outcome {
  Result result = Result::neutral;
  std::string mechanism;
  std::string matched_in;
  std::string explanation;
  std::string problem;
  std::vector<std::string> path;
};

Result from_qualifier(Qualifier q) {
  switch (q) {
    case Qualifier::pass: return Result::pass;
    case Qualifier::fail: return Result::fail;
    case Qualifier::softfail: return Result::softfail;
    case Qualifier::neutral: return Result::neutral;
  }
  return Result::neutral;
}

class Evaluator {
 public:
  Evaluator(dns::Resolver& resolver, const CheckOptions& options, Evaluation& evaluation,
            MacroContext context)
      : m_resolver(resolver), m_options(options), m_ev(evaluation), m_context(std::move(context)) {
    m_context.validated_name = [this] { return p_macro(); };
  }
  Evaluator(const Evaluator&) = delete;
  Evaluator& operator=(const Evaluator&) = delete;

  Outcome evaluate(const std::string& domain, const std::string& via, int depth) {
    Outcome out;
    if (depth > m_options.limits.max_depth) {
      return error(Result::permerror, "records nest deeper than " +
                                          std::to_string(m_options.limits.max_depth));
    }
    if (!is_valid_domain(domain)) return error(Result::none, "\"" + domain + "\" is not a valid domain");
    const std::size_t branch = m_ev.branches.size();
    m_ev.branches.push_back(BranchTrace{domain, via, depth, {}, 0, 0});
    const int lookups_before = m_lookups;
    const std::string saved_domain = m_context.domain;
    m_context.domain = domain;
    m_depth_hint = depth;
    out = evaluate_record(domain, depth, branch);
    m_context.domain = saved_domain;
    m_ev.branches[branch].lookups = m_lookups - lookups_before;
    return out;
  }

  int lookups() const { return m_lookups; }
  int void_lookups() const { return m_voids; }

 private:
  static Outcome error(Result result, std::string problem) {
    Outcome out;
    out.result = result;
    out.problem = std::move(problem);
    return out;
  }

  Answer ask(const std::string& name, RecordType type, int depth) {
    if (m_ev.queries.size() >= m_options.limits.max_queries) {
      Answer refused;
      refused.status = Status::error;
      refused.error = "more than " + std::to_string(m_options.limits.max_queries) + " DNS queries";
      return refused;
    }
    Answer answer = m_resolver.query(name, type);
    m_ev.queries.push_back(QueryTrace{name, type, answer.status, answer.values,
                                      m_context.domain, depth});
    return answer;
  }

  Outcome evaluate_record(const std::string& domain, int depth, std::size_t branch) {
    const Answer txt = ask(domain, RecordType::txt, depth);
    if (is_dns_error(txt.status)) {
      return error(Result::temperror, "TXT lookup of " + domain + ": " +
                                          std::string(dns::to_string(txt.status)));
    }
    std::vector<std::string> records;
    for (const auto& value : txt.values) {
      if (is_spf_record(value)) records.push_back(value);
    }
    if (records.empty()) return error(Result::none, domain + " has no SPF record");
    if (records.size() > 1) {
      return error(Result::permerror, domain + " has " + std::to_string(records.size()) + " SPF records");
    }
    m_ev.branches[branch].record = records.front();
    auto record = parse_record(records.front());
    if (!record) return error(Result::permerror, "SPF record of " + domain + ": " + record.error().message);

    for (const Mechanism& m : record->mechanisms) {
      if (m.counts_lookup()) {
        ++m_ev.branches[branch].own_lookups;
        if (auto over = count_lookup(); !over.empty()) return error(Result::permerror, over);
      }
      std::string problem;
      m_inner_path.clear();
      const Match match = match_mechanism(m, domain, depth, problem);
      if (match == Match::temperror) return error(Result::temperror, problem);
      if (match == Match::permerror) return error(Result::permerror, problem);
      if (match == Match::no) continue;
      Outcome out;
      out.result = from_qualifier(m.qualifier);
      out.mechanism = m.text;
      out.matched_in = domain;
      out.path.push_back(domain + ": " + m.text);
      out.path.insert(out.path.end(), m_inner_path.begin(), m_inner_path.end());
      if (out.result == Result::fail) out.explanation = explain(*record, depth);
      return out;
    }
    if (record->redirect) {
      ++m_ev.branches[branch].own_lookups;
      if (auto over = count_lookup(); !over.empty()) return error(Result::permerror, over);
      auto target = expand_domain(*record->redirect);
      if (!target) return error(Result::permerror, "redirect=" + *record->redirect + ": " + target.error().message);
      Outcome out = evaluate(*target, "redirect=" + *target, depth + 1);
      if (out.result == Result::none) {
        out.result = Result::permerror;
        out.problem = "redirect=" + *target + ": " + out.problem;
      }
      return out;
    }
    Outcome out;
    out.result = Result::neutral;
    return out;
  }

  std::string count_lookup() {
    if (++m_lookups > m_options.limits.max_lookups) {
      return "more than " + std::to_string(m_options.limits.max_lookups) + " DNS lookups";
    }
    return {};
  }

  // Void answers count; over the limit is a permerror.
  bool count_void(Status status, std::string& problem) {
    if (!is_void(status)) return true;
    if (++m_voids > m_options.limits.max_void_lookups) {
      problem = "more than " + std::to_string(m_options.limits.max_void_lookups) + " void DNS lookups";
      return false;
    }
    return true;
  }

  Expected<std::string> expand_domain(const std::string& spec) {
    auto expanded = expand_macros(spec, m_context, false);
    if (!expanded) return expanded;
    return truncate_domain(std::move(*expanded));
  }

  Match match_mechanism(const Mechanism& m, const std::string& domain, int depth,
                        std::string& problem) {
    std::string target = domain;
    if (!m.domain_spec.empty()) {
      auto expanded = expand_domain(m.domain_spec);
      if (!expanded) {
        problem = "\"" + m.text + "\": " + expanded.error().message;
        return Match::permerror;
      }
      target = std::move(*expanded);
      // A name that is not a domain matches nothing (RFC 7208 section 4.8);
      // include: and redirect= make it their none, so permerror.
      if (m.kind != MechanismKind::include && !is_valid_domain(target)) return Match::no;
    }
    switch (m.kind) {
      case MechanismKind::all: return Match::yes;
      case MechanismKind::ip4:
      case MechanismKind::ip6: {
        const auto network = m.kind == MechanismKind::ip4 ? parse_ip4_network(m.network)
                                                          : parse_ip6_network(m.network);
        const int prefix = m.kind == MechanismKind::ip4 ? m.cidr4 : m.cidr6;
        return network && in_network(m_context.ip, *network, prefix) ? Match::yes : Match::no;
      }
      case MechanismKind::include: return match_include(m, target, depth, problem);
      case MechanismKind::a: return match_addresses(target, m, depth, true, problem);
      case MechanismKind::mx: return match_mx(target, m, depth, problem);
      case MechanismKind::ptr: return match_ptr(target, depth, problem);
      case MechanismKind::exists: {
        const Answer answer = ask(target, RecordType::a, depth);
        if (is_dns_error(answer.status)) {
          problem = "\"" + m.text + "\": A lookup of " + target + ": " + std::string(dns::to_string(answer.status));
          return Match::temperror;
        }
        if (!count_void(answer.status, problem)) return Match::permerror;
        return answer.status == Status::ok && !answer.values.empty() ? Match::yes : Match::no;
      }
    }
    return Match::no;
  }

  Match match_include(const Mechanism& m, const std::string& target, int depth, std::string& problem) {
    const Outcome inner = evaluate(target, "include:" + target, depth + 1);
    switch (inner.result) {
      case Result::pass: m_inner_path = inner.path; return Match::yes;
      case Result::fail:
      case Result::softfail:
      case Result::neutral: return Match::no;
      case Result::temperror: problem = "\"" + m.text + "\": " + inner.problem; return Match::temperror;
      case Result::none:
      case Result::permerror: problem = "\"" + m.text + "\": " + inner.problem; return Match::permerror;
    }
    return Match::no;
  }

  RecordType address_type() const { return m_context.ip.v6 ? RecordType::aaaa : RecordType::a; }

  bool holds_client(const Answer& answer, const Mechanism& m) const {
    if (answer.status != Status::ok) return false;
    for (const auto& value : answer.values) {
      const auto address = parse_address(value);
      if (address && in_network(m_context.ip, *address, m_context.ip.v6 ? m.cidr6 : m.cidr4)) {
        return true;
      }
    }
    return false;
  }

  // a: the target's addresses; also used for each host of mx (counted = false).
  Match match_addresses(const std::string& target, const Mechanism& m, int depth, bool counted,
                        std::string& problem) {
    const Answer answer = ask(target, address_type(), depth);
    if (is_dns_error(answer.status)) {
      problem = "\"" + m.text + "\": " + std::string(dns::to_string(address_type())) + " lookup of " +
                target + ": " + std::string(dns::to_string(answer.status));
      return Match::temperror;
    }
    if (counted && !count_void(answer.status, problem)) return Match::permerror;
    return holds_client(answer, m) ? Match::yes : Match::no;
  }

  Match match_mx(const std::string& target, const Mechanism& m, int depth, std::string& problem) {
    const Answer answer = ask(target, RecordType::mx, depth);
    if (is_dns_error(answer.status)) {
      problem = "\"" + m.text + "\": MX lookup of " + target + ": " + std::string(dns::to_string(answer.status));
      return Match::temperror;
    }
    if (!count_void(answer.status, problem)) return Match::permerror;
    if (answer.status != Status::ok) return Match::no;
    if (answer.values.size() > m_options.limits.max_mx_names) {
      problem = "\"" + m.text + "\": " + target + " has " + std::to_string(answer.values.size()) +
                " MX records, more than " + std::to_string(m_options.limits.max_mx_names);
      return Match::permerror;
    }
    for (const auto& value : answer.values) {
      const std::size_t space = value.find(' ');
      const std::string host = without_dot(space == std::string::npos ? value : value.substr(space + 1));
      if (!is_valid_domain(host)) continue;  // null MX (RFC 7505) or junk
      std::string ignored;
      if (match_addresses(host, m, depth, false, ignored) == Match::yes) return Match::yes;
    }
    return Match::no;
  }

  // The PTR names of the client whose own addresses hold the client.
  // Void PTR answers count only for the ptr mechanism (problem != nullptr).
  std::vector<std::string> validated_names(int depth, std::string* problem) {
    std::vector<std::string> names;
    const Answer ptr = ask(dns::reverse_name(to_text(m_context.ip)), RecordType::ptr, depth);
    if (problem && !count_void(ptr.status, *problem)) return names;
    if (ptr.status != Status::ok) return names;
    std::size_t checked = 0;
    for (const auto& value : ptr.values) {
      if (checked++ >= m_options.limits.max_ptr_names) break;
      const std::string name = without_dot(value);
      if (!is_valid_domain(name)) continue;
      const Answer answer = ask(name, address_type(), depth);
      if (answer.status != Status::ok) continue;
      for (const auto& address_text : answer.values) {
        const auto address = parse_address(address_text);
        if (address && *address == m_context.ip) {
          names.push_back(name);
          break;
        }
      }
    }
    return names;
  }

  static bool within(const std::string& name, const std::string& domain) {
    const std::string n = lower(name);
    const std::string d = lower(domain);
    return n == d || (n.size() > d.size() && n.compare(n.size() - d.size(), d.size(), d) == 0 &&
                      n[n.size() - d.size() - 1] == '.');
  }

  Match match_ptr(const std::string& target, int depth, std::string& problem) {
    for (const auto& name : validated_names(depth, &problem)) {
      if (within(name, target)) return Match::yes;
    }
    return problem.empty() ? Match::no : Match::permerror;
  }

  // %{p}: a validated name within the current domain, else any validated
  // name, else "unknown". The names are looked up once per evaluation.
  std::string p_macro() {
    if (!m_p_names) m_p_names = validated_names(m_depth_hint, nullptr);
    for (const auto& name : *m_p_names) {
      if (within(name, m_context.domain)) return name;
    }
    return m_p_names->empty() ? "unknown" : m_p_names->front();
  }

  std::string explain(const Record& record, int depth) {
    if (!record.exp) return m_options.default_explanation;
    auto target = expand_domain(*record.exp);
    if (!target) return m_options.default_explanation;
    const Answer answer = ask(*target, RecordType::txt, depth);
    if (answer.status != Status::ok || answer.values.size() != 1) return m_options.default_explanation;
    auto text = expand_macros(answer.values.front(), m_context, true);
    return text ? *text : m_options.default_explanation;
  }

  dns::Resolver& m_resolver;
  const CheckOptions& m_options;
  Evaluation& m_ev;
  MacroContext m_context;
  int m_lookups = 0;
  int m_voids = 0;
  std::vector<std::string> m_inner_path;  // of the include that matched last
  int m_depth_hint = 0;  // depth recorded for %{p} queries
  std::optional<std::vector<std::string>> m_p_names;
};

}  // namespace

const char* to_string(Result result) {
  switch (result) {
    case Result::none: return "none";
    case Result::neutral: return "neutral";
    case Result::pass: return "pass";
    case Result::fail: return "fail";
    case Result::softfail: return "softfail";
    case Result::temperror: return "temperror";
    case Result::permerror: return "permerror";
  }
  return "none";
}

bool is_valid_domain(std::string_view domain) {
  constexpr std::size_t k_max_label = 63;
  constexpr std::size_t k_max_name = 253;
  if (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
  if (domain.empty() || domain.size() > k_max_name) return false;
  std::size_t labels = 0;
  std::size_t start = 0;
  while (start <= domain.size()) {
    std::size_t end = domain.find('.', start);
    if (end == std::string_view::npos) end = domain.size();
    const std::size_t length = end - start;
    if (length == 0 || length > k_max_label) return false;
    ++labels;
    start = end + 1;
  }
  return labels >= 2;
}

Evaluation check_host(dns::Resolver& resolver, const std::string& ip, const std::string& domain,
                      const std::string& sender, const std::string& helo,
                      const CheckOptions& options) {
  Evaluation ev;
  ev.domain = domain;
  const auto address = parse_address(ip);
  if (!address) {
    ev.result = Result::permerror;
    ev.problem = "\"" + ip + "\" is not an IP address";
    return ev;
  }
  MacroContext context;
  const std::size_t at = sender.rfind('@');
  context.local_part = at == std::string::npos ? "postmaster" : sender.substr(0, at);
  if (context.local_part.empty()) context.local_part = "postmaster";
  context.sender_domain = at == std::string::npos ? sender : sender.substr(at + 1);
  context.domain = domain;
  context.ip = *address;
  context.helo = helo;
  context.receiver = options.receiver;
  context.now = options.now;

  Evaluator evaluator(resolver, options, ev, std::move(context));
  const Outcome out = evaluator.evaluate(domain, "", 0);
  ev.result = out.result;
  ev.mechanism = out.mechanism;
  ev.matched_in = out.matched_in;
  ev.match_path = out.path;
  ev.explanation = out.explanation;
  ev.problem = out.problem;
  ev.lookups = evaluator.lookups();
  ev.void_lookups = evaluator.void_lookups();
  if (!ev.branches.empty()) ev.record = ev.branches.front().record;
  return ev;
}

Evaluation check_mail_from(dns::Resolver& resolver, const std::string& ip,
                           const std::string& mail_from, const std::string& helo,
                           const CheckOptions& options) {
  if (mail_from.empty()) return check_host(resolver, ip, helo, "postmaster@" + helo, helo, options);
  const std::size_t at = mail_from.rfind('@');
  const std::string domain = at == std::string::npos ? mail_from : mail_from.substr(at + 1);
  return check_host(resolver, ip, domain, mail_from, helo, options);
}

}  // namespace dmarc::spf
