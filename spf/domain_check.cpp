#include "spf/domain_check.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <sstream>

namespace dmarc::spf {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return std::string(text);
}

bool is_dmarc_record(std::string_view txt) {
  const std::string head = lower(txt.substr(0, 8));
  if (head.rfind("v=dmarc1", 0) != 0) return false;
  const std::string_view rest = txt.substr(8);
  const std::string after = trim(rest);
  return after.empty() || after.front() == ';';
}

void add(std::vector<Problem>& problems, std::string code, Severity severity, std::string message) {
  problems.push_back(Problem{std::move(code), severity, std::move(message)});
}

}  // namespace

DmarcCheck parse_dmarc(const std::string& record) {
  DmarcCheck check;
  check.record = record;
  bool has_p = false;
  std::stringstream tags(record);
  for (std::string tag; std::getline(tags, tag, ';');) {
    const auto eq = tag.find('=');
    if (eq == std::string::npos) continue;
    const std::string name = lower(trim(std::string_view(tag).substr(0, eq)));
    const std::string value = trim(std::string_view(tag).substr(eq + 1));
    const std::string v = lower(value);
    if (name == "p" || name == "sp") {
      if (v != "none" && v != "quarantine" && v != "reject") {
        add(check.problems, "dmarc_syntax", Severity::error, name + "=" + value + " is not none, quarantine or reject");
      }
      (name == "p" ? check.p : check.sp) = v;
      has_p = has_p || name == "p";
    } else if (name == "pct") {
      int pct = -1;
      const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), pct);
      if (ec != std::errc{} || end != v.data() + v.size() || pct < 0 || pct > 100) {
        add(check.problems, "dmarc_syntax", Severity::error, "pct=" + value + " is not a number from 0 to 100");
      } else {
        check.pct = pct;
      }
    } else if (name == "rua") {
      std::stringstream uris(value);
      for (std::string uri; std::getline(uris, uri, ',');) {
        if (!trim(uri).empty()) check.rua.push_back(trim(uri));
      }
    } else if (name == "adkim" || name == "aspf") {
      if (v != "r" && v != "s") {
        add(check.problems, "dmarc_syntax", Severity::error, name + "=" + value + " is not r or s");
      } else {
        (name == "adkim" ? check.adkim : check.aspf) = v;
      }
    }
  }
  if (!has_p) {
    add(check.problems, "dmarc_no_policy", Severity::error, "the DMARC record has no p= tag");
  } else if (check.p == "none") {
    add(check.problems, "dmarc_monitoring", Severity::warning,
        "p=none: failing mail is only reported, not rejected or quarantined");
  }
  if (check.pct < 100) {
    add(check.problems, "dmarc_pct", Severity::warning,
        "pct=" + std::to_string(check.pct) + ": the policy applies to part of the failing mail only");
  }
  if (check.rua.empty()) {
    add(check.problems, "dmarc_no_rua", Severity::warning, "no rua=: nobody receives aggregate reports");
  }
  if (check.aspf == "s") {
    add(check.problems, "dmarc_strict_spf", Severity::warning,
        "aspf=s: SPF aligns only when the envelope domain equals the header domain exactly");
  }
  return check;
}

namespace {

DmarcCheck dmarc_record_at(dns::Resolver& resolver, const std::string& domain) {
  const dns::Answer answer = resolver.query("_dmarc." + domain, dns::RecordType::txt);
  std::vector<std::string> records;
  for (const auto& value : answer.values) {
    if (is_dmarc_record(value)) records.push_back(value);
  }
  DmarcCheck check;
  if (answer.status != dns::Status::ok && answer.status != dns::Status::nodata &&
      answer.status != dns::Status::nxdomain) {
    add(check.problems, "dns_error", Severity::error,
        "TXT lookup of _dmarc." + domain + " failed (" + std::string(dns::to_string(answer.status)) + ")");
    return check;
  }
  if (records.empty()) {
    add(check.problems, "dmarc_missing", Severity::error,
        "no DMARC record at _dmarc." + domain + " (an organisational domain's record may apply)");
    return check;
  }
  if (records.size() > 1) {
    check.record = records.front();
    add(check.problems, "dmarc_multiple", Severity::error,
        "_dmarc." + domain + " has " + std::to_string(records.size()) + " DMARC records: receivers ignore them all");
    return check;
  }
  DmarcCheck found = parse_dmarc(records.front());
  found.found_at = domain;
  return found;
}

}  // namespace

DmarcCheck check_dmarc(dns::Resolver& resolver, const std::string& domain,
                       const OrganisationalDomain& organisational_domain) {
  DmarcCheck own = dmarc_record_at(resolver, domain);
  const bool missing = own.record.empty() && own.problems.size() == 1 &&
                       own.problems.front().code == "dmarc_missing";
  if (!missing || !organisational_domain) return own;
  const std::string organisational = lower(organisational_domain(domain));
  if (organisational.empty() || organisational == lower(domain)) return own;
  DmarcCheck inherited = dmarc_record_at(resolver, organisational);
  if (inherited.record.empty()) {
    add(own.problems, "dmarc_missing", Severity::error,
        "no DMARC record at _dmarc." + organisational + " either: no DMARC policy applies");
    own.problems.erase(own.problems.begin());
    return own;
  }
  add(inherited.problems, "dmarc_inherited", Severity::warning,
      "no DMARC record at _dmarc." + domain + ": the organisational domain's record at _dmarc." +
          organisational + " applies" +
          (inherited.sp.empty() ? " (its p=)" : " (its sp=" + inherited.sp + ")"));
  return inherited;
}

bool includes(const RecordCheck& spf, const std::string& spf_include) {
  const std::string wanted = "include:" + lower(spf_include);
  return std::any_of(spf.branches.begin(), spf.branches.end(),
                     [&](const LookupBranch& b) { return lower(b.via) == wanted; });
}

MxCheck check_mx(dns::Resolver& resolver, const std::string& domain, const RecordCheck& spf,
                 const SenderTable& senders) {
  MxCheck check;
  const dns::Answer answer = resolver.query(domain, dns::RecordType::mx);
  check.status = answer.status;
  if (answer.status == dns::Status::nxdomain || answer.status == dns::Status::nodata) {
    add(check.problems, "mx_missing", Severity::warning, domain + " has no MX record: bounces and reports to it get lost");
    return check;
  }
  if (answer.status != dns::Status::ok) {
    add(check.problems, "dns_error", Severity::error,
        "MX lookup of " + domain + " failed (" + std::string(dns::to_string(answer.status)) + ")");
    return check;
  }
  for (const auto& value : answer.values) {
    MxHost host;
    const auto space = value.find(' ');
    const std::string pref = value.substr(0, space);
    std::from_chars(pref.data(), pref.data() + pref.size(), host.preference);
    host.host = space == std::string::npos ? "" : value.substr(space + 1);
    if (const KnownSender* sender = senders.find(host.host)) {
      host.service = sender->service;
      if (!spf.records.empty() && !includes(spf, sender->spf_include)) {
        const Problem problem{"mx_provider_not_in_spf", Severity::warning,
                              "MX " + host.host + " is " + sender->service +
                                  ", but the SPF record does not include " + sender->spf_include +
                                  ": mail sent through " + sender->service + " fails SPF"};
        if (std::find(check.problems.begin(), check.problems.end(), problem) == check.problems.end()) {
          check.problems.push_back(problem);
        }
      }
    }
    check.hosts.push_back(std::move(host));
  }
  std::sort(check.hosts.begin(), check.hosts.end(), [](const MxHost& a, const MxHost& b) {
    return a.preference != b.preference ? a.preference < b.preference : a.host < b.host;
  });
  return check;
}

DomainCheck check_domain(dns::Resolver& resolver, const std::string& domain,
                         const std::vector<std::string>& ips, const SenderTable& senders,
                         const CheckOptions& options,
                         const OrganisationalDomain& organisational_domain) {
  DomainCheck check;
  check.domain = domain;
  check.spf = check_record(resolver, domain, options.limits);
  check.dmarc = check_dmarc(resolver, domain, organisational_domain);
  check.mx = check_mx(resolver, domain, check.spf, senders);
  for (const auto& ip : ips) {
    check.ips.push_back(IpCheck{ip, check_host(resolver, ip, domain, "postmaster@" + domain, domain, options)});
  }
  return check;
}

}  // namespace dmarc::spf
