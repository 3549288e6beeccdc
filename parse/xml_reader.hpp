// Reading values out of a parsed aggregate-report DOM: elements matched by
// local name (any namespace prefix ignored), text trimmed, empty text as
// absent, repeated single elements and odd values noted as warnings that
// name the element path ("feedback/record[3]/row/source_ip").
#pragma once

#include <cstdint>
#include <optional>
#include <pugixml.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "parse/error.hpp"

namespace dmarc::parse {

// The element name after any "prefix:".
std::string_view local_name(const pugi::xml_node& node);

// Direct text of node (PCDATA and CDATA children joined), trimmed of XML
// whitespace; nullopt when there is none.
std::optional<std::string> element_text(const pugi::xml_node& node);

// s without leading and trailing XML whitespace (space, tab, CR, LF).
std::string trimmed_text(std::string_view s);
// The same, nullopt when nothing is left.
std::optional<std::string> trimmed_or_absent(std::string_view s);

// value, or its first 60 bytes and "...", for messages; quoted() adds
// double quotes.
std::string clipped(std::string_view value);
std::string quoted(std::string_view value);

// Serialises node as raw XML text (no indentation), appended to out.
void append_xml(const pugi::xml_node& node, std::string& out);

// Parses a decimal unsigned integer (digits only, no sign) no larger than max.
enum class NumberError { not_a_number, out_of_range };
tl::expected<std::uint64_t, NumberError> parse_unsigned(std::string_view text, std::uint64_t max);

// The path of an element for messages ("feedback/record[3]/row"), built
// only when a message needs it: a fixed text, or a parent path and a step
// with an optional 1-based index. A parent must outlive its children.
class ElementPath {
 public:
  // A fixed path such as "feedback/report_metadata".
  ElementPath(std::string_view text) : m_text(text) {}  // NOLINT: implicit on purpose
  ElementPath(const char* text) : m_text(text) {}       // NOLINT: implicit on purpose
  // parent + "/" + step, and "[index]" when index is not 0.
  ElementPath(const ElementPath& parent, std::string_view step, std::uint64_t index = 0)
      : m_parent(&parent), m_text(step), m_index(index) {}

  std::string str() const;

 private:
  const ElementPath* m_parent = nullptr;
  std::string_view m_text;
  std::uint64_t m_index = 0;
};

// Collects the warnings of one report while reading children by local name.
class XmlReader {
 public:
  explicit XmlReader(std::vector<std::string>& warnings) : m_warnings(warnings) {}

  // First child element called name; a second one is noted as a warning.
  // parent may be null (then so is the result). parent_path names parent.
  pugi::xml_node child(const pugi::xml_node& parent, const ElementPath& parent_path,
                       std::string_view name);
  // Text of child(parent, name).
  std::optional<std::string> text(const pugi::xml_node& parent, const ElementPath& parent_path,
                                  std::string_view name);
  // Text of child(parent, name), lower-cased (verdicts such as "Pass").
  std::optional<std::string> verdict(const pugi::xml_node& parent,
                                     const ElementPath& parent_path, std::string_view name);

  void warn(std::string message) { m_warnings.push_back(std::move(message)); }

 private:
  std::vector<std::string>& m_warnings;
};

}  // namespace dmarc::parse
