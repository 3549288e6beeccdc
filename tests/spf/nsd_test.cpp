// The SPF evaluator and the domain checks against a real NSD on 127.0.0.1
// (tests/support/nsd.hpp) through CaresResolver: a correct record, a missing
// one, two records, a 13-lookup chain, a void-lookup chain, an include loop,
// and PTR names for the sources. Without nsd every test fails saying so.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "dns/cares_resolver.hpp"
#include "spf/cached_resolver.hpp"
#include "spf/check_host.hpp"
#include "spf/domain_check.hpp"
#include "spf/record_check.hpp"
#include "spf/senders.hpp"
#include "tests/support/nsd.hpp"

namespace dmarc::spf {
namespace {

using dmarc::testing::NsdServer;

std::string test_zone() {
  std::string zone = R"($ORIGIN test.
$TTL 300
@            IN SOA ns.test. admin.test. 1 3600 600 86400 60
@            IN NS  ns
ns           IN A   127.0.0.1
good         IN TXT "v=spf1 ip4:192.0.2.0/25 " "include:_spf.esp.test -all"
good         IN TXT "google-site-verification=abc"
good         IN MX  10 mx1.esp.test.
_dmarc.good  IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@good.test; aspf=r"
_dmarc.parent IN TXT "v=DMARC1; p=reject; sp=quarantine; rua=mailto:d@parent.test"
_spf.esp     IN TXT "v=spf1 ip4:198.51.100.0/24 -all"
mx1.esp      IN A   198.51.100.25
mail7.esp    IN A   192.0.2.200
missing      IN TXT "just text"
missing      IN MX  10 mx1.esp.test.
_dmarc.missing IN TXT "v=DMARC1; p=none; pct=50"
two          IN TXT "v=spf1 ip4:192.0.2.1 -all"
two          IN TXT "v=spf1 ip4:192.0.2.2 -all"
chain        IN TXT "v=spf1 include:l1.chain.test include:l2.chain.test -all"
l1.chain     IN TXT "v=spf1 a:h1.test a:h2.test a:h3.test a:h4.test a:h5.test mx:h6.test ~all"
l2.chain     IN TXT "v=spf1 include:l3.chain.test a:h7.test a:h8.test ~all"
l3.chain     IN TXT "v=spf1 a:h9.test exists:h11.test ~all"
void         IN TXT "v=spf1 a:gone1.test a:gone2.test mx:gone3.test ip4:192.0.2.1 -all"
loop         IN TXT "v=spf1 include:loop2.test -all"
loop2        IN TXT "v=spf1 include:loop.test -all"
ptrdom       IN TXT "v=spf1 ptr:esp.test -all"
)";
  for (int i = 1; i <= 11; ++i) zone += "h" + std::to_string(i) + " IN A 203.0.113." + std::to_string(i) + "\n";
  zone += "h6 IN MX 10 h1.test.\n";
  return zone;
}

std::string reverse_zone() {
  return R"($ORIGIN 2.0.192.in-addr.arpa.
$TTL 300
@    IN SOA ns.test. admin.test. 1 3600 600 86400 60
@    IN NS  ns.test.
200  IN PTR mail7.esp.test.
201  IN PTR unconfirmed.esp.test.
)";
}

class SpfNsdTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto started = NsdServer::start({{"test", test_zone()}, {"2.0.192.in-addr.arpa", reverse_zone()}});
    if (auto* server = std::get_if<std::unique_ptr<NsdServer>>(&started)) {
      s_server = std::move(*server);
    } else {
      s_error = std::get<std::string>(started);
    }
  }
  static void TearDownTestSuite() { s_server.reset(); }

  void SetUp() override {
    ASSERT_TRUE(s_server) << "cannot start NSD: " << s_error;
    dns::CaresOptions options;
    options.servers = s_server->address();
    options.timeout = std::chrono::milliseconds(1000);
    m_cares = std::make_unique<dns::CaresResolver>(options);
    m_resolver = std::make_unique<CachedResolver>(*m_cares);
    m_senders = SenderTable::builtin();
    m_senders.add(KnownSender{"esp.test", "_spf.esp.test", "Example ESP"});
  }

  Evaluation check(const std::string& ip, const std::string& domain) {
    return check_host(*m_resolver, ip, domain, "bounce@" + domain, "mail.example.org");
  }

  static inline std::unique_ptr<NsdServer> s_server;
  static inline std::string s_error;
  std::unique_ptr<dns::CaresResolver> m_cares;
  std::unique_ptr<CachedResolver> m_resolver;
  SenderTable m_senders;
};

TEST_F(SpfNsdTest, CorrectRecordPassesListedSourcesAndFailsOthers) {
  Evaluation ev = check("192.0.2.7", "good.test");
  EXPECT_EQ(ev.result, Result::pass) << ev.problem;
  EXPECT_EQ(ev.mechanism, "ip4:192.0.2.0/25");
  EXPECT_EQ(ev.record, "v=spf1 ip4:192.0.2.0/25 include:_spf.esp.test -all");
  ev = check("198.51.100.9", "good.test");
  EXPECT_EQ(ev.result, Result::pass);
  EXPECT_EQ(ev.match_path.back(), "_spf.esp.test: ip4:198.51.100.0/24");
  ev = check("203.0.113.1", "good.test");
  EXPECT_EQ(ev.result, Result::fail);
  EXPECT_EQ(ev.mechanism, "-all");
  ASSERT_GE(ev.queries.size(), 2u);
  EXPECT_EQ(ev.queries[1].name, "_spf.esp.test");

  const RecordCheck record = check_record(*m_resolver, "good.test");
  EXPECT_EQ(record.lookups, 1);
  EXPECT_FALSE(record.has_error());
  EXPECT_TRUE(record.problems.empty());
}

TEST_F(SpfNsdTest, MissingRecordIsNoneAndReported) {
  EXPECT_EQ(check("192.0.2.7", "missing.test").result, Result::none);
  EXPECT_EQ(check("192.0.2.7", "absent.test").result, Result::none);
  EXPECT_TRUE(check_record(*m_resolver, "missing.test").has("missing"));
}

TEST_F(SpfNsdTest, TwoRecordsArePermerror) {
  const Evaluation ev = check("192.0.2.1", "two.test");
  EXPECT_EQ(ev.result, Result::permerror);
  EXPECT_TRUE(check_record(*m_resolver, "two.test").has("multiple"));
}

TEST_F(SpfNsdTest, ThirteenLookupChainIsOverTheLimitWithItsBreakdown) {
  const RecordCheck record = check_record(*m_resolver, "chain.test");
  EXPECT_EQ(record.lookups, 13);
  ASSERT_TRUE(record.has("too_many_lookups"));
  EXPECT_NE(record.problems.front().message.find("needs 13 DNS lookups; the limit is 10"), std::string::npos)
      << record.problems.front().message;
  const auto heavy = heaviest_includes(record);
  ASSERT_EQ(heavy.size(), 2u);
  EXPECT_EQ(heavy[0].via, "include:l1.chain.test");
  EXPECT_EQ(heavy[0].lookups, 6);
  EXPECT_EQ(heavy[1].lookups, 5);  // its include and two a terms, l3's a and exists

  const Evaluation ev = check("192.0.2.99", "chain.test");
  EXPECT_EQ(ev.result, Result::permerror);
  EXPECT_NE(ev.problem.find("more than 10 DNS lookups"), std::string::npos) << ev.problem;
}

TEST_F(SpfNsdTest, VoidLookupChainIsPermerror) {
  const Evaluation ev = check("192.0.2.1", "void.test");
  EXPECT_EQ(ev.result, Result::permerror);
  EXPECT_EQ(ev.void_lookups, 3);
  const RecordCheck record = check_record(*m_resolver, "void.test");
  EXPECT_EQ(record.void_lookups, 3);
  EXPECT_TRUE(record.has("too_many_void_lookups"));
}

TEST_F(SpfNsdTest, IncludeLoopIsPermerrorAndNamed) {
  const Evaluation ev = check("192.0.2.1", "loop.test");
  EXPECT_EQ(ev.result, Result::permerror);
  EXPECT_LE(ev.queries.size(), 12u);
  EXPECT_TRUE(check_record(*m_resolver, "loop.test").has("include_loop"));
}

TEST_F(SpfNsdTest, PtrNamesIdentifyTheSenderAndPassPtrMechanism) {
  const auto names = dns::lookup_ptr_many(*m_resolver, {"192.0.2.200", "192.0.2.201"});
  ASSERT_EQ(names[0].status, dns::Status::ok);
  ASSERT_EQ(names[0].values, std::vector<std::string>{"mail7.esp.test"});
  const KnownSender* sender = m_senders.find(names[0].values.front());
  ASSERT_NE(sender, nullptr);
  EXPECT_EQ(sender->spf_include, "_spf.esp.test");
  EXPECT_EQ(check("192.0.2.200", "ptrdom.test").result, Result::pass);
  // The name of .201 has no address record, so it does not validate.
  EXPECT_EQ(check("192.0.2.201", "ptrdom.test").result, Result::fail);
}

TEST_F(SpfNsdTest, DomainCheckReadsDmarcAndMx) {
  const DomainCheck good = check_domain(*m_resolver, "good.test", {"192.0.2.7"}, m_senders);
  EXPECT_EQ(good.dmarc.p, "reject");
  EXPECT_EQ(good.dmarc.rua, std::vector<std::string>{"mailto:dmarc@good.test"});
  ASSERT_EQ(good.mx.hosts.size(), 1u);
  EXPECT_EQ(good.mx.hosts[0].service, "Example ESP");
  EXPECT_TRUE(good.mx.problems.empty());
  ASSERT_EQ(good.ips.size(), 1u);
  EXPECT_EQ(good.ips[0].evaluation.result, Result::pass);

  const DomainCheck missing = check_domain(*m_resolver, "missing.test", {}, m_senders);
  EXPECT_EQ(missing.dmarc.p, "none");
  EXPECT_EQ(missing.dmarc.pct, 50);
  bool monitoring = false;
  for (const auto& p : missing.dmarc.problems) monitoring = monitoring || p.code == "dmarc_monitoring";
  EXPECT_TRUE(monitoring);
  EXPECT_TRUE(missing.spf.has("missing"));
  EXPECT_FALSE(check_domain(*m_resolver, "two.test", {}, m_senders).dmarc.problems.empty());
}

// "parent.test" plays the organisational domain of its subdomains.
std::string organisational(std::string_view name) {
  const std::string n(name);
  return n.size() > 12 && n.substr(n.size() - 12) == ".parent.test" ? "parent.test" : n;
}

TEST_F(SpfNsdTest, SubdomainWithoutDmarcRecordGetsItsOrganisationalDomainsRecord) {
  const DmarcCheck sub = check_dmarc(*m_resolver, "mail.parent.test", organisational);
  EXPECT_EQ(sub.found_at, "parent.test");
  EXPECT_EQ(sub.p, "reject");
  EXPECT_EQ(sub.sp, "quarantine");
  ASSERT_FALSE(sub.problems.empty());
  EXPECT_EQ(sub.problems.back().code, "dmarc_inherited");
  EXPECT_NE(sub.problems.back().message.find("sp=quarantine"), std::string::npos);
  // Without the organisational domain, or when it has none either: missing.
  const DmarcCheck alone = check_dmarc(*m_resolver, "mail.parent.test");
  EXPECT_TRUE(alone.record.empty());
  EXPECT_EQ(alone.found_at, "");
  const DmarcCheck none = check_dmarc(*m_resolver, "two.test", organisational);
  EXPECT_TRUE(none.record.empty());
  ASSERT_EQ(none.problems.size(), 1u);
  EXPECT_EQ(none.problems[0].code, "dmarc_missing");
  EXPECT_EQ(check_dmarc(*m_resolver, "good.test", organisational).found_at, "good.test");
}

}  // namespace
}  // namespace dmarc::spf
