// Pins stored values of the samples that exercise a parser quirk, read back
// with plain SQL from a real database file, as a user would.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "ingest/pipeline.hpp"

namespace fs = std::filesystem;

namespace {

class SampleValues : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    s_db = fs::temp_directory_path() / ("dmarcdb-samples-" + std::to_string(::getpid()) + ".db");
    fs::remove(s_db);
    dmarc::store::Store store(s_db);
    dmarc::ingest::Pipeline pipeline(store, dmarc::Limits{});
    pipeline.ingest_path(fs::path(DMARCDB_SOURCE_DIR) / "samples" / "reports");
  }
  static void TearDownTestSuite() {
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(s_db.string() + suffix);
  }

  // The rows of a query, each column as text ("NULL" for NULL).
  static std::vector<std::vector<std::string>> query(const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(s_db.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    std::vector<std::vector<std::string>> rows;
    while (stmt && sqlite3_step(stmt) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
        const unsigned char* text = sqlite3_column_text(stmt, i);
        row.push_back(text ? reinterpret_cast<const char*>(text) : "NULL");
      }
      rows.push_back(row);
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return rows;
  }

  static fs::path s_db;
};

fs::path SampleValues::s_db;

using Rows = std::vector<std::vector<std::string>>;

TEST_F(SampleValues, DmarcbisPolicyFieldsAreStored) {
  EXPECT_EQ(query("SELECT policy_np, policy_testing, policy_discovery_method, generator, "
                  "schema_version FROM reports WHERE org_name = 'GMX'"),
            (Rows{{"reject", "n", "treewalk", "GMX DMARC Reporter 4.2.1", "dmarcbis"}}));
}

TEST_F(SampleValues, Ipv6SourcesAreNormalised) {
  EXPECT_EQ(query("SELECT DISTINCT source_ip FROM records WHERE source_ip LIKE '2001:%'"),
            (Rows{{"2001:db8:5c::25"}}));
}

TEST_F(SampleValues, WrappedReportIdAndFractionalDatesAreRepaired) {
  EXPECT_EQ(query("SELECT report_id, date_begin FROM reports WHERE org_name = 'Seznam.cz'"),
            (Rows{{"1276da6882b3d5f3@mx.seznam.example", "1795132800"}}));
}

TEST_F(SampleValues, UpperCaseVerdictsAreLowerCasedAndIdentitiesAreRead) {
  Rows rows = query(
      "SELECT count(*), sum(disposition GLOB '*[A-Z]*'), sum(header_from IS NULL) "
      "FROM records JOIN reports ON reports.id = records.report_ref "
      "WHERE reports.org_name = 'Orange'");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_NE(rows[0][0], "0");
  EXPECT_EQ(rows[0][1], "0");
  EXPECT_EQ(rows[0][2], "0");
  EXPECT_EQ(query("SELECT DISTINCT result FROM spf_results JOIN records ON records.id = "
                  "spf_results.record_ref JOIN reports ON reports.id = records.report_ref "
                  "WHERE reports.org_name = 'Orange' AND result = 'pass'"),
            (Rows{{"pass"}}));
}

TEST_F(SampleValues, Windows1252TextIsStoredAsUtf8) {
  EXPECT_EQ(query("SELECT count(*) FROM reports WHERE org_name = 'M\xC3\xBCller GmbH'"),
            (Rows{{"1"}}));
}

TEST_F(SampleValues, TheDeliberateDuplicateIsStoredOnce) {
  EXPECT_EQ(query("SELECT count(*) FROM reports WHERE date_begin = 1794268800 AND "
                  "org_name = 'google.com' AND policy_domain = 'example.com'"),
            (Rows{{"1"}}));
}

}  // namespace
