// Splitting mbox files with GMime's mbox parser. Each message is returned as
// the original bytes between its "From " line and the next one, minus the
// blank line an mbox writer puts after every message.
#include <fmt/format.h>

#include <cstdint>

#include "ingest/gmime_handles.hpp"
#include "ingest/mail.hpp"

namespace dmarc::ingest {
namespace {

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

}  // namespace

Expected<std::vector<std::string>> split_mbox(std::string_view mbox, const Limits& limits) {
  if (mbox.size() > limits.max_input_bytes || mbox.size() > k_max_stream_bytes) {
    return fail(Code::too_large, fmt::format("mbox of {} bytes exceeds max_input_bytes ({})",
                                             mbox.size(), limits.max_input_bytes));
  }
  Owned<GMimeStream> stream = memory_stream(mbox);
  Owned<GMimeParser> parser = make_parser(stream.get(), GMIME_FORMAT_MBOX);
  std::vector<std::string> messages;
  while (!g_mime_parser_eos(parser.get())) {
    Owned<GMimeMessage> message(g_mime_parser_construct_message(parser.get(), nullptr));
    if (!message) break;
    gint64 begin = g_mime_parser_get_headers_begin(parser.get());
    gint64 end = g_mime_parser_tell(parser.get());
    if (begin < 0 || end < begin || static_cast<std::uint64_t>(end) > mbox.size()) break;
    auto offset = static_cast<std::size_t>(begin);
    auto length = static_cast<std::size_t>(end - begin);
    messages.emplace_back(without_separator_line(mbox.substr(offset, length)));
  }
  if (messages.empty()) return fail(Code::malformed, "no message found in mbox");
  return messages;
}

}  // namespace dmarc::ingest
