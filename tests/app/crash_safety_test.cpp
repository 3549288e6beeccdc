// Crash safety of `dmarcdb ingest`: the binary is killed with SIGKILL at
// seeded random moments while it ingests a folder; after every kill the
// database passes PRAGMA integrity_check and foreign_key_check, and a final
// uninterrupted run leaves exactly the rows of a run that was never killed.
// (Mailboxes: tests/app/imap_crash_safety_test.cpp.)
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>

#include "tests/app/ingest_runs.hpp"

namespace dmarc::testing {
namespace {

namespace fs = std::filesystem;

TEST(CrashSafety, KilledIngestLeavesConsistentDatabaseAndRerunMatchesUninterruptedRun) {
  ScratchDir dir;
  const fs::path inputs = dir.path() / "inputs";
  make_input_folder(inputs, 120, 60);
  const fs::path log = dir.path() / "ingest.log";

  const fs::path reference = dir.path() / "reference.db";
  ASSERT_EQ(run_ingest(reference, inputs, log), 0);
  const std::vector<std::string> expected = canonical_dump(reference);
  ASSERT_GT(expected.size(), 10'000u);
  // Kills are drawn from the time of a run that finds everything stored (the
  // shortest any run can take), so that nearly all land while the binary
  // runs; successive kills in a series reach further as the database fills.
  const auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(run_ingest(reference, inputs, log), 0);
  const auto rerun = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(canonical_dump(reference), expected);

  std::mt19937 random(20261127);
  // A kill that comes too late (the run had finished) halves the range for
  // the next ones: a machine busier while measuring than while killing must
  // not make the kills miss.
  long long upper_us = std::chrono::duration_cast<std::chrono::microseconds>(rerun).count();
  int killed_while_running = 0;
  // Five series of five kills, each series on a new database file, so that
  // kills land early (schema creation) as well as late (mostly duplicates).
  for (int series = 0; series < 5; ++series) {
    const fs::path crashed = dir.path() / ("crashed" + std::to_string(series) + ".db");
    for (int kill_number = 0; kill_number < 5; ++kill_number) {
      const pid_t pid = start_ingest(crashed, inputs, log);
      std::uniform_int_distribution<long long> delay_us(0, upper_us);
      std::this_thread::sleep_for(std::chrono::microseconds(delay_us(random)));
      kill(pid, SIGKILL);
      const int exit = wait_exit(pid);
      if (exit == -SIGKILL) ++killed_while_running;
      if (exit == 0) upper_us = std::max(upper_us / 2, 1000LL);
      ASSERT_TRUE(exit == -SIGKILL || exit == 0)
          << "series " << series << ", kill " << kill_number << ": exit " << exit;
      if (!fs::exists(crashed)) continue;  // killed before the file was created
      EXPECT_EQ(pragma_rows(crashed, "PRAGMA integrity_check"), std::vector<std::string>{"ok"})
          << "series " << series << ", kill " << kill_number;
      EXPECT_TRUE(pragma_rows(crashed, "PRAGMA foreign_key_check").empty())
          << "series " << series << ", kill " << kill_number;
    }
    ASSERT_EQ(run_ingest(crashed, inputs, log), 0);
    const std::vector<std::string> actual = canonical_dump(crashed);
    EXPECT_EQ(actual.size(), expected.size()) << "series " << series;
    EXPECT_TRUE(actual == expected) << "series " << series << ": missing after the kills:\n"
                                    << difference(expected, actual) << "extra:\n"
                                    << difference(actual, expected);
  }
  RecordProperty("kills_while_running", killed_while_running);
  // Most kills must land while the binary runs, or the test proves little.
  EXPECT_GE(killed_while_running, 20);
}

}  // namespace
}  // namespace dmarc::testing
