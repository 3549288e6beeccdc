// The aggregate-report model: plain values, produced by parse_aggregate_report
// and consumed by store/. Absent optional elements are std::nullopt, never "".
// Verdict fields (disposition, dkim/spf results, alignment) are kept as the
// reporter's text, trimmed and lower-cased, so that an unexpected value is
// stored rather than dropped; report/ interprets them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dmarc::parse {

// Which specification the report follows: RFC 7489 (including pre-RFC drafts
// and the dmarc-xml/0.1 namespace) or RFC 9990 / DMARCbis (namespace
// urn:ietf:params:xml:ns:dmarc-2.0, the draft-era http://dmarc.org/dmarc-xml/0.2,
// or no namespace with <version>2.x</version>).
enum class SchemaVersion { rfc7489, dmarcbis };

const char* to_string(SchemaVersion v);

struct DateRange {
  std::int64_t begin = 0;  // UTC seconds since the epoch (fractions truncated)
  std::int64_t end = 0;
  bool operator==(const DateRange&) const = default;
};

struct ReportMetadata {
  std::optional<std::string> org_name;
  std::optional<std::string> email;
  std::optional<std::string> extra_contact_info;
  std::string report_id;  // required; a surrounding "<...>" is removed
  DateRange date_range;   // required
  std::vector<std::string> errors;
  std::optional<std::string> generator;
  bool operator==(const ReportMetadata&) const = default;
};

struct PolicyPublished {
  std::optional<std::string> domain;
  std::optional<std::string> adkim;  // "r" / "s"
  std::optional<std::string> aspf;
  std::optional<std::string> p;      // "none" / "quarantine" / "reject"
  std::optional<std::string> sp;
  std::optional<std::string> np;
  std::optional<std::int64_t> pct;   // 0..100
  std::optional<std::string> fo;
  std::optional<std::string> testing;           // DMARCbis "y" / "n"
  std::optional<std::string> discovery_method;  // DMARCbis "psl" / "treewalk"
  bool operator==(const PolicyPublished&) const = default;
};

struct PolicyOverrideReason {
  std::string type;  // forwarded, sampled_out, trusted_forwarder, mailing_list, local_policy, other
  std::optional<std::string> comment;
  bool operator==(const PolicyOverrideReason&) const = default;
};

struct DkimAuthResult {
  std::optional<std::string> domain;
  std::optional<std::string> selector;
  std::optional<std::string> result;  // none, pass, fail, policy, neutral, temperror, permerror
  std::optional<std::string> human_result;
  bool operator==(const DkimAuthResult&) const = default;
};

struct SpfAuthResult {
  std::optional<std::string> domain;
  std::optional<std::string> scope;   // "mfrom" / "helo"
  std::optional<std::string> result;  // none, neutral, pass, fail, softfail, temperror, permerror
  std::optional<std::string> human_result;
  bool operator==(const SpfAuthResult&) const = default;
};

struct Record {
  // Validated and normalised (IPv4 dotted quad; IPv6 RFC 5952 form; an
  // IPv4-mapped IPv6 address becomes IPv4). Absent when missing or invalid;
  // an invalid value is named in AggregateReport::warnings.
  std::optional<std::string> source_ip;
  std::uint64_t count = 0;
  std::optional<std::string> disposition;  // none, quarantine, reject (DMARCbis also pass)
  std::optional<std::string> dkim;         // policy_evaluated/dkim: pass / fail
  std::optional<std::string> spf;          // policy_evaluated/spf: pass / fail
  std::vector<PolicyOverrideReason> reasons;
  std::optional<std::string> header_from;
  std::optional<std::string> envelope_from;
  std::optional<std::string> envelope_to;
  std::vector<DkimAuthResult> dkim_results;
  std::vector<SpfAuthResult> spf_results;
  std::optional<std::string> extensions;  // <extension> elements, as XML text
  bool operator==(const Record&) const = default;
};

struct AggregateReport {
  SchemaVersion schema = SchemaVersion::rfc7489;
  std::optional<std::string> version;  // <version> text, when present
  ReportMetadata metadata;
  PolicyPublished policy;
  std::vector<Record> records;
  std::optional<std::string> extensions;  // feedback-level <extension> elements, as XML text
  // Things that were repaired or dropped while reading, one sentence each,
  // naming the element path ("record[3]/row/source_ip \"x\" is not an IP address").
  std::vector<std::string> warnings;
  bool operator==(const AggregateReport&) const = default;
};

}  // namespace dmarc::parse
