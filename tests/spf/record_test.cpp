#include "spf/record.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace dmarc::spf {
namespace {

TEST(ParseRecord, ReadsMechanismsQualifiersCidrsAndModifiers) {
  auto record = parse_record("v=spf1 a/24//64 -mx:mx.example.com ~ip6:2001:db8::/32 ?ptr "
                             "redirect=_spf.example.com exp=why.example.com foo=bar");
  ASSERT_TRUE(record) << record.error().message;
  ASSERT_EQ(record->mechanisms.size(), 4u);
  EXPECT_EQ(record->mechanisms[0].cidr4, 24);
  EXPECT_EQ(record->mechanisms[0].cidr6, 64);
  EXPECT_EQ(record->mechanisms[1].qualifier, Qualifier::fail);
  EXPECT_EQ(record->mechanisms[1].domain_spec, "mx.example.com");
  EXPECT_EQ(record->mechanisms[2].kind, MechanismKind::ip6);
  EXPECT_EQ(record->mechanisms[2].cidr6, 32);
  EXPECT_EQ(record->mechanisms[3].qualifier, Qualifier::neutral);
  EXPECT_EQ(record->redirect, "_spf.example.com");
  EXPECT_EQ(record->exp, "why.example.com");
  ASSERT_EQ(record->other_modifiers.size(), 1u);
  EXPECT_EQ(record->other_modifiers[0].name, "foo");
}

TEST(IsSpfRecord, NeedsTheVersionAloneOrBeforeASpace) {
  EXPECT_TRUE(is_spf_record("v=spf1"));
  EXPECT_TRUE(is_spf_record("V=SPF1 -all"));
  EXPECT_FALSE(is_spf_record("v=spf10 -all"));
  EXPECT_FALSE(is_spf_record("v=spf1-all"));
  EXPECT_FALSE(is_spf_record("spf2.0/pra -all"));
}

struct Hostile {
  std::string record;
  std::string fragment;
};

TEST(ParseRecord, RejectsHostileRecordsNamingTheProblem) {
  const std::vector<Hostile> table = {
      {"v=spf1 foo:bar -all", "unknown mechanism"},
      {"v=spf1 ip4:192.0.2.300 -all", "not an IPv4 address"},
      {"v=spf1 ip4:192.0.2.01 -all", "not an IPv4 address"},
      {"v=spf1 ip4:192.0.2.0/33 -all", "bad CIDR length"},
      {"v=spf1 ip6:2001:db8::/129 -all", "bad CIDR length"},
      {"v=spf1 ip6:192.0.2.1 -all", "not an IPv6 address"},
      {"v=spf1 a/024 -all", "bad IPv4 CIDR length"},
      {"v=spf1 include -all", "needs a domain"},
      {"v=spf1 include:example.123 -all", "bad top-level label"},
      {"v=spf1 a:localhost -all", "no top-level label"},
      {"v=spf1 exists:%{z}.example.com", "unknown macro letter"},
      {"v=spf1 exists:%{d0}.example.com", "macro digit 0"},
      {"v=spf1 exists:%{d", "malformed macro"},
      {"v=spf1 exists:%x.example.com", "not followed by"},
      {"v=spf1 redirect=a.example redirect=b.example", "repeated modifier"},
      {"v=spf1 exp=a.example exp=b.example -all", "repeated modifier"},
      {"v=spf1 all:x", "takes no argument"},
      {"v=spf1 ip4:192.0.2.1\t-all", "control character"},
      {"v=spf1 ip4:192.0.2.1 \xc2\x80", "non-ASCII"},
      {"v=spf1 exp=%{c}.example.com -all", "unknown macro letter"},
  };
  for (const auto& row : table) {
    const auto record = parse_record(row.record);
    ASSERT_FALSE(record) << row.record;
    EXPECT_EQ(record.error().code, Code::malformed);
    EXPECT_NE(record.error().message.find(row.fragment), std::string::npos)
        << row.record << ": " << record.error().message;
  }
}

}  // namespace
}  // namespace dmarc::spf
