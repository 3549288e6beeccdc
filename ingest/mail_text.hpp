// Line-level helpers shared by mail detection, mbox splitting and message
// preparation. They look at raw bytes only (no GMime) and accept LF and CRLF
// line endings.
#pragma once

#include <cstddef>
#include <string_view>

namespace dmarc::ingest {

// One line of text: its bytes without the line ending, and where the next
// line starts (bytes.size() at the end of input).
struct Line {
  std::string_view text;
  std::size_t next = 0;
  bool terminated = false;  // ended by LF (possibly CRLF), not by end of input
};

// The line starting at offset pos (pos <= bytes.size()).
Line line_at(std::string_view bytes, std::size_t pos);

// Number of leading space, tab, CR, LF, FF and VT bytes.
std::size_t leading_whitespace(std::string_view bytes);

// "Name: value" with a name of RFC 7230 token characters starting with a
// letter or digit, directly followed by ':', and a value without control
// characters other than tab.
bool is_header_field_line(std::string_view line);

// An mbox separator line: "From " then printable text.
bool is_mbox_from_line(std::string_view line);

// A folded header continuation: starts with space or tab.
bool is_continuation_line(std::string_view line);

}  // namespace dmarc::ingest
