// Store's read side: the lists and counts other folders ask for, and the
// stored raw bytes.
#include <fmt/core.h>

#include "store/raw_codec.hpp"
#include "store/store_impl.hpp"

namespace dmarc::store {

std::vector<ReportListRow> Store::list_reports() const {
  Statement query(m_impl->db, R"sql(
SELECT id, org_name, report_id, policy_domain, date_begin, date_end, schema_version,
       records, messages, spf_fail_records, reject_records, quarantine_records, warnings
FROM reports_overview
ORDER BY date_begin, org_name, report_id, id)sql",
                  "listing reports");
  std::vector<ReportListRow> rows;
  while (query.step()) {
    ReportListRow& row = rows.emplace_back();
    row.id = query.column_int64(0);
    row.org_name = query.column_optional_text(1);
    row.report_id = query.column_text(2);
    row.policy_domain = query.column_optional_text(3);
    row.date_begin = query.column_int64(4);
    row.date_end = query.column_int64(5);
    row.schema = query.column_text(6);
    row.records = query.column_int64(7);
    row.messages = query.column_int64(8);
    row.spf_fail_records = query.column_int64(9);
    row.reject_records = query.column_int64(10);
    row.quarantine_records = query.column_int64(11);
    row.warnings = query.column_int64(12);
  }
  return rows;
}

std::vector<FailureRow> Store::list_failures() const {
  Statement query(m_impl->db,
                  "SELECT id, origin, part, code, message, raw_id, first_seen "
                  "FROM ingest_failures ORDER BY id",
                  "listing ingest failures");
  std::vector<FailureRow> rows;
  while (query.step()) {
    FailureRow& row = rows.emplace_back();
    row.id = query.column_int64(0);
    row.origin = query.column_text(1);
    row.part = query.column_text(2);
    row.code = query.column_text(3);
    row.message = query.column_text(4);
    row.raw_id = query.column_int64(5);  // 0 for NULL
    row.first_seen = query.column_int64(6);
  }
  return rows;
}

std::vector<OtherRow> Store::list_others() const {
  Statement query(m_impl->db,
                  "SELECT id, origin, part, kind, detail, raw_id "
                  "FROM other_inputs ORDER BY id",
                  "listing non-aggregate inputs");
  std::vector<OtherRow> rows;
  while (query.step()) {
    OtherRow& row = rows.emplace_back();
    row.id = query.column_int64(0);
    row.origin = query.column_text(1);
    row.part = query.column_text(2);
    row.kind = query.column_text(3);
    row.detail = query.column_text(4);
    row.raw_id = query.column_int64(5);  // 0 for NULL
  }
  return rows;
}

TableCounts Store::counts() const {
  Statement query(m_impl->db, R"sql(
SELECT (SELECT count(*) FROM reports),
       (SELECT count(*) FROM records),
       (SELECT count(*) FROM dkim_results),
       (SELECT count(*) FROM spf_results),
       (SELECT count(*) FROM policy_override_reasons),
       (SELECT count(*) FROM raw_reports),
       (SELECT count(*) FROM ingest_failures),
       (SELECT count(*) FROM other_inputs))sql",
                  "counting rows");
  TableCounts counts;
  if (!query.step()) m_impl->db.fail("counting rows");
  counts.reports = query.column_int64(0);
  counts.records = query.column_int64(1);
  counts.dkim_results = query.column_int64(2);
  counts.spf_results = query.column_int64(3);
  counts.override_reasons = query.column_int64(4);
  counts.raw_reports = query.column_int64(5);
  counts.ingest_failures = query.column_int64(6);
  counts.other_inputs = query.column_int64(7);
  query.reset();
  return counts;
}

std::optional<std::string> Store::raw_bytes(std::int64_t raw_id) const {
  Statement query(m_impl->db, "SELECT size, compression, data FROM raw_reports WHERE id = ?1",
                  "reading raw bytes");
  query.bind(1, raw_id);
  if (!query.step()) return std::nullopt;
  const std::int64_t size = query.column_int64(0);
  const std::string compression = query.column_text(1);
  if (compression != "zlib") {
    throw Fatal(fmt::format("raw_reports row {} in database {} uses unknown compression \"{}\"",
                            raw_id, m_impl->db.name(), compression));
  }
  std::optional<std::string> bytes =
      size < 0 ? std::nullopt
               : zlib_uncompress(query.column_blob(2), static_cast<std::uint64_t>(size));
  query.reset();
  if (!bytes) {
    throw Fatal(
        fmt::format("raw_reports row {} in database {} is corrupt: its data does not "
                    "inflate to {} bytes",
                    raw_id, m_impl->db.name(), size));
  }
  return bytes;
}

}  // namespace dmarc::store
