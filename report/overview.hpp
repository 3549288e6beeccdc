// Plain-text views of what the database holds: the list of stored reports
// and the list of inputs that did not become reports. Every string from a
// report passes through sanitize_for_terminal.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace dmarc::report {

// One line per report (period, reporter, domain, records, messages, SPF
// alignment failures, rejected, quarantined) and a totals line.
void print_report_list(std::ostream& out, const std::vector<store::ReportListRow>& rows);

// Failures with code and message, then non-aggregate inputs with their kind.
void print_failures(std::ostream& out, const std::vector<store::FailureRow>& failures,
                    const std::vector<store::OtherRow>& others);

// UTC date "YYYY-MM-DD" of a unix time.
std::string utc_date(std::int64_t unix_seconds);

}  // namespace dmarc::report
