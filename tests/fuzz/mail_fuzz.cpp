// Fuzz target: e-mail recognition, mbox splitting and MIME part extraction
// with GMime. Checks the part limit holds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/mail.hpp"
#include "tests/fuzz/fuzz_limits.hpp"

namespace {

void check_mail(std::string_view message, const dmarc::Limits& limits) {
  const auto mail = dmarc::ingest::parse_mail(message, limits);
  if (!mail) return;
  if (mail->parts.size() > limits.max_mime_parts) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const dmarc::Limits limits = dmarc::fuzz::fuzz_limits();
  (void)dmarc::ingest::looks_like_mail(input);
  if (dmarc::ingest::looks_like_mbox(input)) {
    const auto messages = dmarc::ingest::split_mbox(input, limits);
    if (messages) {
      for (const std::string& m : *messages) check_mail(m, limits);
    }
  }
  check_mail(input, limits);
  return 0;
}
