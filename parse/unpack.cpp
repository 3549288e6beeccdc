#include "parse/unpack.hpp"

#include <fmt/format.h>

#include <cstddef>
#include <cstdint>
#include <utility>

#include "parse/gzip.hpp"
#include "parse/zip.hpp"

namespace dmarc::parse {

namespace {

bool is_xml_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

unsigned char byte_at(std::string_view bytes, std::size_t at) {
  return static_cast<unsigned char>(bytes[at]);
}

// '<' after optional XML white space, in UTF-16 of the given byte order.
bool utf16_starts_with_tag(std::string_view units, bool little_endian) {
  for (std::size_t at = 0; at + 1 < units.size(); at += 2) {
    unsigned char low = byte_at(units, little_endian ? at : at + 1);
    unsigned char high = byte_at(units, little_endian ? at + 1 : at);
    if (high != 0) return false;
    if (low == '<') return true;
    if (!is_xml_space(low)) return false;
  }
  return false;
}

bool looks_like_xml(std::string_view bytes) {
  if (bytes.size() >= 2 && byte_at(bytes, 0) == 0xff && byte_at(bytes, 1) == 0xfe) {
    return utf16_starts_with_tag(bytes.substr(2), true);
  }
  if (bytes.size() >= 2 && byte_at(bytes, 0) == 0xfe && byte_at(bytes, 1) == 0xff) {
    return utf16_starts_with_tag(bytes.substr(2), false);
  }
  if (bytes.starts_with("\xEF\xBB\xBF")) bytes.remove_prefix(3);
  for (char c : bytes) {
    if (c == '<') return true;
    if (!is_xml_space(static_cast<unsigned char>(c))) return false;
  }
  return false;
}

// Where a part sits: its layers so far, the zip member it came from, and how
// many compression layers enclose it.
struct Place {
  std::string layers;
  std::string member;
  bool in_zip = false;
  std::uint32_t depth = 0;
};

std::string add_layer(const std::string& layers, Container c) {
  return layers.empty() ? std::string(to_string(c)) : layers + ">" + to_string(c);
}

class Unpacker {
 public:
  explicit Unpacker(const Limits& limits) : m_limits(limits), m_budget(limits.max_unpacked_bytes) {}

  // Unwraps `bytes` (whose storage is `owned` when not null, so that a leaf
  // can take it without a copy) and everything inside it.
  void walk(std::string_view bytes, std::string* owned, const Place& at) {
    Container container = sniff(bytes);
    Place inner{add_layer(at.layers, container), at.member, at.in_zip, at.depth + 1};
    if (container == Container::xml || container == Container::other) {
      leaf(bytes, owned, inner);
      return;
    }
    if (at.depth >= m_limits.max_archive_depth) {
      error(inner,
            Error{Code::too_large, fmt::format("archive nesting deeper than max_archive_depth ({})",
                                               m_limits.max_archive_depth)});
      return;
    }
    if (container == Container::zip) {
      unzip(bytes, inner);
      return;
    }
    std::string subject = container == Container::gzip ? "gzip stream" : "zlib stream";
    if (at.in_zip) subject += " in " + zip_member_subject(at.member);
    auto inflated = container == Container::gzip ? gunzip(bytes, m_budget, subject)
                                                 : inflate_zlib(bytes, m_budget, subject);
    if (!inflated) {
      error(inner, std::move(inflated.error()));
      return;
    }
    walk(*inflated, &*inflated, inner);
  }

  Unpacked take() { return std::move(m_out); }

 private:
  void leaf(std::string_view bytes, std::string* owned, const Place& at) {
    if (bytes.size() > m_limits.max_xml_bytes) {
      std::string subject = at.in_zip ? zip_member_subject(at.member) : "document";
      error(at, Error{Code::too_large, fmt::format("{} is {} bytes, over max_xml_bytes ({})",
                                                   subject, bytes.size(), m_limits.max_xml_bytes)});
      return;
    }
    m_out.documents.push_back(
        Document{at.layers, at.member, owned != nullptr ? std::move(*owned) : std::string(bytes)});
  }

  void unzip(std::string_view archive, const Place& at) {
    auto read = read_zip(archive, m_limits, m_budget, [&](ZipMember&& member) {
      Place inside{at.layers, member.name, true, at.depth};
      if (!member.bytes) {
        error(inside, std::move(member.bytes.error()));
        return;
      }
      walk(*member.bytes, &*member.bytes, inside);
    });
    if (!read) error(at, std::move(read.error()));
  }

  void error(const Place& at, Error e) {
    m_out.errors.push_back(PartError{at.layers, at.member, std::move(e)});
  }

  const Limits& m_limits;
  InflateBudget m_budget;
  Unpacked m_out;
};

}  // namespace

const char* to_string(Container c) {
  switch (c) {
    case Container::gzip: return "gzip";
    case Container::zip: return "zip";
    case Container::zlib: return "zlib";
    case Container::xml: return "xml";
    case Container::other: return "other";
  }
  return "other";
}

Container sniff(std::string_view bytes) {
  if (bytes.size() >= 2 && byte_at(bytes, 0) == 0x1f && byte_at(bytes, 1) == 0x8b) {
    return Container::gzip;
  }
  if (bytes.starts_with("PK\x03\x04") || bytes.starts_with("PK\x05\x06")) return Container::zip;
  if (bytes.size() >= 2 && byte_at(bytes, 0) == 0x78 &&
      (byte_at(bytes, 0) * 256 + byte_at(bytes, 1)) % 31 == 0 &&
      (byte_at(bytes, 1) & 0x20) == 0) {  // FDICT clear: 78 01, 78 5e, 78 9c, 78 da
    return Container::zlib;
  }
  if (looks_like_xml(bytes)) return Container::xml;
  return Container::other;
}

Unpacked unpack(std::string_view input, const Limits& limits) {
  Unpacker unpacker(limits);
  unpacker.walk(input, nullptr, Place{});
  return unpacker.take();
}

}  // namespace dmarc::parse
