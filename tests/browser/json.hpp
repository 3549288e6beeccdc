// A small JSON reader for the WebDriver protocol's answers: objects, arrays,
// strings (with \u escapes, surrogate pairs to UTF-8), numbers as double,
// booleans and null. parse_json returns nullopt on any syntax error or on
// nesting deeper than k_max_depth. Lookups of a missing key or index give a
// null value, so chains like json["value"]["sessionId"] never throw.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

namespace dmarc::testing {

class Json {
 public:
  using Array = std::vector<Json>;
  using Object = std::vector<std::pair<std::string, Json>>;

  Json() = default;
  template <class T>
  explicit Json(T v) : m_value(std::move(v)) {}

  bool is_null() const { return std::holds_alternative<std::nullptr_t>(m_value); }
  bool is_string() const { return std::holds_alternative<std::string>(m_value); }
  bool is_object() const { return std::holds_alternative<Object>(m_value); }
  bool is_array() const { return std::holds_alternative<Array>(m_value); }

  // The value, or the fallback when it has another type.
  std::string str(std::string fallback = {}) const {
    const auto* s = std::get_if<std::string>(&m_value);
    return s ? *s : fallback;
  }
  double number(double fallback = 0) const {
    const auto* d = std::get_if<double>(&m_value);
    return d ? *d : fallback;
  }
  bool boolean(bool fallback = false) const {
    const auto* b = std::get_if<bool>(&m_value);
    return b ? *b : fallback;
  }
  const Array& array() const {
    static const Array empty;
    const auto* a = std::get_if<Array>(&m_value);
    return a ? *a : empty;
  }
  const Object& object() const {
    static const Object empty;
    const auto* o = std::get_if<Object>(&m_value);
    return o ? *o : empty;
  }
  const Json& operator[](std::string_view key) const {
    for (const auto& [k, v] : object()) {
      if (k == key) return v;
    }
    return null_value();
  }
  const Json& operator[](std::size_t index) const {
    return index < array().size() ? array()[index] : null_value();
  }

 private:
  static const Json& null_value() {
    static const Json null;
    return null;
  }
  std::variant<std::nullptr_t, bool, double, std::string, Array, Object> m_value = nullptr;
};

namespace json_detail {

constexpr int k_max_depth = 64;

class Reader {
 public:
  explicit Reader(std::string_view text) : m_text(text) {}

  std::optional<Json> document() {
    auto v = value(0);
    skip_space();
    if (!v || m_pos != m_text.size()) return std::nullopt;
    return v;
  }

 private:
  void skip_space() {
    while (m_pos < m_text.size() && (m_text[m_pos] == ' ' || m_text[m_pos] == '\t' ||
                                     m_text[m_pos] == '\n' || m_text[m_pos] == '\r')) {
      ++m_pos;
    }
  }
  bool take(char c) {
    skip_space();
    if (m_pos < m_text.size() && m_text[m_pos] == c) {
      ++m_pos;
      return true;
    }
    return false;
  }
  bool take_word(std::string_view word) {
    if (m_text.substr(m_pos, word.size()) != word) return false;
    m_pos += word.size();
    return true;
  }

  std::optional<Json> value(int depth) {
    if (depth > k_max_depth) return std::nullopt;
    skip_space();
    if (m_pos >= m_text.size()) return std::nullopt;
    const char c = m_text[m_pos];
    if (c == '{') return object(depth);
    if (c == '[') return array(depth);
    if (c == '"') {
      auto s = string();
      if (!s) return std::nullopt;
      return Json(std::move(*s));
    }
    if (take_word("true")) return Json(true);
    if (take_word("false")) return Json(false);
    if (take_word("null")) return Json();
    return number();
  }

  std::optional<Json> object(int depth) {
    ++m_pos;
    Json::Object members;
    if (take('}')) return Json(std::move(members));
    do {
      skip_space();
      auto key = string();
      if (!key || !take(':')) return std::nullopt;
      auto v = value(depth + 1);
      if (!v) return std::nullopt;
      members.emplace_back(std::move(*key), std::move(*v));
    } while (take(','));
    if (!take('}')) return std::nullopt;
    return Json(std::move(members));
  }

  std::optional<Json> array(int depth) {
    ++m_pos;
    Json::Array items;
    if (take(']')) return Json(std::move(items));
    do {
      auto v = value(depth + 1);
      if (!v) return std::nullopt;
      items.push_back(std::move(*v));
    } while (take(','));
    if (!take(']')) return std::nullopt;
    return Json(std::move(items));
  }

  std::optional<Json> number() {
    const std::size_t start = m_pos;
    while (m_pos < m_text.size() &&
           std::string_view("+-0123456789.eE").find(m_text[m_pos]) != std::string_view::npos) {
      ++m_pos;
    }
    if (m_pos == start) return std::nullopt;
    double d = 0;
    const auto [end, ec] = std::from_chars(m_text.data() + start, m_text.data() + m_pos, d);
    if (ec != std::errc() || end != m_text.data() + m_pos) return std::nullopt;
    return Json(d);
  }

  std::optional<std::uint32_t> hex4() {
    if (m_pos + 4 > m_text.size()) return std::nullopt;
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = m_text[m_pos++];
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= static_cast<std::uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f')
        v |= static_cast<std::uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        v |= static_cast<std::uint32_t>(c - 'A' + 10);
      else
        return std::nullopt;
    }
    return v;
  }

  static void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  std::optional<std::string> string() {
    if (m_pos >= m_text.size() || m_text[m_pos] != '"') return std::nullopt;
    ++m_pos;
    std::string out;
    while (m_pos < m_text.size()) {
      const char c = m_text[m_pos++];
      if (c == '"') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (m_pos >= m_text.size()) return std::nullopt;
      const char e = m_text[m_pos++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          auto cp = hex4();
          if (!cp) return std::nullopt;
          if (*cp >= 0xD800 && *cp <= 0xDBFF && take_word("\\u")) {
            auto low = hex4();
            if (!low || *low < 0xDC00 || *low > 0xDFFF) return std::nullopt;
            *cp = 0x10000 + ((*cp - 0xD800) << 10) + (*low - 0xDC00);
          }
          append_utf8(out, *cp);
          break;
        }
        default: return std::nullopt;
      }
    }
    return std::nullopt;
  }

  std::string_view m_text;
  std::size_t m_pos = 0;
};

}  // namespace json_detail

inline std::optional<Json> parse_json(std::string_view text) {
  return json_detail::Reader(text).document();
}

}  // namespace dmarc::testing
