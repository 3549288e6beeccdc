// Writes one parsed aggregate report into the report tables with statements
// prepared once and reused (the hot path of ingestion).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "parse/report.hpp"
#include "store/database.hpp"
#include "store/store.hpp"

namespace dmarc::store {

// Inserts rows into one table with multi-row INSERT statements of 32, 16,
// 8, 4, 2 or 1 rows (each prepared on first use): running a statement costs
// about as much as inserting a row, and is shared by up to 32 rows.
class RowInserter {
 public:
  // columns: "table (a, b, c)"; count: how many columns that is.
  RowInserter(Database& db, std::string columns, int count, std::string what);

  // Inserts rows 0 .. rows-1; bind_row(statement, first_parameter, row)
  // binds parameters first_parameter .. first_parameter + count - 1.
  template <typename BindRow>
  void insert(std::size_t rows, BindRow&& bind_row) {
    std::size_t done = 0;
    while (done < rows) {
      std::size_t level = k_levels - 1;
      while ((std::size_t{1} << level) > rows - done) --level;
      const std::size_t size = std::size_t{1} << level;
      Statement& insert = statement(level);
      for (std::size_t r = 0; r < size; ++r) {
        bind_row(insert, static_cast<int>(r) * m_count + 1, done + r);
      }
      insert.run();
      done += size;
    }
  }

 private:
  static constexpr std::size_t k_levels = 6;  // statements of 1 .. 32 rows

  Statement& statement(std::size_t level);

  Database& m_db;
  std::string m_columns;
  int m_count;
  std::string m_what;
  std::array<std::unique_ptr<Statement>, k_levels> m_statements;
};

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
  Statement m_last_record_id;
  RowInserter m_records;
  RowInserter m_reasons;
  RowInserter m_dkim;
  RowInserter m_spf;
  // (record index, index in the record) of the report's reasons, DKIM and
  // SPF results; kept to reuse their memory.
  std::vector<std::pair<std::size_t, std::size_t>> m_rows;

  void write_messages(Statement& insert, std::int64_t report_ref,
                      const std::vector<std::string>& messages);
  void write_records(const parse::AggregateReport& report, std::int64_t report_ref);
};

}  // namespace dmarc::store
