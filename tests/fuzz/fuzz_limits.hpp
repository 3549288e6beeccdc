// Limits for the fuzz targets: the defaults scaled down so that one input
// cannot take more than a few MiB or a few hundred milliseconds, which keeps
// libFuzzer fast and within its memory limit. The code paths are the same.
#pragma once

#include "parse/limits.hpp"

namespace dmarc::fuzz {

inline Limits fuzz_limits() {
  Limits limits;
  limits.max_input_bytes = 1u << 20;
  limits.max_unpacked_bytes = 8u << 20;
  limits.max_zip_members = 64;
  limits.max_archive_depth = 4;
  limits.max_xml_bytes = 4u << 20;
  limits.max_xml_depth = 256;
  limits.max_records = 10'000;
  limits.max_mime_parts = 64;
  return limits;
}

}  // namespace dmarc::fuzz
