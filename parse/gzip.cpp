#include "parse/gzip.hpp"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstddef>
#include <new>

namespace dmarc::parse {

namespace {

constexpr std::size_t k_chunk_bytes = 64 * 1024;
constexpr int k_gzip_window_bits = 16 + MAX_WBITS;  // gzip header and trailer only
constexpr int k_zlib_window_bits = MAX_WBITS;       // zlib header and trailer only

enum class Framing { gzip, zlib };

// Owns one inflate z_stream.
class Inflater {
 public:
  explicit Inflater(int window_bits) {
    int rc = inflateInit2(&m_stream, window_bits);
    if (rc == Z_MEM_ERROR) throw std::bad_alloc();
    m_ready = rc == Z_OK;
  }
  ~Inflater() {
    if (m_ready) inflateEnd(&m_stream);
  }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  bool ready() const { return m_ready; }
  z_stream& stream() { return m_stream; }

 private:
  z_stream m_stream{};
  bool m_ready = false;
};

bool starts_gzip_member(std::string_view bytes) {
  return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
         static_cast<unsigned char>(bytes[1]) == 0x8b;
}

tl::unexpected<Error> zlib_failure(std::string_view subject, const z_stream& z, int rc) {
  const char* why = z.msg != nullptr ? z.msg : zError(rc);
  return fail(Code::malformed, fmt::format("{}: {}", subject, why));
}

Expected<std::string> inflate_stream(std::string_view input, Framing framing, InflateBudget& budget,
                                     std::string_view subject) {
  Inflater inflater(framing == Framing::gzip ? k_gzip_window_bits : k_zlib_window_bits);
  if (!inflater.ready()) return fail(Code::malformed, fmt::format("{}: zlib init failed", subject));
  z_stream& z = inflater.stream();

  std::string out;
  std::array<unsigned char, k_chunk_bytes> chunk{};
  std::size_t fed = 0;  // input bytes handed to zlib so far
  auto feed = [&] {
    std::size_t piece = std::min<std::size_t>(input.size() - fed, UINT_MAX);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data() + fed));
    z.avail_in = static_cast<uInt>(piece);
    fed += piece;
  };
  feed();

  for (;;) {
    if (z.avail_in == 0 && fed < input.size()) feed();
    z.next_out = chunk.data();
    z.avail_out = static_cast<uInt>(chunk.size());
    int rc = inflate(&z, Z_NO_FLUSH);
    if (rc == Z_MEM_ERROR) throw std::bad_alloc();

    std::size_t produced = chunk.size() - z.avail_out;
    if (produced > 0) {
      if (!budget.spend(produced)) {
        return fail(Code::too_large, budget_message(subject, budget));
      }
      out.append(reinterpret_cast<const char*>(chunk.data()), produced);
    }

    if (rc == Z_STREAM_END) {
      std::size_t consumed = fed - z.avail_in;
      std::string_view rest = input.substr(consumed);
      if (framing == Framing::gzip && starts_gzip_member(rest)) {
        // Another member follows: inflate it into the same output.
        if (inflateReset(&z) != Z_OK) return zlib_failure(subject, z, Z_STREAM_ERROR);
        fed = consumed;
        feed();
        continue;
      }
      return out;  // trailing bytes, if any, are not part of the stream
    }
    if (rc == Z_OK) continue;
    if (rc == Z_BUF_ERROR && z.avail_in == 0) {
      if (fed < input.size()) continue;  // more input to hand over
      return fail(Code::malformed,
                  fmt::format("{}: unexpected end of data (truncated stream)", subject));
    }
    return zlib_failure(subject, z, rc);
  }
}

}  // namespace

bool InflateBudget::spend(std::uint64_t n) {
  if (m_exceeded || n > m_limit - m_used) {
    m_exceeded = true;
    return false;
  }
  m_used += n;
  return true;
}

std::string budget_message(std::string_view subject, const InflateBudget& budget) {
  return fmt::format("{} inflates past max_unpacked_bytes ({})", subject, budget.limit());
}

Expected<std::string> gunzip(std::string_view input, InflateBudget& budget,
                             std::string_view subject) {
  return inflate_stream(input, Framing::gzip, budget, subject);
}

Expected<std::string> inflate_zlib(std::string_view input, InflateBudget& budget,
                                   std::string_view subject) {
  return inflate_stream(input, Framing::zlib, budget, subject);
}

}  // namespace dmarc::parse
