// Reading values out of a parsed aggregate-report DOM: elements matched by
// local name (any namespace prefix ignored), text trimmed, empty text as
// absent, repeated single elements and odd values noted as warnings that
// name the element path ("feedback/record[3]/row/source_ip").
#pragma once

#include <array>
#include <cstddef>
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
// whitespace; nullopt when there is none. PCDATA that pugixml embedded in
// the element itself (parse_embed_pcdata) comes first, as it did in the text.
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

// The first element child of parent for each of N local names, and whether
// another one follows, found in one pass over the children (a lookup per
// name would walk them N times). A null parent has no children.
template <std::size_t N>
class ChildElements {
 public:
  ChildElements(const pugi::xml_node& parent, const std::array<std::string_view, N>& names)
      : m_names(names) {
    for (pugi::xml_node node = parent.first_child(); node; node = node.next_sibling()) {
      if (node.type() != pugi::node_element) continue;
      const std::string_view name = local_name(node);
      for (std::size_t i = 0; i < N; ++i) {
        if (name != names[i]) continue;
        if (m_first[i]) {
          m_repeated[i] = true;
        } else {
          m_first[i] = node;
        }
        break;
      }
    }
  }

  std::string_view name(std::size_t i) const { return m_names[i]; }
  const pugi::xml_node& first(std::size_t i) const { return m_first[i]; }
  bool repeated(std::size_t i) const { return m_repeated[i]; }

 private:
  const std::array<std::string_view, N>& m_names;
  std::array<pugi::xml_node, N> m_first{};
  std::array<bool, N> m_repeated{};
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

  // The same three for a child found by ChildElements: children.name(i)
  // and the same warning when it repeats.
  template <std::size_t N>
  pugi::xml_node child(const ChildElements<N>& children, std::size_t i,
                       const ElementPath& parent_path) {
    if (children.repeated(i)) warn_repeated(parent_path, children.name(i));
    return children.first(i);
  }
  template <std::size_t N>
  std::optional<std::string> text(const ChildElements<N>& children, std::size_t i,
                                  const ElementPath& parent_path) {
    const pugi::xml_node node = child(children, i, parent_path);
    if (!node) return std::nullopt;
    return element_text(node);
  }
  template <std::size_t N>
  std::optional<std::string> verdict(const ChildElements<N>& children, std::size_t i,
                                     const ElementPath& parent_path) {
    auto value = text(children, i, parent_path);
    if (value) lower_ascii(*value);
    return value;
  }

  void warn(std::string message) { m_warnings.push_back(std::move(message)); }

 private:
  static void lower_ascii(std::string& value);
  void warn_repeated(const ElementPath& parent_path, std::string_view name);

  std::vector<std::string>& m_warnings;
};

}  // namespace dmarc::parse
