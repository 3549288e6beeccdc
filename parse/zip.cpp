#include "parse/zip.hpp"

#include <fmt/format.h>
#include <zip.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace dmarc::parse {

namespace {

constexpr std::size_t k_chunk_bytes = 64 * 1024;
constexpr std::size_t k_max_name_in_message = 200;

// End-of-central-directory records (APPNOTE 4.3.14 - 4.3.16).
constexpr std::string_view k_eocd_magic = "PK\x05\x06";
constexpr std::string_view k_eocd64_locator_magic = "PK\x06\x07";
constexpr std::string_view k_eocd64_magic = "PK\x06\x06";
constexpr std::size_t k_eocd_size = 22;
constexpr std::size_t k_eocd64_locator_size = 20;
constexpr std::size_t k_eocd64_size = 56;
// libzip looks for the EOCD in this many bytes at the end of the archive.
constexpr std::size_t k_eocd_search_bytes = 65535 + k_eocd_size + k_eocd64_locator_size;

struct ZipDiscard {
  void operator()(zip_t* z) const { zip_discard(z); }
};
struct ZipSourceFree {
  void operator()(zip_source_t* s) const { zip_source_free(s); }
};
struct ZipFileClose {
  void operator()(zip_file_t* f) const { zip_fclose(f); }
};
using ZipPtr = std::unique_ptr<zip_t, ZipDiscard>;
using ZipSourcePtr = std::unique_ptr<zip_source_t, ZipSourceFree>;
using ZipFilePtr = std::unique_ptr<zip_file_t, ZipFileClose>;

// Owns a zip_error_t.
class ZipError {
 public:
  ZipError() { zip_error_init(&m_error); }
  ~ZipError() { zip_error_fini(&m_error); }
  ZipError(const ZipError&) = delete;
  ZipError& operator=(const ZipError&) = delete;

  zip_error_t* get() { return &m_error; }
  std::string message() { return zip_error_strerror(&m_error); }

 private:
  zip_error_t m_error;
};

std::uint64_t read_le(std::string_view bytes, std::size_t at, std::size_t width) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < width; ++i) {
    value |= std::uint64_t{static_cast<unsigned char>(bytes[at + i])} << (8 * i);
  }
  return value;
}

// The largest entry count any end-of-central-directory record near the end
// of the archive declares, Zip64 records included: what libzip would size its
// entry table by.
std::uint64_t declared_entry_count(std::string_view archive) {
  std::size_t start =
      archive.size() > k_eocd_search_bytes ? archive.size() - k_eocd_search_bytes : 0;
  std::uint64_t largest = 0;
  for (std::size_t at = archive.find(k_eocd_magic, start); at != std::string_view::npos;
       at = archive.find(k_eocd_magic, at + 1)) {
    if (archive.size() - at < k_eocd_size) break;
    largest = std::max({largest, read_le(archive, at + 8, 2), read_le(archive, at + 10, 2)});
    if (at < k_eocd64_locator_size) continue;
    std::size_t locator = at - k_eocd64_locator_size;
    if (archive.substr(locator, 4) != k_eocd64_locator_magic) continue;
    std::uint64_t eocd64 = read_le(archive, locator + 8, 8);
    if (eocd64 > archive.size() || archive.size() - eocd64 < k_eocd64_size) continue;
    if (archive.substr(eocd64, 4) != k_eocd64_magic) continue;
    largest =
        std::max({largest, read_le(archive, eocd64 + 24, 8), read_le(archive, eocd64 + 32, 8)});
  }
  return largest;
}

Error too_many_members(std::uint64_t count, const Limits& limits) {
  return Error{Code::too_large, fmt::format("zip has {} members, over max_zip_members ({})", count,
                                            limits.max_zip_members)};
}

// Refuses archives whose members' compressed data cannot all fit in it: each
// member is read through a window of its compressed size, so this bounds the
// total work of reading every member by the archive's size.
Expected<void> check_no_overlap(zip_t* zip, std::uint64_t entries, std::string_view archive) {
  std::uint64_t total = 0;
  for (std::uint64_t i = 0; i < entries; ++i) {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(zip, i, 0, &st) != 0 || (st.valid & ZIP_STAT_COMP_SIZE) == 0) continue;
    if (st.comp_size > archive.size() - total) {
      return fail(Code::malformed,
                  fmt::format("zip members overlap or claim more data than the archive holds "
                              "({} bytes)",
                              archive.size()));
    }
    total += st.comp_size;
  }
  return {};
}

Expected<std::string> read_member(zip_t* zip, std::uint64_t index, const std::string& subject,
                                  InflateBudget& budget) {
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat_index(zip, index, 0, &st) != 0) {
    return fail(Code::malformed, fmt::format("{}: {}", subject, zip_strerror(zip)));
  }
  if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) != 0 && st.encryption_method != ZIP_EM_NONE) {
    return fail(Code::malformed, fmt::format("{} is encrypted", subject));
  }
  if ((st.valid & ZIP_STAT_COMP_METHOD) != 0 && st.comp_method != ZIP_CM_STORE &&
      st.comp_method != ZIP_CM_DEFLATE) {
    return fail(Code::malformed,
                fmt::format("{} uses compression method {}; only stored and deflate are read",
                            subject, st.comp_method));
  }

  ZipFilePtr file(zip_fopen_index(zip, index, 0));
  if (!file) return fail(Code::malformed, fmt::format("{}: {}", subject, zip_strerror(zip)));

  std::string out;
  std::array<char, k_chunk_bytes> chunk{};
  for (;;) {
    zip_int64_t got = zip_fread(file.get(), chunk.data(), chunk.size());
    if (got < 0) {
      return fail(Code::malformed, fmt::format("{}: {}", subject, zip_file_strerror(file.get())));
    }
    if (got == 0) return out;
    if (!budget.spend(static_cast<std::uint64_t>(got))) {
      return fail(Code::too_large, budget_message(subject, budget));
    }
    out.append(chunk.data(), static_cast<std::size_t>(got));
  }
}

}  // namespace

bool is_skipped_zip_member(std::string_view name) {
  if (!name.empty() && name.back() == '/') return true;
  if (name.starts_with("__MACOSX/")) return true;
  std::size_t slash = name.rfind('/');
  std::string_view base = slash == std::string_view::npos ? name : name.substr(slash + 1);
  return base.starts_with("._");
}

std::string zip_member_subject(std::string_view name) {
  bool shortened = name.size() > k_max_name_in_message;
  if (shortened) {
    std::size_t cut = k_max_name_in_message;
    // Do not split a UTF-8 sequence: back up over continuation bytes.
    while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xc0) == 0x80) --cut;
    name = name.substr(0, cut);
  }
  std::string out = "zip member \"";
  for (char c : name) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte == 0x7f) {
      out += fmt::format("\\x{:02x}", byte);
    } else {
      out += c;
    }
  }
  if (shortened) out += "...";
  out += '"';
  return out;
}

Expected<void> read_zip(std::string_view archive, const Limits& limits, InflateBudget& budget,
                        const std::function<void(ZipMember&&)>& on_member) {
  std::uint64_t declared = declared_entry_count(archive);
  if (declared > limits.max_zip_members) return tl::unexpected(too_many_members(declared, limits));

  ZipError error;
  ZipSourcePtr source(zip_source_buffer_create(archive.data(), archive.size(), 0, error.get()));
  if (!source) return fail(Code::malformed, "zip archive: " + error.message());
  ZipPtr zip(zip_open_from_source(source.get(), ZIP_RDONLY, error.get()));
  if (!zip) return fail(Code::malformed, "zip archive: " + error.message());
  source.release();  // the open archive owns its source now

  zip_int64_t entries = zip_get_num_entries(zip.get(), 0);
  if (entries < 0) return fail(Code::malformed, "zip archive: cannot count its members");
  auto count = static_cast<std::uint64_t>(entries);
  if (count > limits.max_zip_members) return tl::unexpected(too_many_members(count, limits));
  if (auto fits = check_no_overlap(zip.get(), count, archive); !fits) return fits;

  for (std::uint64_t i = 0; i < count && !budget.exceeded(); ++i) {
    const char* raw_name = zip_get_name(zip.get(), i, ZIP_FL_ENC_GUESS);
    if (raw_name == nullptr) {
      on_member(ZipMember{
          "", fail(Code::malformed, fmt::format("zip entry {}: {}", i, zip_strerror(zip.get())))});
      continue;
    }
    std::string name = raw_name;
    if (is_skipped_zip_member(name)) continue;
    auto bytes = read_member(zip.get(), i, zip_member_subject(name), budget);
    on_member(ZipMember{std::move(name), std::move(bytes)});
  }
  return {};
}

}  // namespace dmarc::parse
