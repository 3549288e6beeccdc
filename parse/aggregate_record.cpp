#include "parse/aggregate_record.hpp"

#include <fmt/format.h>

#include <limits>
#include <string>

#include "parse/ip_address.hpp"

namespace dmarc::parse {

namespace {

constexpr auto k_max_count = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

Expected<std::uint64_t> read_count(XmlReader& reader, const pugi::xml_node& row,
                                   const ElementPath& row_path) {
  const auto text = reader.text(row, row_path, "count");
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

void read_source_ip(XmlReader& reader, const pugi::xml_node& row, const ElementPath& row_path,
                    Record& record) {
  const auto text = reader.text(row, row_path, "source_ip");
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

void read_policy_evaluated(XmlReader& reader, const pugi::xml_node& row,
                           const ElementPath& row_path, Record& record) {
  const ElementPath path(row_path, "policy_evaluated");
  const pugi::xml_node node = reader.child(row, row_path, "policy_evaluated");
  record.disposition = reader.verdict(node, path, "disposition");
  record.dkim = reader.verdict(node, path, "dkim");
  record.spf = reader.verdict(node, path, "spf");
  std::size_t index = 0;
  for (const pugi::xml_node& child : node.children()) {
    if (child.type() != pugi::node_element || local_name(child) != "reason") continue;
    const ElementPath reason_path(path, "reason", ++index);
    auto type = reader.verdict(child, reason_path, "type");
    auto comment = reader.text(child, reason_path, "comment");
    if (!type) {
      reader.warn(fmt::format("{}/type is missing; reason{} dropped", reason_path.str(),
                              comment ? " with comment " + quoted(*comment) : std::string()));
      continue;
    }
    record.reasons.push_back({std::move(*type), std::move(comment)});
  }
}

void read_identifiers(XmlReader& reader, const pugi::xml_node& node,
                      const ElementPath& record_path, Record& record) {
  pugi::xml_node ids = reader.child(node, record_path, "identifiers");
  std::string_view step = "identifiers";
  if (!ids) {
    ids = reader.child(node, record_path, "identities");
    step = "identities";
  }
  const ElementPath path(record_path, step);
  record.header_from = reader.text(ids, path, "header_from");
  record.envelope_from = reader.text(ids, path, "envelope_from");
  record.envelope_to = reader.text(ids, path, "envelope_to");
}

void read_auth_results(XmlReader& reader, const pugi::xml_node& node,
                       const ElementPath& record_path, Record& record) {
  const pugi::xml_node auth = reader.child(node, record_path, "auth_results");
  const ElementPath auth_path(record_path, "auth_results");
  std::size_t dkim_index = 0;
  std::size_t spf_index = 0;
  for (const pugi::xml_node& child : auth.children()) {
    if (child.type() != pugi::node_element) continue;
    const std::string_view name = local_name(child);
    if (name == "dkim") {
      const ElementPath path(auth_path, "dkim", ++dkim_index);
      record.dkim_results.push_back(
          {reader.text(child, path, "domain"), reader.text(child, path, "selector"),
           reader.verdict(child, path, "result"), reader.text(child, path, "human_result")});
    } else if (name == "spf") {
      const ElementPath path(auth_path, "spf", ++spf_index);
      record.spf_results.push_back(
          {reader.text(child, path, "domain"), reader.verdict(child, path, "scope"),
           reader.verdict(child, path, "result"), reader.text(child, path, "human_result")});
    }
  }
}

}  // namespace

Expected<Record> read_record(XmlReader& reader, const pugi::xml_node& node, std::uint64_t index) {
  // Paths are formatted only when a message names them.
  const ElementPath feedback("feedback");
  const ElementPath path(feedback, "record", index);
  const ElementPath row_path(path, "row");
  const pugi::xml_node row = reader.child(node, path, "row");

  Record record;
  auto count = read_count(reader, row, row_path);
  if (!count) return tl::unexpected(count.error());
  record.count = *count;
  read_source_ip(reader, row, row_path, record);
  read_policy_evaluated(reader, row, row_path, record);
  read_identifiers(reader, node, path, record);
  read_auth_results(reader, node, path, record);
  for (const pugi::xml_node& child : node.children()) {
    if (child.type() != pugi::node_element || local_name(child) != "extension") continue;
    if (!record.extensions) record.extensions.emplace();
    append_xml(child, *record.extensions);
  }
  return record;
}

}  // namespace dmarc::parse
