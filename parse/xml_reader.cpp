#include "parse/xml_reader.hpp"

#include <fmt/format.h>

#include <charconv>
#include <iterator>

namespace dmarc::parse {

namespace {

constexpr std::size_t k_max_quoted_bytes = 60;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool is_text(const pugi::xml_node& node) {
  return node.type() == pugi::node_pcdata || node.type() == pugi::node_cdata;
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

class StringWriter : public pugi::xml_writer {
 public:
  explicit StringWriter(std::string& out) : m_out(out) {}
  void write(const void* data, std::size_t size) override {
    m_out.append(static_cast<const char*>(data), size);
  }

 private:
  std::string& m_out;
};

}  // namespace

std::string_view local_name(const pugi::xml_node& node) {
  const char* const name = node.name();
  const char* local = name;
  const char* p = name;
  for (; *p != '\0'; ++p) {
    if (*p == ':' && local == name) local = p + 1;
  }
  return {local, static_cast<std::size_t>(p - local)};
}

std::optional<std::string> element_text(const pugi::xml_node& node) {
  const char* const embedded = node.value();
  const pugi::xml_node first = node.first_child();
  if (!first) return trimmed_or_absent(embedded);
  if (*embedded == '\0' && is_text(first) && !first.next_sibling()) {
    return trimmed_or_absent(first.value());
  }
  std::string joined = embedded;
  for (pugi::xml_node part = first; part; part = part.next_sibling()) {
    if (is_text(part)) joined += part.value();
  }
  return trimmed_or_absent(joined);
}

std::string trimmed_text(std::string_view s) { return std::string(trimmed(s)); }

std::optional<std::string> trimmed_or_absent(std::string_view s) {
  const std::string_view text = trimmed(s);
  if (text.empty()) return std::nullopt;
  return std::string(text);
}

std::string clipped(std::string_view value) {
  if (value.size() <= k_max_quoted_bytes) return std::string(value);
  std::size_t cut = k_max_quoted_bytes;
  // Do not split a UTF-8 sequence: back up over continuation bytes.
  while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) --cut;
  return fmt::format("{}...", value.substr(0, cut));
}

std::string quoted(std::string_view value) { return fmt::format("\"{}\"", clipped(value)); }

void append_xml(const pugi::xml_node& node, std::string& out) {
  StringWriter writer(out);
  node.print(writer, "", pugi::format_raw, pugi::encoding_utf8);
}

tl::expected<std::uint64_t, NumberError> parse_unsigned(std::string_view text, std::uint64_t max) {
  if (text.empty() || text.front() < '0' || text.front() > '9') {
    return tl::unexpected(NumberError::not_a_number);
  }
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec == std::errc::result_out_of_range) return tl::unexpected(NumberError::out_of_range);
  if (ec != std::errc() || ptr != end) return tl::unexpected(NumberError::not_a_number);
  if (value > max) return tl::unexpected(NumberError::out_of_range);
  return value;
}

std::string ElementPath::str() const {
  if (!m_parent) return std::string(m_text);
  std::string out = m_parent->str();
  out += '/';
  out += m_text;
  if (m_index != 0) fmt::format_to(std::back_inserter(out), "[{}]", m_index);
  return out;
}

pugi::xml_node XmlReader::child(const pugi::xml_node& parent, const ElementPath& parent_path,
                                std::string_view name) {
  pugi::xml_node found;
  for (pugi::xml_node node = parent.first_child(); node; node = node.next_sibling()) {
    if (node.type() != pugi::node_element || local_name(node) != name) continue;
    if (!found) {
      found = node;
      continue;
    }
    warn_repeated(parent_path, name);
    break;
  }
  return found;
}

std::optional<std::string> XmlReader::text(const pugi::xml_node& parent,
                                           const ElementPath& parent_path, std::string_view name) {
  const pugi::xml_node node = child(parent, parent_path, name);
  if (!node) return std::nullopt;
  return element_text(node);
}

std::optional<std::string> XmlReader::verdict(const pugi::xml_node& parent,
                                              const ElementPath& parent_path,
                                              std::string_view name) {
  auto value = text(parent, parent_path, name);
  if (value) lower_ascii(*value);
  return value;
}

void XmlReader::lower_ascii(std::string& value) {
  for (char& c : value) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
}

void XmlReader::warn_repeated(const ElementPath& parent_path, std::string_view name) {
  warn(fmt::format("{}/{} appears more than once; the first is used", parent_path.str(), name));
}

}  // namespace dmarc::parse
