#include "store/report_writer.hpp"

#include <limits>

namespace dmarc::store {
namespace {

constexpr auto k_int64_max = std::numeric_limits<std::int64_t>::max();

constexpr const char* k_insert_report_sql = R"sql(
INSERT INTO reports (
  org_name, email, extra_contact_info, report_id, date_begin, date_end, generator,
  policy_domain, policy_adkim, policy_aspf, policy_p, policy_sp, policy_np, policy_pct,
  policy_fo, policy_testing, policy_discovery_method,
  schema_version, xml_version, extensions, record_count, message_count,
  raw_id, origin, ingested_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
        ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25)
ON CONFLICT (ifnull(org_name, ''), report_id, ifnull(policy_domain, ''), date_begin, date_end)
DO NOTHING)sql";

constexpr const char* k_insert_record_sql = R"sql(
INSERT INTO records (
  report_ref, position, source_ip, count, disposition, dkim_aligned, spf_aligned,
  header_from, envelope_from, envelope_to, extensions)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11))sql";

// SQLite integers are signed 64-bit; larger counts (never seen in real
// reports) are stored as the largest one.
std::int64_t clamp_count(std::uint64_t count) {
  return count > static_cast<std::uint64_t>(k_int64_max) ? k_int64_max
                                                         : static_cast<std::int64_t>(count);
}

std::int64_t message_total(const std::vector<parse::Record>& records) {
  std::int64_t total = 0;
  for (const parse::Record& record : records) {
    const std::int64_t count = clamp_count(record.count);
    total = count > k_int64_max - total ? k_int64_max : total + count;
  }
  return total;
}

std::int64_t position_of(std::size_t index) { return static_cast<std::int64_t>(index) + 1; }

}  // namespace

ReportWriter::ReportWriter(Database& db)
    : m_db(db),
      m_insert_report(db, k_insert_report_sql, "inserting a report"),
      m_insert_error(db,
                     "INSERT INTO report_errors (report_ref, position, message) "
                     "VALUES (?1, ?2, ?3)",
                     "inserting a report error"),
      m_insert_warning(db,
                       "INSERT INTO report_warnings (report_ref, position, message) "
                       "VALUES (?1, ?2, ?3)",
                       "inserting a report warning"),
      m_insert_record(db, k_insert_record_sql, "inserting a record"),
      m_insert_reason(db,
                      "INSERT INTO policy_override_reasons (record_ref, position, type, "
                      "comment) VALUES (?1, ?2, ?3, ?4)",
                      "inserting a policy override reason"),
      m_insert_dkim(db,
                    "INSERT INTO dkim_results (record_ref, position, domain, selector, "
                    "result, human_result) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    "inserting a DKIM result"),
      m_insert_spf(db,
                   "INSERT INTO spf_results (record_ref, position, domain, scope, result, "
                   "human_result) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                   "inserting an SPF result") {}

SaveResult ReportWriter::write(const parse::AggregateReport& report,
                               std::optional<std::int64_t> raw_id, std::string_view origin,
                               std::int64_t now) {
  const parse::ReportMetadata& meta = report.metadata;
  const parse::PolicyPublished& policy = report.policy;
  Statement& insert = m_insert_report;
  insert.bind(1, meta.org_name)
      .bind(2, meta.email)
      .bind(3, meta.extra_contact_info)
      .bind(4, meta.report_id)
      .bind(5, meta.date_range.begin)
      .bind(6, meta.date_range.end)
      .bind(7, meta.generator)
      .bind(8, policy.domain)
      .bind(9, policy.adkim)
      .bind(10, policy.aspf)
      .bind(11, policy.p)
      .bind(12, policy.sp)
      .bind(13, policy.np)
      .bind(14, policy.pct)
      .bind(15, policy.fo)
      .bind(16, policy.testing)
      .bind(17, policy.discovery_method)
      .bind(18, parse::to_string(report.schema))
      .bind(19, report.version)
      .bind(20, report.extensions)
      .bind(21, static_cast<std::int64_t>(report.records.size()))
      .bind(22, message_total(report.records))
      .bind(23, raw_id)
      .bind(24, origin)
      .bind(25, now);
  insert.run();
  if (m_db.changes() == 0) return SaveResult::duplicate;
  const std::int64_t report_ref = m_db.last_insert_rowid();

  write_messages(m_insert_error, report_ref, meta.errors);
  write_messages(m_insert_warning, report_ref, report.warnings);
  for (std::size_t i = 0; i < report.records.size(); ++i) {
    write_record(report.records[i], report_ref, position_of(i));
  }
  return SaveResult::stored;
}

void ReportWriter::write_messages(Statement& insert, std::int64_t report_ref,
                                  const std::vector<std::string>& messages) {
  for (std::size_t i = 0; i < messages.size(); ++i) {
    insert.bind(1, report_ref).bind(2, position_of(i)).bind(3, messages[i]);
    insert.run();
  }
}

void ReportWriter::write_record(const parse::Record& record, std::int64_t report_ref,
                                std::int64_t position) {
  m_insert_record.bind(1, report_ref)
      .bind(2, position)
      .bind(3, record.source_ip)
      .bind(4, clamp_count(record.count))
      .bind(5, record.disposition)
      .bind(6, record.dkim)
      .bind(7, record.spf)
      .bind(8, record.header_from)
      .bind(9, record.envelope_from)
      .bind(10, record.envelope_to)
      .bind(11, record.extensions);
  m_insert_record.run();
  const std::int64_t record_ref = m_db.last_insert_rowid();

  for (std::size_t i = 0; i < record.reasons.size(); ++i) {
    const parse::PolicyOverrideReason& reason = record.reasons[i];
    m_insert_reason.bind(1, record_ref)
        .bind(2, position_of(i))
        .bind(3, reason.type)
        .bind(4, reason.comment);
    m_insert_reason.run();
  }
  for (std::size_t i = 0; i < record.dkim_results.size(); ++i) {
    const parse::DkimAuthResult& dkim = record.dkim_results[i];
    m_insert_dkim.bind(1, record_ref)
        .bind(2, position_of(i))
        .bind(3, dkim.domain)
        .bind(4, dkim.selector)
        .bind(5, dkim.result)
        .bind(6, dkim.human_result);
    m_insert_dkim.run();
  }
  for (std::size_t i = 0; i < record.spf_results.size(); ++i) {
    const parse::SpfAuthResult& spf = record.spf_results[i];
    m_insert_spf.bind(1, record_ref)
        .bind(2, position_of(i))
        .bind(3, spf.domain)
        .bind(4, spf.scope)
        .bind(5, spf.result)
        .bind(6, spf.human_result);
    m_insert_spf.run();
  }
}

}  // namespace dmarc::store
