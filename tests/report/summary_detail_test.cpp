// build_summary gives the same summary when the store merges the records that
// needs_detail / needs_detail_before leave out as when it reads every record.
#include <gtest/gtest.h>

#include <cstdint>
#include <sstream>
#include <string>

#include "report/period.hpp"
#include "report/render.hpp"
#include "report/summary.hpp"
#include "store/store.hpp"

namespace dmarc::report {
namespace {

constexpr std::int64_t k_day = 86400;

// Every combination of verdicts the summary distinguishes, over two weeks,
// three domains and three reporters (one with its day starting at 22:00 UTC),
// each verdict three times per report.
void fill(store::Store& store, std::int64_t first_day) {
  const char* dispositions[] = {"none", "reject", "quarantine", "pass", nullptr};
  const char* alignments[] = {"pass", "fail", nullptr};
  const char* orgs[] = {"google.com", "Yahoo", "Mail.Ru"};
  const char* domains[] = {"example.com", "example.net", "example.org"};
  const char* policies[] = {"reject", "quarantine", "none"};
  int serial = 0;
  for (int day = 0; day < 14; ++day) {
    for (int org = 0; org < 3; ++org) {
      for (int dom = 0; dom < 3; ++dom) {
        parse::AggregateReport report;
        report.metadata.org_name = orgs[org];
        report.metadata.report_id = std::to_string(++serial);
        const std::int64_t begin = first_day + day * k_day - (org == 2 ? 7200 : 0);
        report.metadata.date_range = {begin, begin + k_day - 1};
        report.policy.domain = domains[dom];
        report.policy.p = policies[(dom + day / 7) % 3];
        if (dom == 1) report.policy.pct = 50;
        int n = 0;
        for (int copy = 0; copy < 3; ++copy) {
          for (const char* disposition : dispositions) {
            for (const char* dkim : alignments) {
              for (const char* spf : alignments) {
                ++n;
                parse::Record r;
                r.source_ip = "192.0.2." + std::to_string((n * 7 + day + org) % 23 + 1);
                r.count = static_cast<std::uint64_t>(1 + (n * 13 + day * 5 + org) % 40);
                if (disposition) r.disposition = disposition;
                if (dkim) r.dkim = dkim;
                if (spf) r.spf = spf;
                r.header_from = domains[dom];
                r.envelope_from = n % 3 ? "bounce.example" : domains[dom];
                r.spf_results = {{r.envelope_from, "mfrom", n % 4 ? "pass" : "permerror", {}}};
                r.dkim_results = {{domains[dom], "s1", dkim ? dkim : "none", {}}};
                if (n % 5 == 0) r.reasons = {{"forwarded", std::nullopt}};
                report.records.push_back(std::move(r));
              }
            }
          }
        }
        store.save_report(report, 0, "test");
      }
    }
  }
}

std::string json_of(const Summary& summary) {
  std::ostringstream out;
  render_json(out, summary);
  return out.str();
}

TEST(SummaryDetail, MergedRecordsGiveTheSameSummaryAsEveryRecord) {
  store::Store store(":memory:");
  const Period week = *parse_iso_week("2026-W47");
  const Period before = previous(week);
  fill(store, before.since);
  for (std::size_t top : {std::size_t{2}, std::size_t{20}}) {
    SummaryOptions options;
    options.top = top;
    const Summary full =
        build_summary(store.period_records(week.since, week.until),
                      store.period_records(before.since, before.until), week, before, options);
    const Summary merged =
        build_summary(store.period_records(week.since, week.until, needs_detail),
                      store.period_records(before.since, before.until, needs_detail_before), week,
                      before, options);
    ASSERT_FALSE(full.domains.empty());
    EXPECT_FALSE(full.domains.front().flagged.empty());
    EXPECT_FALSE(full.domains.front().trend.previous_messages.empty());
    EXPECT_EQ(json_of(merged), json_of(full));
  }
  // The merge is what makes the report small: far fewer rows than records.
  EXPECT_LT(store.period_records(before.since, before.until, needs_detail_before).size(),
            store.period_records(before.since, before.until).size() / 2);
}

TEST(SummaryDetail, OnlyFlaggedAndAtRiskVerdictsNeedDetail) {
  EXPECT_TRUE(needs_detail({"reject", "fail", "fail"}));
  EXPECT_TRUE(needs_detail({"quarantine", "pass", "fail"}));
  EXPECT_TRUE(needs_detail({"none", "fail", "fail"}));   // at risk
  EXPECT_TRUE(needs_detail({"", "", "fail"}));           // at risk
  EXPECT_FALSE(needs_detail({"none", "pass", "fail"}));  // DKIM carries it
  EXPECT_FALSE(needs_detail({"reject", "fail", "pass"}));
  EXPECT_FALSE(needs_detail({"none", "pass", "pass"}));
  EXPECT_TRUE(needs_detail_before({"reject", "fail", "fail"}));
  EXPECT_FALSE(needs_detail_before({"none", "fail", "fail"}));
}

}  // namespace
}  // namespace dmarc::report
