#include "parse/charset.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace dmarc::parse {
namespace {

std::string utf16_bytes(std::u16string_view text, bool big_endian) {
  std::string out;
  for (char16_t unit : text) {
    const char high = static_cast<char>(unit >> 8);
    const char low = static_cast<char>(unit & 0xFF);
    out += big_endian ? high : low;
    out += big_endian ? low : high;
  }
  return out;
}

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(Windows1252, MapsHighControlRangeToWindowsCharacters) {
  EXPECT_EQ(windows1252_to_utf8("\x80"), "\u20AC");
  EXPECT_EQ(windows1252_to_utf8("it\x92s"), "it\u2019s");
  EXPECT_EQ(windows1252_to_utf8("\x93q\x94"), "\u201Cq\u201D");
  EXPECT_EQ(windows1252_to_utf8("\x9F"), "\u0178");
  EXPECT_EQ(windows1252_to_utf8("caf\xE9"), "caf\u00E9");
}

TEST(Windows1252, KeepsUndefinedBytesAsC1Controls) {
  EXPECT_EQ(windows1252_to_utf8("\x81\x8D\x8F\x90\x9D"), "\u0081\u008D\u008F\u0090\u009D");
}


TEST(FindInvalidUtf8, AcceptsWellFormedText) {
  for (std::string_view text : {"", "ascii", "caf\u00E9", "\u20AC\u2019", "\U0001F600",
                                "\xF4\x8F\xBF\xBF" /* U+10FFFF */}) {
    EXPECT_EQ(find_invalid_utf8(text), std::nullopt) << text;
  }
}

TEST(FindInvalidUtf8, NamesOffsetOfFirstBadByte) {
  struct Case {
    std::string_view text;
    std::size_t offset;
  };
  for (const Case& c : {Case{"ab\xC0\x80", 2},        // overlong NUL
                        Case{"\xE0\x80\x80", 0},      // overlong 3-byte
                        Case{"x\xED\xA0\x80", 1},     // surrogate
                        Case{"\xF4\x90\x80\x80", 0},  // past U+10FFFF
                        Case{"\xF5\x80\x80\x80", 0},  // invalid lead byte
                        Case{"ok\x80", 2},            // stray continuation
                        Case{"caf\xE9", 3},           // latin-1 byte
                        Case{"\xE2\x82", 0},          // truncated at end
                        Case{"\xE2\x82x", 0}}) {      // truncated in the middle
    EXPECT_EQ(find_invalid_utf8(c.text), c.offset) << c.text;
  }
}

TEST(FindXmlDeclaration, ReadsEncodingInSingleOrDoubleQuotes) {
  auto decl = find_xml_declaration("<?xml version='1.0' encoding='windows-1252'?><a/>");
  ASSERT_TRUE(decl);
  EXPECT_EQ(decl->begin, 0u);
  EXPECT_EQ(decl->end, 45u);
  EXPECT_EQ(decl->encoding, "windows-1252");
  decl = find_xml_declaration("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
  ASSERT_TRUE(decl);
  EXPECT_EQ(decl->encoding, "UTF-8");
}

TEST(FindXmlDeclaration, ToleratesCaseSpacesAndLeadingWhitespace) {
  const auto decl = find_xml_declaration("\r\n  <?XML VERSION = 1.0 ENCODING = \" latin1 \" ?>");
  ASSERT_TRUE(decl);
  EXPECT_EQ(decl->begin, 4u);
  EXPECT_EQ(decl->encoding, "latin1");
}

TEST(FindXmlDeclaration, FindsDeclarationAfterComment) {
  const auto decl = find_xml_declaration("<!-- x --> <?xml version=\"1.0\" encoding=cp1252?>");
  ASSERT_TRUE(decl);
  EXPECT_EQ(decl->begin, 11u);
  EXPECT_EQ(decl->encoding, "cp1252");
}

TEST(FindXmlDeclaration, IgnoresOtherProcessingInstructionsAndElements) {
  EXPECT_FALSE(find_xml_declaration("<?xml-stylesheet href=\"a\"?><a/>"));
  EXPECT_FALSE(find_xml_declaration("<a><?xml version=\"1.0\"?></a>"));
  EXPECT_FALSE(find_xml_declaration("<?xml version=\"1.0\""));
  const auto decl = find_xml_declaration("<?xml version=\"1.0\"?>");
  ASSERT_TRUE(decl);
  EXPECT_EQ(decl->encoding, std::nullopt);
}

TEST(ClassifyEncodingName, IsCaseInsensitiveAndKnowsAliases) {
  EXPECT_EQ(classify_encoding_name("UTF-8"), EncodingName::utf8);
  EXPECT_EQ(classify_encoding_name("utf8"), EncodingName::utf8);
  EXPECT_EQ(classify_encoding_name("Windows-1252"), EncodingName::windows1252);
  EXPECT_EQ(classify_encoding_name("CP1252"), EncodingName::windows1252);
  EXPECT_EQ(classify_encoding_name("ISO-8859-1"), EncodingName::latin1);
  EXPECT_EQ(classify_encoding_name("Latin1"), EncodingName::latin1);
  EXPECT_EQ(classify_encoding_name("iso_8859-1"), EncodingName::latin1);
  EXPECT_EQ(classify_encoding_name("US-ASCII"), EncodingName::ascii);
  EXPECT_EQ(classify_encoding_name("UTF-16"), EncodingName::utf16);
  EXPECT_EQ(classify_encoding_name("klingon"), EncodingName::unknown);
}

// The ASCII fast path reads 16 and 8 bytes at a time: a bad byte or a
// multi-byte sequence at every position around those word boundaries.
TEST(FindInvalidUtf8, FindsBadByteAtEveryPositionAroundWordBoundaries) {
  for (std::size_t length : {7u, 8u, 9u, 15u, 16u, 17u, 31u, 33u, 40u}) {
    for (std::size_t at = 0; at < length; ++at) {
      std::string text(length, 'a');
      text[at] = '\x80';
      EXPECT_EQ(find_invalid_utf8(text), at) << "length " << length << ", stray byte at " << at;
      text[at] = '\xFF';
      EXPECT_EQ(find_invalid_utf8(text), at) << "length " << length << ", 0xFF at " << at;
    }
  }
}

// A text that ends right after a run of 16 ASCII bytes, in a buffer of
// exactly its size (no terminator after it, unlike std::string): nothing past
// the end is read (the ASan build checks it).
TEST(FindInvalidUtf8, ReadsNothingPastTheEndOfAnAsciiText) {
  for (std::size_t length : {16u, 32u, 48u, 24u, 8u}) {
    const std::unique_ptr<char[]> buffer(new char[length]);
    std::memset(buffer.get(), 'a', length);
    EXPECT_EQ(find_invalid_utf8(std::string_view(buffer.get(), length)), std::nullopt) << length;
  }
}

TEST(FindInvalidUtf8, AcceptsSequencesAcrossWordBoundaries) {
  for (std::string_view sequence : {"\u00E9", "\u20AC", "\U0001F600"}) {
    for (std::size_t at = 0; at < 34; ++at) {
      std::string text(at, 'a');
      text += sequence;
      text += std::string(40 - at, 'b');
      EXPECT_EQ(find_invalid_utf8(text), std::nullopt) << "sequence at " << at;
    }
  }
}

TEST(FindInvalidUtf8, FindsSequenceTruncatedByTheEndOfALongText) {
  for (std::size_t ascii : {6u, 7u, 14u, 15u, 16u, 29u}) {
    std::string text(ascii, 'a');
    text += "\xF0\x9F\x98";
    EXPECT_EQ(find_invalid_utf8(text), ascii) << ascii << " ASCII bytes first";
  }
}

TEST(FindInvalidUtf8, FindsSecondBadSequenceAfterAValidOne) {
  const std::string text = std::string(20, 'a') + "\u00E9" + std::string(20, 'b') + "\xC0\x80";
  EXPECT_EQ(find_invalid_utf8(text), 42u);
}

// decode_owned_xml_document gives what decode_xml_document gives, for every
// way a document can come in.
TEST(DecodeOwnedXmlDocument, MatchesDecodeOfAView) {
  const std::vector<std::string> inputs = {
      "<a>caf\u00E9</a>",
      "\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<a>x</a>",
      "<?xml version=\"1.0\" encoding=\"windows-1252\"?><a>\x80 caf\xE9</a>",
      "<?xml version='1.0' encoding='ISO-8859-1'?><a>\xE9</a>",
      "<?xml version=\"1.0\" encoding=\"bogus\"?><a>\u00E9</a>",
      "<?xml version=\"1.0\" encoding=\"bogus\"?><a>\x92</a>",
      "\xFF\xFE" + utf16_bytes(u"<?xml version=\"1.0\" encoding=\"UTF-16\"?><a>\u00E9</a>", false),
      utf16_bytes(u"<a>x</a>", true),
      "<a>\xFF</a>",
      "\xEF\xBB\xBF<a>\xFF</a>",
      std::string("<a>\0</a>", 8),
      "\xFF\xFE" + utf16_bytes(u"<a>\xD800</a>", false),
      "",
  };
  for (const std::string& input : inputs) {
    const auto from_view = decode_xml_document(input);
    std::string owned = input;
    const auto from_owned = decode_owned_xml_document(std::move(owned));
    ASSERT_EQ(from_view.has_value(), from_owned.has_value()) << input;
    if (!from_view) {
      EXPECT_EQ(from_view.error().message, from_owned.error().message) << input;
      continue;
    }
    EXPECT_EQ(from_view->text, from_owned->text) << input;
    EXPECT_EQ(from_view->encoding, from_owned->encoding) << input;
    EXPECT_EQ(from_view->input_offset, from_owned->input_offset) << input;
    EXPECT_EQ(from_view->warnings, from_owned->warnings) << input;
  }
}

TEST(DecodeOwnedXmlDocument, KeepsTheBufferOfUtf8Input) {
  std::string input = "<a>" + std::string(1000, 'x') + "</a>";
  const char* const buffer = input.data();
  const auto doc = decode_owned_xml_document(std::move(input));
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_EQ(doc->text.data(), buffer);
}

TEST(DecodeXmlDocument, StripsUtf8BomAndRemembersItsLength) {
  const auto doc = decode_xml_document("\xEF\xBB\xBF<a>caf\u00E9</a>");
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_EQ(doc->text, "<a>caf\u00E9</a>");
  EXPECT_EQ(doc->encoding, Encoding::utf8);
  EXPECT_EQ(doc->input_offset, 3u);
  EXPECT_TRUE(doc->warnings.empty());
}

TEST(DecodeXmlDocument, ConvertsDeclaredWindows1252) {
  const auto doc =
      decode_xml_document("<?xml version=\"1.0\" encoding=\"windows-1252\"?><a>\x80 caf\xE9</a>");
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_EQ(doc->encoding, Encoding::windows1252);
  EXPECT_EQ(doc->input_offset, std::nullopt);
  EXPECT_TRUE(contains(doc->text, "<a>\u20AC caf\u00E9</a>"));
  EXPECT_FALSE(contains(doc->text, "windows-1252"));  // declaration blanked
}

TEST(DecodeXmlDocument, ConvertsDeclaredLatin1) {
  const auto doc = decode_xml_document("<?xml version='1.0' encoding='ISO-8859-1'?><a>\xE9</a>");
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_EQ(doc->encoding, Encoding::latin1);
  EXPECT_TRUE(contains(doc->text, "<a>\u00E9</a>"));
}

TEST(DecodeXmlDocument, ReadsDeclaredLatin1HighControlsAsWindows1252) {
  const auto doc =
      decode_xml_document("<?xml version='1.0' encoding='iso-8859-1'?><a>\x80 \x93x\x94</a>");
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_TRUE(contains(doc->text, "<a>\u20AC \u201Cx\u201D</a>")) << doc->text;
}

TEST(DecodeXmlDocument, ConvertsUtf16WithByteOrderMark) {
  const std::u16string xml = u"<?xml version=\"1.0\" encoding=\"UTF-16\"?><a>\u00E9\u20AC</a>";
  for (bool big_endian : {false, true}) {
    const std::string bom = big_endian ? "\xFE\xFF" : "\xFF\xFE";
    const auto doc = decode_xml_document(bom + utf16_bytes(xml, big_endian));
    ASSERT_TRUE(doc) << doc.error().message;
    EXPECT_EQ(doc->encoding, big_endian ? Encoding::utf16be : Encoding::utf16le);
    EXPECT_TRUE(contains(doc->text, "<a>\u00E9\u20AC</a>")) << doc->text;
    EXPECT_FALSE(contains(doc->text, "<?xml"));
  }
}

TEST(DecodeXmlDocument, ConvertsUtf16WithoutByteOrderMark) {
  const auto doc = decode_xml_document(utf16_bytes(u"<a>x</a>", false));
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_EQ(doc->text, "<a>x</a>");
}

TEST(DecodeXmlDocument, ReadsUnknownEncodingAsUtf8WhenValid) {
  const auto doc = decode_xml_document("<?xml version=\"1.0\" encoding=\"bogus\"?><a>\u00E9</a>");
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_EQ(doc->encoding, Encoding::utf8);
  EXPECT_TRUE(contains(doc->text, "<a>\u00E9</a>"));
  ASSERT_EQ(doc->warnings.size(), 1u);
  EXPECT_TRUE(contains(doc->warnings[0], "\"bogus\"")) << doc->warnings[0];
}

TEST(DecodeXmlDocument, FallsBackToWindows1252ForUnknownEncodingAndInvalidUtf8) {
  const auto doc = decode_xml_document("<?xml version=\"1.0\" encoding=\"bogus\"?><a>\x92</a>");
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_EQ(doc->encoding, Encoding::windows1252);
  EXPECT_TRUE(contains(doc->text, "<a>\u2019</a>"));
  ASSERT_EQ(doc->warnings.size(), 1u);
  EXPECT_TRUE(contains(doc->warnings[0], "windows-1252")) << doc->warnings[0];
}

TEST(DecodeXmlDocument, AcceptsAsciiDeclarationWithoutWarning) {
  const auto doc = decode_xml_document("<?xml version=\"1.0\" encoding=\"us-ascii\"?><a/>");
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_TRUE(doc->warnings.empty());
}

TEST(DecodeXmlDocument, BlanksDeclarationButKeepsLineBreaks) {
  const auto doc = decode_xml_document("<?xml version='1.0'\n encoding='utf-8'?>\n<a/>");
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_EQ(doc->text, std::string(19, ' ') + "\n" + std::string(19, ' ') + "\n<a/>");
}

TEST(DecodeXmlDocument, RejectsInvalidUtf8InDeclaredOrUndeclaredUtf8) {
  const std::string declared = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>caf\xE9</a>";
  auto doc = decode_xml_document(declared);
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().code, Code::malformed);
  const std::string expected = "offset " + std::to_string(declared.find('\xE9')) + " (0xE9)";
  EXPECT_TRUE(contains(doc.error().message, expected)) << doc.error().message;

  doc = decode_xml_document("<a>\xFF</a>");
  ASSERT_FALSE(doc);
  EXPECT_TRUE(contains(doc.error().message, "offset 3 (0xFF)")) << doc.error().message;

  doc = decode_xml_document("\xEF\xBB\xBF<a>\xFF</a>");
  ASSERT_FALSE(doc);
  EXPECT_TRUE(contains(doc.error().message, "offset 6")) << doc.error().message;
}

TEST(DecodeXmlDocument, RejectsNulInEveryEncoding) {
  const std::string utf8("<a>x\0</a>", 9);
  const std::string cp1252 = "<?xml version='1.0' encoding='cp1252'?>" + utf8;
  for (const std::string& input : {utf8, cp1252}) {
    const auto doc = decode_xml_document(input);
    ASSERT_FALSE(doc);
    EXPECT_EQ(doc.error().code, Code::malformed);
    EXPECT_TRUE(contains(doc.error().message, "NUL byte at offset")) << doc.error().message;
  }
  const auto doc =
      decode_xml_document("\xFF\xFE" + utf16_bytes(std::u16string(u"<a>\0</a>", 8), false));
  ASSERT_FALSE(doc);
  EXPECT_TRUE(contains(doc.error().message, "NUL")) << doc.error().message;
}

TEST(Utf16ToUtf8, DecodesSurrogatePairs) {
  const auto text = utf16_to_utf8(utf16_bytes(u"\U0001F600!", true), true);
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_EQ(*text, "\U0001F600!");
}

TEST(Utf16ToUtf8, RejectsUnpairedSurrogateAndOddLength) {
  auto text = utf16_to_utf8(std::string("a\0\0\xD8"
                                        "b\0",
                                        6),
                            false);
  ASSERT_FALSE(text);
  EXPECT_TRUE(contains(text.error().message, "unpaired UTF-16 surrogate at offset 2"))
      << text.error().message;
  text = utf16_to_utf8(std::string("\xDC\0", 2), true);
  ASSERT_FALSE(text);
  EXPECT_TRUE(contains(text.error().message, "surrogate")) << text.error().message;
  text = utf16_to_utf8(std::string("a\0b", 3), false);
  ASSERT_FALSE(text);
  EXPECT_TRUE(contains(text.error().message, "odd number of bytes")) << text.error().message;
}

}  // namespace
}  // namespace dmarc::parse
