#include "parse/aggregate_xml.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
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
// fetches external ones. parse_embed_pcdata keeps an element's first PCDATA
// in the element instead of a child node (element_text reads both): the
// same text in a smaller tree.
constexpr unsigned k_parse_options =
    pugi::parse_default | pugi::parse_doctype | pugi::parse_embed_pcdata;

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
// A document this large gives the tree nodes of each <record> back as soon as
// the record is read, so that the records reuse their memory.
constexpr std::size_t k_release_records_bytes = 32u << 20;
// Nesting a record subtree may have (known from its size) for its nodes to be
// given back: pugixml frees a subtree recursively.
constexpr std::uint64_t k_max_release_height = 1000;

// The children of <feedback> read by name.
constexpr std::array<std::string_view, 3> k_feedback_children = {"version", "report_metadata",
                                                                 "policy_published"};
enum FeedbackChild : std::size_t { k_version, k_report_metadata, k_policy_published };

constexpr std::array<std::string_view, 7> k_metadata_children = {
    "org_name", "email", "extra_contact_info", "generator", "report_id", "date_range", "error"};
enum MetadataChild : std::size_t {
  k_org_name,
  k_email,
  k_extra_contact_info,
  k_generator,
  k_report_id,
  k_date_range,
  k_error
};

constexpr std::array<std::string_view, 2> k_date_range_children = {"begin", "end"};
enum DateRangeChild : std::size_t { k_begin, k_end };

constexpr std::array<std::string_view, 10> k_policy_children = {
    "domain", "adkim", "aspf", "p", "sp", "np", "fo", "testing", "discovery_method", "pct"};
enum PolicyChild : std::size_t {
  k_domain,
  k_adkim,
  k_aspf,
  k_p,
  k_sp,
  k_np,
  k_fo,
  k_testing,
  k_discovery_method,
  k_pct
};

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

// Whether an element below start (at depth start_depth, start included)
// lies deeper than max_depth, walked without recursion.
bool deeper_than(const pugi::xml_node& start, std::uint64_t start_depth,
                 std::uint64_t max_depth) {
  pugi::xml_node node = start;
  std::uint64_t depth = start_depth;
  while (node) {
    if (depth > max_depth && node.type() == pugi::node_element) return true;
    if (const pugi::xml_node child = node.first_child()) {
      node = child;
      ++depth;
      continue;
    }
    if (node == start) return false;
    while (!node.next_sibling()) {
      node = node.parent();
      --depth;
      if (node == start) return false;
    }
    node = node.next_sibling();
  }
  return false;
}

// Offset of an element's name in the parsed text, which holds its start
// tag; nullopt when the name is not in the text.
std::optional<std::size_t> name_offset(const pugi::xml_node& node, std::string_view text) {
  const auto name = reinterpret_cast<std::uintptr_t>(node.name());
  const auto begin = reinterpret_cast<std::uintptr_t>(text.data());
  if (name <= begin || name - begin > text.size()) return std::nullopt;
  return name - begin;
}

// The most levels a subtree whose text spans span bytes can nest: every
// level but the innermost needs a start tag (3 bytes or more) and an end tag
// (4 or more), the innermost an empty-element tag (4 or more).
std::uint64_t max_height(std::uint64_t span) { return span < 4 ? 1 : (span - 4) / 7 + 1; }

// What one pass over the children of <feedback> learns.
struct FeedbackScan {
  bool too_deep = false;
  std::uint64_t records = 0;
};

// Depth without visiting every node: an element child of the root (depth 2)
// is walked only when the text from its start tag to the next element's
// could nest deeper than max_depth. Also counts the <record> elements.
FeedbackScan scan_feedback(const pugi::xml_document& document, const pugi::xml_node& root,
                           std::string_view text, std::uint32_t max_depth) {
  FeedbackScan scan;
  if (max_depth < 2) {
    // The root itself may be too deep: walk the whole document.
    for (pugi::xml_node node = document.first_child(); node; node = node.next_sibling()) {
      if (deeper_than(node, 1, max_depth)) {
        scan.too_deep = true;
        return scan;
      }
    }
    for (pugi::xml_node child = root.first_child(); child; child = child.next_sibling()) {
      if (child.type() == pugi::node_element && local_name(child) == "record") ++scan.records;
    }
    return scan;
  }
  pugi::xml_node child = root.first_child();
  while (child && child.type() != pugi::node_element) child = child.next_sibling();
  while (child) {
    pugi::xml_node next = child.next_sibling();
    while (next && next.type() != pugi::node_element) next = next.next_sibling();
    if (local_name(child) == "record") ++scan.records;
    const auto begin = name_offset(child, text);
    const auto end = next ? name_offset(next, text) : std::optional<std::size_t>(text.size() + 1);
    const bool bounded = begin && end && *end > *begin &&
                         1 + max_height(*end - *begin) <= max_depth;
    if (!bounded && deeper_than(child, 2, max_depth)) {
      scan.too_deep = true;
      return scan;
    }
    child = next;
  }
  return scan;
}

// Frees the tree nodes of a <record> already read, when its size bounds its
// nesting (pugixml frees a subtree recursively).
void release_subtree(pugi::xml_node root, const pugi::xml_node& child, const pugi::xml_node& next,
                     std::string_view text) {
  const auto begin = name_offset(child, text);
  const auto end = next ? name_offset(next, text) : std::optional<std::size_t>(text.size() + 1);
  if (!begin || !end || *end <= *begin || max_height(*end - *begin) > k_max_release_height) return;
  root.remove_child(child);
}

// Checks what pugixml leaves to its caller: entity declarations, several
// root elements, depth. Returns the root element.
Expected<pugi::xml_node> check_structure(const pugi::xml_document& document, std::string_view text,
                                         const Limits& limits, std::uint64_t& records) {
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
  const FeedbackScan scan = scan_feedback(document, root, text, limits.max_xml_depth);
  if (scan.too_deep) {
    return fail(Code::too_large,
                fmt::format("XML nesting depth exceeds max_xml_depth ({})", limits.max_xml_depth));
  }
  records = scan.records;
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
Expected<std::int64_t> read_timestamp(XmlReader& reader, const ChildElements<2>& date_range,
                                      std::size_t which) {
  constexpr std::string_view k_parent = "feedback/report_metadata/date_range";
  const std::string_view name = date_range.name(which);
  const auto text = reader.text(date_range, which, k_parent);
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

Expected<ReportMetadata> read_metadata(XmlReader& reader, const ChildElements<3>& feedback) {
  constexpr std::string_view k_path = "feedback/report_metadata";
  const pugi::xml_node node = reader.child(feedback, k_report_metadata, "feedback");
  const ChildElements children(node, k_metadata_children);
  ReportMetadata meta;
  meta.org_name = reader.text(children, k_org_name, k_path);
  if (!meta.org_name) reader.warn(fmt::format("{}/org_name is missing", k_path));
  meta.email = reader.text(children, k_email, k_path);
  meta.extra_contact_info = reader.text(children, k_extra_contact_info, k_path);
  meta.generator = reader.text(children, k_generator, k_path);

  auto report_id = reader.text(children, k_report_id, k_path);
  if (report_id && report_id->size() >= 2 && report_id->front() == '<' &&
      report_id->back() == '>') {
    report_id = trimmed_or_absent(std::string_view(*report_id).substr(1, report_id->size() - 2));
  }
  if (!report_id) return fail(Code::missing_field, fmt::format("{}/report_id is missing", k_path));
  meta.report_id = std::move(*report_id);

  const ChildElements date_range(reader.child(children, k_date_range, k_path),
                                 k_date_range_children);
  auto begin = read_timestamp(reader, date_range, k_begin);
  if (!begin) return tl::unexpected(begin.error());
  auto end = read_timestamp(reader, date_range, k_end);
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

  // Every <error>, in order, from the first one on.
  for (pugi::xml_node child = children.first(k_error); child; child = child.next_sibling()) {
    if (child.type() != pugi::node_element || local_name(child) != "error") continue;
    if (auto text = element_text(child)) meta.errors.push_back(std::move(*text));
  }
  return meta;
}

PolicyPublished read_policy(XmlReader& reader, const ChildElements<3>& feedback) {
  constexpr std::string_view k_path = "feedback/policy_published";
  PolicyPublished policy;
  const pugi::xml_node node = reader.child(feedback, k_policy_published, "feedback");
  if (!node) {
    reader.warn(fmt::format("{} is missing", k_path));
    return policy;
  }
  const ChildElements children(node, k_policy_children);
  policy.domain = reader.text(children, k_domain, k_path);
  if (!policy.domain) reader.warn(fmt::format("{}/domain is missing", k_path));
  policy.adkim = reader.verdict(children, k_adkim, k_path);
  policy.aspf = reader.verdict(children, k_aspf, k_path);
  policy.p = reader.verdict(children, k_p, k_path);
  policy.sp = reader.verdict(children, k_sp, k_path);
  policy.np = reader.verdict(children, k_np, k_path);
  policy.fo = reader.text(children, k_fo, k_path);
  policy.testing = reader.verdict(children, k_testing, k_path);
  policy.discovery_method = reader.verdict(children, k_discovery_method, k_path);
  if (const auto pct = reader.text(children, k_pct, k_path)) {
    if (const auto value = parse_unsigned(*pct, 100)) {
      policy.pct = static_cast<std::int64_t>(*value);
    } else {
      reader.warn(
          fmt::format("{}/pct {} is not a percentage (0-100); ignored", k_path, quoted(*pct)));
    }
  }
  return policy;
}

// A cheap hash of short strings (64-bit multiply-xor over 8-byte words): the
// repeated-record check hashes every text of every record.
class Hasher {
 public:
  void add(std::uint64_t value) {
    m_state = (m_state ^ value) * k_multiplier;
    m_state ^= m_state >> 29;
  }
  void add_text(std::string_view text) {
    add(text.size());
    std::size_t i = 0;
    for (; text.size() - i >= 8; i += 8) {
      std::uint64_t word = 0;
      std::memcpy(&word, text.data() + i, 8);
      add(word);
    }
    if (i < text.size()) {
      std::uint64_t word = 0;
      std::memcpy(&word, text.data() + i, text.size() - i);
      add(word);
    }
  }
  void add_field(const std::optional<std::string>& text) {
    if (text) {
      add_text(*text);
    } else {
      add(k_absent);
    }
  }
  std::uint64_t value() const { return m_state; }

 private:
  static constexpr std::uint64_t k_multiplier = 0x9E3779B97F4A7C15ULL;
  static constexpr std::uint64_t k_absent = 0xA5A5A5A5A5A5A5A5ULL;
  std::uint64_t m_state = 0;
};

// A hash over every field that Record::operator== compares, so that only
// records that are probably equal are compared (a large report holds many
// records that agree on their row but differ in their auth results).
std::uint64_t record_hash(const Record& r) {
  Hasher h;
  h.add(r.count);
  for (const std::optional<std::string>* field :
       {&r.source_ip, &r.disposition, &r.dkim, &r.spf, &r.header_from, &r.envelope_from,
        &r.envelope_to, &r.extensions}) {
    h.add_field(*field);
  }
  h.add(r.reasons.size());
  for (const PolicyOverrideReason& reason : r.reasons) {
    h.add_text(reason.type);
    h.add_field(reason.comment);
  }
  h.add(r.dkim_results.size());
  for (const DkimAuthResult& d : r.dkim_results) {
    for (const std::optional<std::string>* field :
         {&d.domain, &d.selector, &d.result, &d.human_result}) {
      h.add_field(*field);
    }
  }
  h.add(r.spf_results.size());
  for (const SpfAuthResult& s : r.spf_results) {
    for (const std::optional<std::string>* field :
         {&s.domain, &s.scope, &s.result, &s.human_result}) {
      h.add_field(*field);
    }
  }
  return h.value();
}

// Records identical in every field are kept (their counts add up), but named:
// a reporter that repeats rows may be counting the same messages twice.
// Each record is checked as soon as it is read, while it is in the cache:
// first occurrences sit in an open-addressing table by hash, and a record
// whose hash matches one is compared field by field. The warnings come
// after all others, as repeats can only be told once every record is read.
class RepeatedRecords {
 public:
  explicit RepeatedRecords(std::uint64_t expected_records) {
    std::size_t capacity = 16;
    while (capacity < expected_records * 2) capacity *= 2;
    m_table.resize(capacity);
  }

  // records.back() was just read.
  void add(const std::vector<Record>& records) {
    if (m_used * 2 >= m_table.size()) grow();
    const std::size_t index = records.size();
    const Record& record = records.back();
    const std::uint64_t h = record_hash(record);
    std::size_t at = slot_of(h);
    for (; m_table[at].index != 0; at = (at + 1) & (m_table.size() - 1)) {
      const Slot& slot = m_table[at];
      if (slot.hash != h || !(records[slot.index - 1] == record)) continue;
      if (++m_repeats <= k_max_repeat_warnings) m_named.emplace_back(index, slot.index);
      return;
    }
    m_table[at] = {h, index};
    ++m_used;
  }

  void warn(XmlReader& reader) const {
    for (const auto& [repeat, first] : m_named) {
      reader.warn(fmt::format("feedback/record[{}] repeats feedback/record[{}]; both are kept",
                              repeat, first));
    }
    if (m_repeats > k_max_repeat_warnings) {
      reader.warn(
          fmt::format("{} more records repeat earlier ones", m_repeats - k_max_repeat_warnings));
    }
  }

 private:
  struct Slot {
    std::uint64_t hash = 0;
    std::size_t index = 0;  // 1-based; 0 marks an empty slot
  };

  std::size_t slot_of(std::uint64_t h) const {
    return static_cast<std::size_t>(h ^ (h >> 32)) & (m_table.size() - 1);
  }

  void grow() {
    std::vector<Slot> old(m_table.size() * 2);
    old.swap(m_table);
    for (const Slot& slot : old) {
      if (slot.index == 0) continue;
      std::size_t at = slot_of(slot.hash);
      while (m_table[at].index != 0) at = (at + 1) & (m_table.size() - 1);
      m_table[at] = slot;
    }
  }

  std::vector<Slot> m_table;
  std::size_t m_used = 0;
  std::size_t m_repeats = 0;
  std::vector<std::pair<std::size_t, std::size_t>> m_named;  // 1-based repeat, first
};

// Parses doc.text in place (doc.text is changed and must outlive nothing
// returned).
Expected<AggregateReport> parse_document(Utf8Document& doc, const Limits& limits) {
  pugi::xml_document document;
  const pugi::xml_parse_result parsed = document.load_buffer_inplace(
      doc.text.data(), doc.text.size(), k_parse_options, pugi::encoding_utf8);
  if (!parsed) {
    return not_well_formed(doc, parsed.description(), static_cast<std::size_t>(parsed.offset));
  }
  std::uint64_t record_count = 0;
  const auto root = check_structure(document, doc.text, limits, record_count);
  if (!root) return tl::unexpected(root.error());

  AggregateReport report;
  report.warnings = std::move(doc.warnings);
  XmlReader reader(report.warnings);
  const ChildElements feedback(*root, k_feedback_children);
  report.version = reader.text(feedback, k_version, "feedback");
  report.schema = detect_schema(*root, report.version);

  auto metadata = read_metadata(reader, feedback);
  if (!metadata) return tl::unexpected(metadata.error());
  report.metadata = std::move(*metadata);
  report.policy = read_policy(reader, feedback);

  report.records.reserve(std::min(record_count, limits.max_records));
  const bool release_records = doc.text.size() >= k_release_records_bytes;
  RepeatedRecords repeated(std::min(record_count, limits.max_records));
  std::uint64_t index = 0;
  pugi::xml_node child = root->first_child();
  while (child) {
    const pugi::xml_node next = child.next_sibling();
    if (child.type() != pugi::node_element) {
      child = next;
      continue;
    }
    const std::string_view name = local_name(child);
    if (name == "extension") {
      if (!report.extensions) report.extensions.emplace();
      append_xml(child, *report.extensions);
    } else if (name == "record") {
      if (++index > limits.max_records) {
        return fail(Code::too_large, fmt::format("report has more than max_records ({}) <record> "
                                                 "elements",
                                                 limits.max_records));
      }
      auto read = read_record_into(reader, child, index, report.records.emplace_back());
      if (!read) return tl::unexpected(read.error());
      repeated.add(report.records);
      if (release_records) release_subtree(*root, child, next, doc.text);
    }
    child = next;
  }
  if (report.records.empty()) reader.warn("report has no <record>");
  repeated.warn(reader);
  return report;
}

}  // namespace

Expected<AggregateReport> parse_aggregate_report(std::string_view xml, const Limits& limits) {
  if (xml.size() > limits.max_xml_bytes) {
    return fail(Code::too_large, fmt::format("XML document of {} bytes exceeds max_xml_bytes ({})",
                                             xml.size(), limits.max_xml_bytes));
  }
  auto doc = decode_xml_document(xml);
  if (!doc) return tl::unexpected(doc.error());
  return parse_document(*doc, limits);
}

Expected<AggregateReport> parse_aggregate_report(std::string&& xml, const Limits& limits) {
  if (xml.size() > limits.max_xml_bytes) {
    return fail(Code::too_large, fmt::format("XML document of {} bytes exceeds max_xml_bytes ({})",
                                             xml.size(), limits.max_xml_bytes));
  }
  auto doc = decode_owned_xml_document(std::move(xml));
  if (!doc) return tl::unexpected(doc.error());
  return parse_document(*doc, limits);
}

}  // namespace dmarc::parse
