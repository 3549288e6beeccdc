// Reading one <record> of an aggregate report (row, identifiers, auth_results,
// extensions) from the DOM; part of parse_aggregate_report.
#pragma once

#include <cstdint>
#include <pugixml.hpp>

#include "parse/error.hpp"
#include "parse/report.hpp"
#include "parse/xml_reader.hpp"

namespace dmarc::parse {

// Returns the record numbered index (1-based, as in its path
// "feedback/record[index]"), or an Error: missing_field when row/count is
// absent, malformed when it is not an integer in 0..INT64_MAX. An invalid
// source_ip and other repairs become warnings of reader.
[[nodiscard]] Expected<Record> read_record(XmlReader& reader, const pugi::xml_node& node,
                                           std::uint64_t index);
// The same, read into record (a default-constructed Record), which saves
// moving it into place; record is unspecified after an Error.
[[nodiscard]] Expected<void> read_record_into(XmlReader& reader, const pugi::xml_node& node,
                                              std::uint64_t index, Record& record);

}  // namespace dmarc::parse
