#include "spf/macro.hpp"

#include <gtest/gtest.h>

#include <string>

namespace dmarc::spf {
namespace {

MacroContext rfc_context() {
  MacroContext c;
  c.local_part = "strong-bad";
  c.sender_domain = "email.example.com";
  c.domain = "email.example.com";
  c.ip = *parse_address("192.0.2.3");
  c.helo = "mx.example.org";
  return c;
}

// The examples of RFC 7208 section 7.4.
TEST(ExpandMacros, GivesTheRfcExamples) {
  const MacroContext c = rfc_context();
  const std::pair<std::string, std::string> table[] = {
      {"%{s}", "strong-bad@email.example.com"},
      {"%{o}", "email.example.com"},
      {"%{d4}", "email.example.com"},
      {"%{d3}", "email.example.com"},
      {"%{d2}", "example.com"},
      {"%{d1}", "com"},
      {"%{dr}", "com.example.email"},
      {"%{d2r}", "example.email"},
      {"%{l}", "strong-bad"},
      {"%{l-}", "strong.bad"},
      {"%{lr}", "strong-bad"},
      {"%{lr-}", "bad.strong"},
      {"%{l1r-}", "strong"},
      {"%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"},
      {"%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"},
      {"%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net"},
      {"%{S}", "strong-bad%40email.example.com"},
      {"a%%b%_c%-d", "a%b c%20d"},
  };
  for (const auto& [text, expected] : table) {
    const auto out = expand_macros(text, c, false);
    ASSERT_TRUE(out) << text << ": " << out.error().message;
    EXPECT_EQ(*out, expected) << text;
  }
}

TEST(ExpandMacros, Ipv6AddressIsUpperCaseNibbles) {
  MacroContext c = rfc_context();
  c.ip = *parse_address("2001:db8::cb01");
  const auto out = expand_macros("%{ir}.%{v}._spf.%{d2}", c, false);
  ASSERT_TRUE(out);
  EXPECT_EQ(*out,
            "1.0.B.C.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2.ip6._spf.example.com");
}

TEST(ExpandMacros, ExplanationLettersOnlyInExplanations) {
  MacroContext c = rfc_context();
  c.now = 1700000000;
  EXPECT_FALSE(expand_macros("%{c}", c, false));
  const auto out = expand_macros("%{c} %{r} %{t}", c, true);
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, "192.0.2.3 unknown 1700000000");
}

TEST(ExpandMacros, LargeDigitCountKeepsAllParts) {
  const auto out = expand_macros("%{d99999999999}", rfc_context(), false);
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, "email.example.com");
}

TEST(ExpandMacros, OutputOverTheBoundIsTooLarge) {
  const auto out = expand_macros("%{s}%{s}%{s}", rfc_context(), false, 40);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, Code::too_large);
}

TEST(TruncateDomain, CutsLabelsFromTheLeftTo253) {
  std::string domain;
  for (int i = 0; i < 30; ++i) domain += "label" + std::to_string(i) + ".";
  domain += "example.com.";
  const std::string cut = truncate_domain(domain);
  EXPECT_LE(cut.size(), 253u);
  EXPECT_EQ(cut.substr(cut.size() - 11), "example.com");
  EXPECT_NE(cut.front(), '.');
}

}  // namespace
}  // namespace dmarc::spf
