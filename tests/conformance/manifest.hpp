// Expected-value tables (shared/corpus/MANIFEST.tsv, samples/EXPECTED.tsv) and
// the comparison of a database's reports against one table row.
#pragma once

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "store/store.hpp"

namespace dmarc::testing {

using Row = std::map<std::string, std::string>;

// Reads a tab-separated file with a header line into one map per row.
inline std::vector<Row> read_tsv(const std::string& path) {
  std::ifstream in(path);
  std::vector<Row> rows;
  std::string line;
  std::vector<std::string> header;
  auto split = [](const std::string& l) {
    std::vector<std::string> cols;
    std::string col;
    std::istringstream ss(l);
    while (std::getline(ss, col, '\t')) cols.push_back(col);
    if (!l.empty() && l.back() == '\t') cols.emplace_back();
    return cols;
  };
  while (std::getline(in, line)) {
    if (header.empty()) {
      header = split(line);
      continue;
    }
    std::vector<std::string> cols = split(line);
    Row row;
    for (std::size_t i = 0; i < header.size(); ++i) row[header[i]] = i < cols.size() ? cols[i] : "";
    rows.push_back(std::move(row));
  }
  return rows;
}

inline std::vector<std::string> split_bar(const std::string& s) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t bar = s.find('|', start);
    parts.push_back(s.substr(start, bar == std::string::npos ? std::string::npos : bar - start));
    if (bar == std::string::npos) break;
    start = bar + 1;
  }
  return parts;
}

using Identity = std::tuple<std::string, std::string, std::string, std::string, std::string>;

// The report identities a table row names (text columns joined with '|').
inline std::vector<Identity> expected_identities(const Row& row) {
  std::vector<std::string> org = split_bar(row.at("org_name"));
  std::vector<std::string> id = split_bar(row.at("report_id"));
  std::vector<std::string> dom = split_bar(row.at("policy_domain"));
  std::vector<std::string> begin = split_bar(row.at("date_begin"));
  std::vector<std::string> end = split_bar(row.at("date_end"));
  std::vector<Identity> out;
  for (std::size_t i = 0; i < id.size(); ++i) {
    out.emplace_back(i < org.size() ? org[i] : "", id[i], i < dom.size() ? dom[i] : "",
                     i < begin.size() ? begin[i] : "", i < end.size() ? end[i] : "");
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Compares the reports stored in a database holding exactly one input against
// a table row. Returns "" when they match, else what differs.
inline std::string compare_reports(const std::vector<store::ReportListRow>& reports,
                                   const Row& row) {
  std::vector<Identity> got;
  std::int64_t records = 0, count = 0, spf_fail = 0, reject = 0, quarantine = 0;
  for (const store::ReportListRow& r : reports) {
    got.emplace_back(r.org_name.value_or(""), r.report_id, r.policy_domain.value_or(""),
                     std::to_string(r.date_begin), std::to_string(r.date_end));
    records += r.records;
    count += r.messages;
    spf_fail += r.spf_fail_records;
    reject += r.reject_records;
    quarantine += r.quarantine_records;
  }
  std::sort(got.begin(), got.end());
  std::ostringstream diff;
  std::vector<Identity> want = expected_identities(row);
  if (got != want) {
    diff << "identities differ: got";
    for (const Identity& g : got) {
      diff << " [" << std::get<0>(g) << "|" << std::get<1>(g) << "|" << std::get<2>(g) << "|"
           << std::get<3>(g) << "|" << std::get<4>(g) << "]";
    }
    diff << "; want";
    for (const Identity& w : want) {
      diff << " [" << std::get<0>(w) << "|" << std::get<1>(w) << "|" << std::get<2>(w) << "|"
           << std::get<3>(w) << "|" << std::get<4>(w) << "]";
    }
    diff << ". ";
  }
  auto check = [&](const char* column, std::int64_t value) {
    if (std::to_string(value) != row.at(column)) {
      diff << column << " " << value << " != " << row.at(column) << ". ";
    }
  };
  if (row.count("schema")) {
    std::vector<std::string> want_schema = split_bar(row.at("schema"));
    std::vector<std::string> got_schema;
    for (const store::ReportListRow& r : reports) got_schema.push_back(r.schema);
    if (want_schema.size() == 1 && got_schema.size() > 1) {
      want_schema.assign(got_schema.size(), want_schema.front());
    }
    std::sort(want_schema.begin(), want_schema.end());
    std::sort(got_schema.begin(), got_schema.end());
    if (got_schema != want_schema) diff << "schema differs (" << row.at("schema") << "). ";
  }
  check("records", records);
  check("count_sum", count);
  check("spf_fail_records", spf_fail);
  check("reject_records", reject);
  check("quarantine_records", quarantine);
  return diff.str();
}

}  // namespace dmarc::testing
