// Fuzz target: parsing one aggregate report XML document. Checks that every
// rejected document carries a message and that an accepted one respects the
// record limit.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "parse/aggregate_xml.hpp"
#include "tests/fuzz/fuzz_limits.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view xml(reinterpret_cast<const char*>(data), size);
  const dmarc::Limits limits = dmarc::fuzz::fuzz_limits();
  const auto report = dmarc::parse::parse_aggregate_report(xml, limits);
  if (!report) {
    if (report.error().message.empty()) std::abort();
    return 0;
  }
  if (report->records.size() > limits.max_records) std::abort();
  if (report->metadata.report_id.empty()) std::abort();
  return 0;
}
