#include "report/period.hpp"

#include <fmt/format.h>

#include <charconv>
#include <chrono>

#include "report/overview.hpp"

namespace dmarc::report {
namespace {

using namespace std::chrono;

constexpr std::int64_t k_day = 86400;

std::int64_t to_unix(sys_days d) { return d.time_since_epoch().count() * k_day; }

// Monday of ISO week 1 of year: the Monday on or before January 4th.
sys_days iso_week1_monday(int year) {
  sys_days jan4 = sys_days{std::chrono::year{year} / January / 4};
  weekday wd{jan4};
  return jan4 - days{(wd.c_encoding() + 6) % 7};
}

std::string week_label(int year, int week) { return fmt::format("{:04}-W{:02}", year, week); }

std::optional<int> parse_int(std::string_view s) {
  int value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<Period> iso_week(int year, int week) {
  if (year < 1970 || year > 9999 || week < 1) return std::nullopt;
  sys_days start = iso_week1_monday(year) + days{7 * (week - 1)};
  if (start >= iso_week1_monday(year + 1)) return std::nullopt;
  return Period{to_unix(start), to_unix(start + days{7}), week_label(year, week)};
}

std::optional<Period> parse_iso_week(std::string_view text) {
  if (text.size() < 6) return std::nullopt;
  std::size_t w = text.find_first_of("Ww");
  if (w == std::string_view::npos || w < 4) return std::nullopt;
  std::string_view year = text.substr(0, w);
  if (year.back() == '-') year.remove_suffix(1);
  std::optional<int> y = parse_int(year);
  std::optional<int> n = parse_int(text.substr(w + 1));
  if (!y || !n) return std::nullopt;
  return iso_week(*y, *n);
}

Period last_week(std::int64_t now) {
  sys_days today{days{now / k_day}};
  weekday wd{today};
  sys_days this_monday = today - days{(wd.c_encoding() + 6) % 7};
  sys_days monday = this_monday - days{7};
  // The ISO year of a week is the year of its Thursday.
  year_month_day thursday{monday + days{3}};
  int year = static_cast<int>(thursday.year());
  int week = static_cast<int>((monday - iso_week1_monday(year)).count() / 7) + 1;
  return Period{to_unix(monday), to_unix(monday + days{7}), week_label(year, week)};
}

Period previous(const Period& p) {
  std::int64_t length = p.until - p.since;
  Period out{p.since - length, p.since, ""};
  std::optional<Period> as_week;
  if (length == 7 * k_day) {
    year_month_day thursday{sys_days{days{(out.since / k_day) + 3}}};
    int year = static_cast<int>(thursday.year());
    int week =
        static_cast<int>((sys_days{days{out.since / k_day}} - iso_week1_monday(year)).count() / 7) +
        1;
    as_week = iso_week(year, week);
  }
  if (as_week && as_week->since == out.since) return *as_week;
  out.label = fmt::format("{}..{}", utc_date(out.since), utc_date(out.until - 1));
  return out;
}

std::optional<std::int64_t> parse_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  std::optional<int> y = parse_int(text.substr(0, 4));
  std::optional<int> m = parse_int(text.substr(5, 2));
  std::optional<int> d = parse_int(text.substr(8, 2));
  if (!y || !m || !d) return std::nullopt;
  year_month_day ymd{std::chrono::year{*y}, month{static_cast<unsigned>(*m)},
                     day{static_cast<unsigned>(*d)}};
  if (!ymd.ok()) return std::nullopt;
  return to_unix(sys_days{ymd});
}

Period date_range(std::int64_t since_day, std::int64_t until_day_inclusive) {
  Period p{since_day, until_day_inclusive + k_day, ""};
  p.label = fmt::format("{}..{}", utc_date(p.since), utc_date(p.until - 1));
  return p;
}

}  // namespace dmarc::report
