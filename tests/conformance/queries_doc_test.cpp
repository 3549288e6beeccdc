// Every ```sql block of docs/queries.md runs against a database of the
// samples and returns rows, so the documented queries cannot rot.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "ingest/pipeline.hpp"

namespace fs = std::filesystem;

namespace {

std::vector<std::string> sql_blocks(const fs::path& markdown) {
  std::ifstream in(markdown);
  std::vector<std::string> blocks;
  std::string line, block;
  bool inside = false;
  while (std::getline(in, line)) {
    if (!inside && line == "```sql") {
      inside = true;
      block.clear();
    } else if (inside && line == "```") {
      inside = false;
      blocks.push_back(block);
    } else if (inside) {
      block += line + "\n";
    }
  }
  return blocks;
}

TEST(QueriesDoc, EveryQueryRunsAndReturnsRowsOnTheSamples) {
  fs::path db = fs::temp_directory_path() / ("dmarcdb-queries-" + std::to_string(::getpid()) + ".db");
  fs::remove(db);
  {
    dmarc::store::Store store(db);
    dmarc::ingest::Pipeline pipeline(store, dmarc::Limits{});
    pipeline.ingest_path(fs::path(DMARCDB_SOURCE_DIR) / "samples" / "reports");
  }
  std::vector<std::string> blocks = sql_blocks(fs::path(DMARCDB_SOURCE_DIR) / "docs" / "queries.md");
  ASSERT_GE(blocks.size(), 6u);
  sqlite3* handle = nullptr;
  ASSERT_EQ(sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  for (const std::string& sql : blocks) {
    SCOPED_TRACE(sql);
    sqlite3_stmt* stmt = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(handle, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK)
        << sqlite3_errmsg(handle);
    // The week of the samples' story, as the doc's .param lines set it.
    int since = sqlite3_bind_parameter_index(stmt, ":since");
    int until = sqlite3_bind_parameter_index(stmt, ":until");
    if (since) sqlite3_bind_int64(stmt, since, 1794787200);  // 2026-11-16
    if (until) sqlite3_bind_int64(stmt, until, 1795392000);  // 2026-11-23
    int rows = 0;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) ++rows;
    EXPECT_EQ(rc, SQLITE_DONE) << sqlite3_errmsg(handle);
    EXPECT_GT(rows, 0);
    sqlite3_finalize(stmt);
  }
  sqlite3_close(handle);
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix);
}

}  // namespace
