// Everything a domain publishes that decides whether its mail passes: the SPF
// record (spf/record_check.hpp), the DMARC record at _dmarc.<domain> (p, sp,
// pct, rua, adkim, aspf) and the MX records, with the problems of each; and
// for given client addresses, the SPF result with the mechanism that matched.
// An MX host run by a known service whose SPF include is missing is flagged:
// mail relayed through that provider would fail SPF. Never throws.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "dns/resolver.hpp"
#include "spf/check_host.hpp"
#include "spf/record_check.hpp"
#include "spf/senders.hpp"

namespace dmarc::spf {

struct DmarcCheck {
  std::string record;  // "" when none
  std::string p;       // "none", "quarantine", "reject"; "" when absent
  std::string sp;      // "" when absent (then p applies)
  int pct = 100;
  std::vector<std::string> rua;
  std::string adkim = "r";
  std::string aspf = "r";
  std::vector<Problem> problems;
  // The domain whose _dmarc record this is: the checked domain, or its
  // organisational domain when the checked domain has none (RFC 7489 6.6.3;
  // then sp, if set, is the policy that applies). "" when none was found.
  std::string found_at;
};

// The organisational domain of a name ("mail.example.co.uk" ->
// "example.co.uk"; "" when unknown), e.g. from the public suffix list.
using OrganisationalDomain = std::function<std::string(std::string_view)>;

struct MxHost {
  int preference = 0;
  std::string host;
  std::string service;  // known sending service running it, "" when unknown
};

struct MxCheck {
  dns::Status status = dns::Status::error;
  std::vector<MxHost> hosts;
  std::vector<Problem> problems;
};

struct IpCheck {
  std::string ip;
  Evaluation evaluation;
};

struct DomainCheck {
  std::string domain;
  RecordCheck spf;
  DmarcCheck dmarc;
  MxCheck mx;
  std::vector<IpCheck> ips;
};

// Parses a DMARC record's tags (RFC 7489 section 6.3) and lists its problems.
DmarcCheck parse_dmarc(const std::string& record);
// The DMARC record that applies to domain: its own, else (with
// organisational_domain) the one of its organisational domain.
DmarcCheck check_dmarc(dns::Resolver& resolver, const std::string& domain,
                       const OrganisationalDomain& organisational_domain = {});
MxCheck check_mx(dns::Resolver& resolver, const std::string& domain, const RecordCheck& spf,
                 const SenderTable& senders);
// True when the record tree of spf includes spf_include at any depth.
bool includes(const RecordCheck& spf, const std::string& spf_include);

DomainCheck check_domain(dns::Resolver& resolver, const std::string& domain,
                         const std::vector<std::string>& ips, const SenderTable& senders,
                         const CheckOptions& options = {},
                         const OrganisationalDomain& organisational_domain = {});

}  // namespace dmarc::spf
