// Two `dmarcdb ingest` processes on the same database and the same inputs at
// once: no duplicate rows, no lost report, no "database is locked" failure;
// the result is exactly that of one process alone.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/app/ingest_runs.hpp"

namespace dmarc::testing {
namespace {

namespace fs = std::filesystem;

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(ConcurrentIngest, TwoProcessesOnOneDatabaseStoreEverythingOnceWithoutLockErrors) {
  ScratchDir dir;
  const fs::path inputs = dir.path() / "inputs";
  make_input_folder(inputs, 60, 40);
  const fs::path reference = dir.path() / "reference.db";
  ASSERT_EQ(run_ingest(reference, inputs, dir.path() / "reference.log"), 0);
  const std::vector<std::string> expected = canonical_dump(reference);

  for (int round = 0; round < 4; ++round) {
    // Every round starts on a new file: both processes race to create the
    // schema, then meet on the same inputs.
    const fs::path db = dir.path() / ("shared" + std::to_string(round) + ".db");
    const fs::path log_a = dir.path() / ("a" + std::to_string(round) + ".log");
    const fs::path log_b = dir.path() / ("b" + std::to_string(round) + ".log");
    if (round % 2 == 0) {
      const pid_t a = start_ingest(db, inputs, log_a);
      const pid_t b = start_ingest(db, inputs, log_b);
      EXPECT_EQ(wait_exit(a), 0) << "round " << round << ": " << read_all(log_a);
      EXPECT_EQ(wait_exit(b), 0) << "round " << round << ": " << read_all(log_b);
    } else {
      // One process a little behind the other.
      const pid_t a = start_ingest(db, inputs, log_a);
      usleep(50'000);
      const pid_t b = start_ingest(db, inputs, log_b);
      EXPECT_EQ(wait_exit(a), 0) << "round " << round << ": " << read_all(log_a);
      EXPECT_EQ(wait_exit(b), 0) << "round " << round << ": " << read_all(log_b);
    }
    for (const fs::path& log : {log_a, log_b}) {
      const std::string text = read_all(log);
      EXPECT_EQ(text.find("locked"), std::string::npos) << text;
      EXPECT_EQ(text.find("busy"), std::string::npos) << text;
    }
    const std::vector<std::string> actual = canonical_dump(db);
    EXPECT_TRUE(actual == expected) << "round " << round << ": missing:\n"
                                    << difference(expected, actual) << "extra:\n"
                                    << difference(actual, expected);
    store::Database check(db);
    EXPECT_TRUE(rows_of(check,
                        "SELECT 1 FROM ingest_failures WHERE message LIKE '%locked%' OR "
                        "message LIKE '%busy%'")
                    .empty());
  }
}

}  // namespace
}  // namespace dmarc::testing
