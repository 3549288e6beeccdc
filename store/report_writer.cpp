#include "store/report_writer.hpp"

#include <fmt/core.h>

#include <limits>
#include <utility>

#include "parse/error.hpp"

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

RowInserter::RowInserter(Database& db, std::string columns, int count, std::string what)
    : m_db(db), m_columns(std::move(columns)), m_count(count), m_what(std::move(what)) {}

Statement& RowInserter::statement(std::size_t level) {
  std::unique_ptr<Statement>& statement = m_statements[level];
  if (!statement) {
    const std::size_t rows = std::size_t{1} << level;
    std::string sql = fmt::format("INSERT INTO {} VALUES ", m_columns);
    for (std::size_t r = 0; r < rows; ++r) {
      sql += r == 0 ? "(" : ", (";
      for (int c = 0; c < m_count; ++c) {
        sql += fmt::format("{}?{}", c == 0 ? "" : ", ", static_cast<int>(r) * m_count + c + 1);
      }
      sql += ")";
    }
    statement = std::make_unique<Statement>(m_db, sql, m_what);
  }
  return *statement;
}

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
      m_last_record_id(db, "SELECT ifnull(max(id), 0) FROM records", "finding the last record id"),
      m_records(db,
                "records (id, report_ref, position, source_ip, count, disposition, dkim_aligned, "
                "spf_aligned, header_from, envelope_from, envelope_to, extensions)",
                12, "inserting records"),
      m_reasons(db, "policy_override_reasons (record_ref, position, type, comment)", 4,
                "inserting policy override reasons"),
      m_dkim(db, "dkim_results (record_ref, position, domain, selector, result, human_result)", 6,
             "inserting DKIM results"),
      m_spf(db, "spf_results (record_ref, position, domain, scope, result, human_result)", 6,
            "inserting SPF results") {}

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
  write_records(report, report_ref);
  return SaveResult::stored;
}

void ReportWriter::write_messages(Statement& insert, std::int64_t report_ref,
                                  const std::vector<std::string>& messages) {
  for (std::size_t i = 0; i < messages.size(); ++i) {
    insert.bind(1, report_ref).bind(2, position_of(i)).bind(3, messages[i]);
    insert.run();
  }
}

void ReportWriter::write_records(const parse::AggregateReport& report, std::int64_t report_ref) {
  const std::vector<parse::Record>& records = report.records;
  if (records.empty()) return;
  // The records' ids are given, not left to SQLite, so that their results
  // can go in statements of many rows. They are the ids SQLite would choose
  // (one more than the largest), and the caller's transaction holds the
  // write lock, so nobody else takes them meanwhile.
  if (!m_last_record_id.step()) m_db.fail("finding the last record id");
  const std::int64_t last_id = m_last_record_id.column_int64(0);
  m_last_record_id.reset();
  if (last_id > k_int64_max - static_cast<std::int64_t>(records.size())) {
    throw Fatal(fmt::format("no record ids left after {} in database {}", last_id, m_db.name()));
  }
  const std::int64_t first_id = last_id + 1;
  const auto id_of = [first_id](std::size_t index) {
    return first_id + static_cast<std::int64_t>(index);
  };

  m_records.insert(records.size(), [&](Statement& s, int p, std::size_t i) {
    const parse::Record& record = records[i];
    s.bind(p, id_of(i))
        .bind(p + 1, report_ref)
        .bind(p + 2, position_of(i))
        .bind(p + 3, record.source_ip)
        .bind(p + 4, clamp_count(record.count))
        .bind(p + 5, record.disposition)
        .bind(p + 6, record.dkim)
        .bind(p + 7, record.spf)
        .bind(p + 8, record.header_from)
        .bind(p + 9, record.envelope_from)
        .bind(p + 10, record.envelope_to)
        .bind(p + 11, record.extensions);
  });

  // Rows of one kind of the records' children, in record order.
  const auto collect = [&](auto size_of) {
    m_rows.clear();
    for (std::size_t i = 0; i < records.size(); ++i) {
      for (std::size_t k = 0; k < size_of(records[i]); ++k) m_rows.emplace_back(i, k);
    }
    return m_rows.size();
  };

  collect([](const parse::Record& r) { return r.reasons.size(); });
  m_reasons.insert(m_rows.size(), [&](Statement& s, int p, std::size_t row) {
    const auto [i, k] = m_rows[row];
    const parse::PolicyOverrideReason& reason = records[i].reasons[k];
    s.bind(p, id_of(i)).bind(p + 1, position_of(k)).bind(p + 2, reason.type).bind(p + 3,
                                                                                  reason.comment);
  });

  collect([](const parse::Record& r) { return r.dkim_results.size(); });
  m_dkim.insert(m_rows.size(), [&](Statement& s, int p, std::size_t row) {
    const auto [i, k] = m_rows[row];
    const parse::DkimAuthResult& dkim = records[i].dkim_results[k];
    s.bind(p, id_of(i))
        .bind(p + 1, position_of(k))
        .bind(p + 2, dkim.domain)
        .bind(p + 3, dkim.selector)
        .bind(p + 4, dkim.result)
        .bind(p + 5, dkim.human_result);
  });

  collect([](const parse::Record& r) { return r.spf_results.size(); });
  m_spf.insert(m_rows.size(), [&](Statement& s, int p, std::size_t row) {
    const auto [i, k] = m_rows[row];
    const parse::SpfAuthResult& spf = records[i].spf_results[k];
    s.bind(p, id_of(i))
        .bind(p + 1, position_of(k))
        .bind(p + 2, spf.domain)
        .bind(p + 3, spf.scope)
        .bind(p + 4, spf.result)
        .bind(p + 5, spf.human_result);
  });
}

}  // namespace dmarc::store
