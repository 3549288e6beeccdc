// Saving reports: every row, the views, identity and duplicates, rollback.
#include <gtest/gtest.h>

#include <limits>

#include "store/store.hpp"
#include "test_support.hpp"

namespace dmarc::store {
namespace {

using test::expect_fatal;
using test::query_int;
using test::query_rows;
using test::row;
using test::Row;
using test::TempDir;
using Rows = std::vector<Row>;

constexpr auto k_null = std::nullopt;

class SaveReport : public ::testing::Test {
 protected:
  TempDir m_dir;
  std::filesystem::path m_path = m_dir.file("dmarc.db");
  Store m_store{m_path};
  std::int64_t m_raw_id = m_store.save_raw("<feedback/>", "inbox/1.xml").id;
};

TEST_F(SaveReport, StoresTheReportRowWithEveryField) {
  ASSERT_EQ(m_store.save_report(test::sample_report(), m_raw_id, "inbox/1.xml"),
            SaveResult::stored);
  EXPECT_EQ(query_rows(m_path, R"sql(
SELECT org_name, email, extra_contact_info, report_id, date_begin, date_end, generator,
       policy_domain, policy_adkim, policy_aspf, policy_p, policy_sp, policy_np, policy_pct,
       policy_fo, policy_testing, policy_discovery_method, schema_version, xml_version,
       extensions, record_count, message_count, raw_id, origin
FROM reports)sql"),
            // clang-format off
            Rows{row({"receiver.example", "dmarc@receiver.example",
                      "https://receiver.example/dmarc", "r-1", "1700006400", "1700092799",
                      k_null, "example.com", "r", "s", "reject", "quarantine", k_null, "100",
                      "1", k_null, k_null, "rfc7489", "1.0", k_null, "4", "16",
                      std::to_string(m_raw_id), "inbox/1.xml"})});
  // clang-format on
  const std::int64_t ingested_at = query_int(m_path, "SELECT ingested_at FROM reports");
  EXPECT_GT(ingested_at, 1700000000);
}

TEST_F(SaveReport, StoresErrorsAndWarningsInOrder) {
  m_store.save_report(test::sample_report(), m_raw_id, "inbox/1.xml");
  EXPECT_EQ(query_rows(m_path, "SELECT position, message FROM report_errors ORDER BY position"),
            (Rows{row({"1", "first error"}), row({"2", "second error"})}));
  EXPECT_EQ(query_rows(m_path, "SELECT position, message FROM report_warnings"),
            Rows{row({"1", "record[4]/row/source_ip \"x\" is not an IP address"})});
}

TEST_F(SaveReport, StoresRecordsInOrderWithAbsentFieldsAsNull) {
  m_store.save_report(test::sample_report(), m_raw_id, "inbox/1.xml");
  EXPECT_EQ(
      query_rows(m_path, R"sql(
SELECT position, source_ip, count, disposition, dkim_aligned, spf_aligned, header_from,
       envelope_from, envelope_to, extensions
FROM records ORDER BY position)sql"),
      (Rows{row({"1", "192.0.2.1", "10", "none", "pass", "pass", "example.com", k_null, k_null,
                 k_null}),
            row({"2", "198.51.100.7", "3", "reject", "fail", "fail", "example.com",
                 "bounce.example.org", "example.net", "<ext:x xmlns:ext=\"urn:x\">1</ext:x>"}),
            row({"3", "2001:db8::1", "2", "quarantine", "fail", "fail", "example.com", k_null,
                 k_null, k_null}),
            row({"4", k_null, "1", k_null, k_null, k_null, k_null, k_null, k_null, k_null})}));
}

TEST_F(SaveReport, StoresReasonsAndAuthResultsUnderTheirRecords) {
  m_store.save_report(test::sample_report(), m_raw_id, "inbox/1.xml");
  EXPECT_EQ(
      query_rows(m_path, R"sql(
SELECT r.position, o.position, o.type, o.comment
FROM policy_override_reasons o JOIN records r ON r.id = o.record_ref
ORDER BY r.position, o.position)sql"),
      (Rows{row({"2", "1", "forwarded", "via list"}), row({"2", "2", "local_policy", k_null})}));
  EXPECT_EQ(query_rows(m_path, R"sql(
SELECT r.position, d.position, d.domain, d.selector, d.result, d.human_result
FROM dkim_results d JOIN records r ON r.id = d.record_ref
ORDER BY r.position, d.position)sql"),
            (Rows{row({"1", "1", "example.com", "sel1", "pass", k_null}),
                  row({"3", "1", "example.com", "s2", "fail", "body hash did not verify"}),
                  row({"3", "2", "other.example", "s3", "pass", k_null})}));
  EXPECT_EQ(query_rows(m_path, R"sql(
SELECT r.position, s.position, s.domain, s.scope, s.result, s.human_result
FROM spf_results s JOIN records r ON r.id = s.record_ref
ORDER BY r.position, s.position)sql"),
            (Rows{row({"1", "1", "example.com", "mfrom", "pass", k_null}),
                  row({"2", "1", "bounce.example.org", "mfrom", "fail", k_null}),
                  row({"2", "2", "mx.example.org", "helo", "pass", k_null}),
                  row({"3", "1", "example.com", "mfrom", "softfail", k_null})}));
  const TableCounts counts = m_store.counts();
  EXPECT_EQ(counts.reports, 1);
  EXPECT_EQ(counts.records, 4);
  EXPECT_EQ(counts.override_reasons, 2);
  EXPECT_EQ(counts.dkim_results, 3);
  EXPECT_EQ(counts.spf_results, 4);
}

TEST_F(SaveReport, RecordRowsViewFlattensRecordsWithTheirFirstResults) {
  m_store.save_report(test::sample_report(), m_raw_id, "inbox/1.xml");
  EXPECT_EQ(query_rows(m_path, R"sql(
SELECT org_name, report_id, policy_domain, policy_p, date_begin, date_end, begin_utc, end_utc,
       position, source_ip, count, disposition, dkim_aligned, spf_aligned, header_from,
       envelope_from, envelope_to, spf_domain, spf_scope, spf_result, dkim_domain,
       dkim_selector, dkim_result, override_reason
FROM record_rows ORDER BY position)sql"),
            (Rows{row({"receiver.example",
                       "r-1",
                       "example.com",
                       "reject",
                       "1700006400",
                       "1700092799",
                       "2023-11-15T00:00:00Z",
                       "2023-11-15T23:59:59Z",
                       "1",
                       "192.0.2.1",
                       "10",
                       "none",
                       "pass",
                       "pass",
                       "example.com",
                       k_null,
                       k_null,
                       "example.com",
                       "mfrom",
                       "pass",
                       "example.com",
                       "sel1",
                       "pass",
                       k_null}),
                  row({"receiver.example",
                       "r-1",
                       "example.com",
                       "reject",
                       "1700006400",
                       "1700092799",
                       "2023-11-15T00:00:00Z",
                       "2023-11-15T23:59:59Z",
                       "2",
                       "198.51.100.7",
                       "3",
                       "reject",
                       "fail",
                       "fail",
                       "example.com",
                       "bounce.example.org",
                       "example.net",
                       "bounce.example.org",
                       "mfrom",
                       "fail",
                       k_null,
                       k_null,
                       k_null,
                       "forwarded"}),
                  row({"receiver.example",
                       "r-1",
                       "example.com",
                       "reject",
                       "1700006400",
                       "1700092799",
                       "2023-11-15T00:00:00Z",
                       "2023-11-15T23:59:59Z",
                       "3",
                       "2001:db8::1",
                       "2",
                       "quarantine",
                       "fail",
                       "fail",
                       "example.com",
                       k_null,
                       k_null,
                       "example.com",
                       "mfrom",
                       "softfail",
                       "example.com",
                       "s2",
                       "fail",
                       k_null}),
                  row({"receiver.example",
                       "r-1",
                       "example.com",
                       "reject",
                       "1700006400",
                       "1700092799",
                       "2023-11-15T00:00:00Z",
                       "2023-11-15T23:59:59Z",
                       "4",
                       k_null,
                       "1",
                       k_null,
                       k_null,
                       k_null,
                       k_null,
                       k_null,
                       k_null,
                       k_null,
                       k_null,
                       k_null,
                       k_null,
                       k_null,
                       k_null,
                       k_null})}));
  EXPECT_EQ(query_rows(m_path,
                       "SELECT count(*) FROM record_rows r JOIN records c "
                       "ON c.id = r.record_id AND c.report_ref = r.report_ref"),
            Rows{row({"4"})});
}

TEST_F(SaveReport, SpfAlignmentFailuresViewHoldsOnlySpfFailRecords) {
  m_store.save_report(test::sample_report(), m_raw_id, "inbox/1.xml");
  EXPECT_EQ(query_rows(m_path,
                       "SELECT source_ip, count, disposition, spf_domain, spf_result "
                       "FROM spf_alignment_failures ORDER BY position"),
            (Rows{row({"198.51.100.7", "3", "reject", "bounce.example.org", "fail"}),
                  row({"2001:db8::1", "2", "quarantine", "example.com", "softfail"})}));
}

TEST_F(SaveReport, ReportsOverviewTotalsRecordsAndMessages) {
  m_store.save_report(test::sample_report(), m_raw_id, "inbox/1.xml");
  EXPECT_EQ(query_rows(m_path, R"sql(
SELECT org_name, report_id, begin_utc, end_utc, schema_version, records, messages,
       spf_fail_records, spf_fail_messages, dkim_fail_records, reject_records,
       reject_messages, quarantine_records, quarantine_messages, errors, warnings, origin
FROM reports_overview)sql"),
            Rows{row({"receiver.example", "r-1", "2023-11-15T00:00:00Z", "2023-11-15T23:59:59Z",
                      "rfc7489", "4", "16", "2", "5", "2", "1", "3", "1", "2", "2", "1",
                      "inbox/1.xml"})});
}

TEST_F(SaveReport, ListReportsReturnsTheTotals) {
  m_store.save_report(test::sample_report(), m_raw_id, "inbox/1.xml");
  const std::vector<ReportListRow> rows = m_store.list_reports();
  ASSERT_EQ(rows.size(), 1u);
  const ReportListRow& listed = rows[0];
  EXPECT_GT(listed.id, 0);
  EXPECT_EQ(listed.org_name, "receiver.example");
  EXPECT_EQ(listed.report_id, "r-1");
  EXPECT_EQ(listed.policy_domain, "example.com");
  EXPECT_EQ(listed.date_begin, 1700006400);
  EXPECT_EQ(listed.date_end, 1700092799);
  EXPECT_EQ(listed.schema, "rfc7489");
  EXPECT_EQ(listed.records, 4);
  EXPECT_EQ(listed.messages, 16);
  EXPECT_EQ(listed.spf_fail_records, 2);
  EXPECT_EQ(listed.reject_records, 1);
  EXPECT_EQ(listed.quarantine_records, 1);
  EXPECT_EQ(listed.warnings, 1);
}

TEST_F(SaveReport, ListReportsOrdersByDateBeginThenOrgThenReportId) {
  auto report = [](std::optional<std::string> org, std::string id, std::int64_t begin) {
    parse::AggregateReport r;
    r.metadata.org_name = std::move(org);
    r.metadata.report_id = std::move(id);
    r.metadata.date_range = {begin, begin + 86399};
    return r;
  };
  m_store.save_report(report("b.example", "2", 2000), m_raw_id, "x");
  m_store.save_report(report("b.example", "1", 1000), m_raw_id, "x");
  m_store.save_report(report("a.example", "9", 2000), m_raw_id, "x");
  m_store.save_report(report(std::nullopt, "5", 2000), m_raw_id, "x");
  m_store.save_report(report("b.example", "1", 2000), m_raw_id, "x");
  std::vector<std::string> order;
  for (const ReportListRow& listed : m_store.list_reports()) {
    order.push_back(listed.org_name.value_or("-") + "/" + listed.report_id + "@" +
                    std::to_string(listed.date_begin));
  }
  EXPECT_EQ(order, (std::vector<std::string>{"b.example/1@1000", "-/5@2000", "a.example/9@2000",
                                             "b.example/1@2000", "b.example/2@2000"}));
}

TEST_F(SaveReport, ReportWithoutRecordsHasZeroTotals) {
  parse::AggregateReport empty;
  empty.metadata.report_id = "empty";
  empty.metadata.date_range = {10, 20};
  empty.schema = parse::SchemaVersion::dmarcbis;
  ASSERT_EQ(m_store.save_report(empty, m_raw_id, "x"), SaveResult::stored);
  const auto rows = m_store.list_reports();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].org_name, std::nullopt);
  EXPECT_EQ(rows[0].policy_domain, std::nullopt);
  EXPECT_EQ(rows[0].schema, "dmarcbis");
  EXPECT_EQ(rows[0].records, 0);
  EXPECT_EQ(rows[0].messages, 0);
  EXPECT_EQ(rows[0].spf_fail_records, 0);
  EXPECT_EQ(rows[0].warnings, 0);
}

TEST_F(SaveReport, DmarcbisPolicyFieldsAreStored) {
  parse::AggregateReport report = test::sample_report();
  report.schema = parse::SchemaVersion::dmarcbis;
  report.metadata.generator = "Example MTA 2.1";
  report.policy.np = "reject";
  report.policy.pct = std::nullopt;
  report.policy.testing = "n";
  report.policy.discovery_method = "treewalk";
  report.extensions = "<ext/>";
  m_store.save_report(report, m_raw_id, "x");
  EXPECT_EQ(
      query_rows(m_path,
                 "SELECT schema_version, generator, policy_np, policy_pct, "
                 "policy_testing, policy_discovery_method, extensions FROM reports"),
      Rows{row({"dmarcbis", "Example MTA 2.1", "reject", k_null, "n", "treewalk", "<ext/>"})});
}

TEST_F(SaveReport, SameIdentityTwiceIsADuplicateAndWritesNothing) {
  ASSERT_EQ(m_store.save_report(test::sample_report(), m_raw_id, "inbox/1.xml"),
            SaveResult::stored);
  const TableCounts before = m_store.counts();
  const std::int64_t errors_before = query_int(m_path, "SELECT count(*) FROM report_errors");
  EXPECT_EQ(m_store.save_report(test::sample_report(), m_raw_id, "inbox/2.xml"),
            SaveResult::duplicate);
  EXPECT_EQ(m_store.counts(), before);
  EXPECT_EQ(query_int(m_path, "SELECT count(*) FROM report_errors"), errors_before);
  EXPECT_EQ(query_rows(m_path, "SELECT origin FROM reports"), Rows{row({"inbox/1.xml"})});
}

TEST_F(SaveReport, SameIdentityWithOtherContentKeepsTheFirstCopy) {
  m_store.save_report(test::sample_report(), m_raw_id, "a");
  parse::AggregateReport changed = test::sample_report();
  changed.records.resize(1);
  changed.metadata.email = "other@receiver.example";
  EXPECT_EQ(m_store.save_report(changed, m_raw_id, "b"), SaveResult::duplicate);
  EXPECT_EQ(m_store.counts().records, 4);
  EXPECT_EQ(query_rows(m_path, "SELECT email FROM reports"), Rows{row({"dmarc@receiver.example"})});
}

TEST_F(SaveReport, IdentityWithoutOrgNameOrDomainStillDedupes) {
  parse::AggregateReport report = test::sample_report();
  report.metadata.org_name = std::nullopt;
  report.policy.domain = std::nullopt;
  EXPECT_EQ(m_store.save_report(report, m_raw_id, "a"), SaveResult::stored);
  EXPECT_EQ(m_store.save_report(report, m_raw_id, "b"), SaveResult::duplicate);
  EXPECT_EQ(m_store.counts().reports, 1);
  EXPECT_EQ(m_store.counts().records, 4);
}

TEST_F(SaveReport, AbsentOrgNameDiffersFromAPresentOne) {
  parse::AggregateReport report = test::sample_report();
  EXPECT_EQ(m_store.save_report(report, m_raw_id, "a"), SaveResult::stored);
  report.metadata.org_name = std::nullopt;
  EXPECT_EQ(m_store.save_report(report, m_raw_id, "b"), SaveResult::stored);
  EXPECT_EQ(m_store.counts().reports, 2);
}

TEST_F(SaveReport, EachIdentityFieldMakesANewReport) {
  const parse::AggregateReport base = test::sample_report();
  ASSERT_EQ(m_store.save_report(base, m_raw_id, "a"), SaveResult::stored);
  std::vector<parse::AggregateReport> variants(5, base);
  variants[0].metadata.org_name = "other.example";
  variants[1].metadata.report_id = "r-2";
  variants[2].policy.domain = "example.org";
  variants[3].metadata.date_range.begin += 86400;
  variants[4].metadata.date_range.end += 86400;
  for (const auto& variant : variants) {
    EXPECT_EQ(m_store.save_report(variant, m_raw_id, "a"), SaveResult::stored);
  }
  EXPECT_EQ(m_store.counts().reports, 6);
  EXPECT_EQ(m_store.counts().records, 24);
}

TEST_F(SaveReport, ReportWithoutRawBytesStoresNullRawId) {
  m_store.save_report(test::sample_report(), 0, "a");
  EXPECT_EQ(query_rows(m_path, "SELECT raw_id FROM reports"), Rows{row({k_null})});
}

TEST_F(SaveReport, FailingInsertInTheMiddleRollsBackTheWholeReport) {
  test::exec(m_path,
             "CREATE TRIGGER fail_third_record BEFORE INSERT ON records "
             "WHEN NEW.position = 3 BEGIN SELECT RAISE(ABORT, 'forced failure'); END");
  const TableCounts before = m_store.counts();
  expect_fatal([&] { m_store.save_report(test::sample_report(), m_raw_id, "inbox/1.xml"); },
               {"r-1", "receiver.example", "inserting records", "forced failure"});
  EXPECT_EQ(m_store.counts(), before);
  EXPECT_EQ(query_int(m_path, "SELECT count(*) FROM report_errors"), 0);
  EXPECT_EQ(query_int(m_path, "SELECT count(*) FROM report_warnings"), 0);

  // The store stays usable: with the trigger gone the same report is stored.
  test::exec(m_path, "DROP TRIGGER fail_third_record");
  EXPECT_EQ(m_store.save_report(test::sample_report(), m_raw_id, "inbox/1.xml"),
            SaveResult::stored);
  EXPECT_EQ(m_store.counts().records, 4);
}

TEST_F(SaveReport, UnicodeTextRoundTrips) {
  parse::AggregateReport report = test::sample_report();
  report.metadata.org_name = "Ünïcødé Post 日本郵便 🙂";
  report.metadata.report_id = "ид-№1";
  report.records[1].reasons[0].comment = "weitergeleitet über Liste ✉";
  report.records[0].header_from = "bücher.example";
  m_store.save_report(report, m_raw_id, "ящик/1.eml");
  const auto rows = m_store.list_reports();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].org_name, "Ünïcødé Post 日本郵便 🙂");
  EXPECT_EQ(rows[0].report_id, "ид-№1");
  EXPECT_EQ(query_rows(m_path, "SELECT comment FROM policy_override_reasons WHERE position = 1"),
            Rows{row({"weitergeleitet über Liste ✉"})});
  EXPECT_EQ(query_rows(m_path, "SELECT header_from FROM record_rows WHERE position = 1"),
            Rows{row({"bücher.example"})});
  EXPECT_EQ(query_rows(m_path, "SELECT origin FROM reports"), Rows{row({"ящик/1.eml"})});
  EXPECT_EQ(m_store.save_report(report, m_raw_id, "again"), SaveResult::duplicate);
}

TEST_F(SaveReport, HugeCountsSaturateInsteadOfFailing) {
  parse::AggregateReport report = test::sample_report();
  constexpr auto k_max = std::numeric_limits<std::int64_t>::max();
  report.records[0].count = static_cast<std::uint64_t>(k_max);
  report.records[1].count = static_cast<std::uint64_t>(k_max);
  report.records[2].count = std::numeric_limits<std::uint64_t>::max();
  ASSERT_EQ(m_store.save_report(report, m_raw_id, "x"), SaveResult::stored);
  EXPECT_EQ(query_int(m_path, "SELECT message_count FROM reports"), k_max);
  EXPECT_EQ(query_int(m_path, "SELECT count FROM records WHERE position = 3"), k_max);
  const auto rows = m_store.list_reports();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].messages, k_max);
}

TEST_F(SaveReport, ManyRecordsAreAllStored) {
  parse::AggregateReport report = test::sample_report();
  const parse::Record pattern = report.records[1];
  report.records.assign(20'000, pattern);
  for (std::size_t i = 0; i < report.records.size(); ++i) {
    report.records[i].source_ip = "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256);
  }
  ASSERT_EQ(m_store.save_report(report, m_raw_id, "x"), SaveResult::stored);
  const TableCounts counts = m_store.counts();
  EXPECT_EQ(counts.records, 20'000);
  EXPECT_EQ(counts.spf_results, 40'000);
  EXPECT_EQ(counts.override_reasons, 40'000);
  EXPECT_EQ(query_int(m_path, "SELECT max(position) FROM records"), 20'000);
  EXPECT_EQ(m_store.list_reports().at(0).messages, 60'000);
}

// 77 records go in statements of 32, 32, 8, 4 and 1 rows; their results in
// statements of other sizes. Every row must keep its record and position.
TEST_F(SaveReport, ManyRecordsKeepEveryRowWithItsRecordAndPosition) {
  parse::AggregateReport report = test::sample_report();
  report.records.clear();
  constexpr std::size_t k_records = 77;
  for (std::size_t i = 0; i < k_records; ++i) {
    parse::Record r;
    r.source_ip = "192.0.2." + std::to_string(i);
    r.count = i + 1;
    for (std::size_t k = 0; k < i % 4; ++k) {
      r.dkim_results.push_back({"d" + std::to_string(i) + "-" + std::to_string(k), "s", "pass",
                                std::nullopt});
    }
    for (std::size_t k = 0; k < i % 3; ++k) {
      r.spf_results.push_back({"s" + std::to_string(i) + "-" + std::to_string(k), "mfrom", "fail",
                               std::nullopt});
    }
    if (i % 5 == 0) r.reasons.push_back({"forwarded", "r" + std::to_string(i)});
    report.records.push_back(std::move(r));
  }
  ASSERT_EQ(m_store.save_report(report, m_raw_id, "many.xml"), SaveResult::stored);
  report.metadata.report_id = "r-2";
  ASSERT_EQ(m_store.save_report(report, m_raw_id, "many2.xml"), SaveResult::stored);

  EXPECT_EQ(query_int(m_path, "SELECT count(*) FROM records"), 2 * 77);
  // Ids are consecutive, in position order, and continue in the next report.
  EXPECT_EQ(query_int(m_path,
                      "SELECT count(*) FROM records r JOIN reports p ON p.id = r.report_ref "
                      "WHERE r.id != (p.id - 1) * 77 + r.position"),
            0);
  EXPECT_EQ(query_int(m_path,
                      "SELECT count(*) FROM records WHERE source_ip != '192.0.2.' || (position - 1) "
                      "OR count != position"),
            0);
  // Every result names its own record and position.
  EXPECT_EQ(query_int(m_path, "SELECT count(*) FROM dkim_results"), 2 * 114);
  EXPECT_EQ(query_int(m_path,
                      "SELECT count(*) FROM dkim_results d JOIN records r ON r.id = d.record_ref "
                      "WHERE d.domain != 'd' || (r.position - 1) || '-' || (d.position - 1)"),
            0);
  EXPECT_EQ(query_int(m_path,
                      "SELECT count(*) FROM spf_results s JOIN records r ON r.id = s.record_ref "
                      "WHERE s.domain != 's' || (r.position - 1) || '-' || (s.position - 1)"),
            0);
  EXPECT_EQ(query_int(m_path, "SELECT count(*) FROM spf_results"), 2 * (25 * 3 + 1));
  EXPECT_EQ(query_int(m_path,
                      "SELECT count(*) FROM policy_override_reasons o JOIN records r "
                      "ON r.id = o.record_ref WHERE o.comment != 'r' || (r.position - 1)"),
            0);
  EXPECT_EQ(query_int(m_path, "SELECT count(*) FROM policy_override_reasons"), 2 * 16);
  EXPECT_TRUE(query_rows(m_path, "PRAGMA foreign_key_check").empty());
}

}  // namespace
}  // namespace dmarc::store
