// The weekly summary over the samples, whose story is known (samples/README.md):
// in 2026-W47 the CRM service (203.0.113.50/.51) is new and rejected, the
// invoicing platform fails with an SPF permerror, the ticketing system is
// quarantined for an SPF softfail, a mailing list passes SPF unaligned.
#include <gtest/gtest.h>

#include <sstream>

#include "ingest/pipeline.hpp"
#include "report/render.hpp"

namespace {

using dmarc::report::Diagnosis;

class SummaryOfSamples : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    s_store = new dmarc::store::Store(":memory:");
    dmarc::ingest::Pipeline pipeline(*s_store, dmarc::Limits{});
    pipeline.ingest_path(std::string(DMARCDB_SOURCE_DIR) + "/samples/reports");
    auto week = *dmarc::report::parse_iso_week("2026-W47");
    auto before = dmarc::report::previous(week);
    s_summary = new dmarc::report::Summary(dmarc::report::build_summary(
        s_store->period_records(week.since, week.until),
        s_store->period_records(before.since, before.until), week, before, {}));
  }
  static void TearDownTestSuite() {
    delete s_summary;
    delete s_store;
  }
  static const dmarc::report::DomainSummary& domain(const std::string& name) {
    for (const auto& d : s_summary->domains) {
      if (d.domain == name) return d;
    }
    throw std::runtime_error("no domain " + name);
  }
  static dmarc::store::Store* s_store;
  static dmarc::report::Summary* s_summary;
};

dmarc::store::Store* SummaryOfSamples::s_store = nullptr;
dmarc::report::Summary* SummaryOfSamples::s_summary = nullptr;

TEST_F(SummaryOfSamples, FlagsExactlyTheFailingSourcesMostHurtFirst) {
  const auto& d = domain("example.com");
  std::vector<std::string> ips;
  for (const auto& s : d.flagged) ips.push_back(s.source_ip);
  EXPECT_EQ(ips, (std::vector<std::string>{"203.0.113.50", "203.0.113.51", "198.51.100.77",
                                           "203.0.113.90", "203.0.113.25"}));
  EXPECT_EQ(d.flagged[0].rejected, 424);
  EXPECT_EQ(d.flagged[1].rejected, 246);
  EXPECT_EQ(d.flagged[2].quarantined, 170);
  EXPECT_EQ(d.flagged[3].rejected, 102);
  EXPECT_EQ(d.flagged[4].rejected, 7);
  EXPECT_EQ(d.messages, 9846);
  EXPECT_EQ(d.rejected, 779);
  EXPECT_EQ(d.quarantined, 170);
  EXPECT_EQ(d.policy, "reject");
}

TEST_F(SummaryOfSamples, DiagnosesEachSourceFromItsSpfResult) {
  const auto& d = domain("example.com");
  EXPECT_EQ(d.flagged[0].diagnosis, Diagnosis::spf_not_authorised);
  EXPECT_EQ(d.flagged[2].diagnosis, Diagnosis::spf_not_authorised);  // softfail
  EXPECT_EQ(d.flagged[3].diagnosis, Diagnosis::spf_permerror);
  EXPECT_NE(d.flagged[3].advice.find("billing.example.com"), std::string::npos);
  EXPECT_EQ(d.flagged[4].diagnosis, Diagnosis::spf_pass_unaligned);
  EXPECT_NE(d.flagged[4].advice.find("return-path"), std::string::npos);
  EXPECT_FALSE(d.flagged[0].dkim_aligned);
}

TEST_F(SummaryOfSamples, TrendNamesTheCrmServiceAsNew) {
  const auto& d = domain("example.com");
  EXPECT_EQ(d.trend.new_sources, (std::vector<std::string>{"203.0.113.50", "203.0.113.51"}));
  EXPECT_TRUE(d.trend.stopped_sources.empty());
  EXPECT_EQ(d.trend.previous_messages.count("203.0.113.90"), 1u);
}

TEST_F(SummaryOfSamples, AtRiskListsForwardersDeliveredByOverride) {
  const auto& d = domain("example.com");
  ASSERT_EQ(d.at_risk.size(), 2u);
  EXPECT_EQ(d.at_risk[1].source_ip, "198.51.100.140");
  EXPECT_EQ(d.at_risk[1].diagnosis, Diagnosis::forwarding);
  EXPECT_NE(d.at_risk[1].why_delivered.find("forwarded"), std::string::npos);
}

TEST_F(SummaryOfSamples, TextAndJsonCarryTheSameNumbers) {
  std::ostringstream text, json;
  dmarc::report::render_text(text, *s_summary);
  dmarc::report::render_json(json, *s_summary);
  for (const char* needle : {"203.0.113.50  NEW  424 messages (424 rejected"}) {
    EXPECT_NE(text.str().find(needle), std::string::npos) << text.str();
  }
  EXPECT_NE(json.str().find(R"("source_ip": "203.0.113.50", "messages": 424, "rejected": 424)"),
            std::string::npos)
      << json.str();
  EXPECT_NE(json.str().find(R"("new": ["203.0.113.50", "203.0.113.51"])"), std::string::npos);
}

TEST_F(SummaryOfSamples, CsvAndMarkdownCarryTheSameNumbers) {
  std::ostringstream csv, markdown;
  dmarc::report::render_csv(csv, *s_summary);
  dmarc::report::render_markdown(markdown, *s_summary);
  EXPECT_NE(csv.str().find("flagged,\"example.com\",\"203.0.113.50\",424,424,0,0.0431,"),
            std::string::npos)
      << csv.str();
  EXPECT_NE(csv.str().find("\"203.0.113.90\",102,102,0,"), std::string::npos);
  EXPECT_NE(markdown.str().find("| 203.0.113.50 **new** | 424 | 424 | 0 | 4.3% |"),
            std::string::npos)
      << markdown.str();
  EXPECT_NE(markdown.str().find("| 9846 | 89.8% | 89.8% | 779 | 170 |"), std::string::npos);
}

TEST_F(SummaryOfSamples, HtmlShowsChartsAndTheSameNumbers) {
  std::ostringstream html;
  dmarc::report::render_html(html, *s_summary);
  EXPECT_NE(html.str().find("<td>203.0.113.50 <span class=\"new\">new</span></td><td "
                            "class=\"n\">424</td><td class=\"n\">424</td>"),
            std::string::npos)
      << html.str();
  EXPECT_NE(html.str().find("aria-label=\"Daily messages by DMARC result\""), std::string::npos);
  EXPECT_NE(html.str().find("aria-label=\"Top failing sources\""), std::string::npos);
  const auto& d = domain("example.com");
  EXPECT_EQ(d.daily.size(), 7u);
  std::int64_t total = 0;
  for (const auto& [day, v] : d.daily) total += v.pass + v.fail + v.quarantined + v.rejected;
  EXPECT_EQ(total, d.messages);
}

TEST(SummaryOutput, NeutralisesHostileReportStrings) {
  EXPECT_EQ(dmarc::report::csv_cell("=cmd()"), "\"'=cmd()\"");
  EXPECT_EQ(dmarc::report::csv_cell("+1"), "\"'+1\"");
  EXPECT_EQ(dmarc::report::csv_cell("-2"), "\"'-2\"");
  EXPECT_EQ(dmarc::report::csv_cell("@SUM(A1)"), "\"'@SUM(A1)\"");
  EXPECT_EQ(dmarc::report::csv_cell("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(dmarc::report::markdown_text("<script>|x\x1b[2J"), "\\<script\\>\\|x\\[2J");
}

TEST(SummaryJson, EscapesReportStrings) {
  EXPECT_EQ(dmarc::report::json_string("a\"b\\c\n\x1b"), "\"a\\\"b\\\\c\\n\\u001b\"");
}

}  // namespace

TEST(SummaryTopCut, KeepsTheTotalsOfTheSourcesItLeavesOut) {
  dmarc::store::Store store(":memory:");
  dmarc::ingest::Pipeline pipeline(store, dmarc::Limits{});
  pipeline.ingest_path(std::string(DMARCDB_SOURCE_DIR) + "/samples/reports");
  auto week = *dmarc::report::parse_iso_week("2026-W47");
  auto before = dmarc::report::previous(week);
  dmarc::report::SummaryOptions options;
  options.top = 2;
  auto summary = dmarc::report::build_summary(store.period_records(week.since, week.until),
                                              store.period_records(before.since, before.until),
                                              week, before, options);
  ASSERT_EQ(summary.domains[0].domain, "example.com");
  const auto& d = summary.domains[0];
  EXPECT_EQ(d.flagged.size(), 2u);
  EXPECT_EQ(d.flagged_total, 5u);
  EXPECT_EQ(d.flagged_rejected_total, 4u);  // all but the quarantined ticketing system
  EXPECT_EQ(d.at_risk_total, 2u);
  std::ostringstream text;
  dmarc::report::render_text(text, summary);
  EXPECT_NE(text.str().find("failing SPF alignment (the 2 most affected of 5):"), std::string::npos)
      << text.str();
}
