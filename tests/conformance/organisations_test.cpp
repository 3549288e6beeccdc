// The weekly summary of the samples (samples/README.md) with reverse DNS names
// for their sources, as tests/support/sample_names.hpp serves them: flagged
// sources grouped by sending organisation, exactly.
#include <gtest/gtest.h>

#include <sstream>

#include "ingest/pipeline.hpp"
#include "report/render.hpp"

namespace {

using dmarc::report::OrganisationSummary;
using dmarc::report::SourceName;
using dmarc::report::SourceNames;
using dmarc::report::Summary;

const SourceNames k_names{
    {"203.0.113.50", {"out1.crm-mailer.co.test", "crm-mailer.co.test", true}},
    {"203.0.113.51", {"out2.crm-mailer.co.test", "crm-mailer.co.test", true}},
    {"198.51.100.77", {"smtp.helpdesk.test", "helpdesk.test", true}},
    {"203.0.113.90", {"relay.invoicer.test", "invoicer.test", false}},
    {"198.51.100.140", {"mx.alumni.test", "alumni.test", true}},
};

class OrganisationsOfSamples : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    s_store = new dmarc::store::Store(":memory:");
    dmarc::ingest::Pipeline pipeline(*s_store, dmarc::Limits{});
    pipeline.ingest_path(std::string(DMARCDB_SOURCE_DIR) + "/samples/reports");
  }
  static void TearDownTestSuite() { delete s_store; }

  static Summary summary(const SourceNames& names, std::size_t top = 20) {
    auto week = *dmarc::report::parse_iso_week("2026-W47");
    auto before = dmarc::report::previous(week);
    dmarc::report::SummaryOptions options;
    options.top = top;
    return dmarc::report::build_summary(s_store->period_records(week.since, week.until),
                                        s_store->period_records(before.since, before.until), week,
                                        before, options, names);
  }
  static const dmarc::report::DomainSummary& example_com(const Summary& s) {
    for (const auto& d : s.domains) {
      if (d.domain == "example.com") return d;
    }
    throw std::runtime_error("no example.com");
  }
  static dmarc::store::Store* s_store;
};

dmarc::store::Store* OrganisationsOfSamples::s_store = nullptr;

TEST_F(OrganisationsOfSamples, ConfirmedNamesGroupByOrganisationOthersStandAlone) {
  const Summary s = summary(k_names);
  const auto& d = example_com(s);
  const double total = static_cast<double>(d.messages);
  const std::vector<OrganisationSummary> expected{
      {"crm-mailer.co.test", true, {"203.0.113.50", "203.0.113.51"}, 670, 670, 0, 670 / total},
      {"helpdesk.test", true, {"198.51.100.77"}, 170, 0, 170, 170 / total},
      {"203.0.113.90", false, {"203.0.113.90"}, 102, 102, 0, 102 / total},  // unconfirmed
      {"203.0.113.25", false, {"203.0.113.25"}, 7, 7, 0, 7 / total},        // no name
  };
  EXPECT_EQ(d.organisations, expected);
}

TEST_F(OrganisationsOfSamples, SourcesCarryTheirNamesAndOnlyConfirmedOnesAnOrganisation) {
  const Summary s = summary(k_names);
  const auto& d = example_com(s);
  ASSERT_EQ(d.flagged.size(), 5u);
  EXPECT_EQ(d.flagged[0].ptr_name, "out1.crm-mailer.co.test");
  EXPECT_EQ(d.flagged[0].org_domain, "crm-mailer.co.test");
  EXPECT_TRUE(d.flagged[0].name_confirmed);
  EXPECT_EQ(d.flagged[3].source_ip, "203.0.113.90");
  EXPECT_EQ(d.flagged[3].ptr_name, "relay.invoicer.test");
  EXPECT_EQ(d.flagged[3].org_domain, "");
  EXPECT_FALSE(d.flagged[3].name_confirmed);
  EXPECT_EQ(d.flagged[4].ptr_name, "");
  ASSERT_EQ(d.at_risk.size(), 2u);
  EXPECT_EQ(d.at_risk[1].ptr_name, "mx.alumni.test");
  EXPECT_TRUE(d.at_risk[1].name_confirmed);
}

TEST_F(OrganisationsOfSamples, OrganisationsAreCutToTopAfterGroupingEverySource) {
  const Summary s = summary(k_names, 1);
  const auto& d = example_com(s);
  ASSERT_EQ(d.flagged.size(), 1u);
  ASSERT_EQ(d.organisations.size(), 1u);
  EXPECT_EQ(d.organisations[0].source_ips,
            (std::vector<std::string>{"203.0.113.50", "203.0.113.51"}));
}

TEST_F(OrganisationsOfSamples, WithoutNamesEverySourceIsItsOwnOrganisationAndOutputIsUnchanged) {
  const Summary plain = summary({});
  const auto& d = example_com(plain);
  std::vector<std::string> groups;
  for (const auto& o : d.organisations) {
    EXPECT_FALSE(o.by_name);
    EXPECT_EQ(o.source_ips, std::vector<std::string>{o.organisation});
    groups.push_back(o.organisation);
  }
  std::vector<std::string> flagged;
  for (const auto& f : d.flagged) flagged.push_back(f.source_ip);
  EXPECT_EQ(groups, flagged);
  std::ostringstream text, markdown, html;
  dmarc::report::render_text(text, plain);
  dmarc::report::render_markdown(markdown, plain);
  dmarc::report::render_html(html, plain);
  for (const std::string& out : {text.str(), markdown.str(), html.str()}) {
    EXPECT_EQ(out.find("organisation"), std::string::npos) << out;
    EXPECT_EQ(out.find("reverse DNS"), std::string::npos);
  }
}

TEST_F(OrganisationsOfSamples, EveryRendererShowsNamesAndOrganisations) {
  const Summary s = summary(k_names);
  std::ostringstream text, markdown, html, csv, json;
  dmarc::report::render_text(text, s);
  dmarc::report::render_markdown(markdown, s);
  dmarc::report::render_html(html, s);
  dmarc::report::render_csv(csv, s);
  dmarc::report::render_json(json, s);
  EXPECT_NE(text.str().find("    reverse DNS: relay.invoicer.test (unconfirmed)\n"),
            std::string::npos)
      << text.str();
  EXPECT_NE(text.str().find("  crm-mailer.co.test  670 messages (670 rejected, 0 quarantined, "
                            "6.8% of the domain) from 203.0.113.50, 203.0.113.51\n"),
            std::string::npos)
      << text.str();
  EXPECT_NE(text.str().find("  203.0.113.90 (no confirmed name)  102 messages"), std::string::npos);
  EXPECT_NE(text.str().find("  198.51.100.140 (mx.alumni.test)  14 messages"), std::string::npos);
  EXPECT_NE(markdown.str().find("| crm\\-mailer.co.test | 203.0.113.50, 203.0.113.51 | 670 | 670 "
                                "| 0 | 6.8% |"),
            std::string::npos)
      << markdown.str();
  EXPECT_NE(markdown.str().find("| 203.0.113.90 (relay.invoicer.test, unconfirmed) | 102 |"),
            std::string::npos);
  EXPECT_NE(html.str().find("<td>203.0.113.50 <span class=\"new\">new</span><br><small "
                            "class=\"ptr\">out1.crm-mailer.co.test</small></td>"),
            std::string::npos)
      << html.str();
  EXPECT_NE(html.str().find("<tr><td>helpdesk.test</td><td class=\"wide\">198.51.100.77</td>"),
            std::string::npos);
  EXPECT_NE(csv.str().find(",\"out2.crm-mailer.co.test\",\"crm-mailer.co.test\",yes\r\n"),
            std::string::npos)
      << csv.str();
  EXPECT_NE(csv.str().find(",\"relay.invoicer.test\",\"\",no\r\n"), std::string::npos);
  EXPECT_NE(
      json.str().find(
          R"("ptr_name": "out1.crm-mailer.co.test", "org_domain": "crm-mailer.co.test", "name_confirmed": true)"),
      std::string::npos)
      << json.str();
}

}  // namespace
