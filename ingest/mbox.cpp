// Splitting mbox files with GMime's mbox parser. Each message is returned as
// the original bytes between its "From " line and the next one, minus the
// blank line an mbox writer puts after every message.
#include <fmt/format.h>

#include <cstdint>
#include <optional>

#include "ingest/gmime_handles.hpp"
#include "ingest/mail.hpp"

namespace dmarc::ingest {
namespace {

// Where one message lies in the mbox, from its first header line up to the
// next "From " line or the end.
struct Range {
  std::size_t begin = 0;
  std::size_t end = 0;
};

// The empty line that separates a message from the next "From " line belongs
// to the mbox format, not to the message.
std::string_view without_separator_line(std::string_view message) {
  if (message.ends_with("\r\n\r\n")) {
    message.remove_suffix(2);
  } else if (message.ends_with("\n\n")) {
    message.remove_suffix(1);
  }
  return message;
}

// Start of the first line after the one at `at` that begins with "From ".
std::size_t next_from_line(std::string_view mbox, std::size_t at) {
  std::size_t found = mbox.find("\nFrom ", at);
  return found == std::string_view::npos ? mbox.size() : found + 1;
}

// Reads messages from offset start on, appending their ranges. Returns the
// offset of a "From " line GMime could not read a message after (it does not
// go on from there by itself), or nothing at the end of the input.
std::optional<std::size_t> read_messages(GMimeStream* source, std::size_t start,
                                         std::vector<Range>& ranges) {
  Owned<GMimeStream> rest(g_mime_stream_substream(source, static_cast<gint64>(start), -1));
  Owned<GMimeParser> parser = make_parser(rest.get(), GMIME_FORMAT_MBOX);
  std::size_t done = start;
  while (!g_mime_parser_eos(parser.get())) {
    Owned<GMimeMessage> message(g_mime_parser_construct_message(parser.get(), nullptr));
    if (!message) {
      gint64 marker = g_mime_parser_get_mbox_marker_offset(parser.get());
      if (marker < 0 || static_cast<std::size_t>(marker) < done) return std::nullopt;
      return static_cast<std::size_t>(marker);
    }
    gint64 begin = g_mime_parser_get_headers_begin(parser.get());
    gint64 end = g_mime_parser_tell(parser.get());
    if (begin < static_cast<gint64>(done) || end < begin) return std::nullopt;
    ranges.push_back(Range{static_cast<std::size_t>(begin), static_cast<std::size_t>(end)});
    done = static_cast<std::size_t>(end);
  }
  return std::nullopt;
}

}  // namespace

Expected<std::vector<std::string>> split_mbox(std::string_view mbox, const Limits& limits) {
  if (mbox.size() > limits.max_input_bytes || mbox.size() > k_max_stream_bytes) {
    return fail(Code::too_large, fmt::format("mbox of {} bytes exceeds max_input_bytes ({})",
                                             mbox.size(), limits.max_input_bytes));
  }
  Owned<GMimeStream> source = memory_stream(mbox);
  std::vector<Range> ranges;
  std::size_t start = 0;
  while (start < mbox.size()) {
    std::optional<std::size_t> stuck = read_messages(source.get(), start, ranges);
    if (!stuck) break;
    // A "From " line without headers after it is body text of the message
    // before it (an unquoted "From " in mboxo), or junk before the first one.
    std::size_t next = next_from_line(mbox, *stuck);
    if (!ranges.empty() && ranges.back().end == *stuck) ranges.back().end = next;
    start = next;
  }
  if (ranges.empty()) return fail(Code::malformed, "no message found in mbox");
  std::vector<std::string> messages;
  messages.reserve(ranges.size());
  for (const Range& range : ranges) {
    std::string_view bytes = mbox.substr(range.begin, range.end - range.begin);
    messages.emplace_back(without_separator_line(bytes));
  }
  return messages;
}

}  // namespace dmarc::ingest
