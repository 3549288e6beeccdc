#include "store/database.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "test_support.hpp"

namespace dmarc::store {
namespace {

using test::expect_fatal;
using test::query_rows;
using test::row;
using test::Row;
using Rows = std::vector<Row>;

class DatabaseTest : public ::testing::Test {
 protected:
  Database m_db{":memory:"};
  void SetUp() override { m_db.exec("CREATE TABLE t (a INTEGER, b TEXT, c BLOB)", "setup"); }
};

TEST_F(DatabaseTest, BoundValuesReadBackWithTheirTypes) {
  Statement insert(m_db, "INSERT INTO t (a, b, c) VALUES (?1, ?2, ?3)", "inserting");
  const std::string text("nul\0inside", 10);
  insert.bind(1, std::int64_t{-9}).bind(2, text).bind_blob(3, std::string_view("\x00\xff", 2));
  insert.run();
  insert.bind(1, std::optional<std::int64_t>()).bind(2, std::optional<std::string>());
  insert.bind_blob(3, "");
  insert.run();
  EXPECT_EQ(m_db.changes(), 1);
  EXPECT_EQ(m_db.last_insert_rowid(), 2);

  Statement query(m_db, "SELECT a, b, c, typeof(c) FROM t ORDER BY rowid", "reading");
  ASSERT_TRUE(query.step());
  EXPECT_EQ(query.column_int64(0), -9);
  EXPECT_EQ(query.column_text(1), text);
  EXPECT_EQ(query.column_blob(2), std::string_view("\x00\xff", 2));
  ASSERT_TRUE(query.step());
  EXPECT_TRUE(query.column_is_null(0));
  EXPECT_EQ(query.column_optional_text(1), std::nullopt);
  EXPECT_EQ(query.column_text(1), "");
  EXPECT_EQ(query.column_text(3), "blob");  // an empty blob is not NULL
  EXPECT_FALSE(query.step());
}

TEST_F(DatabaseTest, StatementIsReusedAfterItsRowsAreDone) {
  Statement insert(m_db, "INSERT INTO t (a) VALUES (?1)", "inserting");
  for (std::int64_t i = 1; i <= 3; ++i) insert.bind(1, i).run();
  Statement sum(m_db, "SELECT sum(a) FROM t WHERE a >= ?1", "summing");
  for (int round = 0; round < 2; ++round) {
    sum.bind(1, std::int64_t{2});
    ASSERT_TRUE(sum.step());
    EXPECT_EQ(sum.column_int64(0), 5);
    EXPECT_FALSE(sum.step());
  }
}

TEST_F(DatabaseTest, InvalidSqlIsFatalNamingWhatWasBeingDone) {
  expect_fatal([&] { Statement bad(m_db, "SELEC 1", "counting widgets"); },
               {"counting widgets", ":memory:", "syntax error"});
  expect_fatal([&] { m_db.exec("DROP TABLE missing", "dropping the missing table"); },
               {"dropping the missing table", "no such table: missing"});
}

TEST_F(DatabaseTest, FailedStepIsFatalAndTheStatementStaysUsable) {
  m_db.exec("CREATE TABLE u (k TEXT PRIMARY KEY)", "setup");
  Statement insert(m_db, "INSERT INTO u (k) VALUES (?1)", "inserting a key");
  insert.bind(1, "x").run();
  expect_fatal([&] { insert.bind(1, "x").run(); },
               {"inserting a key", "UNIQUE constraint failed: u.k"});
  insert.bind(1, "y").run();
  EXPECT_EQ(query_rows(m_db, "SELECT k FROM u ORDER BY k"), (Rows{row({"x"}), row({"y"})}));
}

TEST_F(DatabaseTest, TransactionRollsBackUnlessCommitted) {
  {
    Transaction transaction(m_db, Transaction::Mode::immediate);
    m_db.exec("INSERT INTO t (a) VALUES (1)", "inserting");
    EXPECT_TRUE(m_db.in_transaction());
  }
  EXPECT_FALSE(m_db.in_transaction());
  EXPECT_TRUE(query_rows(m_db, "SELECT a FROM t").empty());
  {
    Transaction transaction(m_db, Transaction::Mode::deferred);
    m_db.exec("INSERT INTO t (a) VALUES (2)", "inserting");
    transaction.commit();
  }
  EXPECT_EQ(query_rows(m_db, "SELECT a FROM t"), Rows{row({"2"})});
}

TEST_F(DatabaseTest, TransactionRollsBackWhenAnExceptionLeavesTheScope) {
  try {
    Transaction transaction(m_db, Transaction::Mode::immediate);
    m_db.exec("INSERT INTO t (a) VALUES (1)", "inserting");
    m_db.exec("INSERT INTO missing VALUES (1)", "inserting into a missing table");
    transaction.commit();
    ADD_FAILURE() << "no exception";
  } catch (const Fatal&) {
  }
  EXPECT_FALSE(m_db.in_transaction());
  EXPECT_TRUE(query_rows(m_db, "SELECT a FROM t").empty());
}

TEST(Database, WriterWaitsForAnotherConnectionsLock) {
  test::TempDir dir;
  const auto path = dir.file("busy.db");
  Database first(path);
  first.exec("PRAGMA journal_mode = WAL; CREATE TABLE t (a INTEGER)", "setup");
  Database second(path);
  auto holder = std::make_unique<Transaction>(first, Transaction::Mode::immediate);
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    holder->commit();
  });
  const auto start = std::chrono::steady_clock::now();
  {
    Transaction waiting(second, Transaction::Mode::immediate);  // busy-waits, then succeeds
    second.exec("INSERT INTO t (a) VALUES (1)", "inserting");
    waiting.commit();
  }
  release.join();
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(250));
  EXPECT_EQ(query_rows(first, "SELECT a FROM t"), Rows{row({"1"})});
}

}  // namespace
}  // namespace dmarc::store
