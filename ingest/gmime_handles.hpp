// GMime set-up and ownership of the GMime objects this library creates.
// ensure_gmime() must run before any other GMime call; it is cheap after the
// first call and safe from any thread. Owned<T> releases with g_object_unref;
// pointers GMime lends out (a multipart's children, a part's content) stay raw.
#pragma once

#include <gmime/gmime.h>

#include <cstdint>
#include <memory>
#include <string_view>

namespace dmarc::ingest {

// Largest input a GMime memory stream can hold (its GByteArray length is a guint).
inline constexpr std::uint64_t k_max_stream_bytes = G_MAXUINT;

// Calls g_mime_init() exactly once per process.
void ensure_gmime();

struct GObjectUnref {
  void operator()(gpointer object) const noexcept { g_object_unref(object); }
};

template <class T>
using Owned = std::unique_ptr<T, GObjectUnref>;

struct ByteArrayUnref {
  void operator()(GByteArray* array) const noexcept { g_byte_array_unref(array); }
};

using OwnedByteArray = std::unique_ptr<GByteArray, ByteArrayUnref>;

// A seekable memory stream holding a copy of bytes.
Owned<GMimeStream> memory_stream(std::string_view bytes);

// A memory stream that takes over array (and frees it with the stream).
Owned<GMimeStream> memory_stream(OwnedByteArray array);

// A parser reading stream in the given format.
Owned<GMimeParser> make_parser(GMimeStream* stream, GMimeFormat format);

}  // namespace dmarc::ingest
