// Making report-derived text safe for a terminal: strings in reports are
// written by strangers and may carry escape sequences.
#pragma once

#include <string>
#include <string_view>

namespace dmarc::report {

// Returns text with C0 and C1 control characters (ESC, BEL, CR, NUL,
// U+0080-U+009F, DEL, and so on) removed, tabs and newlines turned into
// spaces, and bytes that are not valid UTF-8 replaced by U+FFFD.
std::string sanitize_for_terminal(std::string_view text);

// The number of terminal columns text occupies (one per code point; good
// enough for table alignment of sanitised text).
std::size_t display_width(std::string_view text);

}  // namespace dmarc::report
