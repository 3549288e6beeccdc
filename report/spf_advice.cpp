#include "report/spf_advice.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <string>
#include <vector>

#include "spf/check_host.hpp"
#include "spf/domain_check.hpp"
#include "spf/record_check.hpp"

namespace dmarc::report {
namespace {

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// How an SPF domain aligns with the header From domain (RFC 7489 3.1.2).
enum class Alignment {
  strict,   // the same name
  relaxed,  // the same organisational domain only
  none,
};

// With the organisational domains (the public suffix list) when both have
// one; without, approximated: one domain is the other or under it.
Alignment alignment(const std::string& envelope, const std::string& header,
                    const spf::OrganisationalDomain& organisational_domain) {
  const std::string x = lower(envelope);
  const std::string y = lower(header);
  if (x == y) return Alignment::strict;
  if (organisational_domain) {
    const std::string a = organisational_domain(x);
    const std::string b = organisational_domain(y);
    if (!a.empty() && !b.empty()) return a == b ? Alignment::relaxed : Alignment::none;
  }
  auto under = [](const std::string& n, const std::string& d) {
    return n.size() > d.size() && n.compare(n.size() - d.size(), d.size(), d) == 0 &&
           n[n.size() - d.size() - 1] == '.';
  };
  return under(x, y) || under(y, x) ? Alignment::relaxed : Alignment::none;
}

// The envelope domains of a source: envelope_from, else the SPF result domains.
std::vector<std::string> envelope_domains(const SourceSummary& s, const std::string& policy_domain) {
  std::vector<std::string> out;
  for (const auto& d : s.envelope_from) {
    if (!d.empty()) out.push_back(lower(d));
  }
  if (out.empty()) {
    for (const auto& [key, n] : s.spf_results) {
      const auto eq = key.rfind('=');
      const std::string d = lower(key.substr(0, eq));
      if (!d.empty() && std::find(out.begin(), out.end(), d) == out.end()) out.push_back(d);
    }
  }
  if (out.empty()) out.push_back(lower(policy_domain));
  if (out.size() > k_max_spf_domains_per_source) out.resize(k_max_spf_domains_per_source);
  return out;
}

class Advisor {
 public:
  Advisor(dns::Resolver& resolver, const spf::SenderTable& senders,
          const spf::OrganisationalDomain& organisational_domain)
      : m_resolver(resolver), m_senders(senders), m_organisational_domain(organisational_domain) {}

  std::string advise(const SourceSummary& s, const std::string& policy_domain) {
    std::vector<std::string> parts;
    const std::string header = lower(s.header_from.empty() ? policy_domain : *s.header_from.begin());
    for (const auto& envelope : envelope_domains(s, policy_domain)) {
      const std::string part = advise_domain(s, envelope, header);
      if (!part.empty()) parts.push_back(part);
    }
    std::string out;
    for (const auto& part : parts) out += (out.empty() ? "" : "; ") + part;
    return out;
  }

  std::size_t domains() const { return m_records.size(); }

 private:
  const spf::RecordCheck& record(const std::string& domain) {
    auto found = m_records.find(domain);
    if (found == m_records.end()) found = m_records.emplace(domain, spf::check_record(m_resolver, domain)).first;
    return found->second;
  }

  const spf::DmarcCheck& dmarc(const std::string& domain) {
    auto found = m_dmarc.find(domain);
    if (found == m_dmarc.end()) {
      found =
          m_dmarc.emplace(domain, spf::check_dmarc(m_resolver, domain, m_organisational_domain))
              .first;
    }
    return found->second;
  }

  std::string advise_domain(const SourceSummary& s, const std::string& envelope, const std::string& header) {
    if (!spf::is_valid_domain(envelope)) return {};
    const spf::RecordCheck& rc = record(envelope);
    // A lookup that failed here says nothing sure about the domain (our
    // resolver may be the one failing): the report-data advice stays.
    if (rc.has("dns_error")) return {};
    for (const auto& p : rc.problems) {
      if (p.code == "too_many_lookups") {
        std::string names;
        int shown = 0;
        for (const auto& b : spf::heaviest_includes(rc)) {
          if (shown++ == 3 || b.lookups < 2) break;
          names += (names.empty() ? "" : ", ") + b.via.substr(b.via.find_first_of(":=") + 1) +
                   " (" + std::to_string(b.lookups) + ")";
        }
        return fmt::format("the SPF record of {} needs {} lookups; the limit is 10: flatten or drop includes {}",
                           envelope, rc.lookups, names.empty() ? "with lookups" : names);
      }
    }
    if (rc.has("missing")) {
      return fmt::format("{} publishes no SPF record (checked now): publish one that lists this sender",
                         envelope);
    }
    for (const auto& p : rc.problems) {
      if (p.severity == spf::Severity::error && p.code != "plus_all") {
        return fmt::format("the SPF record of {} is broken: {}", envelope, p.message);
      }
    }
    const spf::Evaluation ev =
        spf::check_host(m_resolver, s.source_ip, envelope, "postmaster@" + envelope, envelope);
    switch (ev.result) {
      case spf::Result::pass: {
        const Alignment aligned = alignment(envelope, header, m_organisational_domain);
        if (aligned == Alignment::none) {
          return fmt::format("SPF passes for {} but header_from is {}: set a custom return-path under {}",
                             envelope, header, header);
        }
        if (aligned == Alignment::relaxed) {
          const spf::DmarcCheck& policy = dmarc(header);
          if (policy.aspf == "s" && !policy.found_at.empty()) {
            return fmt::format("SPF passes for {}, which aligns with header_from {} only in relaxed "
                               "mode, and the DMARC record of {} sets aspf=s: use a return-path of "
                               "exactly {}, or set aspf=r",
                               envelope, header, policy.found_at, header);
          }
        }
        return fmt::format("SPF passes for {} now ({}): the record changed after these reports, or "
                           "the mail was forwarded",
                           envelope, ev.mechanism);
      }
      case spf::Result::temperror:
        return {};
      case spf::Result::permerror:
        return fmt::format("the SPF record of {} gives permerror: {}", envelope, ev.problem);
      case spf::Result::none:
        return fmt::format("{} publishes no SPF record (checked now): publish one that lists this sender",
                           envelope);
      default:
        break;
    }
    const spf::KnownSender* sender = s.ptr_name.empty() ? nullptr : m_senders.find(s.ptr_name);
    if (sender) {
      return fmt::format("not listed in the SPF record of {}: this looks like {} (reverse DNS *.{}{}); "
                         "add include:{}",
                         envelope, sender->service, sender->org_domain,
                         s.name_confirmed ? "" : ", unconfirmed", sender->spf_include);
    }
    return fmt::format("not listed in the SPF record of {} ({} for {}): if this source is yours, add "
                       "ip{}:{} or its service's include",
                       envelope, spf::to_string(ev.result), s.source_ip,
                       s.source_ip.find(':') == std::string::npos ? "4" : "6", s.source_ip);
  }

  dns::Resolver& m_resolver;
  const spf::SenderTable& m_senders;
  const spf::OrganisationalDomain& m_organisational_domain;
  std::map<std::string, spf::RecordCheck> m_records;
  std::map<std::string, spf::DmarcCheck> m_dmarc;
};

}  // namespace

SpfAdviceStats annotate_spf(Summary& summary, dns::Resolver& resolver,
                            const spf::SenderTable& senders,
                            const spf::OrganisationalDomain& organisational_domain) {
  SpfAdviceStats stats;
  Advisor advisor(resolver, senders, organisational_domain);
  for (auto& domain : summary.domains) {
    for (auto& source : domain.flagged) {
      if (source.diagnosis == Diagnosis::forwarding) continue;
      std::string text = advisor.advise(source, domain.domain);
      if (text.empty()) continue;
      source.advice = std::move(text);
      ++stats.sources;
    }
  }
  stats.domains = advisor.domains();
  return stats;
}

}  // namespace dmarc::report
