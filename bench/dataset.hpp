// A deterministic synthetic DMARC data set for benchmarks: a year of daily
// aggregate reports from about twenty reporters about a few policy domains,
// with a realistic mix of sources (most pass; a few hundred fail SPF
// alignment and are rejected or quarantined; forwarders; ESPs without a
// custom return-path). The same seed and size always give the same reports.
#pragma once

#include <cstdint>
#include <vector>

#include "parse/report.hpp"

namespace dmarc::bench {

// Monday 2025-11-24 00:00 UTC: the data covers ISO weeks 2025-W48 to 2026-W47.
inline constexpr std::int64_t k_first_day = 1763942400;
inline constexpr int k_days = 365;
inline constexpr std::int64_t k_day_seconds = 86400;
// Reporters and policy domains a ReportPlan may name (0 .. count - 1).
inline constexpr int k_reporter_count = 20;
inline constexpr int k_domain_count = 5;

struct DatasetOptions {
  std::int64_t records = 10'000'000;  // total records over all reports
  std::uint64_t seed = 1;
};

// One report to generate: which day, reporter and policy domain, and how many
// records it holds.
struct ReportPlan {
  int day = 0;
  int reporter = 0;
  int domain = 0;
  std::int64_t records = 0;
};

class Dataset {
 public:
  explicit Dataset(const DatasetOptions& options);

  // Every report, by day, then reporter, then domain; record counts add up to
  // options.records.
  const std::vector<ReportPlan>& plan() const { return m_plan; }

  // The report of one plan entry (pure function of the seed and the entry).
  parse::AggregateReport report(const ReportPlan& entry) const;

 private:
  DatasetOptions m_options;
  std::vector<ReportPlan> m_plan;
};

}  // namespace dmarc::bench
