// The weekly summary's SPF diagnosis from live DNS: for each flagged source,
// its address is evaluated against the SPF record of the envelope-from domain
// and of the header-from domain, and the record itself is checked (lookup
// count, syntax, missing); the outcome becomes a concrete suggestion that
// replaces the report-data advice of the source: "not listed: this looks like
// SendGrid (reverse DNS *.sendgrid.net); add include:sendgrid.net", "your
// record needs 13 lookups; the limit is 10: ...", "SPF passes for X but
// header_from is Y: ...". An annotate step after build_summary; `--no-dns`
// skips it, so the summary is then unchanged. DNS failures never throw; a
// source whose domains cannot be looked up keeps its report-data advice.
#pragma once

#include <cstddef>

#include "dns/resolver.hpp"
#include "report/summary.hpp"
#include "spf/domain_check.hpp"
#include "spf/senders.hpp"

namespace dmarc::report {

// Envelope domains checked per source; more are left out.
inline constexpr std::size_t k_max_spf_domains_per_source = 3;

struct SpfAdviceStats {
  std::size_t sources = 0;  // sources given DNS-based advice
  std::size_t domains = 0;  // SPF records checked
};

// Rewrites SourceSummary::advice of every flagged source whose failure is
// about SPF (not forwarding) with the DNS findings. resolver should cache
// (spf::CachedResolver): many sources share the same records.
// organisational_domain (the public suffix list) decides relaxed alignment;
// without it a domain aligns with the ones it is under or above.
SpfAdviceStats annotate_spf(Summary& summary, dns::Resolver& resolver,
                            const spf::SenderTable& senders,
                            const spf::OrganisationalDomain& organisational_domain = {});

}  // namespace dmarc::report
