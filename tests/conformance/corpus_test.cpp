// Conformance over the real-world corpus in ../shared/corpus: every report of
// every file must match MANIFEST.tsv (the values an independent reference
// parser found) exactly. The corpus is not part of a user's clone: without
// it these tests are reported as skipped, with the path they looked for.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <unistd.h>

#include <set>

#include "ingest/pipeline.hpp"
#include "manifest.hpp"

namespace fs = std::filesystem;
using dmarc::testing::Row;

namespace {

const fs::path k_corpus = fs::path(DMARCDB_SHARED_DIR) / "corpus";

bool have_corpus() { return fs::exists(k_corpus / "MANIFEST.tsv"); }

#define REQUIRE_CORPUS()                                                             \
  if (!have_corpus())                                                                \
  GTEST_SKIP() << "corpus not found at " << k_corpus.string()                        \
               << " (it sits beside the clone in CI); corpus conformance NOT checked"

std::vector<Row> manifest_rows(bool want_special) {
  std::vector<Row> out;
  for (Row& row : dmarc::testing::read_tsv((k_corpus / "MANIFEST.tsv").string())) {
    bool special = row["path"].rfind("_", 0) == 0;
    if (special == want_special) out.push_back(std::move(row));
  }
  return out;
}

struct Ingested {
  std::vector<dmarc::store::ReportListRow> reports;
  std::vector<dmarc::store::FailureRow> failures;
  std::vector<dmarc::store::OtherRow> others;
  dmarc::ingest::IngestStats stats;
};

Ingested ingest_one(const fs::path& file) {
  dmarc::store::Store store(":memory:");
  dmarc::ingest::Pipeline pipeline(store, dmarc::Limits{});
  pipeline.ingest_path(file);
  return {store.list_reports(), store.list_failures(), store.list_others(), pipeline.stats()};
}

}  // namespace

TEST(Corpus, EveryAggregateFileMatchesManifestExactly) {
  REQUIRE_CORPUS();
  std::vector<Row> rows = manifest_rows(false);
  ASSERT_EQ(rows.size(), 158u);
  int matched = 0, reports = 0, failed_as_expected = 0;
  for (const Row& row : rows) {
    SCOPED_TRACE(row.at("path"));
    Ingested got = ingest_one(k_corpus / row.at("path"));
    if (row.at("org_name").rfind("ERROR:", 0) == 0) {
      // The reference parser could not read it: we must record why.
      EXPECT_TRUE(got.reports.empty());
      ASSERT_FALSE(got.failures.empty()) << "no failure recorded";
      EXPECT_FALSE(got.failures.front().message.empty());
      ++failed_as_expected;
      continue;
    }
    std::string diff = dmarc::testing::compare_reports(got.reports, row);
    EXPECT_EQ(diff, "");
    EXPECT_TRUE(got.failures.empty()) << got.failures.front().code << ": "
                                      << got.failures.front().message;
    if (diff.empty()) {
      ++matched;
      reports += static_cast<int>(got.reports.size());
    }
  }
  std::cout << "corpus: " << matched << " of " << rows.size() - failed_as_expected
            << " files match MANIFEST.tsv exactly (" << reports << " reports); "
            << failed_as_expected << " unreadable file(s) recorded as failures\n";
  EXPECT_EQ(matched + failed_as_expected, static_cast<int>(rows.size()));
}

TEST(Corpus, InvalidAndOtherFilesEndAsReportsOrRecordedEntries) {
  REQUIRE_CORPUS();
  std::vector<Row> rows = manifest_rows(true);
  ASSERT_EQ(rows.size(), 122u);
  int reports = 0, failures = 0, others = 0;
  for (const Row& row : rows) {
    SCOPED_TRACE(row.at("path"));
    Ingested got = ingest_one(k_corpus / row.at("path"));
    const std::string& org = row.at("org_name");
    EXPECT_EQ(got.stats.unreadable, 0u);
    if (org.rfind("N/A: SMTP TLS", 0) == 0) {
      ASSERT_EQ(got.others.size(), 1u);
      EXPECT_EQ(got.others.front().kind, "smtp_tls");
      EXPECT_TRUE(got.reports.empty());
    } else if (org.rfind("N/A: failure/forensic", 0) == 0 && row.at("container") != "xml") {
      ASSERT_EQ(got.others.size(), 1u);
      EXPECT_EQ(got.others.front().kind, "forensic");
      EXPECT_TRUE(got.reports.empty());
    } else if (org.rfind("N/A: not an aggregate", 0) == 0) {
      ASSERT_EQ(got.others.size(), 1u);
      EXPECT_EQ(got.others.front().kind, "other_mail");
    } else if (org.rfind("ERROR:", 0) == 0) {
      EXPECT_TRUE(got.reports.empty());
      EXPECT_GE(got.failures.size() + got.others.size(), 1u);
    } else if (got.reports.empty()) {
      // The reference parser read something here, we refused it: a reason
      // must be recorded.
      EXPECT_GE(got.failures.size(), 1u);
    }
    if (!got.reports.empty() && got.failures.empty() && org.rfind("N/A", 0) != 0 &&
        org.rfind("ERROR", 0) != 0) {
      // A report we accepted whole must carry the reference parser's values.
      EXPECT_EQ(dmarc::testing::compare_reports(got.reports, row), "");
    }
    reports += static_cast<int>(got.reports.size());
    failures += static_cast<int>(got.failures.size());
    others += static_cast<int>(got.others.size());
  }
  std::cout << "corpus _invalid/ and _other/: " << rows.size() << " files -> " << reports
            << " reports, " << failures << " recorded failures, " << others
            << " non-aggregate inputs\n";
}

TEST(Corpus, IngestingTwiceStoresExactlyTheSameRows) {
  REQUIRE_CORPUS();
  fs::path db = fs::temp_directory_path() / ("dmarcdb-corpus-" + std::to_string(::getpid()) + ".db");
  fs::remove(db);
  std::set<dmarc::testing::Identity> identities;
  for (const Row& row : manifest_rows(false)) {
    if (row.at("org_name").rfind("ERROR:", 0) == 0) continue;
    for (const auto& id : dmarc::testing::expected_identities(row)) identities.insert(id);
  }
  dmarc::store::TableCounts first, second;
  {
    dmarc::store::Store store(db);
    dmarc::ingest::Pipeline pipeline(store, dmarc::Limits{});
    for (const Row& row : manifest_rows(false)) pipeline.ingest_path(k_corpus / row.at("path"));
    first = store.counts();
    EXPECT_EQ(pipeline.stats().reports_new, identities.size());
  }
  {
    dmarc::store::Store store(db);
    dmarc::ingest::Pipeline pipeline(store, dmarc::Limits{});
    // Files whose bytes are stored with no failure are not read again; the
    // others are, and every report in them is a duplicate.
    std::uint64_t files = 0, known_clean = 0;
    for (const Row& row : manifest_rows(false)) {
      ++files;
      std::ifstream in(k_corpus / row.at("path"), std::ios::binary);
      const std::string bytes{std::istreambuf_iterator<char>(in), {}};
      const auto known = store.known_raw(dmarc::store::encode_raw(bytes, false).sha256);
      ASSERT_TRUE(known) << row.at("path");
      if (known->failures == 0) ++known_clean;
    }
    for (const Row& row : manifest_rows(false)) pipeline.ingest_path(k_corpus / row.at("path"));
    second = store.counts();
    EXPECT_EQ(pipeline.stats().reports_new, 0u);
    EXPECT_EQ(pipeline.stats().inputs, files);
    EXPECT_EQ(pipeline.stats().unchanged, known_clean);
    EXPECT_GT(known_clean, 0u);
    EXPECT_LT(known_clean, files);  // the corpus has files with failures
    std::cout << "second run: " << pipeline.stats().unchanged << " of " << files
              << " files not read again, " << pipeline.stats().duplicates
              << " duplicate reports in the others\n";
  }
  EXPECT_EQ(first, second);
  EXPECT_EQ(first.reports, static_cast<std::int64_t>(identities.size()));
  std::cout << "corpus twice: " << first.reports << " reports, " << first.records
            << " records, " << first.raw_reports << " raw inputs; second run stored nothing\n";
  fs::remove(db);
  fs::remove(db.string() + "-wal");
  fs::remove(db.string() + "-shm");
}
