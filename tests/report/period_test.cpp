#include "report/period.hpp"

#include <gtest/gtest.h>

using namespace dmarc::report;

TEST(Period, IsoWeekStartsOnMondayUtc) {
  auto w = iso_week(2026, 47);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->since, 1794787200);  // 2026-11-16 00:00:00 UTC, a Monday
  EXPECT_EQ(w->until, 1794787200 + 7 * 86400);
  EXPECT_EQ(w->label, "2026-W47");
}

TEST(Period, IsoWeekOneMayStartInThePreviousYear) {
  auto w = iso_week(2026, 1);
  ASSERT_TRUE(w);
  EXPECT_EQ(*parse_date("2025-12-29"), w->since);
  EXPECT_TRUE(iso_week(2025, 53) == std::nullopt);  // 2025 has 52 weeks
  EXPECT_TRUE(iso_week(2026, 53));                 // 2026 starts on a Thursday: 53
}

TEST(Period, ParsesWeekSpellings) {
  EXPECT_EQ(parse_iso_week("2026-W47"), iso_week(2026, 47));
  EXPECT_EQ(parse_iso_week("2026w47"), iso_week(2026, 47));
  EXPECT_FALSE(parse_iso_week("2026-47"));
  EXPECT_FALSE(parse_iso_week("2026-Wxx"));
  EXPECT_FALSE(parse_iso_week(""));
}

TEST(Period, LastWeekIsTheWeekBeforeNow) {
  // Friday 2026-11-27 12:00 UTC is in W48; last week is W47.
  EXPECT_EQ(last_week(*parse_date("2026-11-27") + 43200), *iso_week(2026, 47));
  // Monday 2027-01-04 starts 2027-W01; the week before is 2026-W53.
  EXPECT_EQ(last_week(*parse_date("2027-01-04")).label, "2026-W53");
  EXPECT_EQ(last_week(*parse_date("2027-01-04")).since, *parse_date("2026-12-28"));
}

TEST(Period, PreviousOfAWeekIsTheWeekBefore) {
  EXPECT_EQ(previous(*iso_week(2026, 47)), *iso_week(2026, 46));
  EXPECT_EQ(previous(*iso_week(2026, 1)), *iso_week(2025, 52));
  Period days = date_range(*parse_date("2026-11-10"), *parse_date("2026-11-12"));
  EXPECT_EQ(days.label, "2026-11-10..2026-11-12");
  EXPECT_EQ(previous(days).label, "2026-11-07..2026-11-09");
}

TEST(Period, RejectsImpossibleDates) {
  EXPECT_FALSE(parse_date("2026-02-30"));
  EXPECT_FALSE(parse_date("2026-13-01"));
  EXPECT_FALSE(parse_date("26-11-01"));
  EXPECT_EQ(*parse_date("1970-01-02"), 86400);
}
