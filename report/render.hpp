// Renderers of the weekly summary. Every string from a report is made safe
// for its medium: JSON-escaped, or stripped of control characters on a
// terminal.
#pragma once

#include <algorithm>
#include <ostream>
#include <string>
#include <string_view>

#include "report/summary.hpp"

namespace dmarc::report {

// A JSON document (UTF-8), stable key order; times as unix seconds and UTC dates.
void render_json(std::ostream& out, const Summary& summary);

// Plain text for a terminal or a mail body.
void render_text(std::ostream& out, const Summary& summary);

// RFC 4180 CSV (CRLF rows), one row per flagged or at-risk source.
void render_csv(std::ostream& out, const Summary& summary);

// Markdown with tables, for wikis and tickets.
void render_markdown(std::ostream& out, const Summary& summary);

// A quoted CSV cell; a value starting with = + - @ (or tab, CR) is prefixed
// with an apostrophe so spreadsheets do not run it as a formula.
std::string csv_cell(std::string_view text);

// Text safe inside Markdown: control characters removed, Markdown and HTML
// punctuation backslash-escaped.
std::string markdown_text(std::string_view text);

// One self-contained HTML page (no external assets, inline SVG charts).
void render_html(std::ostream& out, const Summary& summary);

// Text safe in HTML element content and attribute values: control
// characters removed, & < > " ' as entities.
std::string html_escape(std::string_view text);

// "12.3%" of part in whole, or "-" when whole is 0.
std::string percent(std::int64_t part, std::int64_t whole);

// " (the 20 most affected of 35)" when a list was cut by --top, else "".
std::string top_note(std::size_t shown, std::size_t total);

// A JSON string literal for text, quotes included.
std::string json_string(std::string_view text);

}  // namespace dmarc::report
