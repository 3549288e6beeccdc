// Named limits for untrusted input. Every reader takes a Limits; caps are
// applied while reading or inflating (running counters), never from a size a
// header declares. Defaults are documented in docs/limits.md and each can be
// changed with a CLI flag of the same name (--max-unpacked-bytes ...).
#pragma once

#include <cstdint>

namespace dmarc {

struct Limits {
  // Bytes of one input (a file, a mail message, stdin).
  std::uint64_t max_input_bytes = 256ull << 20;
  // Bytes produced by decompressing one input, over all layers and members.
  std::uint64_t max_unpacked_bytes = 1ull << 30;
  // Members of one zip archive (directory entries included).
  std::uint32_t max_zip_members = 1000;
  // Nested compression layers (gzip in gzip in zip ...).
  std::uint32_t max_archive_depth = 4;
  // Bytes of one XML document after unpacking.
  std::uint64_t max_xml_bytes = 512ull << 20;
  // Element nesting depth of one XML document.
  std::uint32_t max_xml_depth = 256;
  // <record> elements in one report.
  std::uint64_t max_records = 2'000'000;
  // MIME parts of one mail message.
  std::uint32_t max_mime_parts = 1000;
};

}  // namespace dmarc
