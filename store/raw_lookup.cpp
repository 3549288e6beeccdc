// Looking up raw bytes stored before, by their SHA-256, with what came of
// them: lets ingestion skip reading an input again (store.hpp).
#include <fmt/core.h>

#include "store/raw_codec.hpp"
#include "store/store_impl.hpp"

namespace dmarc::store {

const char* const k_known_raw_sql = R"sql(
SELECT raw.id,
       (SELECT count(*) FROM reports WHERE raw_id = raw.id),
       (SELECT count(*) FROM other_inputs WHERE raw_id = raw.id),
       (SELECT count(*) FROM ingest_failures WHERE raw_id = raw.id)
FROM raw_reports AS raw WHERE raw.sha256 = ?1)sql";

namespace {

std::uint64_t count_column(Statement& statement, int column) {
  const std::int64_t n = statement.column_int64(column);
  return n < 0 ? 0 : static_cast<std::uint64_t>(n);
}

}  // namespace

std::optional<KnownRaw> find_known_raw(Statement& statement, std::string_view sha256) {
  statement.bind(1, sha256);
  std::optional<KnownRaw> known;
  if (statement.step()) {
    known = KnownRaw{statement.column_int64(0), count_column(statement, 1),
                     count_column(statement, 2), count_column(statement, 3)};
  }
  statement.reset();
  return known;
}

EncodedRaw encode_raw(std::string_view bytes, bool compress) {
  EncodedRaw raw;
  raw.sha256 = sha256_hex(bytes);
  raw.size = bytes.size();
  if (compress) compress_raw(raw, bytes);
  return raw;
}

void compress_raw(EncodedRaw& raw, std::string_view bytes) { raw.compressed = zlib_compress(bytes); }

std::optional<KnownRaw> Store::known_raw(std::string_view sha256) const {
  return find_known_raw(m_impl->known_raw, sha256);
}

std::unique_ptr<RawLookup> Store::open_lookup() const {
  if (m_impl->db.is_memory()) return nullptr;
  return std::make_unique<RawLookup>(m_impl->db.name());
}

struct RawLookup::Impl {
  explicit Impl(const std::filesystem::path& path)
      : db(path, Database::Access::read_only),
        find(db, k_known_raw_sql, "looking up raw bytes stored before") {}
  Database db;
  Statement find;
};

RawLookup::RawLookup(const std::filesystem::path& path) : m_impl(std::make_unique<Impl>(path)) {}

RawLookup::~RawLookup() = default;

std::optional<KnownRaw> RawLookup::find(std::string_view sha256) {
  return find_known_raw(m_impl->find, sha256);
}

}  // namespace dmarc::store
