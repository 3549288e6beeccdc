// Helpers for the store tests: a temporary folder, a sample report, direct
// SQL queries on a database file through a second connection, and a check
// that a call throws Fatal with a given message fragment.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "parse/error.hpp"
#include "parse/report.hpp"
#include "store/database.hpp"
#include "tests/support/temp_dir.hpp"

namespace dmarc::store::test {

using TempDir = dmarc::test::TempDir;

using Row = std::vector<std::optional<std::string>>;

// Every row of sql, each column as SQLite's text form (NULL as nullopt).
inline std::vector<Row> query_rows(Database& db, const char* sql) {
  Statement query(db, sql, "test query");
  std::vector<Row> rows;
  while (query.step()) {
    Row& row = rows.emplace_back();
    for (int i = 0; i < query.column_count(); ++i) row.push_back(query.column_optional_text(i));
  }
  return rows;
}

inline std::vector<Row> query_rows(const std::filesystem::path& path, const char* sql) {
  Database db(path);
  return query_rows(db, sql);
}

inline std::int64_t query_int(const std::filesystem::path& path, const char* sql) {
  Database db(path);
  Statement query(db, sql, "test query");
  if (!query.step()) throw std::runtime_error(std::string("no row: ") + sql);
  const std::int64_t value = query.column_int64(0);
  query.reset();
  return value;
}

inline void exec(const std::filesystem::path& path, const char* sql) {
  Database db(path);
  db.exec(sql, "test statement");
}

// Turns a database of the current version back into what a version-1
// dmarcdb wrote, keeping its rows: undoes every migration step after 1 (each
// new step adds its undo here). StoreMigrate.VersionOneSchemaMigratesToTheFreshSchema
// checks the steps themselves against the released version-1 schema.
inline void downgrade_to_version_one(const std::filesystem::path& path) {
  exec(path,
       "DROP INDEX reports_midpoint;"                        // version 3
       "ALTER TABLE ip_names DROP COLUMN forward_confirmed;"  // version 2
       "PRAGMA user_version = 1;");
}

// Runs call; expects Fatal whose message contains every fragment.
template <class Call>
void expect_fatal(Call&& call, std::initializer_list<std::string> fragments) {
  try {
    call();
    ADD_FAILURE() << "expected dmarc::Fatal, nothing was thrown";
  } catch (const Fatal& error) {
    const std::string message = error.what();
    for (const std::string& fragment : fragments) {
      EXPECT_NE(message.find(fragment), std::string::npos)
          << "message \"" << message << "\" lacks \"" << fragment << "\"";
    }
  }
}

inline Row row(std::initializer_list<std::optional<std::string>> values) { return Row(values); }

// A report with errors, a warning and four records covering reasons, several
// DKIM and SPF results, and a record with every optional field absent.
inline parse::AggregateReport sample_report() {
  parse::AggregateReport report;
  report.schema = parse::SchemaVersion::rfc7489;
  report.version = "1.0";
  report.metadata.org_name = "receiver.example";
  report.metadata.email = "dmarc@receiver.example";
  report.metadata.extra_contact_info = "https://receiver.example/dmarc";
  report.metadata.report_id = "r-1";
  report.metadata.date_range = {1700006400, 1700092799};  // 2023-11-15
  report.metadata.errors = {"first error", "second error"};
  report.policy.domain = "example.com";
  report.policy.adkim = "r";
  report.policy.aspf = "s";
  report.policy.p = "reject";
  report.policy.sp = "quarantine";
  report.policy.pct = 100;
  report.policy.fo = "1";
  report.warnings = {"record[4]/row/source_ip \"x\" is not an IP address"};

  parse::Record good;
  good.source_ip = "192.0.2.1";
  good.count = 10;
  good.disposition = "none";
  good.dkim = "pass";
  good.spf = "pass";
  good.header_from = "example.com";
  good.dkim_results = {{"example.com", "sel1", "pass", std::nullopt}};
  good.spf_results = {{"example.com", "mfrom", "pass", std::nullopt}};

  parse::Record forwarded;
  forwarded.source_ip = "198.51.100.7";
  forwarded.count = 3;
  forwarded.disposition = "reject";
  forwarded.dkim = "fail";
  forwarded.spf = "fail";
  forwarded.header_from = "example.com";
  forwarded.envelope_from = "bounce.example.org";
  forwarded.envelope_to = "example.net";
  forwarded.reasons = {{"forwarded", "via list"}, {"local_policy", std::nullopt}};
  forwarded.spf_results = {{"bounce.example.org", "mfrom", "fail", std::nullopt},
                           {"mx.example.org", "helo", "pass", std::nullopt}};
  forwarded.extensions = "<ext:x xmlns:ext=\"urn:x\">1</ext:x>";

  parse::Record quarantined;
  quarantined.source_ip = "2001:db8::1";
  quarantined.count = 2;
  quarantined.disposition = "quarantine";
  quarantined.dkim = "fail";
  quarantined.spf = "fail";
  quarantined.header_from = "example.com";
  quarantined.dkim_results = {{"example.com", "s2", "fail", "body hash did not verify"},
                              {"other.example", "s3", "pass", std::nullopt}};
  quarantined.spf_results = {{"example.com", "mfrom", "softfail", std::nullopt}};

  parse::Record bare;
  bare.count = 1;

  report.records = {good, forwarded, quarantined, bare};
  return report;
}

}  // namespace dmarc::store::test
