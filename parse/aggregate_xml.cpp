#include "parse/aggregate_xml.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <pugixml.hpp>
#include <unordered_map>

#include "parse/aggregate_record.hpp"
#include "parse/charset.hpp"
#include "parse/xml_reader.hpp"

namespace dmarc::parse {

namespace {

// parse_default (CDATA, the five predefined entities and character
// references, end-of-line normalisation) plus the DOCTYPE node, kept only to
// refuse entity declarations. pugixml never expands other entities and never
// fetches external ones.
constexpr unsigned k_parse_options = pugi::parse_default | pugi::parse_doctype;

constexpr std::string_view k_dmarcbis_namespace = "urn:ietf:params:xml:ns:dmarc-2.0";
constexpr std::string_view k_draft_dmarcbis_namespace = "http://dmarc.org/dmarc-xml/0.2";

// The last second of year 9999: later timestamps cannot be shown as dates
// and are refused as out of range.
constexpr std::uint64_t k_max_timestamp = 253'402'300'799;
// How far in the future a report's end may lie before it is flagged: reports
// describe the past; a day covers clock skew and time zones.
constexpr std::int64_t k_future_tolerance_seconds = 86'400;
// Repeated records named one by one before the rest are only counted.
constexpr std::size_t k_max_repeat_warnings = 10;

std::string iso_utc(std::int64_t unix_seconds) {
  using namespace std::chrono;
  const sys_seconds at{seconds{unix_seconds}};
  const sys_days day = floor<days>(at);
  const year_month_day ymd{day};
  const hh_mm_ss time{at - day};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     time.hours().count(), time.minutes().count(), time.seconds().count());
}

struct LineColumn {
  std::size_t line = 1;
  std::size_t column = 1;
};

LineColumn line_column(std::string_view text, std::size_t offset) {
  LineColumn at;
  const std::size_t end = std::min(offset, text.size());
  for (std::size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++at.line;
      at.column = 1;
    } else {
      ++at.column;
    }
  }
  return at;
}

tl::unexpected<Error> not_well_formed(const Utf8Document& doc, std::string_view what,
                                      std::size_t offset) {
  const LineColumn at = line_column(doc.text, offset);
  if (doc.input_offset) {
    return fail(Code::malformed,
                fmt::format("XML is not well-formed: {} at byte offset {} (line {}, column {})",
                            what, offset + *doc.input_offset, at.line, at.column));
  }
  return fail(Code::malformed,
              fmt::format("XML is not well-formed: {} at byte offset {} of the text converted "
                          "from {} to UTF-8 (line {}, column {})",
                          what, offset, to_string(doc.encoding), at.line, at.column));
}

// Depth of element nesting, walked without recursion.
bool deeper_than(const pugi::xml_document& document, std::uint32_t max_depth) {
  pugi::xml_node node = document.first_child();
  std::uint64_t depth = 1;
  while (node) {
    if (node.type() == pugi::node_element && depth > max_depth) return true;
    if (node.first_child()) {
      node = node.first_child();
      ++depth;
      continue;
    }
    while (!node.next_sibling()) {
      node = node.parent();
      --depth;
      if (node == document) return false;
    }
    node = node.next_sibling();
  }
  return false;
}

// Checks what pugixml leaves to its caller: entity declarations, several
// root elements, depth. Returns the root element.
Expected<pugi::xml_node> check_structure(const pugi::xml_document& document, const Limits& limits) {
  pugi::xml_node root;
  for (const pugi::xml_node& node : document.children()) {
    if (node.type() == pugi::node_doctype &&
        std::string_view(node.value()).find("<!ENTITY") != std::string_view::npos) {
      return fail(Code::malformed,
                  "the DOCTYPE declares entities (<!ENTITY), which are not supported");
    }
    if (node.type() != pugi::node_element) continue;
    if (root) {
      return fail(Code::malformed,
                  fmt::format("XML has more than one root element (<{}> after <{}>)",
                              clipped(node.name()), clipped(root.name())));
    }
    root = node;
  }
  if (deeper_than(document, limits.max_xml_depth)) {
    return fail(Code::too_large,
                fmt::format("XML nesting depth exceeds max_xml_depth ({})", limits.max_xml_depth));
  }
  if (local_name(root) != "feedback") {
    return fail(Code::not_aggregate,
                fmt::format("root element is <{}>, not <feedback>", clipped(root.name())));
  }
  return root;
}

SchemaVersion detect_schema(const pugi::xml_node& root, const std::optional<std::string>& version) {
  const std::string_view name = root.name();
  const auto colon = name.find(':');
  const std::string attribute =
      colon == std::string_view::npos ? "xmlns" : fmt::format("xmlns:{}", name.substr(0, colon));
  const std::string namespace_uri = trimmed_text(root.attribute(attribute.c_str()).value());
  if (namespace_uri == k_dmarcbis_namespace || namespace_uri == k_draft_dmarcbis_namespace) {
    return SchemaVersion::dmarcbis;
  }
  if (namespace_uri.empty() && version &&
      (*version == "2" || std::string_view(*version).substr(0, 2) == "2.")) {
    return SchemaVersion::dmarcbis;
  }
  return SchemaVersion::rfc7489;
}

// Seconds since the epoch; "1538413632.123" is truncated to 1538413632.
Expected<std::int64_t> read_timestamp(XmlReader& reader, const pugi::xml_node& date_range,
                                      std::string_view name) {
  constexpr std::string_view k_parent = "feedback/report_metadata/date_range";
  const auto text = reader.text(date_range, k_parent, name);
  if (!text) return fail(Code::missing_field, fmt::format("{}/{} is missing", k_parent, name));
  std::string_view whole = *text;
  const auto dot = whole.find('.');
  if (dot != std::string_view::npos) {
    const std::string_view fraction = whole.substr(dot + 1);
    if (fraction.find_first_not_of("0123456789") == std::string_view::npos) {
      whole = whole.substr(0, dot);
    }
  }
  const auto seconds = parse_unsigned(whole, k_max_timestamp);
  if (!seconds) {
    const std::string problem =
        seconds.error() == NumberError::out_of_range
            ? fmt::format("is out of range (max {}, {})", k_max_timestamp,
                          iso_utc(static_cast<std::int64_t>(k_max_timestamp)))
            : "is not a number of seconds";
    return fail(Code::malformed,
                fmt::format("{}/{} {} {}", k_parent, name, quoted(*text), problem));
  }
  return static_cast<std::int64_t>(*seconds);
}

Expected<ReportMetadata> read_metadata(XmlReader& reader, const pugi::xml_node& root) {
  constexpr std::string_view k_path = "feedback/report_metadata";
  const pugi::xml_node node = reader.child(root, "feedback", "report_metadata");
  ReportMetadata meta;
  meta.org_name = reader.text(node, k_path, "org_name");
  if (!meta.org_name) reader.warn(fmt::format("{}/org_name is missing", k_path));
  meta.email = reader.text(node, k_path, "email");
  meta.extra_contact_info = reader.text(node, k_path, "extra_contact_info");
  meta.generator = reader.text(node, k_path, "generator");

  auto report_id = reader.text(node, k_path, "report_id");
  if (report_id && report_id->size() >= 2 && report_id->front() == '<' &&
      report_id->back() == '>') {
    report_id = trimmed_or_absent(std::string_view(*report_id).substr(1, report_id->size() - 2));
  }
  if (!report_id) return fail(Code::missing_field, fmt::format("{}/report_id is missing", k_path));
  meta.report_id = std::move(*report_id);

  const pugi::xml_node date_range = reader.child(node, k_path, "date_range");
  auto begin = read_timestamp(reader, date_range, "begin");
  if (!begin) return tl::unexpected(begin.error());
  auto end = read_timestamp(reader, date_range, "end");
  if (!end) return tl::unexpected(end.error());
  meta.date_range = {*begin, *end};
  if (*begin > *end) {
    reader.warn(fmt::format("{}/date_range begins ({}) after it ends ({})", k_path, *begin, *end));
  }
  const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  if (*end > now + k_future_tolerance_seconds) {
    reader.warn(
        fmt::format("{}/date_range/end ({}, {}) is in the future", k_path, *end, iso_utc(*end)));
  }

  for (const pugi::xml_node& child : node.children()) {
    if (child.type() != pugi::node_element || local_name(child) != "error") continue;
    if (auto text = element_text(child)) meta.errors.push_back(std::move(*text));
  }
  return meta;
}

PolicyPublished read_policy(XmlReader& reader, const pugi::xml_node& root) {
  constexpr std::string_view k_path = "feedback/policy_published";
  PolicyPublished policy;
  const pugi::xml_node node = reader.child(root, "feedback", "policy_published");
  if (!node) {
    reader.warn(fmt::format("{} is missing", k_path));
    return policy;
  }
  policy.domain = reader.text(node, k_path, "domain");
  if (!policy.domain) reader.warn(fmt::format("{}/domain is missing", k_path));
  policy.adkim = reader.verdict(node, k_path, "adkim");
  policy.aspf = reader.verdict(node, k_path, "aspf");
  policy.p = reader.verdict(node, k_path, "p");
  policy.sp = reader.verdict(node, k_path, "sp");
  policy.np = reader.verdict(node, k_path, "np");
  policy.fo = reader.text(node, k_path, "fo");
  policy.testing = reader.verdict(node, k_path, "testing");
  policy.discovery_method = reader.verdict(node, k_path, "discovery_method");
  if (const auto pct = reader.text(node, k_path, "pct")) {
    if (const auto value = parse_unsigned(*pct, 100)) {
      policy.pct = static_cast<std::int64_t>(*value);
    } else {
      reader.warn(
          fmt::format("{}/pct {} is not a percentage (0-100); ignored", k_path, quoted(*pct)));
    }
  }
  return policy;
}

void hash_text(std::size_t& h, const std::optional<std::string>& text) {
  h = h * 31 + (text ? std::hash<std::string>{}(*text) : 7);
}

// A hash over every field that Record::operator== compares, so that only
// records that are probably equal are compared (a large report holds many
// records that agree on their row but differ in their auth results).
std::size_t record_hash(const Record& r) {
  std::size_t h = std::hash<std::uint64_t>{}(r.count);
  for (const std::optional<std::string>* field :
       {&r.source_ip, &r.disposition, &r.dkim, &r.spf, &r.header_from, &r.envelope_from,
        &r.envelope_to, &r.extensions}) {
    hash_text(h, *field);
  }
  for (const PolicyOverrideReason& reason : r.reasons) {
    h = h * 31 + std::hash<std::string>{}(reason.type);
    hash_text(h, reason.comment);
  }
  for (const DkimAuthResult& d : r.dkim_results) {
    for (const std::optional<std::string>* field : {&d.domain, &d.selector, &d.result, &d.human_result}) {
      hash_text(h, *field);
    }
  }
  for (const SpfAuthResult& s : r.spf_results) {
    for (const std::optional<std::string>* field : {&s.domain, &s.scope, &s.result, &s.human_result}) {
      hash_text(h, *field);
    }
  }
  return h;
}

// Records identical in every field are kept (their counts add up), but named:
// a reporter that repeats rows may be counting the same messages twice.
void warn_repeated_records(XmlReader& reader, const std::vector<Record>& records) {
  std::unordered_multimap<std::size_t, std::size_t> seen;
  std::size_t repeats = 0;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const std::size_t h = record_hash(records[i]);
    auto [first, last] = seen.equal_range(h);
    bool repeated = false;
    for (auto it = first; it != last && !repeated; ++it) {
      if (records[it->second] == records[i]) {
        repeated = true;
        if (++repeats <= k_max_repeat_warnings) {
          reader.warn(fmt::format("feedback/record[{}] repeats feedback/record[{}]; both are kept",
                                  i + 1, it->second + 1));
        }
      }
    }
    if (!repeated) seen.emplace(h, i);
  }
  if (repeats > k_max_repeat_warnings) {
    reader.warn(
        fmt::format("{} more records repeat earlier ones", repeats - k_max_repeat_warnings));
  }
}

}  // namespace

Expected<AggregateReport> parse_aggregate_report(std::string_view xml, const Limits& limits) {
  if (xml.size() > limits.max_xml_bytes) {
    return fail(Code::too_large, fmt::format("XML document of {} bytes exceeds max_xml_bytes ({})",
                                             xml.size(), limits.max_xml_bytes));
  }
  auto doc = decode_xml_document(xml);
  if (!doc) return tl::unexpected(doc.error());

  pugi::xml_document document;
  const pugi::xml_parse_result parsed = document.load_buffer_inplace(
      doc->text.data(), doc->text.size(), k_parse_options, pugi::encoding_utf8);
  if (!parsed) {
    return not_well_formed(*doc, parsed.description(), static_cast<std::size_t>(parsed.offset));
  }
  const auto root = check_structure(document, limits);
  if (!root) return tl::unexpected(root.error());

  AggregateReport report;
  report.warnings = std::move(doc->warnings);
  XmlReader reader(report.warnings);
  report.version = reader.text(*root, "feedback", "version");
  report.schema = detect_schema(*root, report.version);

  auto metadata = read_metadata(reader, *root);
  if (!metadata) return tl::unexpected(metadata.error());
  report.metadata = std::move(*metadata);
  report.policy = read_policy(reader, *root);

  std::uint64_t index = 0;
  for (const pugi::xml_node& child : root->children()) {
    if (child.type() != pugi::node_element) continue;
    const std::string_view name = local_name(child);
    if (name == "extension") {
      if (!report.extensions) report.extensions.emplace();
      append_xml(child, *report.extensions);
      continue;
    }
    if (name != "record") continue;
    if (++index > limits.max_records) {
      return fail(Code::too_large, fmt::format("report has more than max_records ({}) <record> "
                                               "elements",
                                               limits.max_records));
    }
    auto record = read_record(reader, child, index);
    if (!record) return tl::unexpected(record.error());
    report.records.push_back(std::move(*record));
  }
  if (report.records.empty()) reader.warn("report has no <record>");
  warn_repeated_records(reader, report.records);
  return report;
}

}  // namespace dmarc::parse
