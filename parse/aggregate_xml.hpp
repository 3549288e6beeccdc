// Parsing of one DMARC aggregate report XML document (RFC 7489 and RFC 9990
// DMARCbis) into AggregateReport, with the quirks real reporters produce:
// declared windows-1252 / ISO-8859-1 converted to UTF-8, a UTF-8 BOM, bogus
// XML declarations, prefixed namespaces (local names are matched),
// <identities> for <identifiers>, case variants ("Pass"), empty elements as
// absent, report_id wrapped in <...>, fractional timestamps.
#pragma once

#include <string>
#include <string_view>

#include "parse/error.hpp"
#include "parse/limits.hpp"
#include "parse/report.hpp"

namespace dmarc::parse {

// Returns the report, or an Error:
//  - malformed: not well-formed XML (with offset), a bad number or date;
//  - not_aggregate: well-formed XML whose root is not <feedback>;
//  - missing_field: a required element is absent, named by its path,
//    e.g. "feedback/report_metadata/date_range/begin is missing";
//  - too_large: over max_xml_bytes, max_xml_depth or max_records.
[[nodiscard]] Expected<AggregateReport> parse_aggregate_report(std::string_view xml,
                                                               const Limits& limits);

// The same result, consuming xml: a document that is already UTF-8 is
// parsed in xml's own buffer instead of a copy, and the buffer is freed
// before returning; on a converted encoding, as soon as it is converted.
// Lighter on memory for large documents. xml is left empty or moved from.
[[nodiscard]] Expected<AggregateReport> parse_aggregate_report(std::string&& xml,
                                                               const Limits& limits);

}  // namespace dmarc::parse
