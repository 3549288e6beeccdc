// Unpacking of report containers, decided by magic bytes only (never by file
// name or Content-Type): gzip (concatenated members, nested gzip, trailing
// bytes after the stream), zip (every member; __MACOSX/ and ._* skipped;
// empty member names allowed), raw zlib, and anything else passed through as
// a leaf. Limits are enforced while inflating.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "parse/error.hpp"
#include "parse/limits.hpp"

namespace dmarc::parse {

enum class Container { gzip, zip, zlib, xml, other };

const char* to_string(Container c);

// Classifies bytes by their first bytes: gzip 1f 8b; zip "PK\3\4" or
// "PK\5\6"; zlib CMF/FLG with a valid check (78 01/5e/9c/da); xml an optional
// UTF-8 BOM and whitespace then '<', or a UTF-16 BOM then '<'; everything else other.
Container sniff(std::string_view bytes);

// One leaf produced by unpacking: bytes that are no longer compressed.
struct Document {
  std::string layers;  // the chain, outermost first, e.g. "gzip>gzip>xml", "zip>xml", "xml"
  std::string member;  // zip member name ("" outside zips; a nameless member is "")
  std::string bytes;
};

// A part that could not be unpacked; the other parts are still returned.
struct PartError {
  std::string layers;
  std::string member;
  Error error;
};

struct Unpacked {
  std::vector<Document> documents;
  std::vector<PartError> errors;
};

// Unpacks input layer by layer until no compression is left. A leaf that is
// not XML is returned as well (its layers end in "other"); the caller decides.
// Never throws on bad input: every problem is a PartError with code malformed
// or too_large and a message naming the member and the limit, e.g.
// zip member "x.xml" inflates past max_unpacked_bytes (1073741824).
[[nodiscard]] Unpacked unpack(std::string_view input, const Limits& limits);

}  // namespace dmarc::parse
