#include "store/store.hpp"

#include <fmt/core.h>

#include "store/migrate.hpp"
#include "store/raw_codec.hpp"
#include "store/store_impl.hpp"

namespace dmarc::store {
namespace {

// Database is opened and migrated before any statement is prepared.
Database& open_database(Database& db) {
  prepare_database(db);
  return db;
}

}  // namespace

const char* to_string(OtherKind kind) {
  switch (kind) {
    case OtherKind::forensic: return "forensic";
    case OtherKind::smtp_tls: return "smtp_tls";
    case OtherKind::other_mail: return "other_mail";
    case OtherKind::not_report: return "not_report";
  }
  return "unknown";
}

Store::Impl::Impl(const std::filesystem::path& path)
    : db(path),
      writer(open_database(db)),
      find_raw(db, "SELECT id FROM raw_reports WHERE sha256 = ?1", "looking up raw bytes"),
      insert_raw(db,
                 "INSERT INTO raw_reports (sha256, size, compression, data, origin, first_seen) "
                 "VALUES (?1, ?2, 'zlib', ?3, ?4, ?5) ON CONFLICT (sha256) DO NOTHING",
                 "storing raw bytes"),
      insert_failure(db,
                     "INSERT INTO ingest_failures (raw_id, origin, part, code, message, "
                     "first_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                     "ON CONFLICT (raw_id, part, code) DO NOTHING",
                     "recording an ingest failure"),
      insert_other(db,
                   "INSERT INTO other_inputs (raw_id, origin, part, kind, detail, first_seen) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (raw_id, part) DO NOTHING",
                   "recording a non-aggregate input"),
      known_raw(db, k_known_raw_sql, "looking up raw bytes stored before") {}

Store::Store(const std::filesystem::path& path) : m_impl(std::make_unique<Impl>(path)) {}

Store::~Store() = default;

RawInput Store::save_raw(std::string_view bytes, std::string_view origin) {
  return save_raw(encode_raw(bytes, false), bytes, origin);
}

RawInput Store::save_raw(const EncodedRaw& raw, std::string_view origin) {
  return save_raw(raw, std::nullopt, origin);
}

RawInput Store::save_raw(const EncodedRaw& raw, std::optional<std::string_view> bytes,
                         std::string_view origin) {
  Statement& find = m_impl->find_raw;
  find.bind(1, raw.sha256);
  if (find.step()) {
    const std::int64_t id = find.column_int64(0);
    find.reset();
    return {id, false};
  }
  find.reset();
  // Compressed only now that the bytes are known to be new.
  std::string compressed_here;
  if (!raw.compressed) {
    if (!bytes) throw Fatal(fmt::format("raw bytes {} to store are not compressed", raw.sha256));
    compressed_here = zlib_compress(*bytes);
  }
  Transaction transaction(m_impl->db, Transaction::Mode::immediate);
  m_impl->insert_raw.bind(1, raw.sha256)
      .bind(2, static_cast<std::int64_t>(raw.size))
      .bind_blob(3, raw.compressed ? *raw.compressed : compressed_here)
      .bind(4, origin)
      .bind(5, unix_now());
  m_impl->insert_raw.run();
  RawInput result{m_impl->db.last_insert_rowid(), true};
  if (m_impl->db.changes() == 0) {
    find.bind(1, raw.sha256);
    if (!find.step()) m_impl->db.fail("looking up raw bytes stored concurrently");
    result = {find.column_int64(0), false};
    find.reset();
  }
  transaction.commit();
  return result;
}

SaveResult Store::save_report(const parse::AggregateReport& report, std::int64_t raw_id,
                              std::string_view origin) {
  try {
    Transaction transaction(m_impl->db, Transaction::Mode::immediate);
    const SaveResult result = m_impl->writer.write(report, raw_ref(raw_id), origin, unix_now());
    transaction.commit();
    return result;
  } catch (const Fatal& error) {
    // The transaction has been rolled back: nothing of this report is kept.
    throw Fatal(fmt::format("saving report \"{}\" of {} (from {}): {}", report.metadata.report_id,
                            report.metadata.org_name.value_or("unknown org"), origin,
                            error.what()));
  }
}

void Store::record_failure(std::int64_t raw_id, std::string_view origin, std::string_view part,
                           const Error& error) {
  m_impl->insert_failure.bind(1, raw_ref(raw_id))
      .bind(2, origin)
      .bind(3, part)
      .bind(4, to_string(error.code))
      .bind(5, error.message)
      .bind(6, unix_now());
  m_impl->insert_failure.run();
}

void Store::record_other(std::int64_t raw_id, std::string_view origin, std::string_view part,
                         OtherKind kind, std::string_view detail) {
  m_impl->insert_other.bind(1, raw_ref(raw_id))
      .bind(2, origin)
      .bind(3, part)
      .bind(4, to_string(kind))
      .bind(5, detail)
      .bind(6, unix_now());
  m_impl->insert_other.run();
}

}  // namespace dmarc::store
