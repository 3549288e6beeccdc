// Writes one parsed aggregate report into the report tables with statements
// prepared once and reused (the hot path of ingestion).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "parse/report.hpp"
#include "store/database.hpp"
#include "store/store.hpp"

namespace dmarc::store {

class ReportWriter {
 public:
  // Prepares the statements; db must outlive the writer.
  explicit ReportWriter(Database& db);

  // Inserts the report and all its rows; the caller holds the transaction.
  // Returns duplicate, writing nothing, when the identity is already stored.
  // raw_id nullopt stores NULL. Throws Fatal on any SQLite error.
  SaveResult write(const parse::AggregateReport& report, std::optional<std::int64_t> raw_id,
                   std::string_view origin, std::int64_t now);

 private:
  Database& m_db;
  Statement m_insert_report;
  Statement m_insert_error;
  Statement m_insert_warning;
  Statement m_insert_record;
  Statement m_insert_reason;
  Statement m_insert_dkim;
  Statement m_insert_spf;

  void write_messages(Statement& insert, std::int64_t report_ref,
                      const std::vector<std::string>& messages);
  void write_record(const parse::Record& record, std::int64_t report_ref, std::int64_t position);
};

}  // namespace dmarc::store
