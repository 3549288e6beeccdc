// The `dmarcdb reports` and `dmarcdb failures` listings print strings that
// strangers wrote (org names, domains, zip member names, subjects, error
// messages quoting report text): no control character or escape sequence
// may reach the terminal.
#include "report/overview.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>

namespace dmarc::report {
namespace {

// Where the first byte that a terminal would act on sits (a C0 control other
// than the line feeds the listing itself writes, DEL, or a UTF-8 encoded C1
// control), or npos.
std::size_t first_control(const std::string& text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\n') || c == 0x7f) return i;
    if (c == 0xC2 && i + 1 < text.size()) {
      const auto next = static_cast<unsigned char>(text[i + 1]);
      if (next >= 0x80 && next <= 0x9f) return i;
    }
  }
  return std::string::npos;
}

constexpr char k_hostile_bytes[] =
    "evil\x1b]0;owned\x07\x1b[2J\r\n\x9b"
    "31m\xC2\x9B"
    "1m\tx\0y";
const std::string k_hostile(k_hostile_bytes, sizeof k_hostile_bytes - 1);

TEST(Overview, ReportListStripsControlCharactersFromOrgAndDomain) {
  store::ReportListRow row;
  row.org_name = k_hostile;
  row.policy_domain = "example.com\x1b[8m";
  row.report_id = "id\x1b";
  row.date_begin = 1700000000;
  row.date_end = 1700086399;
  std::ostringstream out;
  print_report_list(out, {row});
  const std::string text = out.str();
  EXPECT_EQ(first_control(text), std::string::npos) << text;
  EXPECT_NE(text.find("evil]0;owned"), std::string::npos) << text;
  // One header line, one report line, one totals line: a CR LF inside a
  // value cannot start a line of its own.
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 3);
}

TEST(Overview, FailureListStripsControlCharactersFromOriginPartAndMessage) {
  store::FailureRow failure;
  failure.origin = "mail\x1b[31m.eml";
  failure.part = "zip:\x1b[2Kname.xml";
  failure.code = "malformed";
  failure.message = "zip member \"" + k_hostile + "\" is broken";
  failure.first_seen = 1700000000;
  store::OtherRow other;
  other.origin = "inbox\x07";
  other.part = "mime:1\r";
  other.kind = "other_mail";
  other.detail = "no report in message \"" + k_hostile + "\"";
  std::ostringstream out;
  print_failures(out, {failure}, {other});
  const std::string text = out.str();
  EXPECT_EQ(first_control(text), std::string::npos) << text;
  EXPECT_NE(text.find("mail[31m.eml"), std::string::npos) << text;
  EXPECT_NE(text.find("zip:[2Kname.xml"), std::string::npos) << text;
  // Two heading lines, two lines per failure, two per other input.
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 6);
}

}  // namespace
}  // namespace dmarc::report
