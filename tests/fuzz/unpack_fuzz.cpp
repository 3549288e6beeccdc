// Fuzz target: container sniffing and unpacking (gzip, zip, zlib, nesting).
// Checks the contract of unpack(): no crash, every problem reported as a
// malformed or too_large PartError, output within max_unpacked_bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "parse/unpack.hpp"
#include "tests/fuzz/fuzz_limits.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const dmarc::Limits limits = dmarc::fuzz::fuzz_limits();
  (void)dmarc::parse::sniff(input);
  const dmarc::parse::Unpacked unpacked = dmarc::parse::unpack(input, limits);
  std::uint64_t total = 0;
  for (const dmarc::parse::Document& doc : unpacked.documents) {
    if (doc.layers.empty()) std::abort();
    total += doc.bytes.size();
  }
  // A document that was not inflated is the input itself.
  if (total > limits.max_unpacked_bytes + size) std::abort();
  for (const dmarc::parse::PartError& e : unpacked.errors) {
    if (e.error.code != dmarc::Code::malformed && e.error.code != dmarc::Code::too_large &&
        e.error.code != dmarc::Code::unsupported) {
      std::abort();
    }
    if (e.error.message.empty()) std::abort();
  }
  return 0;
}
