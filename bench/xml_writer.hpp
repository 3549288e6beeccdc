// Writes a parse::AggregateReport as RFC 7489 aggregate-report XML, for
// benchmarks that time ingestion of real files. Text is escaped.
#pragma once

#include <string>

#include "parse/report.hpp"

namespace dmarc::bench {

std::string to_xml(const parse::AggregateReport& report);

}  // namespace dmarc::bench
