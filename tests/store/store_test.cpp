// Opening, creating and migrating databases.
#include "store/store.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "store/migrate.hpp"
#include "test_support.hpp"

namespace dmarc::store {
namespace {

using test::expect_fatal;
using test::query_int;
using test::query_rows;
using test::row;
using test::TempDir;

const char* const k_tables[] = {"dkim_results",    "ingest_failures", "ip_names",
                                "mailbox_state",   "other_inputs",    "policy_override_reasons",
                                "raw_reports",     "records",         "report_errors",
                                "report_warnings", "reports",         "spf_results"};
const char* const k_views[] = {"record_rows", "reports_overview", "spf_alignment_failures"};

std::vector<std::string> names_of(const std::filesystem::path& path, const char* type) {
  Database db(path);
  Statement query(db, "SELECT name FROM sqlite_schema WHERE type = ?1 ORDER BY name",
                  "listing names");
  query.bind(1, type);
  std::vector<std::string> names;
  while (query.step()) names.push_back(query.column_text(0));
  return names;
}

TEST(StoreOpen, FreshDatabaseHasTheCurrentSchemaVersionAndEveryTableAndView) {
  TempDir dir;
  const auto path = dir.file("dmarc.db");
  { Store store(path); }
  EXPECT_EQ(query_int(path, "PRAGMA user_version"), k_schema_version);
  EXPECT_EQ(k_schema_version, 3);
  EXPECT_EQ(query_int(path, "PRAGMA application_id"), k_application_id);
  EXPECT_EQ(names_of(path, "table"),
            std::vector<std::string>(std::begin(k_tables), std::end(k_tables)));
  EXPECT_EQ(names_of(path, "view"),
            std::vector<std::string>(std::begin(k_views), std::end(k_views)));
  EXPECT_EQ(query_rows(path, "PRAGMA journal_mode"), std::vector<test::Row>{row({"wal"})});
}

TEST(StoreOpen, EveryViewCanBeQueriedOnAnEmptyDatabase) {
  TempDir dir;
  const auto path = dir.file("dmarc.db");
  { Store store(path); }
  for (const char* sql : {"SELECT * FROM record_rows", "SELECT * FROM spf_alignment_failures",
                          "SELECT * FROM reports_overview"}) {
    EXPECT_TRUE(query_rows(path, sql).empty()) << sql;
  }
}

TEST(StoreOpen, ReopeningChangesNeitherSchemaNorData) {
  TempDir dir;
  const auto path = dir.file("dmarc.db");
  const char* dump = "SELECT type, name, sql FROM sqlite_schema ORDER BY name";
  {
    Store store(path);
    const RawInput raw = store.save_raw("bytes", "a.xml");
    EXPECT_EQ(store.save_report(test::sample_report(), raw.id, "a.xml"), SaveResult::stored);
  }
  const auto schema_before = query_rows(path, dump);
  TableCounts counts_before;
  {
    Store store(path);
    counts_before = store.counts();
    EXPECT_EQ(counts_before.reports, 1);
  }
  Store store(path);
  EXPECT_EQ(store.counts(), counts_before);
  EXPECT_EQ(query_rows(path, dump), schema_before);
  EXPECT_EQ(query_int(path, "PRAGMA user_version"), k_schema_version);
}

TEST(StoreOpen, NewerSchemaVersionIsFatal) {
  TempDir dir;
  const auto path = dir.file("dmarc.db");
  { Store store(path); }
  test::exec(path, "PRAGMA user_version = 4");
  expect_fatal([&] { Store store(path); },
               {path.string(), "database schema version 4 is newer than this dmarcdb (3)"});
  EXPECT_EQ(query_int(path, "PRAGMA user_version"), 4);  // left alone
}

TEST(StoreOpen, NewDatabaseHasSixteenKibPagesAndAnOldOneKeepsItsOwn) {
  TempDir dir;
  { Store store(dir.file("new.db")); }
  EXPECT_EQ(query_int(dir.file("new.db"), "PRAGMA page_size"), 16384);
  // A database made with 4096-byte pages (by an earlier version) keeps them.
  test::exec(dir.file("old.db"), "PRAGMA page_size = 4096; PRAGMA journal_mode = WAL");
  { Store store(dir.file("old.db")); }
  EXPECT_EQ(query_int(dir.file("old.db"), "PRAGMA page_size"), 4096);
}

TEST(StoreOpen, FileThatIsNotSqliteIsFatalNamingThePath) {
  TempDir dir;
  const auto path = dir.file("report.xml");
  {
    std::ofstream out(path, std::ios::binary);
    out << "<?xml version=\"1.0\"?><feedback>" << std::string(4096, 'x') << "</feedback>";
  }
  const auto size_before = std::filesystem::file_size(path);
  expect_fatal([&] { Store store(path); }, {path.string(), "not a database"});
  EXPECT_EQ(std::filesystem::file_size(path), size_before);
}

// Files that are not (intact) SQLite databases, with a fragment of the error.
struct HostileFile {
  const char* name;
  std::string bytes;
  const char* fragment;
};

TEST(StoreOpen, RefusesHostileFilesWithoutChangingThem) {
  std::string header_then_junk("SQLite format 3\0", 16);
  header_then_junk += std::string(4080, '\xff');
  std::string random_page(4096, '\0');
  for (std::size_t i = 0; i < random_page.size(); ++i) {
    random_page[i] = static_cast<char>((i * 2654435761u) >> 13);
  }
  const HostileFile files[] = {
      {"xml", "<?xml version=\"1.0\"?><feedback/>" + std::string(200, ' '), "not a database"},
      {"gzip", std::string("\x1f\x8b\x08\x00", 4) + std::string(200, '\0'), "not a database"},
      {"random page", random_page, "not a database"},
      {"sqlite header then junk", header_then_junk, "not a database"},
  };
  TempDir dir;
  for (const HostileFile& file : files) {
    const auto path = dir.path() / file.name;
    {
      std::ofstream out(path, std::ios::binary);
      out << file.bytes;
    }
    expect_fatal([&] { Store store(path); }, {path.string(), file.fragment});
    std::ifstream in(path, std::ios::binary);
    const std::string after((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(after, file.bytes) << file.name;
  }
}

TEST(StoreOpen, SqliteDatabaseOfAnotherProgramIsFatalAndLeftAlone) {
  TempDir dir;
  const auto path = dir.file("other.db");
  test::exec(path, "CREATE TABLE notes (text TEXT)");
  expect_fatal([&] { Store store(path); }, {path.string(), "is not a dmarcdb database"});
  EXPECT_EQ(names_of(path, "table"), std::vector<std::string>{"notes"});
}

TEST(StoreOpen, ForeignApplicationIdIsFatal) {
  TempDir dir;
  const auto path = dir.file("other.db");
  test::exec(path, "PRAGMA application_id = 42");
  expect_fatal([&] { Store store(path); },
               {path.string(), "is not a dmarcdb database", "application_id 42"});
}

TEST(StoreOpen, EmptyFileBecomesADatabase) {
  TempDir dir;
  const auto path = dir.file("empty.db");
  { std::ofstream out(path); }
  { Store store(path); }
  EXPECT_EQ(query_int(path, "PRAGMA user_version"), k_schema_version);
}

TEST(StoreOpen, PathInMissingFolderIsFatalNamingThePath) {
  TempDir dir;
  const auto path = dir.path() / "missing" / "dmarc.db";
  expect_fatal([&] { Store store(path); }, {"cannot open database", path.string()});
}

TEST(StoreOpen, InMemoryDatabaseWorks) {
  Store store(":memory:");
  const RawInput raw = store.save_raw("bytes", "stdin");
  EXPECT_EQ(store.save_report(test::sample_report(), raw.id, "stdin"), SaveResult::stored);
  EXPECT_EQ(store.save_report(test::sample_report(), raw.id, "stdin"), SaveResult::duplicate);
  const TableCounts counts = store.counts();
  EXPECT_EQ(counts.reports, 1);
  EXPECT_EQ(counts.records, 4);
  EXPECT_EQ(store.list_reports().size(), 1u);
}

TEST(StoreOpen, InMemoryDatabasesAreIndependent) {
  Store first(":memory:");
  first.save_raw("bytes", "stdin");
  Store second(":memory:");
  EXPECT_EQ(second.counts().raw_reports, 0);
}

TEST(StoreOpen, ForeignKeysAreEnforced) {
  Store store(":memory:");
  expect_fatal([&] { store.save_report(test::sample_report(), 999, "a.xml"); },
               {"r-1", "FOREIGN KEY constraint failed"});
  EXPECT_EQ(store.counts(), TableCounts{});
}

TEST(StoreOpen, TwoStoresOnOneFileSeeEachOthersWrites) {
  TempDir dir;
  const auto path = dir.file("dmarc.db");
  Store writer(path);
  Store reader(path);
  writer.save_report(test::sample_report(), 0, "a.xml");
  EXPECT_EQ(reader.counts().reports, 1);
}

TEST(StoreOpen, OtherKindNamesAreStable) {
  EXPECT_STREQ(to_string(OtherKind::forensic), "forensic");
  EXPECT_STREQ(to_string(OtherKind::smtp_tls), "smtp_tls");
  EXPECT_STREQ(to_string(OtherKind::other_mail), "other_mail");
  EXPECT_STREQ(to_string(OtherKind::not_report), "not_report");
}

}  // namespace
}  // namespace dmarc::store

namespace dmarc::store {
namespace {

// store/schema.sql is the released version 1 and is never edited: a file made
// from it and migrated must have exactly the schema of a fresh database.
TEST(StoreMigrate, VersionOneSchemaMigratesToTheFreshSchema) {
  test::TempDir dir;
  const auto fresh = dir.file("fresh.db");
  const auto old = dir.file("old.db");
  { Store store(fresh); }
  std::ifstream in(std::string(DMARCDB_SOURCE_DIR) + "/store/schema.sql");
  ASSERT_TRUE(in) << "store/schema.sql not found";
  const std::string v1((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  test::exec(old, (v1 + "\nPRAGMA application_id = " + std::to_string(k_application_id) +
                   "; PRAGMA user_version = 1;")
                      .c_str());
  { Store store(old); }
  const char* schema = "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name";
  EXPECT_EQ(test::query_rows(old, schema), test::query_rows(fresh, schema));
  EXPECT_EQ(test::query_int(old, "PRAGMA user_version"), k_schema_version);
}

}  // namespace
}  // namespace dmarc::store
