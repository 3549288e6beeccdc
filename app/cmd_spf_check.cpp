// dmarcdb spf-check DOMAIN [--ip IP ...]: what the domain publishes (SPF
// record with its lookup count per include, DMARC record, MX records), the
// problems of each, and the SPF result for each given address. Every string
// from DNS is untrusted: stripped of control characters on the terminal,
// escaped in JSON. Exit 0 when the checks ran, whatever they found.
#include <fmt/format.h>

#include <chrono>
#include <ostream>
#include <string>
#include <vector>

#include "app/cli.hpp"
#include "app/options.hpp"
#include "app/report_names.hpp"
#include "dns/cares_resolver.hpp"
#include "parse/ip_address.hpp"
#include "report/names.hpp"
#include "report/render.hpp"
#include "report/terminal.hpp"
#include "spf/cached_resolver.hpp"
#include "spf/domain_check.hpp"

namespace dmarc::app {
namespace {

using report::json_string;
using report::sanitize_for_terminal;

const char* severity_name(spf::Severity s) { return s == spf::Severity::error ? "error" : "warning"; }

void text_problems(std::ostream& out, const std::vector<spf::Problem>& problems) {
  for (const auto& p : problems) {
    out << "  " << severity_name(p.severity) << ": " << sanitize_for_terminal(p.message) << "\n";
  }
}

void render_text(std::ostream& out, const spf::DomainCheck& c, const spf::Limits& limits) {
  const std::string domain = sanitize_for_terminal(c.domain);
  out << "SPF check of " << domain << "\n\n";
  if (c.spf.records.size() == 1) {
    out << "SPF record: " << sanitize_for_terminal(c.spf.records.front()) << "\n";
  } else {
    for (const auto& r : c.spf.records) out << "SPF record (one of several): " << sanitize_for_terminal(r) << "\n";
    if (c.spf.records.empty()) out << "SPF record: none\n";
  }
  out << fmt::format("DNS lookups: {} (limit {}), void lookups: {} (limit {})\n", c.spf.lookups,
                     limits.max_lookups, c.spf.void_lookups, limits.max_void_lookups);
  for (const auto& b : c.spf.branches) {
    const std::string name = std::string(static_cast<std::size_t>(2 * b.depth), ' ') +
                             sanitize_for_terminal(b.via.empty() ? b.domain : b.via);
    out << fmt::format("  {:<44} {:>3}", name, b.lookups);
    if (b.lookups != b.own_lookups) out << fmt::format("  ({} here)", b.own_lookups);
    if (b.void_lookups > 0) out << fmt::format("  void {}", b.void_lookups);
    if (b.record.empty()) out << "  no record";
    out << "\n";
  }
  if (c.spf.problems.empty()) out << "  no problems found\n";
  text_problems(out, c.spf.problems);

  out << "\nDMARC record (_dmarc." << sanitize_for_terminal(c.dmarc.found_at.empty() ? domain : c.dmarc.found_at) << "): "
      << (c.dmarc.record.empty() ? "none" : sanitize_for_terminal(c.dmarc.record)) << "\n";
  if (!c.dmarc.record.empty()) {
    std::string rua;
    for (const auto& uri : c.dmarc.rua) rua += (rua.empty() ? "" : ",") + uri;
    out << "  p=" << sanitize_for_terminal(c.dmarc.p.empty() ? "-" : c.dmarc.p)
        << " sp=" << sanitize_for_terminal(c.dmarc.sp.empty() ? "-" : c.dmarc.sp)
        << " pct=" << c.dmarc.pct << " adkim=" << c.dmarc.adkim << " aspf=" << c.dmarc.aspf
        << " rua=" << sanitize_for_terminal(rua.empty() ? "-" : rua) << "\n";
  }
  text_problems(out, c.dmarc.problems);

  out << "\nMX records:" << (c.mx.hosts.empty() ? " none" : "") << "\n";
  for (const auto& h : c.mx.hosts) {
    out << "  " << h.preference << " " << sanitize_for_terminal(h.host);
    if (!h.service.empty()) out << " (" << sanitize_for_terminal(h.service) << ")";
    out << "\n";
  }
  text_problems(out, c.mx.problems);

  for (const auto& ip : c.ips) {
    const spf::Evaluation& ev = ip.evaluation;
    out << "\n" << ip.ip << ": " << spf::to_string(ev.result);
    if (!ev.mechanism.empty()) out << ", matched " << sanitize_for_terminal(ev.mechanism);
    out << "\n";
    for (std::size_t i = 1; i < ev.match_path.size(); ++i) {
      out << "  via " << sanitize_for_terminal(ev.match_path[i]) << "\n";
    }
    if (ev.mechanism.empty() && ev.result == spf::Result::neutral) out << "  no mechanism matched\n";
    if (!ev.problem.empty()) out << "  " << sanitize_for_terminal(ev.problem) << "\n";
    if (!ev.explanation.empty()) out << "  explanation: " << sanitize_for_terminal(ev.explanation) << "\n";
    out << fmt::format("  {} DNS lookups, {} void, {} queries\n", ev.lookups, ev.void_lookups, ev.queries.size());
  }
}

std::string json_problems(const std::vector<spf::Problem>& problems) {
  std::string out = "[";
  for (const auto& p : problems) {
    if (out.size() > 1) out += ", ";
    out += fmt::format(R"({{"code": {}, "severity": "{}", "message": {}}})", json_string(p.code),
                       severity_name(p.severity), json_string(p.message));
  }
  return out + "]";
}

std::string json_strings(const std::vector<std::string>& items) {
  std::string out = "[";
  for (const auto& item : items) out += (out.size() > 1 ? ", " : "") + json_string(item);
  return out + "]";
}

void render_json(std::ostream& out, const spf::DomainCheck& c) {
  out << "{\n  \"domain\": " << json_string(c.domain) << ",\n  \"spf\": {\n";
  out << "    \"records\": " << json_strings(c.spf.records) << ",\n";
  out << fmt::format("    \"lookups\": {}, \"void_lookups\": {},\n", c.spf.lookups, c.spf.void_lookups);
  out << "    \"branches\": [";
  for (std::size_t i = 0; i < c.spf.branches.size(); ++i) {
    const auto& b = c.spf.branches[i];
    out << (i ? ",\n" : "\n")
        << fmt::format(R"(      {{"domain": {}, "via": {}, "depth": {}, "record": {}, "own_lookups": {}, "lookups": {}, "void_lookups": {}}})",
                       json_string(b.domain), json_string(b.via), b.depth, json_string(b.record),
                       b.own_lookups, b.lookups, b.void_lookups);
  }
  out << "],\n    \"problems\": " << json_problems(c.spf.problems) << "\n  },\n";
  out << "  \"dmarc\": {"
      << fmt::format(R"("found_at": {}, "record": {}, "p": {}, "sp": {}, "pct": {}, "rua": {}, "adkim": {}, "aspf": {}, "problems": {})",
                     json_string(c.dmarc.found_at), json_string(c.dmarc.record), json_string(c.dmarc.p), json_string(c.dmarc.sp),
                     c.dmarc.pct, json_strings(c.dmarc.rua), json_string(c.dmarc.adkim),
                     json_string(c.dmarc.aspf), json_problems(c.dmarc.problems))
      << "},\n";
  out << "  \"mx\": {\"hosts\": [";
  for (std::size_t i = 0; i < c.mx.hosts.size(); ++i) {
    const auto& h = c.mx.hosts[i];
    out << (i ? ", " : "")
        << fmt::format(R"({{"preference": {}, "host": {}, "service": {}}})", h.preference,
                       json_string(h.host), json_string(h.service));
  }
  out << "], \"problems\": " << json_problems(c.mx.problems) << "},\n  \"ips\": [";
  for (std::size_t i = 0; i < c.ips.size(); ++i) {
    const spf::Evaluation& ev = c.ips[i].evaluation;
    std::string queries = "[";
    for (const auto& q : ev.queries) {
      queries += (queries.size() > 1 ? ", " : "") +
                 fmt::format(R"({{"name": {}, "type": "{}", "status": "{}"}})", json_string(q.name),
                             dns::to_string(q.type), dns::to_string(q.status));
    }
    out << (i ? ",\n" : "\n")
        << fmt::format(
               R"(    {{"ip": {}, "result": "{}", "mechanism": {}, "matched_in": {}, "match_path": {}, "explanation": {}, "problem": {}, "lookups": {}, "void_lookups": {}, "queries": {}}})",
               json_string(c.ips[i].ip), spf::to_string(ev.result), json_string(ev.mechanism),
               json_string(ev.matched_in), json_strings(ev.match_path), json_string(ev.explanation),
               json_string(ev.problem), ev.lookups, ev.void_lookups, queries + "]");
  }
  out << "]\n}\n";
}

}  // namespace

int cmd_spf_check(const std::vector<std::string>& args, Streams streams) {
  std::string domain, format, senders_file;
  std::vector<std::string> ips, servers;
  int timeout_ms = k_default_dns_timeout_ms;
  po::options_description desc(
      "usage: dmarcdb spf-check DOMAIN [--ip IP ...] [OPTIONS]\n\n"
      "What DOMAIN publishes in DNS and why mail from it may fail: its SPF record\n"
      "with the DNS lookups it needs per include (limit 10) and its problems, its\n"
      "DMARC record, its MX records, and for each --ip the SPF result with the\n"
      "mechanism that matched.\n\nOptions");
  // clang-format off
  desc.add_options()
      ("help,h", "this help")
      ("domain", po::value(&domain), "the domain to check")
      ("ip", po::value(&ips)->composing(), "client address to evaluate (repeatable)")
      ("format", po::value(&format)->default_value("text"), "text or json")
      ("dns-server", po::value(&servers)->composing(),
       "resolver host:port (repeatable or a comma list; default: /etc/resolv.conf)")
      ("dns-timeout", po::value(&timeout_ms)->default_value(timeout_ms),
       "milliseconds to wait for one DNS try (2 tries)")
      ("senders-file", po::value(&senders_file),
       "extra lines for the table of sending services (docs/spf.md)");
  // clang-format on
  po::positional_options_description positional;
  positional.add("domain", 1);
  po::variables_map vm = parse_options(args, desc, &positional);
  if (vm.count("help")) {
    streams.out << desc << "\n";
    return 0;
  }
  if (domain.empty()) throw UsageError{"spf-check needs a DOMAIN"};
  if (!domain.empty() && domain.back() == '.') domain.pop_back();
  if (!spf::is_valid_domain(domain)) throw UsageError{"\"" + domain + "\" is not a domain name"};
  if (format != "text" && format != "json") throw UsageError{"--format takes text or json"};
  if (timeout_ms < 1 || timeout_ms > k_max_dns_timeout_ms) {
    throw UsageError{"--dns-timeout takes 1 to " + std::to_string(k_max_dns_timeout_ms)};
  }
  for (auto& ip : ips) {
    auto normal = parse::normalize_ip(ip);
    if (!normal) throw UsageError{"--ip \"" + ip + "\" is not an IP address"};
    ip = *normal;
  }
  spf::SenderTable senders = spf::SenderTable::builtin();
  if (!senders_file.empty()) {
    auto added = senders.add_file(senders_file);
    if (!added) throw Fatal(added.error().message);
  }
  dns::CaresOptions dns_options;
  for (const auto& server : servers) dns_options.servers += (dns_options.servers.empty() ? "" : ",") + server;
  dns_options.timeout = std::chrono::milliseconds(timeout_ms);
  dns_options.tries = k_dns_tries;
  dns::CaresResolver cares(dns_options);
  spf::CachedResolver resolver(cares);
  spf::CheckOptions options;
  options.now = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  const report::PublicSuffixList psl = report::PublicSuffixList::system_default();
  const spf::DomainCheck check =
      spf::check_domain(resolver, domain, ips, senders, options,
                        [&psl](std::string_view name) { return psl.organisational_domain(name); });
  if (format == "json") {
    render_json(streams.out, check);
  } else {
    render_text(streams.out, check, options.limits);
  }
  return 0;
}

}  // namespace dmarc::app
