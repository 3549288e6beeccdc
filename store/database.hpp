// Thin RAII layer over the SQLite C API: an open connection, prepared
// statements with bind/step/column helpers, and transaction guards that roll
// back unless committed. Every SQLite error becomes dmarc::Fatal naming what
// was being done and sqlite3_errmsg. Used only inside store/ (and its tests).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace dmarc::store {

// How long a statement waits for another connection's lock before failing.
inline constexpr int k_busy_timeout_ms = 10'000;

struct SqliteCloser {
  void operator()(sqlite3* db) const noexcept;
};
struct StatementFinalizer {
  void operator()(sqlite3_stmt* stmt) const noexcept;
};

// A connection belongs to one thread at a time (it is opened without
// SQLite's connection mutex).
class Database {
 public:
  // Opens (creating if needed) the database at path, or a private in-memory
  // one for ":memory:", with extended result codes and the busy timeout.
  // Nothing is read yet: a file that is not SQLite fails at the first query.
  // Throws Fatal naming the path if the file cannot be opened.
  explicit Database(const std::filesystem::path& path);
  enum class Access { read_write, read_only };
  // The same, read-only when access says so (the file must exist).
  Database(const std::filesystem::path& path, Access access);
  // Statements point to their Database: it stays where it was created.
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  sqlite3* handle() const { return m_db.get(); }
  // The path as given, for messages.
  const std::string& name() const { return m_name; }
  bool is_memory() const { return m_name == ":memory:"; }

  // Runs one or more SQL statements without results (sqlite3_exec).
  void exec(const char* sql, std::string_view what);

  // Throws Fatal "<what>: <sqlite3_errmsg>".
  [[noreturn]] void fail(std::string_view what) const;

  std::int64_t last_insert_rowid() const;
  // Rows changed by the last completed INSERT, UPDATE or DELETE.
  std::int64_t changes() const;
  bool in_transaction() const;

 private:
  std::string m_name;
  std::unique_ptr<sqlite3, SqliteCloser> m_db;
};

// A prepared statement. Parameters are 1-based, columns 0-based, as in SQLite.
// Text and blobs are bound without copying: the bound data must stay alive
// until the statement has been run or reset. The Database must outlive it.
class Statement {
 public:
  // Prepares sql; what ("inserting a record") names it in error messages.
  Statement(Database& db, std::string_view sql, std::string_view what);

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::optional<std::int64_t> value);  // NULL if absent
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, const std::string& text) {
    return bind(index, std::string_view(text));
  }
  Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  Statement& bind(int index, const std::optional<std::string>& text);  // NULL if absent
  Statement& bind_blob(int index, std::string_view bytes);
  Statement& bind_null(int index);

  // Advances to the next row: true when a row is available. When the rows are
  // done (or on error) the statement is reset for the next use. Throws Fatal.
  bool step();
  // Steps to completion (an INSERT, UPDATE, ...) and resets. Throws Fatal.
  void run();
  // Resets after a query that was not stepped to its end.
  void reset();

  int column_count() const;
  std::int64_t column_int64(int column) const;
  bool column_is_null(int column) const;
  std::string column_text(int column) const;  // "" for NULL
  // The same without a copy ("" for NULL); valid until the next step or reset.
  std::string_view column_text_view(int column) const;
  std::optional<std::string> column_optional_text(int column) const;
  // Valid until the next step or reset.
  std::string_view column_blob(int column) const;

 private:
  Database* m_db;
  std::string m_what;
  std::unique_ptr<sqlite3_stmt, StatementFinalizer> m_stmt;

  void check_bind(int rc, int index);
};

// A transaction that rolls back when it goes out of scope uncommitted. Opened
// while another transaction is open, it is a savepoint inside it: commit()
// releases the savepoint (the outer transaction still decides), and going out
// of scope uncommitted rolls back only its own work.
class Transaction {
 public:
  enum class Mode { deferred, immediate };

  // BEGIN (DEFERRED or IMMEDIATE); throws Fatal.
  Transaction(Database& db, Mode mode);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  // COMMIT; throws Fatal (the destructor then rolls back).
  void commit();

 private:
  Database& m_db;
  bool m_nested = false;
  bool m_done = false;
};

}  // namespace dmarc::store
