// Recognising e-mail messages and mbox files by their first lines.
#include "ingest/mail.hpp"
#include "ingest/mail_text.hpp"

namespace dmarc::ingest {
namespace {

bool is_token_char(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool is_alnum(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// No control characters except tab; 8-bit bytes are allowed (raw UTF-8 headers).
bool is_header_text(std::string_view text) {
  for (unsigned char c : text) {
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  }
  return true;
}

// True if the line after a first header line continues a header block: another
// field, a folded continuation, or the empty line before the body.
bool continues_headers(std::string_view bytes, const Line& first) {
  if (!first.terminated || first.next >= bytes.size()) return false;
  Line second = line_at(bytes, first.next);
  return second.text.empty() || is_continuation_line(second.text) ||
         is_header_field_line(second.text);
}

}  // namespace

Line line_at(std::string_view bytes, std::size_t pos) {
  Line line;
  std::size_t end = bytes.find('\n', pos);
  if (end == std::string_view::npos) {
    line.text = bytes.substr(pos);
    line.next = bytes.size();
    line.terminated = false;
  } else {
    line.text = bytes.substr(pos, end - pos);
    line.next = end + 1;
    line.terminated = true;
  }
  if (!line.text.empty() && line.text.back() == '\r') line.text.remove_suffix(1);
  return line;
}

std::size_t leading_whitespace(std::string_view bytes) {
  std::size_t n = bytes.find_first_not_of(" \t\r\n\f\v");
  return n == std::string_view::npos ? bytes.size() : n;
}

bool is_header_field_line(std::string_view line) {
  if (line.empty() || !is_alnum(static_cast<unsigned char>(line.front()))) return false;
  std::size_t i = 0;
  while (i < line.size() && is_token_char(static_cast<unsigned char>(line[i]))) ++i;
  if (i == line.size() || line[i] != ':') return false;
  return is_header_text(line.substr(i + 1));
}

bool is_mbox_from_line(std::string_view line) {
  return line.starts_with("From ") && line.size() > 5 && is_header_text(line);
}

bool is_continuation_line(std::string_view line) {
  return !line.empty() && (line.front() == ' ' || line.front() == '\t') && is_header_text(line);
}

bool looks_like_mail(std::string_view bytes) {
  std::size_t start = leading_whitespace(bytes);
  Line first = line_at(bytes, start);
  return is_header_field_line(first.text) && continues_headers(bytes, first);
}

bool looks_like_mbox(std::string_view bytes) {
  std::size_t start = leading_whitespace(bytes);
  Line first = line_at(bytes, start);
  if (!is_mbox_from_line(first.text) || !first.terminated) return false;
  Line second = line_at(bytes, first.next);
  return is_header_field_line(second.text) && continues_headers(bytes, second);
}

}  // namespace dmarc::ingest
