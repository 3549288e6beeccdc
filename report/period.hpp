// Reporting periods: half-open UTC intervals [since, until) in unix seconds,
// named by ISO week ("2026-W47") or by dates.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dmarc::report {

struct Period {
  std::int64_t since = 0;
  std::int64_t until = 0;
  std::string label;  // "2026-W47" or "2026-11-01..2026-11-07"
  bool operator==(const Period&) const = default;
};

// The ISO week (Monday 00:00 UTC to the next Monday) of year and week;
// nullopt if the year has no such week.
std::optional<Period> iso_week(int year, int week);

// Parses "2026-W47" (also "2026W47", "2026-w47"); nullopt if malformed.
std::optional<Period> parse_iso_week(std::string_view text);

// The ISO week before the one holding now.
Period last_week(std::int64_t now);

// The period of the same length just before p ("2026-W46" for "2026-W47").
Period previous(const Period& p);

// Parses "YYYY-MM-DD" to the unix time of its 00:00 UTC.
std::optional<std::int64_t> parse_date(std::string_view text);

// [since, until) from dates, until inclusive as a day: "2026-11-01".."2026-11-07".
Period date_range(std::int64_t since_day, std::int64_t until_day_inclusive);

}  // namespace dmarc::report
