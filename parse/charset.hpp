// Bringing the bytes of one XML document to UTF-8 before it is parsed. A BOM
// (UTF-8, UTF-16LE/BE) wins; otherwise the encoding named in the XML
// declaration decides: windows-1252 and ISO-8859-1 are converted (never
// dropped), UTF-8 is validated and never silently repaired, an unknown name
// is read as UTF-8 when the bytes are valid UTF-8, else as windows-1252.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parse/error.hpp"

namespace dmarc::parse {

enum class Encoding { utf8, utf16le, utf16be, windows1252, latin1 };

const char* to_string(Encoding e);

struct Utf8Document {
  // UTF-8 without BOM. The XML declaration, if any, is overwritten with
  // spaces (line breaks kept), since it may name the original encoding.
  std::string text;
  Encoding encoding = Encoding::utf8;  // what the input bytes were read as
  // When text is the input minus a prefix (UTF-8 input), the length of that
  // prefix, so that an offset in text plus this is an offset in the input.
  // nullopt when the input was converted.
  std::optional<std::size_t> input_offset;
  std::vector<std::string> warnings;  // an unknown encoding name, a fallback
};

// Returns the document as UTF-8, or a malformed Error naming the byte offset
// of the first byte that is not valid in the encoding used (invalid UTF-8,
// unpaired UTF-16 surrogate, odd UTF-16 length) or of a NUL character,
// which XML does not allow in any encoding.
[[nodiscard]] Expected<Utf8Document> decode_xml_document(std::string_view bytes);
// The same, consuming bytes: a document that is already UTF-8 becomes the
// text without a copy (a BOM is cut off in place); converted input is
// released as soon as the text is made. bytes is left empty or moved from.
[[nodiscard]] Expected<Utf8Document> decode_owned_xml_document(std::string&& bytes);

// The XML declaration (<?xml ... ?>, matched case-insensitively), found at
// the start of text after whitespace and comments. Quoting, spacing and case
// of its pseudo-attributes are not checked.
struct XmlDeclaration {
  std::size_t begin = 0;                // offset of "<?xml"
  std::size_t end = 0;                  // offset just past "?>"
  std::optional<std::string> encoding;  // trimmed value of encoding=, quotes removed
};
std::optional<XmlDeclaration> find_xml_declaration(std::string_view text);

// What an encoding name from a declaration means, case-insensitively.
enum class EncodingName { utf8, utf16, ascii, windows1252, latin1, unknown };
EncodingName classify_encoding_name(std::string_view name);

// Offset of the first byte that does not belong to a well-formed UTF-8
// sequence (RFC 3629: no overlong forms, surrogates or values past
// U+10FFFF), or nullopt when text is valid UTF-8.
std::optional<std::size_t> find_invalid_utf8(std::string_view text);

// Byte-for-byte conversion; every input byte becomes one character. Also
// used for ISO-8859-1 labels, as browsers do.
// windows-1252 0x80-0x9F map to the characters Windows assigns (0x80 is the
// euro sign); the five bytes it leaves undefined map to U+0081 and so on.
std::string windows1252_to_utf8(std::string_view bytes);

// Converts UTF-16 without BOM; a malformed Error names the input offset of
// an unpaired surrogate, a NUL character or an odd trailing byte.
[[nodiscard]] Expected<std::string> utf16_to_utf8(std::string_view bytes, bool big_endian);

}  // namespace dmarc::parse
