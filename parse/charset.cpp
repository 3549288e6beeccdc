#include "parse/charset.hpp"

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <cstring>

namespace dmarc::parse {

namespace {

constexpr std::string_view k_utf8_bom = "\xEF\xBB\xBF";

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool starts_with_nocase(std::string_view text, std::size_t pos, std::string_view prefix) {
  if (text.size() - pos < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (ascii_lower(text[pos + i]) != prefix[i]) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

void append_utf8(std::string& out, std::uint32_t cp) {
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

// windows-1252 0x80-0x9F; the undefined 0x81, 0x8D, 0x8F, 0x90, 0x9D keep
// their ISO-8859-1 (C1 control) meaning so that no byte is lost.
constexpr std::array<std::uint16_t, 32> k_cp1252_high = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

std::optional<std::size_t> find_nul(std::string_view bytes) {
  const auto pos = bytes.find('\0');
  if (pos == std::string_view::npos) return std::nullopt;
  return pos;
}

tl::unexpected<Error> nul_error(std::size_t offset) {
  return fail(Code::malformed, fmt::format("NUL byte at offset {}; XML does not allow it", offset));
}

// Overwrites the XML declaration with spaces, keeping line breaks so that
// line numbers in later messages stay true.
void blank_declaration(std::string& text) {
  const auto decl = find_xml_declaration(text);
  if (!decl) return;
  for (std::size_t i = decl->begin; i < decl->end; ++i) {
    if (text[i] != '\n' && text[i] != '\r') text[i] = ' ';
  }
}

bool looks_like_utf16(std::string_view bytes, bool big_endian) {
  if (bytes.size() < 4) return false;
  const std::size_t zero = big_endian ? 0 : 1;
  return bytes[zero] == '\0' && bytes[zero + 2] == '\0' && bytes[1 - zero] != '\0' &&
         bytes[3 - zero] != '\0';
}

// The document text when it is bytes minus its first prefix bytes: taken
// from owned (bytes views it) without a copy when the caller gave it away.
std::string text_of(std::string_view bytes, std::size_t prefix, std::string* owned) {
  if (owned == nullptr) return std::string(bytes.substr(prefix));
  std::string text = std::move(*owned);
  text.erase(0, prefix);
  return text;
}

// Gives back the memory of a consumed input once it has been converted.
void release(std::string* owned) {
  if (owned != nullptr) std::string().swap(*owned);
}

Expected<Utf8Document> decode_utf16(std::string_view bytes, std::size_t bom, bool big_endian,
                                    std::string* owned) {
  auto text = utf16_to_utf8(bytes.substr(bom), big_endian);
  release(owned);
  if (!text) {
    auto error = text.error();
    if (bom != 0) error.message += fmt::format(" (after the {}-byte BOM)", bom);
    return tl::unexpected<Error>(std::move(error));
  }
  Utf8Document doc;
  doc.text = std::move(*text);
  doc.encoding = big_endian ? Encoding::utf16be : Encoding::utf16le;
  return doc;
}

Expected<Utf8Document> decode_utf8(std::string_view bytes, std::size_t bom, std::string_view why,
                                   std::string* owned) {
  const auto body = bytes.substr(bom);
  if (const auto nul = find_nul(body)) return nul_error(bom + *nul);
  if (const auto bad = find_invalid_utf8(body)) {
    return fail(Code::malformed,
                fmt::format("invalid UTF-8 at byte offset {} (0x{:02X}) in a document {}",
                            bom + *bad, static_cast<unsigned char>(body[*bad]), why));
  }
  Utf8Document doc;
  doc.text = text_of(bytes, bom, owned);
  doc.encoding = Encoding::utf8;
  doc.input_offset = bom;
  return doc;
}

// An 8-bit document without BOM: the declared encoding decides.
Expected<Utf8Document> decode_declared(std::string_view bytes, std::string* owned) {
  const auto decl = find_xml_declaration(bytes);
  if (!decl || !decl->encoding) {
    return decode_utf8(bytes, 0, "without encoding declaration", owned);
  }
  const std::string& name = *decl->encoding;
  const auto kind = classify_encoding_name(name);
  if (kind == EncodingName::utf8) return decode_utf8(bytes, 0, "declared UTF-8", owned);
  if (const auto nul = find_nul(bytes)) return nul_error(*nul);

  Utf8Document doc;
  if (kind == EncodingName::windows1252) {
    doc.text = windows1252_to_utf8(bytes);
    release(owned);
    doc.encoding = Encoding::windows1252;
    return doc;
  }
  if (kind == EncodingName::latin1) {
    // As browsers do (WHATWG Encoding), ISO-8859-1 labels are read as
    // windows-1252: reporters that declare it write 0x80 for the euro sign,
    // not for a C1 control; the other 251 bytes map the same either way.
    doc.text = windows1252_to_utf8(bytes);
    release(owned);
    doc.encoding = Encoding::latin1;
    return doc;
  }
  // ASCII, a UTF-16 name on 8-bit bytes, or a name we do not know.
  const bool valid_utf8 = !find_invalid_utf8(bytes);
  if (valid_utf8) {
    doc.text = text_of(bytes, 0, owned);
    doc.encoding = Encoding::utf8;
    doc.input_offset = 0;
    if (kind != EncodingName::ascii) {
      doc.warnings.push_back(
          fmt::format("declared encoding \"{}\" is not supported; read as UTF-8", name));
    }
    return doc;
  }
  doc.text = windows1252_to_utf8(bytes);
  release(owned);
  doc.encoding = Encoding::windows1252;
  doc.warnings.push_back(fmt::format(
      "declared encoding \"{}\" is not supported and the bytes are not valid UTF-8; read as "
      "windows-1252",
      name));
  return doc;
}

// bytes, which owned holds when the caller gave the buffer away.
Expected<Utf8Document> decode(std::string_view bytes, std::string* owned) {
  Expected<Utf8Document> doc;
  if (bytes.substr(0, 3) == k_utf8_bom) {
    doc = decode_utf8(bytes, k_utf8_bom.size(), "with a UTF-8 BOM", owned);
  } else if (bytes.substr(0, 2) == "\xFF\xFE") {
    doc = decode_utf16(bytes, 2, false, owned);
  } else if (bytes.substr(0, 2) == "\xFE\xFF") {
    doc = decode_utf16(bytes, 2, true, owned);
  } else if (looks_like_utf16(bytes, false)) {
    doc = decode_utf16(bytes, 0, false, owned);
  } else if (looks_like_utf16(bytes, true)) {
    doc = decode_utf16(bytes, 0, true, owned);
  } else {
    doc = decode_declared(bytes, owned);
  }
  if (doc) blank_declaration(doc->text);
  return doc;
}

}  // namespace

const char* to_string(Encoding e) {
  switch (e) {
    case Encoding::utf8: return "UTF-8";
    case Encoding::utf16le: return "UTF-16LE";
    case Encoding::utf16be: return "UTF-16BE";
    case Encoding::windows1252: return "windows-1252";
    case Encoding::latin1: return "ISO-8859-1";
  }
  return "unknown";
}

Expected<Utf8Document> decode_xml_document(std::string_view bytes) {
  return decode(bytes, nullptr);
}

Expected<Utf8Document> decode_owned_xml_document(std::string&& bytes) {
  const std::string_view view = bytes;
  return decode(view, &bytes);
}

std::optional<XmlDeclaration> find_xml_declaration(std::string_view text) {
  std::size_t pos = 0;
  for (;;) {
    while (pos < text.size() && is_space(text[pos])) ++pos;
    if (text.substr(pos, 4) != "<!--") break;
    const auto close = text.find("-->", pos + 4);
    if (close == std::string_view::npos) return std::nullopt;
    pos = close + 3;
  }
  if (!starts_with_nocase(text, pos, "<?xml")) return std::nullopt;
  const std::size_t after = pos + 5;
  if (after < text.size() && !is_space(text[after]) && text[after] != '?') return std::nullopt;
  const auto close = text.find("?>", after);
  if (close == std::string_view::npos) return std::nullopt;

  XmlDeclaration decl;
  decl.begin = pos;
  decl.end = close + 2;
  const std::string_view body = text.substr(after, close - after);
  for (std::size_t i = 0; i + 8 <= body.size(); ++i) {
    if (!starts_with_nocase(body, i, "encoding")) continue;
    std::size_t p = i + 8;
    while (p < body.size() && is_space(body[p])) ++p;
    if (p >= body.size() || body[p] != '=') continue;
    ++p;
    while (p < body.size() && is_space(body[p])) ++p;
    std::string_view value = body.substr(p);
    if (!value.empty() && (value.front() == '"' || value.front() == '\'')) {
      const char quote = value.front();
      value.remove_prefix(1);
      value = value.substr(0, value.find(quote));
    } else {
      std::size_t n = 0;
      while (n < value.size() && !is_space(value[n])) ++n;
      value = value.substr(0, n);
    }
    value = trim(value);
    if (!value.empty()) decl.encoding = std::string(value);
    break;
  }
  return decl;
}

EncodingName classify_encoding_name(std::string_view name) {
  std::string key;
  for (char c : trim(name)) key += ascii_lower(c);
  static constexpr std::array<std::string_view, 3> utf8 = {"utf-8", "utf8", "unicode-1-1-utf-8"};
  static constexpr std::array<std::string_view, 7> utf16 = {
      "utf-16", "utf16", "utf-16le", "utf-16be", "ucs-2", "iso-10646-ucs-2", "unicode"};
  static constexpr std::array<std::string_view, 6> ascii = {"us-ascii",  "ascii", "ansi_x3.4-1968",
                                                            "iso646-us", "us",    "cp367"};
  static constexpr std::array<std::string_view, 7> cp1252 = {
      "windows-1252", "windows1252", "cp1252", "cp-1252", "x-cp1252", "win-1252", "ms-ansi"};
  static constexpr std::array<std::string_view, 13> latin1 = {
      "iso-8859-1", "iso8859-1", "iso_8859-1", "iso_8859-1:1987", "iso88591", "8859-1",
      "latin1",     "latin-1",   "l1",         "iso-ir-100",      "cp819",    "ibm819",
      "csisolatin1"};
  const auto in = [&key](const auto& names) {
    for (std::string_view n : names) {
      if (n == key) return true;
    }
    return false;
  };
  if (in(utf8)) return EncodingName::utf8;
  if (in(utf16)) return EncodingName::utf16;
  if (in(ascii)) return EncodingName::ascii;
  if (in(cp1252)) return EncodingName::windows1252;
  if (in(latin1)) return EncodingName::latin1;
  return EncodingName::unknown;
}

std::optional<std::size_t> find_invalid_utf8(std::string_view text) {
  const auto byte = [&text](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  // ASCII, the bulk of any report, is skipped 16 bytes at a time.
  constexpr std::uint64_t k_high_bits = 0x8080808080808080ULL;
  std::size_t i = 0;
  while (i < text.size()) {
    while (text.size() - i >= 16) {
      std::uint64_t words[2];
      std::memcpy(words, text.data() + i, sizeof words);
      if (((words[0] | words[1]) & k_high_bits) != 0) break;
      i += 16;
    }
    if (i == text.size()) break;  // the text ended with those 16 bytes
    if (text.size() - i >= 8) {
      std::uint64_t word = 0;
      std::memcpy(&word, text.data() + i, sizeof word);
      if ((word & k_high_bits) == 0) {
        i += 8;
        continue;
      }
    }
    const unsigned char b = byte(i);
    if (b < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    unsigned char low = 0x80;  // bounds of the second byte (RFC 3629 table)
    unsigned char high = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
      length = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
      length = 3;
      if (b == 0xE0) low = 0xA0;   // no overlong forms
      if (b == 0xED) high = 0x9F;  // no surrogates
    } else if (b >= 0xF0 && b <= 0xF4) {
      length = 4;
      if (b == 0xF0) low = 0x90;
      if (b == 0xF4) high = 0x8F;  // nothing past U+10FFFF
    } else {
      return i;
    }
    if (text.size() - i < length) return i;
    if (byte(i + 1) < low || byte(i + 1) > high) return i;
    for (std::size_t k = 2; k < length; ++k) {
      if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return i;
    }
    i += length;
  }
  return std::nullopt;
}

std::string windows1252_to_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 8);
  for (char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    const std::uint32_t cp = (b >= 0x80 && b <= 0x9F) ? k_cp1252_high[b - 0x80] : b;
    append_utf8(out, cp);
  }
  return out;
}

Expected<std::string> utf16_to_utf8(std::string_view bytes, bool big_endian) {
  const auto unit = [&](std::size_t i) -> std::uint32_t {
    const auto a = static_cast<unsigned char>(bytes[i]);
    const auto b = static_cast<unsigned char>(bytes[i + 1]);
    return big_endian ? (a << 8 | b) : (b << 8 | a);
  };
  if (bytes.size() % 2 != 0) {
    return fail(Code::malformed,
                fmt::format("UTF-16 text has an odd number of bytes ({})", bytes.size()));
  }
  std::string out;
  out.reserve(bytes.size() / 2 + bytes.size() / 8);
  for (std::size_t i = 0; i < bytes.size(); i += 2) {
    std::uint32_t cp = unit(i);
    if (cp == 0) return nul_error(i);
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      const std::uint32_t next = i + 3 < bytes.size() ? unit(i + 2) : 0;
      if (next < 0xDC00 || next > 0xDFFF) {
        return fail(Code::malformed, fmt::format("unpaired UTF-16 surrogate at offset {}", i));
      }
      cp = 0x10000 + ((cp - 0xD800) << 10) + (next - 0xDC00);
      i += 2;
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
      return fail(Code::malformed, fmt::format("unpaired UTF-16 surrogate at offset {}", i));
    }
    append_utf8(out, cp);
  }
  return out;
}

}  // namespace dmarc::parse
