// The project's own samples (samples/EXPECTED.tsv): every file ingests to the
// values it was made with. Unlike the corpus test, this always runs.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "ingest/pipeline.hpp"
#include "manifest.hpp"

namespace fs = std::filesystem;
using dmarc::testing::Row;

namespace {

const fs::path k_samples = fs::path(DMARCDB_SOURCE_DIR) / "samples";

std::vector<Row> expected_rows() {
  return dmarc::testing::read_tsv((k_samples / "EXPECTED.tsv").string());
}

}  // namespace

TEST(Samples, EveryFileIngestsToItsExpectedValues) {
  std::vector<Row> rows = expected_rows();
  ASSERT_GE(rows.size(), 20u);
  for (const Row& row : rows) {
    SCOPED_TRACE(row.at("path"));
    dmarc::store::Store store(":memory:");
    dmarc::ingest::Pipeline pipeline(store, dmarc::Limits{});
    pipeline.ingest_path(k_samples / row.at("path"));
    std::vector<dmarc::store::ReportListRow> reports = store.list_reports();
    std::vector<dmarc::store::FailureRow> failures = store.list_failures();
    std::vector<dmarc::store::OtherRow> others = store.list_others();
    const std::string& kind = row.at("kind");
    if (kind == "aggregate") {
      EXPECT_EQ(dmarc::testing::compare_reports(reports, row), "");
      EXPECT_TRUE(failures.empty()) << failures.front().message;
      EXPECT_TRUE(others.empty());
    } else if (kind == "failure") {
      EXPECT_TRUE(reports.empty());
      ASSERT_GE(failures.size(), 1u);
    } else {
      EXPECT_TRUE(reports.empty());
      ASSERT_EQ(others.size(), 1u);
      EXPECT_EQ(others.front().kind, kind);
    }
  }
}

TEST(Samples, FolderIngestCountsEveryKindAndDeduplicates) {
  std::vector<Row> rows = expected_rows();
  std::set<dmarc::testing::Identity> identities;
  std::uint64_t reports_in_files = 0, failures = 0, others = 0;
  for (const Row& row : rows) {
    if (row.at("kind") == "aggregate") {
      for (const auto& id : dmarc::testing::expected_identities(row)) identities.insert(id);
      reports_in_files += std::stoul(row.at("reports_in_file"));
    } else if (row.at("kind") == "failure") {
      ++failures;
    } else {
      ++others;
    }
  }
  dmarc::store::Store store(":memory:");
  dmarc::ingest::Pipeline pipeline(store, dmarc::Limits{});
  pipeline.ingest_path(k_samples / "reports");
  const dmarc::ingest::IngestStats& s = pipeline.stats();
  EXPECT_EQ(s.reports_new, identities.size());
  EXPECT_EQ(s.duplicates, reports_in_files - identities.size());
  EXPECT_EQ(s.other, others);
  EXPECT_GE(s.failures, failures);
  EXPECT_EQ(s.unreadable, 0u);
  EXPECT_EQ(store.list_reports().size(), identities.size());

  // A second pass over the folder changes nothing.
  dmarc::store::TableCounts before = store.counts();
  dmarc::ingest::Pipeline again(store, dmarc::Limits{});
  again.ingest_path(k_samples / "reports");
  EXPECT_EQ(again.stats().reports_new, 0u);
  EXPECT_EQ(store.counts(), before);
}
