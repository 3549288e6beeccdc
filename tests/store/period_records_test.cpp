// Store::period_records: which reports belong to a period (the midpoint of
// their date range), equality with the plain SQL definition whatever the
// record id layout, and the merging of records the caller does not need.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "store/store.hpp"
#include "test_support.hpp"

namespace dmarc::store {
namespace {

using test::TempDir;

constexpr std::int64_t k_week = 7 * 86400;
constexpr std::int64_t k_since = 1794787200;  // 2026-11-16, Monday of 2026-W47
constexpr std::int64_t k_until = k_since + k_week;

parse::AggregateReport report_over(std::string id, std::int64_t begin, std::int64_t end) {
  parse::AggregateReport report = test::sample_report();
  report.metadata.report_id = std::move(id);
  report.metadata.date_range = {begin, end};
  return report;
}

// The report_id of each report in rows, in the order of the rows.
std::vector<std::string> report_ids(const std::vector<PeriodRecord>& rows, Store& store) {
  std::map<std::int64_t, std::string> names;
  for (const ReportListRow& r : store.list_reports()) names[r.id] = r.report_id;
  std::vector<std::string> ids;
  std::int64_t previous = -1;
  for (const PeriodRecord& row : rows) {
    if (row.report_ref != previous) ids.push_back(names[row.report_ref]);
    previous = row.report_ref;
  }
  return ids;
}

// Every field, for comparing rows in one assertion.
std::string describe(const PeriodRecord& r) {
  return std::to_string(r.report_ref) + "|" + r.org_name + "|" + r.policy_domain + "|" +
         r.policy_p + "|" + (r.policy_pct ? std::to_string(*r.policy_pct) : "null") + "|" +
         r.policy_testing + "|" + std::to_string(r.date_begin) + "|" + std::to_string(r.date_end) +
         "|" + r.source_ip + "|" + std::to_string(r.count) + "|" + r.disposition + "|" +
         r.dkim_aligned + "|" + r.spf_aligned + "|" + r.header_from + "|" + r.envelope_from + "|" +
         r.spf_domain + "|" + r.spf_result + "|" + r.spf_results + "|" + r.dkim_results + "|" +
         (r.dkim_any_pass ? "pass" : "-") + "|" + r.override_reasons;
}

std::vector<std::string> describe(const std::vector<PeriodRecord>& rows) {
  std::vector<std::string> out;
  for (const PeriodRecord& r : rows) out.push_back(describe(r));
  return out;
}

// The definition of period_records as one plain SQL query (correlated
// subqueries), the way it was first written.
std::vector<std::string> reference_rows(const std::filesystem::path& path, std::int64_t since,
                                        std::int64_t until) {
  Database db(path);
  Statement query(db, R"sql(
SELECT rep.id, ifnull(rep.org_name, ''), ifnull(rep.policy_domain, ''), ifnull(rep.policy_p, ''),
       rep.policy_pct, ifnull(rep.policy_testing, ''), rep.date_begin, rep.date_end,
       ifnull(rec.source_ip, ''), rec.count, ifnull(rec.disposition, ''),
       ifnull(rec.dkim_aligned, ''), ifnull(rec.spf_aligned, ''), ifnull(rec.header_from, ''),
       ifnull(rec.envelope_from, ''),
       ifnull((SELECT domain FROM spf_results WHERE record_ref = rec.id
               ORDER BY scope = 'helo', position LIMIT 1), ''),
       ifnull((SELECT result FROM spf_results WHERE record_ref = rec.id
               ORDER BY scope = 'helo', position LIMIT 1), ''),
       ifnull((SELECT group_concat(item, ' ') FROM
               (SELECT ifnull(domain, '') || '=' || ifnull(result, '') AS item
                FROM spf_results WHERE record_ref = rec.id ORDER BY position)), ''),
       ifnull((SELECT group_concat(item, ' ') FROM
               (SELECT ifnull(domain, '') || ':' || ifnull(selector, '') || '=' ||
                       ifnull(result, '') AS item
                FROM dkim_results WHERE record_ref = rec.id ORDER BY position)), ''),
       EXISTS (SELECT 1 FROM dkim_results WHERE record_ref = rec.id AND result = 'pass'),
       ifnull((SELECT group_concat(type, ',') FROM
               (SELECT type FROM policy_override_reasons WHERE record_ref = rec.id
                ORDER BY position)), '')
FROM reports AS rep
JOIN records AS rec ON rec.report_ref = rep.id
WHERE rep.date_begin + (rep.date_end - rep.date_begin) / 2 >= ?1
  AND rep.date_begin + (rep.date_end - rep.date_begin) / 2 < ?2
ORDER BY rep.id, rec.position)sql",
                  "reference query");
  query.bind(1, since).bind(2, until);
  std::vector<PeriodRecord> rows;
  while (query.step()) {
    PeriodRecord& r = rows.emplace_back();
    r.report_ref = query.column_int64(0);
    r.org_name = query.column_text(1);
    r.policy_domain = query.column_text(2);
    r.policy_p = query.column_text(3);
    if (!query.column_is_null(4)) r.policy_pct = query.column_int64(4);
    r.policy_testing = query.column_text(5);
    r.date_begin = query.column_int64(6);
    r.date_end = query.column_int64(7);
    r.source_ip = query.column_text(8);
    r.count = query.column_int64(9);
    r.disposition = query.column_text(10);
    r.dkim_aligned = query.column_text(11);
    r.spf_aligned = query.column_text(12);
    r.header_from = query.column_text(13);
    r.envelope_from = query.column_text(14);
    r.spf_domain = query.column_text(15);
    r.spf_result = query.column_text(16);
    r.spf_results = query.column_text(17);
    r.dkim_results = query.column_text(18);
    r.dkim_any_pass = query.column_int64(19) != 0;
    r.override_reasons = query.column_text(20);
  }
  return describe(rows);
}

TEST(PeriodRecords, ReportBelongsToThePeriodHoldingItsMidpoint) {
  TempDir dir;
  Store store(dir.file("dmarc.db"));
  const std::int64_t day = 86400;
  // Midpoint begin + (end - begin) / 2, integer division.
  store.save_report(report_over("mid-at-since", k_since - day, k_since + day), 0, "t");
  store.save_report(report_over("mid-just-before", k_since - day, k_since + day - 2), 0, "t");
  store.save_report(report_over("mid-at-until", k_until - day, k_until + day), 0, "t");
  store.save_report(report_over("mid-just-inside-end", k_until - day, k_until + day - 2), 0, "t");
  store.save_report(report_over("long-centred", k_since - 2 * k_week, k_until + 2 * k_week), 0,
                    "t");
  store.save_report(report_over("long-mostly-after", k_since + day, k_until + 3 * k_week), 0, "t");
  store.save_report(report_over("inside", k_since + day, k_since + 2 * day - 1), 0, "t");

  const auto rows = store.period_records(k_since, k_until);
  EXPECT_EQ(
      report_ids(rows, store),
      (std::vector<std::string>{"mid-at-since", "mid-just-inside-end", "long-centred", "inside"}));
  const auto before = store.period_records(k_since - k_week, k_since);
  EXPECT_EQ(report_ids(before, store), (std::vector<std::string>{"mid-just-before"}));
  const auto after = store.period_records(k_until, k_until + k_week);
  EXPECT_EQ(report_ids(after, store), (std::vector<std::string>{"mid-at-until"}));
  const auto later = store.period_records(k_until + k_week, k_until + 2 * k_week);
  EXPECT_EQ(report_ids(later, store), (std::vector<std::string>{"long-mostly-after"}));
}

TEST(PeriodRecords, PeriodQueryUsesTheMidpointIndex) {
  TempDir dir;
  const auto path = dir.file("dmarc.db");
  { Store store(path); }
  const auto plan = test::query_rows(path,
                                     "EXPLAIN QUERY PLAN SELECT id FROM reports AS rep "
                                     "WHERE date_begin + (date_end - date_begin) / 2 >= 1 "
                                     "AND date_begin + (date_end - date_begin) / 2 < 2");
  ASSERT_FALSE(plan.empty());
  EXPECT_NE(plan.front().back().value_or("").find("reports_midpoint"), std::string::npos)
      << plan.front().back().value_or("");
}

TEST(StoreMigrate, VersionOneDatabaseGainsTheMidpointIndexAndKeepsItsData) {
  TempDir dir;
  const auto path = dir.file("dmarc.db");
  {
    Store store(path);
    store.save_report(report_over("r", k_since, k_since + 86399), 0, "t");
  }
  // What a database written by a version-1 dmarcdb looks like.
  test::downgrade_to_version_one(path);
  const char* index_sql = "SELECT count(*) FROM sqlite_schema WHERE name = 'reports_midpoint'";
  ASSERT_EQ(test::query_int(path, index_sql), 0);
  {
    Store store(path);
    EXPECT_EQ(store.period_records(k_since, k_until).size(), 4u);
  }
  EXPECT_EQ(test::query_int(path, index_sql), 1);
  EXPECT_EQ(test::query_int(path, "PRAGMA user_version"), 3);
}

TEST(PeriodRecords, EqualsPlainSqlDefinitionWithInterleavedAndReorderedRecordIds) {
  TempDir dir;
  const auto path = dir.file("dmarc.db");
  {
    Store store(path);
    parse::AggregateReport first = report_over("first", k_since, k_since + 86399);
    // SPF: a NULL scope before mfrom, helo only, mfrom after helo; DKIM with
    // absent domain and selector; an empty override reason type.
    first.records[0].spf_results = {{"helo.example", "helo", "pass", std::nullopt},
                                    {"null-scope.example", std::nullopt, "fail", std::nullopt},
                                    {"example.com", "mfrom", "pass", std::nullopt}};
    first.records[1].spf_results = {{"only-helo.example", "helo", "neutral", std::nullopt}};
    first.records[2].dkim_results.push_back({std::nullopt, std::nullopt, "pass", std::nullopt});
    first.records[3].reasons = {{"", std::nullopt}, {"other", std::nullopt}};
    store.save_report(first, 0, "t");
    store.save_report(report_over("other-week", k_until + 86400, k_until + 2 * 86400), 0, "t");
    store.save_report(report_over("second", k_since + 86400, k_since + 2 * 86400), 0, "t");
  }
  // A record of "first" after every other id, at position 0 (sorts first),
  // and a record of "other-week" inside the id range of "first".
  test::exec(path,
             "INSERT INTO records (id, report_ref, position, source_ip, count, disposition, "
             "dkim_aligned, spf_aligned) VALUES (1000, 1, 0, '203.0.113.9', 7, 'reject', "
             "'fail', 'fail');"
             "INSERT INTO spf_results VALUES (1000, 1, 'late.example', 'mfrom', 'fail', NULL);"
             "INSERT INTO policy_override_reasons VALUES (1000, 1, 'forwarded', NULL);"
             "DELETE FROM records WHERE id = 2;"
             "INSERT INTO records (id, report_ref, position, count) VALUES (2, 2, 99, 5);"
             "INSERT INTO dkim_results VALUES (2, 1, 'foreign.example', 's', 'pass', NULL);");
  const auto expected = reference_rows(path, k_since, k_until);
  ASSERT_EQ(expected.size(), 4u + 4u - 1u + 1u);
  Store store(path);
  EXPECT_EQ(describe(store.period_records(k_since, k_until)), expected);
  EXPECT_EQ(describe(store.period_records(k_until, k_until + k_week)),
            reference_rows(path, k_until, k_until + k_week));
}

TEST(PeriodRecords, RecordsNotNeededInDetailAreMergedPerReportAndVerdict) {
  TempDir dir;
  Store store(dir.file("dmarc.db"));
  parse::AggregateReport report = report_over("r", k_since, k_since + 86399);
  // sample_report: pass/none 10, fail/reject 3, fail/quarantine 2, bare 1.
  report.records.push_back(report.records[0]);  // another pass/none, 10 messages
  store.save_report(report, 0, "t");
  const auto detailed_only_failures = [](const RecordVerdict& v) {
    return v.spf_aligned == "fail";
  };
  const auto rows = store.period_records(k_since, k_until, detailed_only_failures);
  ASSERT_EQ(rows.size(), 4u);
  // Detailed rows first, in position order, complete.
  EXPECT_EQ(rows[0].source_ip, "198.51.100.7");
  EXPECT_EQ(rows[0].override_reasons, "forwarded,local_policy");
  EXPECT_EQ(rows[1].source_ip, "2001:db8::1");
  EXPECT_EQ(rows[1].dkim_results, "example.com:s2=fail other.example:s3=pass");
  // Then one row per verdict, counts added, record fields empty.
  EXPECT_EQ(rows[2].disposition, "none");
  EXPECT_EQ(rows[2].spf_aligned, "pass");
  EXPECT_EQ(rows[2].count, 20);
  EXPECT_EQ(rows[2].source_ip, "");
  EXPECT_EQ(rows[2].spf_results, "");
  EXPECT_EQ(rows[2].dkim_results, "");
  EXPECT_EQ(rows[2].org_name, "receiver.example");
  EXPECT_EQ(rows[2].policy_pct, 100);
  EXPECT_EQ(rows[3].disposition, "");
  EXPECT_EQ(rows[3].count, 1);
  // An empty filter keeps every record.
  EXPECT_EQ(describe(store.period_records(k_since, k_until, DetailFilter{})),
            describe(store.period_records(k_since, k_until)));
}

TEST(PeriodRecords, MergedCountsSaturateInsteadOfOverflowing) {
  TempDir dir;
  Store store(dir.file("dmarc.db"));
  parse::AggregateReport report = report_over("r", k_since, k_since + 86399);
  report.records = {report.records[0], report.records[0]};
  report.records[0].count = std::numeric_limits<std::uint64_t>::max();
  store.save_report(report, 0, "t");
  const auto rows =
      store.period_records(k_since, k_until, [](const RecordVerdict&) { return false; });
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].count, std::numeric_limits<std::int64_t>::max());
}

TEST(PeriodRecords, EmptyPeriodHasNoRows) {
  Store store(":memory:");
  store.save_report(report_over("r", k_since, k_since + 86399), 0, "t");
  EXPECT_TRUE(store.period_records(k_until, k_until + k_week).empty());
  EXPECT_TRUE(store.period_records(k_since, k_since).empty());
}

}  // namespace
}  // namespace dmarc::store
