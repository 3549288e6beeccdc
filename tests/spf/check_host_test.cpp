#include "spf/check_host.hpp"

#include <gtest/gtest.h>

#include <string>

#include "tests/spf/fake_resolver.hpp"

namespace dmarc::spf {
namespace {

using dns::RecordType;
using testing::FakeResolver;

Evaluation check(FakeResolver& dns, const std::string& ip, const std::string& domain) {
  return check_host(dns, ip, domain, "user@" + domain, "mail." + domain);
}

TEST(CheckHost, NamesTheMatchedMechanismAndItsRecord) {
  FakeResolver dns;
  dns.txt("example.com", "v=spf1 ip4:198.51.100.0/24 include:_spf.esp.example -all");
  dns.txt("_spf.esp.example", "v=spf1 ip4:192.0.2.0/24 ~all");
  const Evaluation ev = check(dns, "192.0.2.7", "example.com");
  EXPECT_EQ(ev.result, Result::pass);
  EXPECT_EQ(ev.mechanism, "include:_spf.esp.example");
  EXPECT_EQ(ev.matched_in, "example.com");
  EXPECT_EQ(ev.match_path, (std::vector<std::string>{"example.com: include:_spf.esp.example",
                                                     "_spf.esp.example: ip4:192.0.2.0/24"}));
  EXPECT_EQ(ev.record, "v=spf1 ip4:198.51.100.0/24 include:_spf.esp.example -all");
  EXPECT_EQ(ev.lookups, 1);
}

TEST(CheckHost, TraceCountsLookupsPerIncludeBranch) {
  FakeResolver dns;
  dns.txt("example.com", "v=spf1 include:a.example include:b.example mx -all");
  dns.txt("a.example", "v=spf1 a:x.a.example a:y.a.example ?all");
  dns.txt("b.example", "v=spf1 include:c.example -all");
  dns.txt("c.example", "v=spf1 exists:z.c.example -all");
  dns.add("x.a.example", RecordType::a, {"203.0.113.1"});
  dns.add("y.a.example", RecordType::a, {"203.0.113.2"});
  dns.add("example.com", RecordType::mx, {"10 mx.example.com"});
  dns.add("mx.example.com", RecordType::a, {"203.0.113.3"});
  const Evaluation ev = check(dns, "192.0.2.7", "example.com");
  EXPECT_EQ(ev.result, Result::fail);
  EXPECT_EQ(ev.mechanism, "-all");
  EXPECT_EQ(ev.lookups, 7);  // 3 terms at the top, 2 in a, 1 in b, 1 in c
  EXPECT_EQ(ev.void_lookups, 1);
  ASSERT_EQ(ev.branches.size(), 4u);
  EXPECT_EQ(ev.branches[0].domain, "example.com");
  EXPECT_EQ(ev.branches[0].lookups, 7);
  EXPECT_EQ(ev.branches[0].own_lookups, 3);
  EXPECT_EQ(ev.branches[1].via, "include:a.example");
  EXPECT_EQ(ev.branches[1].lookups, 2);
  EXPECT_EQ(ev.branches[2].via, "include:b.example");
  EXPECT_EQ(ev.branches[2].lookups, 2);  // its own include plus c's exists
  EXPECT_EQ(ev.branches[3].depth, 2);
  EXPECT_EQ(ev.queries.front().name, "example.com");
  EXPECT_EQ(ev.queries.size(), static_cast<std::size_t>(dns.queries));
}

TEST(CheckHost, ElevenLookupsArePermerrorNamingTheLimit) {
  FakeResolver dns;
  std::string record = "v=spf1";
  for (int i = 0; i < 11; ++i) record += " a:h" + std::to_string(i) + ".example.com";
  dns.txt("example.com", record + " -all");
  for (int i = 0; i < 11; ++i) dns.add("h" + std::to_string(i) + ".example.com", RecordType::a, {"203.0.113.1"});
  const Evaluation ev = check(dns, "192.0.2.7", "example.com");
  EXPECT_EQ(ev.result, Result::permerror);
  EXPECT_NE(ev.problem.find("more than 10 DNS lookups"), std::string::npos) << ev.problem;
}

TEST(CheckHost, IncludeLoopStopsAtTheLookupLimit) {
  FakeResolver dns;
  dns.txt("example.com", "v=spf1 include:loop.example.com -all");
  dns.txt("loop.example.com", "v=spf1 include:example.com -all");
  const Evaluation ev = check(dns, "192.0.2.7", "example.com");
  EXPECT_EQ(ev.result, Result::permerror);
  EXPECT_LE(dns.queries, 12);
}

TEST(CheckHost, DepthLimitHoldsEvenWithALargerLookupLimit) {
  FakeResolver dns;
  dns.txt("example.com", "v=spf1 include:example.com -all");
  CheckOptions options;
  options.limits.max_lookups = 1'000'000;
  options.limits.max_depth = 5;
  const Evaluation ev = check_host(dns, "192.0.2.7", "example.com", "u@example.com", "h", options);
  EXPECT_EQ(ev.result, Result::permerror);
  EXPECT_NE(ev.problem.find("deeper than 5"), std::string::npos) << ev.problem;
}

TEST(CheckHost, ThreeVoidLookupsArePermerror) {
  FakeResolver dns;
  dns.txt("example.com", "v=spf1 a:n1.example.com a:n2.example.com a:n3.example.com -all");
  const Evaluation ev = check(dns, "192.0.2.7", "example.com");
  EXPECT_EQ(ev.result, Result::permerror);
  EXPECT_EQ(ev.void_lookups, 3);
  EXPECT_NE(ev.problem.find("void"), std::string::npos);
}

TEST(CheckHost, TwoRecordsArePermerror) {
  FakeResolver dns;
  dns.add("example.com", RecordType::txt, {"v=spf1 -all", "v=spf1 +all", "other"});
  const Evaluation ev = check(dns, "192.0.2.7", "example.com");
  EXPECT_EQ(ev.result, Result::permerror);
  EXPECT_NE(ev.problem.find("2 SPF records"), std::string::npos) << ev.problem;
}

TEST(CheckHost, NoRecordIsNone) {
  FakeResolver dns;
  dns.add("example.com", RecordType::txt, {"google-site-verification=x"});
  EXPECT_EQ(check(dns, "192.0.2.7", "example.com").result, Result::none);
  EXPECT_EQ(check(dns, "192.0.2.7", "missing.example").result, Result::none);
}

TEST(CheckHost, ServerFailureIsTemperror) {
  FakeResolver dns;
  dns.fail("example.com", RecordType::txt, dns::Status::timeout);
  EXPECT_EQ(check(dns, "192.0.2.7", "example.com").result, Result::temperror);
  dns.txt("other.example", "v=spf1 a:broken.example -all");
  dns.fail("broken.example", RecordType::a, dns::Status::servfail);
  EXPECT_EQ(check(dns, "192.0.2.7", "other.example").result, Result::temperror);
}

TEST(CheckHost, MacroExpansionCannotGrowPastItsBound) {
  FakeResolver dns;
  // Every %{S} of a long sender escapes to three times its length.
  std::string record = "v=spf1 exists:";
  for (int i = 0; i < 50; ++i) record += "%{S}";
  dns.txt("example.com", record + ".example.com -all");
  const std::string sender(200, '!');
  const Evaluation ev = check_host(dns, "192.0.2.7", "example.com", sender + "@example.com", "h");
  EXPECT_EQ(ev.result, Result::permerror);
  EXPECT_NE(ev.problem.find("4096"), std::string::npos) << ev.problem;
}

TEST(CheckHost, QueryBudgetBoundsMxHostLookups) {
  FakeResolver dns;
  std::string record = "v=spf1";
  for (int i = 0; i < 10; ++i) record += " mx:m" + std::to_string(i) + ".example.com";
  dns.txt("example.com", record + " -all");
  std::vector<std::string> hosts;
  for (int j = 0; j < 10; ++j) hosts.push_back("10 host" + std::to_string(j) + ".example.net");
  for (int i = 0; i < 10; ++i) dns.add("m" + std::to_string(i) + ".example.com", RecordType::mx, hosts);
  CheckOptions options;
  options.limits.max_queries = 30;
  const Evaluation ev = check_host(dns, "192.0.2.7", "example.com", "u@example.com", "h", options);
  EXPECT_LE(dns.queries, 30);
  EXPECT_EQ(ev.queries.size(), static_cast<std::size_t>(dns.queries));
  EXPECT_NE(ev.result, Result::pass);
}

TEST(CheckHost, ExplanationExpandsMacrosOfTheExpRecord) {
  FakeResolver dns;
  dns.txt("example.com", "v=spf1 -all exp=why.example.com");
  dns.txt("why.example.com", "%{i} is not allowed to send for %{d}");
  const Evaluation ev = check(dns, "192.0.2.7", "example.com");
  EXPECT_EQ(ev.result, Result::fail);
  EXPECT_EQ(ev.explanation, "192.0.2.7 is not allowed to send for example.com");
}

TEST(CheckHost, BadIpIsPermerrorWithoutQueries) {
  FakeResolver dns;
  EXPECT_EQ(check(dns, "not-an-ip", "example.com").result, Result::permerror);
  EXPECT_EQ(dns.queries, 0);
}

TEST(CheckMailFrom, NullSenderUsesTheHeloDomain) {
  FakeResolver dns;
  dns.txt("mail.example.org", "v=spf1 ip4:192.0.2.7 -all");
  const Evaluation ev = check_mail_from(dns, "192.0.2.7", "", "mail.example.org");
  EXPECT_EQ(ev.result, Result::pass);
  EXPECT_EQ(ev.domain, "mail.example.org");
}

}  // namespace
}  // namespace dmarc::spf
