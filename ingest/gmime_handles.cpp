#include "ingest/gmime_handles.hpp"

#include <mutex>

namespace dmarc::ingest {

void ensure_gmime() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

Owned<GMimeStream> memory_stream(std::string_view bytes) {
  ensure_gmime();
  return Owned<GMimeStream>(g_mime_stream_mem_new_with_buffer(bytes.data(), bytes.size()));
}

Owned<GMimeStream> memory_stream(OwnedByteArray array) {
  ensure_gmime();
  // The new stream owns the array from here on.
  return Owned<GMimeStream>(g_mime_stream_mem_new_with_byte_array(array.release()));
}

Owned<GMimeParser> make_parser(GMimeStream* stream, GMimeFormat format) {
  ensure_gmime();
  Owned<GMimeParser> parser(g_mime_parser_new_with_stream(stream));
  g_mime_parser_set_format(parser.get(), format);
  return parser;
}

}  // namespace dmarc::ingest
