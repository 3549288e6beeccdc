#include "report/summary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <utility>

namespace dmarc::report {
namespace {

bool flagged_verdict(const store::RecordVerdict& v) {
  return v.spf_aligned == "fail" && (v.disposition == "reject" || v.disposition == "quarantine");
}

// Failing both alignments yet delivered: what a stricter policy would block.
bool at_risk_verdict(const store::RecordVerdict& v) {
  return v.spf_aligned == "fail" && v.dkim_aligned != "pass" &&
         (v.disposition == "none" || v.disposition == "pass" || v.disposition.empty());
}

store::RecordVerdict verdict_of(const store::PeriodRecord& r) {
  return {r.disposition, r.dkim_aligned, r.spf_aligned};
}

bool is_flagged(const store::PeriodRecord& r) { return flagged_verdict(verdict_of(r)); }

bool is_at_risk(const store::PeriodRecord& r) { return at_risk_verdict(verdict_of(r)); }

bool has_forwarding_reason(const std::string& reasons) {
  for (const char* type : {"forwarded", "mailing_list", "trusted_forwarder"}) {
    if (reasons.find(type) != std::string::npos) return true;
  }
  return false;
}

std::string why_delivered(const store::PeriodRecord& r) {
  if (!r.override_reasons.empty()) return "override: " + r.override_reasons;
  if (r.policy_testing == "y") return "testing";
  if (r.policy_pct && *r.policy_pct < 100) return fmt::format("pct={}", *r.policy_pct);
  if (r.policy_p == "none" || r.policy_p.empty()) return "p=none";
  return "receiver's local policy";
}

void add(SourceSummary& s, const store::PeriodRecord& r) {
  s.source_ip = r.source_ip;
  s.messages += r.count;
  if (r.disposition == "reject") s.rejected += r.count;
  if (r.disposition == "quarantine") s.quarantined += r.count;
  if (!r.org_name.empty()) s.reporters.insert(r.org_name);
  s.first_seen = s.first_seen == 0 ? r.date_begin : std::min(s.first_seen, r.date_begin);
  s.last_seen = std::max(s.last_seen, r.date_end);
  if (!r.header_from.empty()) s.header_from.insert(r.header_from);
  if (!r.envelope_from.empty()) s.envelope_from.insert(r.envelope_from);
  if (!r.spf_results.empty()) s.spf_results[r.spf_results] += r.count;
  if (!r.dkim_results.empty()) s.dkim_results[r.dkim_results] += r.count;
  std::size_t start = 0;
  while (start < r.override_reasons.size()) {
    std::size_t comma = r.override_reasons.find(',', start);
    if (comma == std::string::npos) comma = r.override_reasons.size();
    s.override_reasons.insert(r.override_reasons.substr(start, comma - start));
    start = comma + 1;
  }
  if (r.dkim_aligned == "pass") s.dkim_aligned = true;
}

Diagnosis diagnose(const std::vector<const store::PeriodRecord*>& records) {
  std::map<std::string, std::int64_t> by_result;
  for (const store::PeriodRecord* r : records) {
    if (has_forwarding_reason(r->override_reasons)) return Diagnosis::forwarding;
    by_result[r->spf_result] += r->count;
  }
  auto top = std::max_element(by_result.begin(), by_result.end(),
                              [](const auto& a, const auto& b) { return a.second < b.second; });
  const std::string result = top == by_result.end() ? "" : top->first;
  if (result == "pass") return Diagnosis::spf_pass_unaligned;
  if (result == "permerror") return Diagnosis::spf_permerror;
  if (result == "temperror") return Diagnosis::spf_temperror;
  if (result == "none") return Diagnosis::spf_none;
  if (result == "fail" || result == "softfail" || result == "neutral") {
    return Diagnosis::spf_not_authorised;
  }
  return Diagnosis::spf_unknown;
}

using Groups = std::map<std::string, std::map<std::string, std::vector<const store::PeriodRecord*>>>;

// domain -> source ip -> records, for records passing keep.
template <class Keep>
Groups group(const std::vector<store::PeriodRecord>& records, Keep keep) {
  Groups groups;
  for (const store::PeriodRecord& r : records) {
    if (keep(r)) groups[r.policy_domain][r.source_ip].push_back(&r);
  }
  return groups;
}

std::vector<SourceSummary> summarise(
    const std::map<std::string, std::vector<const store::PeriodRecord*>>& by_ip,
    std::int64_t domain_messages, bool with_why) {
  std::vector<SourceSummary> out;
  for (const auto& [ip, records] : by_ip) {
    SourceSummary s;
    for (const store::PeriodRecord* r : records) add(s, *r);
    s.share = domain_messages > 0 ? static_cast<double>(s.messages) / domain_messages : 0;
    s.diagnosis = diagnose(records);
    std::string envelope = s.envelope_from.empty() ? "" : *s.envelope_from.begin();
    s.advice = advice(s.diagnosis, envelope, records.front()->policy_domain);
    if (with_why) s.why_delivered = why_delivered(*records.front());
    out.push_back(std::move(s));
  }
  return out;
}

void apply_names(std::vector<SourceSummary>& sources, const SourceNames& names) {
  for (SourceSummary& s : sources) {
    auto it = names.find(s.source_ip);
    if (it == names.end()) continue;
    s.ptr_name = it->second.name;
    s.name_confirmed = it->second.confirmed && !it->second.name.empty();
    s.org_domain = s.name_confirmed ? it->second.org_domain : "";
  }
}

// Groups flagged sources (already named and sorted) by organisation.
std::vector<OrganisationSummary> organisations(const std::vector<SourceSummary>& flagged,
                                               std::int64_t domain_messages) {
  std::map<std::pair<bool, std::string>, OrganisationSummary> groups;
  for (const SourceSummary& s : flagged) {
    const bool by_name = !s.org_domain.empty();
    OrganisationSummary& o = groups[{by_name, by_name ? s.org_domain : s.source_ip}];
    o.organisation = by_name ? s.org_domain : s.source_ip;
    o.by_name = by_name;
    o.source_ips.push_back(s.source_ip);
    o.messages += s.messages;
    o.rejected += s.rejected;
    o.quarantined += s.quarantined;
  }
  std::vector<OrganisationSummary> out;
  for (auto& [key, o] : groups) {
    o.share = domain_messages > 0 ? static_cast<double>(o.messages) / domain_messages : 0;
    out.push_back(std::move(o));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    if (a.rejected + a.quarantined != b.rejected + b.quarantined) {
      return a.rejected + a.quarantined > b.rejected + b.quarantined;
    }
    if (a.messages != b.messages) return a.messages > b.messages;
    if (a.by_name != b.by_name) return a.by_name;
    return a.organisation < b.organisation;
  });
  return out;
}

}  // namespace

const char* to_string(Diagnosis d) {
  switch (d) {
    case Diagnosis::forwarding: return "forwarding";
    case Diagnosis::spf_pass_unaligned: return "spf_pass_unaligned";
    case Diagnosis::spf_permerror: return "spf_permerror";
    case Diagnosis::spf_temperror: return "spf_temperror";
    case Diagnosis::spf_none: return "spf_none";
    case Diagnosis::spf_not_authorised: return "spf_not_authorised";
    case Diagnosis::spf_unknown: return "spf_unknown";
  }
  return "spf_unknown";
}

std::string advice(Diagnosis d, const std::string& envelope_domain,
                   const std::string& policy_domain) {
  const std::string envelope = envelope_domain.empty() ? policy_domain : envelope_domain;
  switch (d) {
    case Diagnosis::forwarding:
      return "mail is forwarded or sent through a mailing list: SPF cannot survive forwarding; "
             "make sure the original mail carries an aligned DKIM signature";
    case Diagnosis::spf_pass_unaligned:
      return fmt::format("SPF passes for {} but the visible From is {}: set a custom "
                         "return-path (bounce domain) under {} at this service, or sign with "
                         "aligned DKIM",
                         envelope, policy_domain, policy_domain);
    case Diagnosis::spf_permerror:
      return fmt::format("the SPF record of {} is broken (syntax, or more than 10 DNS "
                         "lookups): fix or flatten it",
                         envelope);
    case Diagnosis::spf_temperror:
      return fmt::format("the receiver could not look up the SPF record of {} (DNS error): "
                         "check that its name servers answer reliably",
                         envelope);
    case Diagnosis::spf_none:
      return fmt::format("{} publishes no SPF record: publish one that lists this sender",
                         envelope);
    case Diagnosis::spf_not_authorised:
      return fmt::format("this source is not listed in the SPF record of {}: if it is a "
                         "service you use, add its include or address; if not, it is "
                         "spoofing and the rejection is right",
                         envelope);
    case Diagnosis::spf_unknown:
      return "the reports carry no SPF result for this source";
  }
  return {};
}

bool needs_detail(const store::RecordVerdict& v) {
  return flagged_verdict(v) || at_risk_verdict(v);
}

bool needs_detail_before(const store::RecordVerdict& v) { return flagged_verdict(v); }

Summary build_summary(const std::vector<store::PeriodRecord>& current,
                      const std::vector<store::PeriodRecord>& before, const Period& period,
                      const Period& previous_period, const SummaryOptions& options,
                      const SourceNames& names) {
  auto wanted = [&](const std::string& domain) {
    return options.domains.empty() ||
           std::find(options.domains.begin(), options.domains.end(), domain) !=
               options.domains.end();
  };
  std::map<std::string, DomainSummary> domains;
  std::map<std::string, std::int64_t> latest_policy_time;
  for (const store::PeriodRecord& r : current) {
    if (!wanted(r.policy_domain)) continue;
    DomainSummary& d = domains[r.policy_domain];
    d.domain = r.policy_domain;
    if (r.date_begin >= latest_policy_time[r.policy_domain]) {
      latest_policy_time[r.policy_domain] = r.date_begin;
      d.policy = r.policy_p;
    }
    d.messages += r.count;
    if (r.dkim_aligned == "pass" || r.spf_aligned == "pass") d.dmarc_pass += r.count;
    if (r.spf_aligned == "pass") d.spf_aligned += r.count;
    if (r.disposition == "reject") d.rejected += r.count;
    if (r.disposition == "quarantine") d.quarantined += r.count;
    d.reporters[r.org_name.empty() ? "(unnamed)" : r.org_name] += r.count;
    DailyVolume& day = d.daily[r.date_begin - r.date_begin % 86400];
    if (r.dkim_aligned == "pass" || r.spf_aligned == "pass") {
      day.pass += r.count;
    } else if (r.disposition == "reject") {
      day.rejected += r.count;
    } else if (r.disposition == "quarantine") {
      day.quarantined += r.count;
    } else {
      day.fail += r.count;
    }
  }
  Groups flagged = group(current, is_flagged);
  Groups at_risk = group(current, is_at_risk);
  Groups flagged_before = group(before, is_flagged);
  for (auto& [name, d] : domains) {
    d.flagged = summarise(flagged[name], d.messages, false);
    std::sort(d.flagged.begin(), d.flagged.end(), [](const auto& a, const auto& b) {
      if (a.rejected + a.quarantined != b.rejected + b.quarantined) {
        return a.rejected + a.quarantined > b.rejected + b.quarantined;
      }
      return a.source_ip < b.source_ip;
    });
    apply_names(d.flagged, names);
    d.organisations = organisations(d.flagged, d.messages);
    d.at_risk = summarise(at_risk[name], d.messages, true);
    apply_names(d.at_risk, names);
    std::sort(d.at_risk.begin(), d.at_risk.end(), [](const auto& a, const auto& b) {
      return a.messages != b.messages ? a.messages > b.messages : a.source_ip < b.source_ip;
    });
    // The trend compares every flagged source, before the --top cut.
    for (const auto& [ip, records] : flagged_before[name]) {
      std::int64_t n = 0;
      for (const store::PeriodRecord* r : records) n += r->count;
      d.trend.previous_messages[ip] = n;
    }
    for (const SourceSummary& s : d.flagged) {
      auto it = d.trend.previous_messages.find(s.source_ip);
      if (it == d.trend.previous_messages.end()) {
        d.trend.new_sources.push_back(s.source_ip);
      } else if (s.messages > it->second) {
        d.trend.grown_sources.push_back(s.source_ip);
      }
    }
    for (const auto& [ip, n] : d.trend.previous_messages) {
      if (!flagged[name].count(ip)) d.trend.stopped_sources.push_back(ip);
    }
    d.flagged_total = d.flagged.size();
    d.flagged_rejected_total = static_cast<std::size_t>(std::count_if(
        d.flagged.begin(), d.flagged.end(), [](const SourceSummary& s) { return s.rejected > 0; }));
    d.at_risk_total = d.at_risk.size();
    if (d.flagged.size() > options.top) d.flagged.resize(options.top);
    if (d.at_risk.size() > options.top) d.at_risk.resize(options.top);
    if (d.organisations.size() > options.top) d.organisations.resize(options.top);
  }
  Summary summary{period, previous_period, {}};
  for (auto& [name, d] : domains) summary.domains.push_back(std::move(d));
  return summary;
}

std::vector<std::string> sources_to_name(const std::vector<store::PeriodRecord>& current,
                                         const SummaryOptions& options) {
  SummaryOptions all = options;
  all.top = std::numeric_limits<std::size_t>::max();
  const Summary summary = build_summary(current, {}, Period{}, Period{}, all);
  std::vector<std::string> ips;
  std::set<std::string> seen;
  for (const DomainSummary& d : summary.domains) {
    for (const SourceSummary& s : d.flagged) {
      if (seen.insert(s.source_ip).second) ips.push_back(s.source_ip);
    }
  }
  for (const DomainSummary& d : summary.domains) {
    for (std::size_t i = 0; i < d.at_risk.size() && i < options.top; ++i) {
      if (seen.insert(d.at_risk[i].source_ip).second) ips.push_back(d.at_risk[i].source_ip);
    }
  }
  return ips;
}

}  // namespace dmarc::report
