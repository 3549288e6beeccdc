// The pipeline over real components (unpack, parser, GMime, SQLite in memory):
// what ends as a report, a failure or a non-aggregate input, and under which
// part name.
#include "ingest/pipeline.hpp"

#include "tests/support/encode.hpp"
#include "tests/support/temp_dir.hpp"
#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace dmarc::ingest {
namespace {

using dmarc::testing::base64;
using dmarc::testing::gzip;

const std::string k_xml =
    "<?xml version=\"1.0\"?><feedback><report_metadata><org_name>Receiver</org_name>"
    "<report_id>p-1</report_id><date_range><begin>1700000000</begin><end>1700086399</end>"
    "</date_range></report_metadata><policy_published><domain>example.com</domain>"
    "<p>reject</p></policy_published><record><row><source_ip>192.0.2.1</source_ip>"
    "<count>2</count><policy_evaluated><disposition>reject</disposition><dkim>fail</dkim>"
    "<spf>fail</spf></policy_evaluated></row><identifiers><header_from>example.com"
    "</header_from></identifiers><auth_results><spf><domain>example.com</domain>"
    "<result>fail</result></spf></auth_results></record></feedback>";



struct PipelineTest : ::testing::Test {
  store::Store store{":memory:"};
  Pipeline pipeline{store, Limits{}};
};

TEST_F(PipelineTest, GzipReportIsStoredWithRecords) {
  pipeline.ingest_bytes(gzip(k_xml), "r.xml.gz");
  EXPECT_EQ(pipeline.stats().reports_new, 1u);
  EXPECT_EQ(pipeline.stats().records, 1u);
  ASSERT_EQ(store.list_reports().size(), 1u);
  EXPECT_EQ(store.list_reports().front().reject_records, 1);
}

TEST_F(PipelineTest, TruncatedGzipFailureNamesNoZipMember) {
  std::string bytes = gzip(k_xml);
  pipeline.ingest_bytes(bytes.substr(0, bytes.size() / 2), "t.gz");
  ASSERT_EQ(store.list_failures().size(), 1u);
  EXPECT_EQ(store.list_failures().front().part, "");
  EXPECT_EQ(store.list_failures().front().code, "malformed");
}

TEST_F(PipelineTest, MailWithHtmlBodyAndGzipAttachmentGivesOneReportAndNoFailure) {
  std::string mail =
      "From: dmarc@receiver.example\nTo: rua@example.com\nSubject: Report domain: example.com\n"
      "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n--b\n"
      "Content-Type: text/html\n\n<html><body><p>This is a DMARC feedback report.</p></body>"
      "</html>\n--b\nContent-Type: application/gzip; name=\"r.xml.gz\"\n"
      "Content-Transfer-Encoding: base64\n\n" +
      base64(gzip(k_xml)) + "--b--\n";
  pipeline.ingest_bytes(mail, "m.eml");
  EXPECT_EQ(pipeline.stats().reports_new, 1u);
  EXPECT_TRUE(store.list_failures().empty());
  EXPECT_TRUE(store.list_others().empty());
}

TEST_F(PipelineTest, MailWithoutReportIsRecordedAsOtherMail) {
  pipeline.ingest_bytes("From: a@example.org\nSubject: hello\n\njust text\n", "m.eml");
  ASSERT_EQ(store.list_others().size(), 1u);
  EXPECT_EQ(store.list_others().front().kind, "other_mail");
  EXPECT_NE(store.list_others().front().detail.find("text/plain"), std::string::npos);
  EXPECT_TRUE(store.list_failures().empty());
}

TEST_F(PipelineTest, TlsReportJsonIsRecognised) {
  pipeline.ingest_bytes(R"({"organization-name":"x","report-id":"1","policies":[]})", "t.json");
  ASSERT_EQ(store.list_others().size(), 1u);
  EXPECT_EQ(store.list_others().front().kind, "smtp_tls");
}

TEST_F(PipelineTest, EmptyInputIsAFailureAndGarbageIsNotAReport) {
  pipeline.ingest_bytes("", "empty");
  pipeline.ingest_bytes("hello world", "garbage");
  ASSERT_EQ(store.list_failures().size(), 1u);
  EXPECT_EQ(store.list_failures().front().message, "input is empty");
  ASSERT_EQ(store.list_others().size(), 1u);
  EXPECT_EQ(store.list_others().front().kind, "not_report");
}

TEST_F(PipelineTest, InputOverMaxInputBytesIsRecordedWithItsFirstBytesKept) {
  Limits limits;
  limits.max_input_bytes = 100;
  Pipeline small(store, limits);
  std::istringstream in(k_xml);
  small.ingest_stream(in, "big");
  ASSERT_EQ(store.list_failures().size(), 1u);
  EXPECT_EQ(store.list_failures().front().code, "too_large");
  EXPECT_NE(store.list_failures().front().message.find("max_input_bytes (100)"),
            std::string::npos);
  EXPECT_EQ(store.raw_bytes(store.list_failures().front().raw_id), k_xml.substr(0, 100));
}

TEST_F(PipelineTest, SameReportTwiceIsOneReportAndOneDuplicate) {
  pipeline.ingest_bytes(k_xml, "a.xml");
  pipeline.ingest_bytes(gzip(k_xml), "a.xml.gz");
  EXPECT_EQ(pipeline.stats().reports_new, 1u);
  EXPECT_EQ(pipeline.stats().duplicates, 1u);
  EXPECT_EQ(store.counts().raw_reports, 2);
}

TEST_F(PipelineTest, SameBytesAgainAreNotReadAgain) {
  pipeline.ingest_bytes(gzip(k_xml), "a.xml.gz");
  const store::TableCounts before = store.counts();
  pipeline.ingest_bytes(gzip(k_xml), "copy.xml.gz");
  EXPECT_EQ(pipeline.stats().inputs, 2u);
  EXPECT_EQ(pipeline.stats().unchanged, 1u);
  EXPECT_EQ(pipeline.stats().unchanged_reports, 1u);
  EXPECT_EQ(pipeline.stats().duplicates, 0u);
  EXPECT_EQ(store.counts(), before);
}

TEST_F(PipelineTest, BytesThatFailedAreReadAgainAndBecomeAReportUnderAHigherLimit) {
  Limits low;
  low.max_xml_bytes = 100;
  Pipeline strict(store, low);
  strict.ingest_bytes(gzip(k_xml), "a.xml.gz");
  EXPECT_EQ(strict.stats().failures, 1u);
  pipeline.ingest_bytes(gzip(k_xml), "a.xml.gz");
  EXPECT_EQ(pipeline.stats().unchanged, 0u);
  EXPECT_EQ(pipeline.stats().reports_new, 1u);
  EXPECT_EQ(store.counts().raw_reports, 1);
}

// A folder is read by worker threads, each with its own read-only connection.
TEST(PipelineFolder, FolderAgainSkipsStoredFilesAndReadsChangedOnes) {
  test::TempDir dir;
  const std::filesystem::path folder = dir.path() / "in";
  std::filesystem::create_directory(folder);
  constexpr int k_files = 12;
  auto report = [](int i) {
    std::string xml = k_xml;
    xml.replace(xml.find("p-1"), 3, "p-" + std::to_string(i));
    return xml;
  };
  for (int i = 0; i < k_files; ++i) {
    std::ofstream(folder / ("r" + std::to_string(i) + ".xml.gz"), std::ios::binary)
        << gzip(report(i));
  }
  std::ofstream(folder / "junk.bin", std::ios::binary) << "\x01\x02 not a report";
  store::Store store(dir.path() / "d.db");
  store::TableCounts first;
  {
    Pipeline pipeline(store, Limits{});
    pipeline.ingest_path(folder);
    EXPECT_EQ(pipeline.stats().reports_new, static_cast<std::uint64_t>(k_files));
    EXPECT_EQ(pipeline.stats().unchanged, 0u);
    first = store.counts();
  }
  {
    Pipeline pipeline(store, Limits{});
    pipeline.ingest_path(folder);
    EXPECT_EQ(pipeline.stats().inputs, static_cast<std::uint64_t>(k_files) + 1);
    EXPECT_EQ(pipeline.stats().unchanged, static_cast<std::uint64_t>(k_files) + 1);
    EXPECT_EQ(pipeline.stats().unchanged_reports, static_cast<std::uint64_t>(k_files));
    EXPECT_EQ(pipeline.stats().duplicates + pipeline.stats().other, 0u);
    EXPECT_EQ(store.counts(), first);
  }
  // One file gets a new report, one the same report in other bytes.
  std::ofstream(folder / "r3.xml.gz", std::ios::binary) << gzip(report(100));
  std::ofstream(folder / "r4.xml.gz", std::ios::binary) << report(4);
  {
    Pipeline pipeline(store, Limits{});
    pipeline.ingest_path(folder);
    EXPECT_EQ(pipeline.stats().unchanged, static_cast<std::uint64_t>(k_files) - 1);
    EXPECT_EQ(pipeline.stats().reports_new, 1u);
    EXPECT_EQ(pipeline.stats().duplicates, 1u);
    EXPECT_EQ(store.counts().reports, first.reports + 1);
    EXPECT_EQ(store.counts().raw_reports, first.raw_reports + 2);
  }
  // Asked to, the workers read every file again: nothing new, all duplicates.
  {
    const store::TableCounts before = store.counts();
    Pipeline pipeline(store, Limits{});
    pipeline.set_reread(true);
    pipeline.ingest_path(folder);
    EXPECT_EQ(pipeline.stats().unchanged, 0u);
    EXPECT_EQ(pipeline.stats().duplicates, static_cast<std::uint64_t>(k_files));
    EXPECT_EQ(pipeline.stats().other, 1u);  // junk.bin
    EXPECT_EQ(store.counts(), before);
  }
}

}  // namespace
}  // namespace dmarc::ingest
