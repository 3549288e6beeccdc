// Store's read side for the weekly summary: records of a period with their
// reports' policy and their auth results.
//
// A period holds hundreds of reports but hundreds of thousands of records.
// Looking up each record's auth results costs a B-tree search per record and
// table; instead the records and their results are read by range scans over
// the record ids of the period's reports (one transaction writes a report, so
// its records have consecutive ids) and joined here. A row found in a range
// that belongs to no report of the period is skipped, so the result does not
// depend on how ids are laid out, only the speed does. Records the caller does
// not need one by one are merged per report and verdict as they are read, so
// that memory follows the detailed records, not the period's size.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <numeric>
#include <unordered_map>

#include "store/store_impl.hpp"

namespace dmarc::store {
namespace {

// The report columns every record of the report repeats.
struct PeriodReport {
  std::int64_t id = 0;
  std::string org_name;
  std::string policy_domain;
  std::string policy_p;
  std::optional<std::int64_t> policy_pct;
  std::string policy_testing;
  std::int64_t date_begin = 0;
  std::int64_t date_end = 0;
  std::optional<std::int64_t> first_record;  // lowest record id; none without records
  std::int64_t last_record = 0;              // highest record id
};

struct IdRange {
  std::int64_t first = 0;
  std::int64_t last = 0;
};

// The midpoint expression is the one of the reports_midpoint index.
constexpr const char* k_reports_sql = R"sql(
SELECT id, org_name, policy_domain, policy_p, policy_pct, policy_testing, date_begin, date_end,
       (SELECT min(rec.id) FROM records AS rec WHERE rec.report_ref = rep.id),
       (SELECT max(rec.id) FROM records AS rec WHERE rec.report_ref = rep.id)
FROM reports AS rep
WHERE date_begin + (date_end - date_begin) / 2 >= ?1
  AND date_begin + (date_end - date_begin) / 2 < ?2
ORDER BY id)sql";

constexpr const char* k_records_sql = R"sql(
SELECT id, report_ref, position, source_ip, count, disposition, dkim_aligned, spf_aligned,
       header_from, envelope_from
FROM records WHERE id BETWEEN ?1 AND ?2 ORDER BY id)sql";

// The first SPF result is the first by position with a NULL scope, else with
// a scope other than 'helo', else the first 'helo' one: rank 0, 1, 2.
constexpr const char* k_spf_sql = R"sql(
SELECT record_ref, CASE WHEN scope IS NULL THEN 0 WHEN scope = 'helo' THEN 2 ELSE 1 END,
       domain, result
FROM spf_results WHERE record_ref BETWEEN ?1 AND ?2 ORDER BY record_ref, position)sql";

constexpr const char* k_dkim_sql = R"sql(
SELECT record_ref, domain, selector, result, result = 'pass'
FROM dkim_results WHERE record_ref BETWEEN ?1 AND ?2 ORDER BY record_ref, position)sql";

constexpr const char* k_reasons_sql = R"sql(
SELECT record_ref, type
FROM policy_override_reasons WHERE record_ref BETWEEN ?1 AND ?2 ORDER BY record_ref, position)sql";

// Whether a range starting at first overlaps range or continues it.
bool follows(const IdRange& range, std::int64_t first) {
  return first <= range.last ||
         (range.last != std::numeric_limits<std::int64_t>::max() && first == range.last + 1);
}

std::vector<PeriodReport> period_reports(Database& db, std::int64_t since, std::int64_t until) {
  Statement query(db, k_reports_sql, "reading the reports of a period");
  query.bind(1, since).bind(2, until);
  std::vector<PeriodReport> reports;
  while (query.step()) {
    PeriodReport& r = reports.emplace_back();
    r.id = query.column_int64(0);
    r.org_name = query.column_text(1);
    r.policy_domain = query.column_text(2);
    r.policy_p = query.column_text(3);
    if (!query.column_is_null(4)) r.policy_pct = query.column_int64(4);
    r.policy_testing = query.column_text(5);
    r.date_begin = query.column_int64(6);
    r.date_end = query.column_int64(7);
    if (!query.column_is_null(8)) r.first_record = query.column_int64(8);
    r.last_record = query.column_int64(9);
  }
  return reports;
}

// The record id ranges of the reports, sorted, overlapping and adjacent ones merged.
std::vector<IdRange> record_ranges(const std::vector<PeriodReport>& reports) {
  std::vector<IdRange> ranges;
  for (const PeriodReport& r : reports) {
    if (r.first_record) ranges.push_back({*r.first_record, r.last_record});
  }
  std::sort(ranges.begin(), ranges.end(),
            [](const IdRange& a, const IdRange& b) { return a.first < b.first; });
  std::vector<IdRange> merged;
  for (const IdRange& range : ranges) {
    if (!merged.empty() && follows(merged.back(), range.first)) {
      merged.back().last = std::max(merged.back().last, range.last);
    } else {
      merged.push_back(range);
    }
  }
  return merged;
}

struct RecordKey {
  std::int64_t report_ref = 0;
  std::int64_t position = 0;
  std::int64_t id = 0;
  bool operator<(const RecordKey& other) const {
    return report_ref != other.report_ref ? report_ref < other.report_ref
                                          : position < other.position;
  }
};

// A report's merged rows.
using MergedRows = std::vector<PeriodRecord>;

std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
  std::int64_t sum = 0;
  if (!__builtin_add_overflow(a, b, &sum)) return sum;
  return b > 0 ? std::numeric_limits<std::int64_t>::max()
               : std::numeric_limits<std::int64_t>::min();
}

void copy_report_fields(PeriodRecord& r, const PeriodReport& report) {
  r.report_ref = report.id;
  r.org_name = report.org_name;
  r.policy_domain = report.policy_domain;
  r.policy_p = report.policy_p;
  r.policy_pct = report.policy_pct;
  r.policy_testing = report.policy_testing;
  r.date_begin = report.date_begin;
  r.date_end = report.date_end;
}

void merge_into(MergedRows& merged, const PeriodReport& report, const RecordVerdict& verdict,
                std::int64_t count) {
  for (PeriodRecord& row : merged) {
    if (row.disposition == verdict.disposition && row.dkim_aligned == verdict.dkim_aligned &&
        row.spf_aligned == verdict.spf_aligned) {
      row.count = saturating_add(row.count, count);
      return;
    }
  }
  PeriodRecord& row = merged.emplace_back();
  copy_report_fields(row, report);
  row.disposition = verdict.disposition;
  row.dkim_aligned = verdict.dkim_aligned;
  row.spf_aligned = verdict.spf_aligned;
  row.count = count;
}

// The period's records in the ranges: the detailed ones in rows, ordered by
// report id and position (keys[i] names rows[i]), the others in merged, by
// index in reports.
void read_records(Database& db, const std::vector<PeriodReport>& reports,
                  const std::vector<IdRange>& ranges, const DetailFilter& detailed,
                  std::vector<PeriodRecord>& rows, std::vector<RecordKey>& keys,
                  std::vector<MergedRows>& merged) {
  std::unordered_map<std::int64_t, std::size_t> index_of;
  for (std::size_t i = 0; i < reports.size(); ++i) index_of.emplace(reports[i].id, i);
  merged.assign(reports.size(), {});
  if (!detailed) {
    std::size_t expected = 0;
    for (const IdRange& range : ranges) {
      expected += static_cast<std::size_t>(range.last - range.first + 1);
    }
    rows.reserve(expected);
    keys.reserve(expected);
  }
  Statement query(db, k_records_sql, "reading the records of a period");
  std::size_t report = reports.size();
  for (const IdRange& range : ranges) {
    query.bind(1, range.first).bind(2, range.last);
    while (query.step()) {
      const std::int64_t report_ref = query.column_int64(1);
      if (report == reports.size() || reports[report].id != report_ref) {
        auto it = index_of.find(report_ref);
        if (it == index_of.end()) continue;  // another period's record between ours
        report = it->second;
      }
      const RecordVerdict verdict{query.column_text_view(5), query.column_text_view(6),
                                  query.column_text_view(7)};
      if (detailed && !detailed(verdict)) {
        merge_into(merged[report], reports[report], verdict, query.column_int64(4));
        continue;
      }
      keys.push_back({report_ref, query.column_int64(2), query.column_int64(0)});
      PeriodRecord& r = rows.emplace_back();
      copy_report_fields(r, reports[report]);
      r.source_ip = query.column_text(3);
      r.count = query.column_int64(4);
      r.disposition = verdict.disposition;
      r.dkim_aligned = verdict.dkim_aligned;
      r.spf_aligned = verdict.spf_aligned;
      r.header_from = query.column_text(8);
      r.envelope_from = query.column_text(9);
    }
  }
  if (std::is_sorted(keys.begin(), keys.end())) return;
  std::vector<std::size_t> order(rows.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return keys[a] < keys[b]; });
  std::vector<PeriodRecord> sorted_rows;
  std::vector<RecordKey> sorted_keys;
  sorted_rows.reserve(rows.size());
  sorted_keys.reserve(keys.size());
  for (std::size_t i : order) {
    sorted_rows.push_back(std::move(rows[i]));
    sorted_keys.push_back(keys[i]);
  }
  rows = std::move(sorted_rows);
  keys = std::move(sorted_keys);
}

// Each report's detailed rows (sorted by report id), then its merged rows.
std::vector<PeriodRecord> interleave(const std::vector<PeriodReport>& reports,
                                     std::vector<PeriodRecord>& rows,
                                     std::vector<MergedRows>& merged) {
  std::size_t total = rows.size();
  for (const MergedRows& m : merged) total += m.size();
  if (total == rows.size()) return std::move(rows);
  std::vector<PeriodRecord> out;
  out.reserve(total);
  std::size_t next = 0;
  for (std::size_t i = 0; i < reports.size(); ++i) {
    while (next < rows.size() && rows[next].report_ref == reports[i].id) {
      out.push_back(std::move(rows[next++]));
    }
    for (PeriodRecord& row : merged[i]) out.push_back(std::move(row));
  }
  return out;
}

// Runs a child-table query (first column record_ref, rows ordered by
// record_ref and position) over the ranges and calls
// apply(row index, query, first row of its record) for the rows of the
// period's records. by_id: (record id, row index), sorted by id.
template <class Apply>
void merge_children(Database& db, const char* sql, const char* what,
                    const std::vector<IdRange>& ranges,
                    const std::vector<std::pair<std::int64_t, std::size_t>>& by_id, Apply apply) {
  Statement query(db, sql, what);
  std::size_t cursor = 0;
  for (const IdRange& range : ranges) {
    query.bind(1, range.first).bind(2, range.last);
    bool any = false;
    std::int64_t previous = 0;
    while (query.step()) {
      const std::int64_t ref = query.column_int64(0);
      while (cursor < by_id.size() && by_id[cursor].first < ref) ++cursor;
      if (cursor == by_id.size() || by_id[cursor].first != ref) continue;
      apply(by_id[cursor].second, query, !(any && previous == ref));
      any = true;
      previous = ref;
    }
  }
}

void append(std::string& out, std::string_view a, char separator, std::string_view b) {
  out.append(a).push_back(separator);
  out.append(b);
}

}  // namespace

std::vector<PeriodRecord> Store::period_records(std::int64_t since, std::int64_t until) const {
  return period_records(since, until, DetailFilter{});
}

std::vector<PeriodRecord> Store::period_records(std::int64_t since, std::int64_t until,
                                                const DetailFilter& detailed) const {
  Database& db = m_impl->db;
  // One read transaction: every statement sees the same snapshot.
  Transaction snapshot(db, Transaction::Mode::deferred);
  const std::vector<PeriodReport> reports = period_reports(db, since, until);
  const std::vector<IdRange> ranges = record_ranges(reports);
  std::vector<PeriodRecord> rows;
  std::vector<RecordKey> keys;
  std::vector<MergedRows> merged;
  read_records(db, reports, ranges, detailed, rows, keys, merged);

  std::vector<std::pair<std::int64_t, std::size_t>> by_id(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) by_id[i] = {keys[i].id, i};
  if (!std::is_sorted(by_id.begin(), by_id.end())) std::sort(by_id.begin(), by_id.end());
  // Auth results are read for the detailed records only: one range per run of
  // consecutive ids (whole reports when every record is detailed).
  std::vector<IdRange> detailed_ranges;
  for (const auto& [id, row] : by_id) {
    if (!detailed_ranges.empty() && follows(detailed_ranges.back(), id)) {
      detailed_ranges.back().last = id;
    } else {
      detailed_ranges.push_back({id, id});
    }
  }

  std::vector<std::int64_t> spf_rank(rows.size(), 3);  // of the chosen first SPF result
  merge_children(db, k_spf_sql, "reading the SPF results of a period", detailed_ranges, by_id,
                 [&](std::size_t i, const Statement& q, bool first) {
                   PeriodRecord& r = rows[i];
                   if (!first) r.spf_results.push_back(' ');
                   append(r.spf_results, q.column_text_view(2), '=', q.column_text_view(3));
                   const std::int64_t rank = q.column_int64(1);
                   if (rank < spf_rank[i]) {
                     spf_rank[i] = rank;
                     r.spf_domain = q.column_text_view(2);
                     r.spf_result = q.column_text_view(3);
                   }
                 });
  merge_children(db, k_dkim_sql, "reading the DKIM results of a period", detailed_ranges, by_id,
                 [&](std::size_t i, const Statement& q, bool first) {
                   PeriodRecord& r = rows[i];
                   if (!first) r.dkim_results.push_back(' ');
                   append(r.dkim_results, q.column_text_view(1), ':', q.column_text_view(2));
                   r.dkim_results.push_back('=');
                   r.dkim_results.append(q.column_text_view(3));
                   if (q.column_int64(4) != 0) r.dkim_any_pass = true;
                 });
  merge_children(db, k_reasons_sql, "reading the policy override reasons of a period",
                 detailed_ranges, by_id, [&](std::size_t i, const Statement& q, bool first) {
                   PeriodRecord& r = rows[i];
                   if (!first) r.override_reasons.push_back(',');
                   r.override_reasons.append(q.column_text_view(1));
                 });
  snapshot.commit();
  return interleave(reports, rows, merged);
}

}  // namespace dmarc::store
