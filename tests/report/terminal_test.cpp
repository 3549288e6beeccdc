#include "report/terminal.hpp"

#include <gtest/gtest.h>

using dmarc::report::display_width;
using dmarc::report::sanitize_for_terminal;

TEST(Terminal, RemovesEscapeSequencesIntroducer) {
  EXPECT_EQ(sanitize_for_terminal("evil\x1b[2Jorg"), "evil[2Jorg");
  EXPECT_EQ(sanitize_for_terminal("\x1b]0;title\x07x"), "]0;titlex");
}

TEST(Terminal, RemovesC1ControlsEncodedInUtf8) {
  // U+009B is the single-character CSI.
  EXPECT_EQ(sanitize_for_terminal("a\xC2\x9B" "31mb"), "a31mb");
  // U+00A0 and above are kept.
  EXPECT_EQ(sanitize_for_terminal("\xC2\xA0"), "\xC2\xA0");
}

TEST(Terminal, TurnsLineBreaksAndTabsIntoSpaces) {
  EXPECT_EQ(sanitize_for_terminal("a\r\nb\tc"), "a  b c");
}

TEST(Terminal, DropsNulAndDel) {
  EXPECT_EQ(sanitize_for_terminal(std::string_view("a\0b\x7f" "c", 5)), "abc");
}

TEST(Terminal, ReplacesInvalidUtf8WithReplacementCharacter) {
  EXPECT_EQ(sanitize_for_terminal("M\xFCller"), "M\xEF\xBF\xBDller");
  EXPECT_EQ(sanitize_for_terminal("\xE2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  // Overlong encoding of '/' and UTF-16 surrogates are invalid too.
  EXPECT_EQ(sanitize_for_terminal("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(sanitize_for_terminal("\xED\xA0\x80"),
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(Terminal, KeepsValidMultibyteText) {
  EXPECT_EQ(sanitize_for_terminal("M\xC3\xBCller \xE2\x82\xAC \xF0\x9F\x93\xA7"),
            "M\xC3\xBCller \xE2\x82\xAC \xF0\x9F\x93\xA7");
  EXPECT_EQ(display_width("M\xC3\xBCller"), 6u);
}
