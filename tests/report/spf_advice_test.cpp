#include "report/spf_advice.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

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

// The organisational domain as the public suffix list gives it for these
// names: the last two labels.
std::string last_two_labels(std::string_view name) {
  const std::size_t last = name.rfind('.');
  if (last == std::string_view::npos || last == 0) return {};
  const std::size_t before = name.rfind('.', last - 1);
  return std::string(before == std::string_view::npos ? name : name.substr(before + 1));
}

Summary header_and_envelope(const std::string& header, const std::string& envelope) {
  Summary summary = one_source("198.51.100.7", envelope, "");
  summary.domains[0].flagged[0].header_from = {header};
  return summary;
}

TEST(AnnotateSpf, SubdomainsOfOneOrganisationAlignRelaxedAndGetNoReturnPathAdvice) {
  FakeResolver dns;
  dns.txt("bounce.example.com", "v=spf1 ip4:198.51.100.0/24 -all");
  Summary summary = header_and_envelope("news.example.com", "bounce.example.com");
  annotate_spf(summary, dns, spf::SenderTable::builtin(), last_two_labels);
  EXPECT_EQ(advice_of(summary),
            "SPF passes for bounce.example.com now (ip4:198.51.100.0/24): the record changed "
            "after these reports, or the mail was forwarded");
  // Without the organisational domains neither name is under the other.
  summary = header_and_envelope("news.example.com", "bounce.example.com");
  annotate_spf(summary, dns, spf::SenderTable::builtin());
  EXPECT_EQ(advice_of(summary),
            "SPF passes for bounce.example.com but header_from is news.example.com: set a custom "
            "return-path under news.example.com");
}

TEST(AnnotateSpf, StrictSpfAlignmentInTheDmarcRecordIsNamed) {
  FakeResolver dns;
  dns.txt("bounce.example.com", "v=spf1 ip4:198.51.100.0/24 -all");
  dns.txt("_dmarc.example.com", "v=DMARC1; p=reject; aspf=s");
  Summary summary = header_and_envelope("news.example.com", "bounce.example.com");
  annotate_spf(summary, dns, spf::SenderTable::builtin(), last_two_labels);
  EXPECT_EQ(advice_of(summary),
            "SPF passes for bounce.example.com, which aligns with header_from news.example.com "
            "only in relaxed mode, and the DMARC record of example.com sets aspf=s: use a "
            "return-path of exactly news.example.com, or set aspf=r");
}

TEST(AnnotateSpf, DifferentOrganisationsNeedACustomReturnPath) {
  FakeResolver dns;
  dns.txt("mail.esp.example", "v=spf1 ip4:198.51.100.0/24 -all");
  Summary summary = header_and_envelope("example.com", "mail.esp.example");
  annotate_spf(summary, dns, spf::SenderTable::builtin(), last_two_labels);
  EXPECT_EQ(advice_of(summary),
            "SPF passes for mail.esp.example but header_from is example.com: set a custom "
            "return-path under example.com");
}

}  // namespace
}  // namespace dmarc::report
