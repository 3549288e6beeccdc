// Acceptance: a mailbox holding every e-mail of the real-world corpus
// ingests through IMAP to exactly the rows that ingesting the same files from
// disk gives, and a second run fetches and stores nothing. The corpus sits
// beside the clone in CI (../shared/corpus); without it the test is skipped.
#include <gtest/gtest.h>

#include "imap_test_support.hpp"
#include "ingest/mail.hpp"

#include <set>

namespace dmarc::ingest {
namespace {

namespace fs = std::filesystem;

const fs::path k_corpus = fs::path(DMARCDB_SHARED_DIR) / "corpus";

std::vector<fs::path> corpus_mails() {
  std::vector<fs::path> out;
  for (const auto& entry : fs::recursive_directory_iterator(k_corpus)) {
    if (!entry.is_regular_file()) continue;
    const std::string bytes = testing::read_bytes(entry.path());
    // A mailbox holds single messages: mbox files are not e-mails of their own.
    if (looks_like_mail(bytes) && !looks_like_mbox(bytes)) out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// IMAP serves messages with CRLF line ends: the bytes a server hands out.
std::string crlf(const std::string& bytes) {
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] == '\n' && (i == 0 || bytes[i - 1] != '\r')) out += '\r';
    out += bytes[i];
  }
  return out;
}

// Rows without ids and origins, which name where the bytes came from.
std::vector<std::string> report_rows(const store::Store& store) {
  std::vector<std::string> rows;
  for (const store::ReportListRow& r : store.list_reports()) {
    rows.push_back(r.org_name.value_or("-") + "|" + r.report_id + "|" +
                   r.policy_domain.value_or("-") + "|" + std::to_string(r.date_begin) + "|" +
                   std::to_string(r.date_end) + "|" + r.schema + "|" + std::to_string(r.records) +
                   "|" + std::to_string(r.messages) + "|" + std::to_string(r.spf_fail_records) +
                   "|" + std::to_string(r.reject_records) + "|" +
                   std::to_string(r.quarantine_records) + "|" + std::to_string(r.warnings));
  }
  return rows;
}

std::multiset<std::string> failure_rows(const store::Store& store) {
  std::multiset<std::string> rows;
  for (const store::FailureRow& f : store.list_failures()) {
    rows.insert(f.part + "|" + f.code + "|" + f.message);
  }
  for (const store::OtherRow& o : store.list_others()) {
    rows.insert(o.part + "|" + o.kind + "|" + o.detail);
  }
  return rows;
}

TEST(ImapCorpus, MailboxOfAllCorpusMailsGivesTheSameRowsAsTheFiles) {
  if (!fs::exists(k_corpus / "MANIFEST.tsv")) {
    GTEST_SKIP() << "corpus not found at " << k_corpus.string()
                 << " (it sits beside the clone in CI); IMAP corpus equality NOT checked";
  }
  const std::vector<fs::path> mails = corpus_mails();
  ASSERT_GT(mails.size(), 40u);
  START_DOVECOT(server);
  for (const fs::path& mail : mails) server.deliver(testing::read_bytes(mail));

  const Limits limits;
  store::Store from_disk(":memory:");
  Pipeline disk_pipeline(from_disk, limits);
  for (const fs::path& mail : mails) disk_pipeline.ingest_path(mail);

  store::Store from_imap(":memory:");
  Pipeline imap_pipeline(from_imap, limits);
  const ImapSourceOptions options = testing::source_options(server, server.imaps_url());
  ImapRunResult first = ingest_mailbox(from_imap, imap_pipeline, limits, options);
  ASSERT_EQ(first.outcome, ImapOutcome::ok) << first.message;
  EXPECT_EQ(first.messages, mails.size());

  // Every table is the same, except that files differing only in line ends
  // are one message once a server has normalised them to CRLF.
  store::TableCounts expected = from_disk.counts();
  std::set<std::string> served;
  for (const fs::path& mail : mails) served.insert(crlf(testing::read_bytes(mail)));
  expected.raw_reports = static_cast<std::int64_t>(served.size());
  EXPECT_EQ(from_imap.counts(), expected);
  EXPECT_EQ(report_rows(from_imap), report_rows(from_disk));
  EXPECT_EQ(failure_rows(from_imap), failure_rows(from_disk));
  EXPECT_EQ(imap_pipeline.stats().reports_new, disk_pipeline.stats().reports_new);
  std::cout << "corpus e-mails: " << mails.size() << ", reports: " << from_imap.counts().reports
            << ", records: " << from_imap.counts().records << "\n";

  const store::TableCounts before = from_imap.counts();
  ImapRunResult second = ingest_mailbox(from_imap, imap_pipeline, limits, options);
  ASSERT_EQ(second.outcome, ImapOutcome::ok) << second.message;
  EXPECT_EQ(second.messages, 0u);
  EXPECT_EQ(imap_pipeline.stats().inputs, mails.size());
  EXPECT_EQ(from_imap.counts(), before);
}

}  // namespace
}  // namespace dmarc::ingest
