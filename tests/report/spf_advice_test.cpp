#include "report/spf_advice.hpp"

#include <gtest/gtest.h>

#include <string>

#include "tests/spf/fake_resolver.hpp"

namespace dmarc::report {
namespace {

using dns::RecordType;
using spf::testing::FakeResolver;

Summary one_source(const std::string& ip, const std::string& envelope, const std::string& ptr_name) {
  SourceSummary s;
  s.source_ip = ip;
  s.envelope_from = {envelope};
  s.header_from = {"example.com"};
  s.ptr_name = ptr_name;
  s.name_confirmed = !ptr_name.empty();
  s.diagnosis = Diagnosis::spf_not_authorised;
  s.advice = "from the reports";
  DomainSummary d;
  d.domain = "example.com";
  d.flagged.push_back(s);
  Summary summary;
  summary.domains.push_back(d);
  return summary;
}

const std::string& advice_of(const Summary& s) { return s.domains.front().flagged.front().advice; }

TEST(AnnotateSpf, UnlistedKnownServiceGetsItsInclude) {
  FakeResolver dns;
  dns.txt("example.com", "v=spf1 ip4:192.0.2.0/24 -all");
  Summary summary = one_source("198.51.100.7", "example.com", "o1.ptr42.sendgrid.net");
  const auto stats = annotate_spf(summary, dns, spf::SenderTable::builtin());
  EXPECT_EQ(stats.sources, 1u);
  EXPECT_EQ(advice_of(summary),
            "not listed in the SPF record of example.com: this looks like SendGrid (reverse DNS "
            "*.sendgrid.net); add include:sendgrid.net");
}

TEST(AnnotateSpf, RecordOverTheLookupLimitNamesTheHeaviestIncludes) {
  FakeResolver dns;
  dns.txt("example.com", "v=spf1 include:big.example include:small.example -all");
  std::string big = "v=spf1";
  for (int i = 0; i < 9; ++i) big += " a:h" + std::to_string(i) + ".example.com";
  dns.txt("big.example", big + " -all");
  dns.txt("small.example", "v=spf1 a:h0.example.com mx:h1.example.com -all");
  for (int i = 0; i < 9; ++i) dns.add("h" + std::to_string(i) + ".example.com", RecordType::a, {"203.0.113.1"});
  dns.add("h1.example.com", RecordType::mx, {"10 h0.example.com"});
  Summary summary = one_source("198.51.100.7", "example.com", "");
  annotate_spf(summary, dns, spf::SenderTable::builtin());
  EXPECT_EQ(advice_of(summary),
            "the SPF record of example.com needs 13 lookups; the limit is 10: flatten or drop "
            "includes big.example (9), small.example (2)");
}

TEST(AnnotateSpf, PassForAnUnalignedEnvelopeAsksForACustomReturnPath) {
  FakeResolver dns;
  dns.txt("bounces.esp.example", "v=spf1 ip4:198.51.100.0/24 -all");
  Summary summary = one_source("198.51.100.7", "bounces.esp.example", "");
  annotate_spf(summary, dns, spf::SenderTable::builtin());
  EXPECT_EQ(advice_of(summary),
            "SPF passes for bounces.esp.example but header_from is example.com: set a custom "
            "return-path under example.com");
}

TEST(AnnotateSpf, ForwardedSourcesAndDnsFailuresKeepTheReportAdvice) {
  FakeResolver dns;
  dns.fail("example.com", RecordType::txt, dns::Status::timeout);
  Summary summary = one_source("198.51.100.7", "example.com", "");
  summary.domains[0].flagged[0].diagnosis = Diagnosis::forwarding;
  annotate_spf(summary, dns, spf::SenderTable::builtin());
  EXPECT_EQ(advice_of(summary), "from the reports");
  EXPECT_EQ(dns.queries, 0);
  summary.domains[0].flagged[0].diagnosis = Diagnosis::spf_temperror;
  annotate_spf(summary, dns, spf::SenderTable::builtin());
  EXPECT_EQ(advice_of(summary), "from the reports");
  EXPECT_EQ(dns.queries, 1);
}

}  // namespace
}  // namespace dmarc::report
