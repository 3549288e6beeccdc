// Renderers of the weekly summary. Every string from a report is made safe
// for its medium: JSON-escaped, or stripped of control characters on a
// terminal.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include "report/summary.hpp"

namespace dmarc::report {

// A JSON document (UTF-8), stable key order; times as unix seconds and UTC dates.
void render_json(std::ostream& out, const Summary& summary);

// Plain text for a terminal or a mail body.
void render_text(std::ostream& out, const Summary& summary);

// A JSON string literal for text, quotes included.
std::string json_string(std::string_view text);

}  // namespace dmarc::report
