// Report strings are written by strangers: every renderer must neutralise them.
#include "report/render.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace dmarc::report {
namespace {

const std::string k_hostile = "=cmd()|<script>alert(1)</script>\x1b[2J\x07";

Summary hostile_summary() {
  Summary summary;
  summary.period = *parse_iso_week("2026-W47");
  summary.previous = previous(summary.period);
  DomainSummary d;
  d.domain = k_hostile;
  d.policy = "reject";
  d.messages = 10;
  d.rejected = 10;
  d.reporters[k_hostile] = 10;
  SourceSummary s;
  s.source_ip = "192.0.2.1";
  s.messages = s.rejected = 10;
  s.reporters.insert(k_hostile);
  s.header_from.insert(k_hostile);
  s.envelope_from.insert(k_hostile);
  s.spf_results[k_hostile] = 10;
  s.diagnosis = Diagnosis::spf_not_authorised;
  s.advice = advice(s.diagnosis, k_hostile, k_hostile);
  d.flagged.push_back(s);
  summary.domains.push_back(d);
  return summary;
}

template <class Render>
std::string render(Render r) {
  std::ostringstream out;
  r(out, hostile_summary());
  return out.str();
}

TEST(Render, TextCarriesNoControlCharacters) {
  std::string text = render(render_text);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_EQ(text.find('\x07'), std::string::npos);
  EXPECT_NE(text.find("=cmd()"), std::string::npos);  // shown, but inert
}

TEST(Render, CsvNeutralisesFormulasAndControlCharactersStayQuoted) {
  std::string csv = render(render_csv);
  EXPECT_EQ(csv.find(",\"=cmd"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",\"'=cmd()"), std::string::npos) << csv;
}

TEST(Render, MarkdownEscapesHtmlAndTablePipes) {
  std::string md = render(render_markdown);
  EXPECT_EQ(md.find("<script>"), std::string::npos) << md;
  EXPECT_EQ(md.find('\x1b'), std::string::npos);
  EXPECT_NE(md.find("\\<script\\>"), std::string::npos) << md;
}

TEST(Render, HtmlEscapesEveryReportString) {
  std::string html = render(render_html);
  EXPECT_EQ(html.find("<script"), std::string::npos) << html;
  EXPECT_EQ(html.find('\x1b'), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos) << html;
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg"));  // no external asset
  EXPECT_NE(html.find("Content-Security-Policy"), std::string::npos);
}

TEST(Render, JsonEscapesControlCharacters) {
  std::string json = render(render_json);
  EXPECT_EQ(json.find('\x1b'), std::string::npos);
  EXPECT_NE(json.find("\\u001b[2J\\u0007"), std::string::npos) << json;
}

}  // namespace
}  // namespace dmarc::report
