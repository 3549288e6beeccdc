#include "store/migrate.hpp"

#include <fmt/core.h>

#include <array>

#include "parse/error.hpp"
#include "store/schema_sql.hpp"
#include "store/store.hpp"

namespace dmarc::store {
namespace {

// One step of the schema's history: running sql on a database at version - 1
// brings it to version. Steps are never edited once released; a change to the
// schema is a new step (and a new k_schema_version).
struct Migration {
  int version;
  const char* sql;
};

// Version 2: ip_names rows say whether the PTR name was forward-confirmed.
constexpr const char* k_version_2_sql = R"sql(
ALTER TABLE ip_names ADD COLUMN forward_confirmed INTEGER
  CHECK (forward_confirmed IN (0, 1));
)sql";

// Version 3: reports are selected by the midpoint of their date range (the
// period a report belongs to); an index on that expression makes the weekly
// report read only the period's reports.
constexpr const char* k_version_3_sql = R"sql(
CREATE INDEX reports_midpoint ON reports (date_begin + (date_end - date_begin) / 2);
)sql";

constexpr std::array k_migrations{
    Migration{1, k_schema_sql},
    Migration{2, k_version_2_sql},
    Migration{3, k_version_3_sql},
};
static_assert(k_migrations.back().version == k_schema_version,
              "the last migration must reach k_schema_version");

std::int64_t query_int(Database& db, const char* sql, std::string_view what) {
  Statement statement(db, sql, what);
  if (!statement.step()) throw Fatal(fmt::format("{}: no result", what));
  const std::int64_t value = statement.column_int64(0);
  statement.reset();
  return value;
}

std::int64_t user_version(Database& db) {
  return query_int(db, "PRAGMA user_version", "reading the schema version");
}

void check_version(const Database& db, std::int64_t version) {
  if (version > k_schema_version) {
    throw Fatal(fmt::format("{}: database schema version {} is newer than this dmarcdb ({})",
                            db.name(), version, k_schema_version));
  }
  if (version < 0) {
    throw Fatal(fmt::format("{}: invalid database schema version {}", db.name(), version));
  }
}

// Refuses SQLite files that belong to another program.
void check_owner(Database& db, std::int64_t version) {
  const std::int64_t app_id = query_int(db, "PRAGMA application_id", "reading the application id");
  if (app_id == k_application_id) return;
  if (app_id != 0 || version != 0) {
    throw Fatal(fmt::format("{} is not a dmarcdb database (application_id {}, user_version {})",
                            db.name(), app_id, version));
  }
}

void set_wal(Database& db) {
  if (db.is_memory()) return;
  Statement statement(db, "PRAGMA journal_mode = WAL", "enabling WAL journal mode");
  // The answer is the mode now in force; a file system without shared memory
  // keeps the old mode, which is slower but correct.
  while (statement.step()) {
  }
}

void migrate(Database& db) {
  Transaction transaction(db, Transaction::Mode::immediate);
  // Read again under the write lock: another process may have migrated.
  const std::int64_t version = user_version(db);
  check_version(db, version);
  if (version >= k_schema_version) return;  // rolls back the empty transaction
  if (version == 0) {
    const std::int64_t objects =
        query_int(db, "SELECT count(*) FROM sqlite_schema", "reading the schema");
    if (objects != 0) {
      throw Fatal(fmt::format(
          "{} is not a dmarcdb database: it has tables but no dmarcdb schema version", db.name()));
    }
  }
  for (const Migration& step : k_migrations) {
    if (step.version <= version) continue;
    db.exec(step.sql, fmt::format("migrating the schema to version {}", step.version));
    // PRAGMA takes no bound parameters; the number is this program's constant.
    const std::string set_version = fmt::format("PRAGMA user_version = {}", step.version);
    db.exec(set_version.c_str(), "setting the schema version");
  }
  transaction.commit();
}

}  // namespace

void prepare_database(Database& db) {
  db.exec("PRAGMA foreign_keys = ON", "enabling foreign keys");
  // The first read of the file: this is where a non-SQLite file fails.
  const std::int64_t version = user_version(db);
  check_owner(db, version);
  check_version(db, version);
  // A new database gets larger pages than SQLite's 4096 bytes: ingestion
  // appends rows and stores raw bytes as blobs, and each page written costs
  // two system calls into the WAL and one into the file at the checkpoint.
  // The size is fixed once the first table exists (and in WAL mode).
  if (version == 0) db.exec("PRAGMA page_size = 16384", "setting the page size");
  set_wal(db);
  db.exec("PRAGMA synchronous = NORMAL", "setting synchronous mode");
  // Every input and every report is a savepoint: with temporary files on
  // disk each savepoint's first change to a page writes the page to a
  // statement journal file (two system calls a page, a third of all writes).
  db.exec("PRAGMA temp_store = MEMORY", "keeping temporary data in memory");
  if (version < k_schema_version) migrate(db);
}

}  // namespace dmarc::store
