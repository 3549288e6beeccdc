#include "store/database.hpp"

#include <fmt/core.h>
#include <sqlite3.h>

#include <climits>

#include "parse/error.hpp"

namespace dmarc::store {

void SqliteCloser::operator()(sqlite3* db) const noexcept {
  // Statements are finalized first (they are owned by objects that the
  // Database outlives), so sqlite3_close cannot report SQLITE_BUSY.
  sqlite3_close(db);
}

void StatementFinalizer::operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }

Database::Database(const std::filesystem::path& path) : Database(path, Access::read_write) {}

namespace {

// Process-wide SQLite settings, made before the first connection.
bool configure_sqlite() {
  // No memory statistics: with them every allocation SQLite makes takes a
  // global mutex (a few percent of ingestion). Fails harmlessly if SQLite was
  // already initialised by someone else.
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  return true;
}

}  // namespace

Database::Database(const std::filesystem::path& path, Access access) : m_name(path.string()) {
  static const bool configured = configure_sqlite();
  (void)configured;
  sqlite3* raw = nullptr;
  // NOMUTEX: a connection is used by one thread at a time (its owner), so
  // SQLite's per-call connection mutex is only overhead.
  const int mode = access == Access::read_only ? SQLITE_OPEN_READONLY
                                               : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  const int rc = sqlite3_open_v2(m_name.c_str(), &raw, mode | SQLITE_OPEN_NOMUTEX, nullptr);
  m_db.reset(raw);  // sqlite3_open_v2 may allocate a handle even on failure
  if (rc != SQLITE_OK) {
    const char* message = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    throw Fatal(fmt::format("cannot open database {}: {}", m_name, message));
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, k_busy_timeout_ms);
}

void Database::exec(const char* sql, std::string_view what) {
  if (sqlite3_exec(m_db.get(), sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail(what);
}

void Database::fail(std::string_view what) const {
  throw Fatal(fmt::format("{} in database {}: {}", what, m_name, sqlite3_errmsg(m_db.get())));
}

std::int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(m_db.get()); }

std::int64_t Database::changes() const { return sqlite3_changes64(m_db.get()); }

bool Database::in_transaction() const { return sqlite3_get_autocommit(m_db.get()) == 0; }

Statement::Statement(Database& db, std::string_view sql, std::string_view what)
    : m_db(&db), m_what(what) {
  if (sql.size() > static_cast<std::size_t>(INT_MAX)) {
    throw Fatal(fmt::format("{}: SQL text too long", m_what));
  }
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v3(db.handle(), sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  m_stmt.reset(raw);
  if (rc != SQLITE_OK) db.fail(fmt::format("preparing the statement for {}", m_what));
}

void Statement::check_bind(int rc, int index) {
  if (rc != SQLITE_OK) m_db->fail(fmt::format("{} (binding parameter {})", m_what, index));
}

Statement& Statement::bind(int index, std::int64_t value) {
  check_bind(sqlite3_bind_int64(m_stmt.get(), index, value), index);
  return *this;
}

Statement& Statement::bind(int index, std::optional<std::int64_t> value) {
  return value ? bind(index, *value) : bind_null(index);
}

Statement& Statement::bind(int index, std::string_view text) {
  // sqlite3_bind_text64 with SQLITE_UTF8 accepts any length; SQLITE_TOOBIG
  // past the connection's limit is reported like any other error.
  check_bind(sqlite3_bind_text64(m_stmt.get(), index, text.empty() ? "" : text.data(), text.size(),
                                 SQLITE_STATIC, SQLITE_UTF8),
             index);
  return *this;
}

Statement& Statement::bind(int index, const std::optional<std::string>& text) {
  return text ? bind(index, std::string_view(*text)) : bind_null(index);
}

Statement& Statement::bind_blob(int index, std::string_view bytes) {
  // A zero-length blob must not be bound from a null pointer (that is NULL).
  check_bind(sqlite3_bind_blob64(m_stmt.get(), index, bytes.empty() ? "" : bytes.data(),
                                 bytes.size(), SQLITE_STATIC),
             index);
  return *this;
}

Statement& Statement::bind_null(int index) {
  check_bind(sqlite3_bind_null(m_stmt.get(), index), index);
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(m_stmt.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) {
    sqlite3_reset(m_stmt.get());
    return false;
  }
  // Keep the message before reset, then leave the statement reusable.
  const std::string message =
      fmt::format("{} in database {}: {}", m_what, m_db->name(), sqlite3_errmsg(m_db->handle()));
  sqlite3_reset(m_stmt.get());
  throw Fatal(message);
}

void Statement::run() {
  while (step()) {
  }
}

void Statement::reset() { sqlite3_reset(m_stmt.get()); }

int Statement::column_count() const { return sqlite3_column_count(m_stmt.get()); }

std::int64_t Statement::column_int64(int column) const {
  return sqlite3_column_int64(m_stmt.get(), column);
}

bool Statement::column_is_null(int column) const {
  return sqlite3_column_type(m_stmt.get(), column) == SQLITE_NULL;
}

std::string Statement::column_text(int column) const {
  return std::string(column_text_view(column));
}

std::string_view Statement::column_text_view(int column) const {
  const auto* text = sqlite3_column_text(m_stmt.get(), column);
  if (text == nullptr) return {};
  const auto size = static_cast<std::size_t>(sqlite3_column_bytes(m_stmt.get(), column));
  return std::string_view(reinterpret_cast<const char*>(text), size);
}

std::optional<std::string> Statement::column_optional_text(int column) const {
  if (column_is_null(column)) return std::nullopt;
  return column_text(column);
}

std::string_view Statement::column_blob(int column) const {
  const void* data = sqlite3_column_blob(m_stmt.get(), column);
  if (data == nullptr) return {};
  const auto size = static_cast<std::size_t>(sqlite3_column_bytes(m_stmt.get(), column));
  return std::string_view(static_cast<const char*>(data), size);
}

Transaction::Transaction(Database& db, Mode mode) : m_db(db), m_nested(db.in_transaction()) {
  if (m_nested) {
    // Inside an open transaction: a savepoint, so that this unit of work can
    // still roll back alone while the outer transaction decides what commits.
    m_db.exec("SAVEPOINT nested", "starting a nested transaction");
    return;
  }
  m_db.exec(mode == Mode::immediate ? "BEGIN IMMEDIATE" : "BEGIN", "starting a transaction");
}

Transaction::~Transaction() {
  if (m_done) return;
  if (m_nested) {
    // ROLLBACK TO keeps the savepoint open; RELEASE then removes it.
    if (m_db.in_transaction()) {
      sqlite3_exec(m_db.handle(), "ROLLBACK TO nested; RELEASE nested", nullptr, nullptr, nullptr);
    }
    return;
  }
  // Some errors (SQLITE_FULL, SQLITE_NOMEM, ...) roll back on their own.
  if (m_db.in_transaction()) {
    sqlite3_exec(m_db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

void Transaction::commit() {
  m_db.exec(m_nested ? "RELEASE nested" : "COMMIT", "committing a transaction");
  m_done = true;
}

}  // namespace dmarc::store
