// The weekly failure summary: per policy domain, the sources whose mail
// failed SPF alignment and was rejected or quarantined, with a diagnosis from
// the report data; the sources at risk when the policy tightens; the flagged
// sources grouped by sending organisation; and the trend against the previous
// period. Pure computation over store records and the names given to it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "report/period.hpp"
#include "store/store.hpp"

namespace dmarc::report {

// Why a source fails SPF alignment, from its reported SPF result.
enum class Diagnosis {
  forwarding,          // override reason forwarded / mailing_list / trusted_forwarder
  spf_pass_unaligned,  // SPF passes for another domain: custom return-path needed
  spf_permerror,       // the SPF record is broken (e.g. over 10 DNS lookups)
  spf_temperror,       // a DNS error at the receiver
  spf_none,            // no SPF record for the envelope domain
  spf_not_authorised,  // fail / softfail / neutral: sender not in the SPF record
  spf_unknown,         // no SPF result reported
};

const char* to_string(Diagnosis d);
// One sentence telling the user what to change.
std::string advice(Diagnosis d, const std::string& envelope_domain,
                   const std::string& policy_domain);

// What reverse DNS says about one source address (report/names.hpp finds it).
struct SourceName {
  std::string name;        // PTR name, lower-case, no trailing dot; "" when there is none
  std::string org_domain;  // organisational domain of name (public suffix list); "" if none
  bool confirmed = false;  // an A/AAAA record of name holds the address

  bool operator==(const SourceName&) const = default;
};
using SourceNames = std::map<std::string, SourceName>;  // source IP -> name

struct SourceSummary {
  std::string source_ip;
  std::string ptr_name;         // "" when unknown; untrusted unless name_confirmed
  std::string org_domain;       // of a confirmed ptr_name; "" otherwise
  bool name_confirmed = false;  // ptr_name is forward-confirmed
  std::int64_t messages = 0;  // flagged (or at-risk) messages
  std::int64_t rejected = 0;
  std::int64_t quarantined = 0;
  double share = 0;  // of the domain's messages in the period, 0..1
  std::set<std::string> reporters;
  std::int64_t first_seen = 0;  // earliest report begin
  std::int64_t last_seen = 0;   // latest report end
  std::set<std::string> header_from;
  std::set<std::string> envelope_from;
  std::map<std::string, std::int64_t> spf_results;   // "domain=result" -> messages
  std::map<std::string, std::int64_t> dkim_results;  // "domain:selector=result" -> messages
  std::set<std::string> override_reasons;
  bool dkim_aligned = false;  // some of its mail passed DKIM alignment
  Diagnosis diagnosis = Diagnosis::spf_unknown;
  std::string advice;
  std::string why_delivered;  // at-risk only: "p=none", "pct=50", "testing", "override"
};

struct Trend {
  std::vector<std::string> new_sources;      // failing now, not in the previous period
  std::vector<std::string> grown_sources;    // failing more messages than before
  std::vector<std::string> stopped_sources;  // failing before, not now
  std::map<std::string, std::int64_t> previous_messages;  // ip -> flagged messages before

  bool is_new(const std::string& ip) const {
    return std::find(new_sources.begin(), new_sources.end(), ip) != new_sources.end();
  }
};

// Flagged sources of one sending organisation. Sources with a confirmed PTR
// name group under its organisational domain; every other source (no name,
// an unconfirmed name, or no organisational domain) is a group of its own,
// named by its IP.
struct OrganisationSummary {
  std::string organisation;  // organisational domain, or the source IP when !by_name
  bool by_name = false;
  std::vector<std::string> source_ips;  // in the order of DomainSummary::flagged
  std::int64_t messages = 0;
  std::int64_t rejected = 0;
  std::int64_t quarantined = 0;
  double share = 0;  // of the domain's messages in the period, 0..1

  bool operator==(const OrganisationSummary&) const = default;
};

struct DailyVolume {
  std::int64_t pass = 0;         // DMARC pass (DKIM or SPF aligned)
  std::int64_t fail = 0;         // neither aligned, delivered
  std::int64_t rejected = 0;     // failed, disposition reject
  std::int64_t quarantined = 0;  // failed, disposition quarantine
};

struct DomainSummary {
  std::string domain;
  std::string policy;  // latest p seen
  std::int64_t messages = 0;
  std::int64_t dmarc_pass = 0;   // DKIM or SPF aligned
  std::int64_t spf_aligned = 0;
  std::int64_t rejected = 0;
  std::int64_t quarantined = 0;
  std::map<std::string, std::int64_t> reporters;  // org -> messages
  std::map<std::int64_t, DailyVolume> daily;      // UTC day (unix seconds) of report begin
  std::vector<SourceSummary> flagged;  // most rejected+quarantined first
  std::vector<SourceSummary> at_risk;  // most messages first
  // Counts before the --top cut: flagged sources, of them those with rejected
  // mail (the others were only quarantined), and at-risk sources.
  std::size_t flagged_total = 0;
  std::size_t flagged_rejected_total = 0;
  std::size_t at_risk_total = 0;
  // Every flagged source (before the --top cut) grouped by organisation, most
  // rejected+quarantined first; then cut to top.
  std::vector<OrganisationSummary> organisations;
  Trend trend;
};

struct Summary {
  Period period;
  Period previous;
  std::vector<DomainSummary> domains;  // by name
};

struct SummaryOptions {
  std::vector<std::string> domains;  // empty: all
  std::size_t top = 20;              // at most this many flagged / at-risk sources per domain
};

// The records build_summary looks at one by one: in the period, the flagged
// and at-risk ones; in the period before, the flagged ones. Every other record
// only adds to totals, so store::Store::period_records may merge them (with
// these as its filter) without changing the summary.
bool needs_detail(const store::RecordVerdict& v);
bool needs_detail_before(const store::RecordVerdict& v);

// names gives what is known of source addresses; sources it does not list
// have no name, and without names every source is its own organisation.
Summary build_summary(const std::vector<store::PeriodRecord>& current,
                      const std::vector<store::PeriodRecord>& before, const Period& period,
                      const Period& previous_period, const SummaryOptions& options,
                      const SourceNames& names = {});

// The addresses worth naming for build_summary with these records and
// options: every flagged source (most harmed first, domain by domain), then
// the at-risk sources within top. No duplicates.
std::vector<std::string> sources_to_name(const std::vector<store::PeriodRecord>& current,
                                         const SummaryOptions& options);

}  // namespace dmarc::report
