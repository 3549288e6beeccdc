#include "parse/aggregate_record.hpp"

#include <fmt/format.h>

#include <array>
#include <limits>
#include <string>

#include "parse/ip_address.hpp"

namespace dmarc::parse {

namespace {

constexpr auto k_max_count = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

// The children each element of a record is read for, in one pass per
// element; the constants index the arrays.
constexpr std::array<std::string_view, 5> k_record_children = {
    "row", "identifiers", "identities", "auth_results", "extension"};
enum RecordChild : std::size_t { k_row, k_identifiers, k_identities, k_auth_results, k_extension };

constexpr std::array<std::string_view, 3> k_row_children = {"count", "source_ip",
                                                            "policy_evaluated"};
enum RowChild : std::size_t { k_count, k_source_ip, k_policy_evaluated };

constexpr std::array<std::string_view, 4> k_policy_children = {"disposition", "dkim", "spf",
                                                               "reason"};
enum PolicyChild : std::size_t { k_disposition, k_dkim, k_spf, k_reason };

constexpr std::array<std::string_view, 2> k_reason_children = {"type", "comment"};
enum ReasonChild : std::size_t { k_type, k_comment };

constexpr std::array<std::string_view, 3> k_identifier_children = {"header_from",
                                                                   "envelope_from",
                                                                   "envelope_to"};
enum IdentifierChild : std::size_t { k_header_from, k_envelope_from, k_envelope_to };

constexpr std::array<std::string_view, 4> k_dkim_children = {"domain", "selector", "result",
                                                             "human_result"};
constexpr std::array<std::string_view, 4> k_spf_children = {"domain", "scope", "result",
                                                            "human_result"};
enum AuthChild : std::size_t { k_domain, k_selector_or_scope, k_result, k_human_result };

Expected<std::uint64_t> read_count(XmlReader& reader, const ChildElements<3>& row,
                                   const ElementPath& row_path) {
  const auto text = reader.text(row, k_count, row_path);
  if (!text) return fail(Code::missing_field, fmt::format("{}/count is missing", row_path.str()));
  const auto count = parse_unsigned(*text, k_max_count);
  if (count) return *count;
  if (count.error() == NumberError::out_of_range) {
    return fail(Code::malformed, fmt::format("{}/count {} is out of range (max {})",
                                             row_path.str(), quoted(*text), k_max_count));
  }
  return fail(Code::malformed, fmt::format("{}/count {} is not an unsigned integer",
                                           row_path.str(), quoted(*text)));
}

void read_source_ip(XmlReader& reader, const ChildElements<3>& row, const ElementPath& row_path,
                    Record& record) {
  const auto text = reader.text(row, k_source_ip, row_path);
  if (!text) {
    reader.warn(fmt::format("{}/source_ip is missing", row_path.str()));
    return;
  }
  record.source_ip = normalize_ip(*text);
  if (!record.source_ip) {
    reader.warn(
        fmt::format("{}/source_ip {} is not an IP address", row_path.str(), quoted(*text)));
  }
}

void read_policy_evaluated(XmlReader& reader, const ChildElements<3>& row,
                           const ElementPath& row_path, Record& record) {
  const ElementPath path(row_path, "policy_evaluated");
  const pugi::xml_node node = reader.child(row, k_policy_evaluated, row_path);
  const ChildElements policy(node, k_policy_children);
  record.disposition = reader.verdict(policy, k_disposition, path);
  record.dkim = reader.verdict(policy, k_dkim, path);
  record.spf = reader.verdict(policy, k_spf, path);
  std::size_t index = 0;
  // Every <reason>, in order, from the first one on.
  for (pugi::xml_node child = policy.first(k_reason); child; child = child.next_sibling()) {
    if (child.type() != pugi::node_element || local_name(child) != "reason") continue;
    const ElementPath reason_path(path, "reason", ++index);
    const ChildElements reason(child, k_reason_children);
    auto type = reader.verdict(reason, k_type, reason_path);
    auto comment = reader.text(reason, k_comment, reason_path);
    if (!type) {
      reader.warn(fmt::format("{}/type is missing; reason{} dropped", reason_path.str(),
                              comment ? " with comment " + quoted(*comment) : std::string()));
      continue;
    }
    record.reasons.push_back({std::move(*type), std::move(comment)});
  }
}

void read_identifiers(XmlReader& reader, const ChildElements<5>& children,
                      const ElementPath& record_path, Record& record) {
  pugi::xml_node ids = reader.child(children, k_identifiers, record_path);
  std::string_view step = "identifiers";
  if (!ids) {
    ids = reader.child(children, k_identities, record_path);
    step = "identities";
  }
  const ElementPath path(record_path, step);
  const ChildElements identifiers(ids, k_identifier_children);
  record.header_from = reader.text(identifiers, k_header_from, path);
  record.envelope_from = reader.text(identifiers, k_envelope_from, path);
  record.envelope_to = reader.text(identifiers, k_envelope_to, path);
}

void read_auth_results(XmlReader& reader, const ChildElements<5>& children,
                       const ElementPath& record_path, Record& record) {
  const pugi::xml_node auth = reader.child(children, k_auth_results, record_path);
  const ElementPath auth_path(record_path, "auth_results");
  std::size_t dkim_index = 0;
  std::size_t spf_index = 0;
  for (pugi::xml_node child = auth.first_child(); child; child = child.next_sibling()) {
    if (child.type() != pugi::node_element) continue;
    const std::string_view name = local_name(child);
    if (name == "dkim") {
      const ElementPath path(auth_path, "dkim", ++dkim_index);
      const ChildElements dkim(child, k_dkim_children);
      auto domain = reader.text(dkim, k_domain, path);
      auto selector = reader.text(dkim, k_selector_or_scope, path);
      auto result = reader.verdict(dkim, k_result, path);
      record.dkim_results.push_back({std::move(domain), std::move(selector), std::move(result),
                                     reader.text(dkim, k_human_result, path)});
    } else if (name == "spf") {
      const ElementPath path(auth_path, "spf", ++spf_index);
      const ChildElements spf(child, k_spf_children);
      auto domain = reader.text(spf, k_domain, path);
      auto scope = reader.verdict(spf, k_selector_or_scope, path);
      auto result = reader.verdict(spf, k_result, path);
      record.spf_results.push_back({std::move(domain), std::move(scope), std::move(result),
                                    reader.text(spf, k_human_result, path)});
    }
  }
}

}  // namespace

Expected<Record> read_record(XmlReader& reader, const pugi::xml_node& node, std::uint64_t index) {
  Record record;
  auto read = read_record_into(reader, node, index, record);
  if (!read) return tl::unexpected(read.error());
  return record;
}

Expected<void> read_record_into(XmlReader& reader, const pugi::xml_node& node, std::uint64_t index,
                                Record& record) {
  // Paths are formatted only when a message names them.
  const ElementPath feedback("feedback");
  const ElementPath path(feedback, "record", index);
  const ElementPath row_path(path, "row");
  const ChildElements children(node, k_record_children);
  const ChildElements row(reader.child(children, k_row, path), k_row_children);

  auto count = read_count(reader, row, row_path);
  if (!count) return tl::unexpected(count.error());
  record.count = *count;
  read_source_ip(reader, row, row_path, record);
  read_policy_evaluated(reader, row, row_path, record);
  read_identifiers(reader, children, path, record);
  read_auth_results(reader, children, path, record);
  // Every <extension>, in order, from the first one on.
  for (pugi::xml_node child = children.first(k_extension); child; child = child.next_sibling()) {
    if (child.type() != pugi::node_element || local_name(child) != "extension") continue;
    if (!record.extensions) record.extensions.emplace();
    append_xml(child, *record.extensions);
  }
  return {};
}

}  // namespace dmarc::parse
