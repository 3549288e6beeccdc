// CaresResolver against a real NSD on 127.0.0.1 (tests/support/nsd.hpp).
// Without nsd installed every test here fails with a message saying so.
#include "dns/cares_resolver.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "parse/error.hpp"
#include "tests/support/nsd.hpp"
#include "tests/support/udp_listener.hpp"

namespace dmarc::dns {
namespace {

using testing::NsdServer;
using testing::Zone;

constexpr int k_ptr_hosts = 60;

std::string forward_zone() {
  return R"($ORIGIN example.test.
$TTL 300
@      IN SOA ns.example.test. admin.example.test. 1 3600 600 86400 60
@      IN NS  ns
ns     IN A   192.0.2.53
www    600 IN A 192.0.2.10
www    600 IN A 192.0.2.11
www    IN AAAA 2001:db8::10
@      IN MX  10 mx1.example.test.
@      IN MX  20 mx2.example.test.
mx1    IN A   192.0.2.25
@      IN TXT "v=spf1 ip4:192.0.2.0/24 " "include:_spf.example.net " "-all"
@      IN TXT "google-site-verification=abc"
one    120 IN TXT "single string"
)";
}

std::string reverse_v4_zone() {
  std::string text = R"($ORIGIN 2.0.192.in-addr.arpa.
$TTL 300
@   IN SOA ns.example.test. admin.example.test. 1 3600 600 86400 60
@   IN NS  ns.example.test.
)";
  for (int i = 1; i <= k_ptr_hosts; ++i) {
    text += std::to_string(i) + " IN PTR host" + std::to_string(i) + ".example.test.\n";
  }
  text += "200 IN PTR first.example.test.\n200 IN PTR second.example.test.\n";
  return text;
}

std::string reverse_v6_zone() {
  return R"($ORIGIN 8.b.d.0.1.0.0.2.ip6.arpa.
$TTL 300
@   IN SOA ns.example.test. admin.example.test. 1 3600 600 86400 60
@   IN NS  ns.example.test.
0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0 IN PTR v6host.example.test.
)";
}

class CaresResolverTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto started = NsdServer::start({{"example.test", forward_zone()},
                                     {"2.0.192.in-addr.arpa", reverse_v4_zone()},
                                     {"8.b.d.0.1.0.0.2.ip6.arpa", reverse_v6_zone()}});
    if (auto* server = std::get_if<std::unique_ptr<NsdServer>>(&started)) {
      s_server = std::move(*server);
    } else {
      s_error = std::get<std::string>(started);
    }
  }
  static void TearDownTestSuite() { s_server.reset(); }

  void SetUp() override {
    ASSERT_TRUE(s_server) << "cannot start NSD: " << s_error;
    CaresOptions options;
    options.servers = s_server->address();
    options.timeout = std::chrono::milliseconds(1000);
    options.tries = 2;
    m_resolver = std::make_unique<CaresResolver>(options);
  }

  static inline std::unique_ptr<NsdServer> s_server;
  static inline std::string s_error;
  std::unique_ptr<CaresResolver> m_resolver;
};

TEST_F(CaresResolverTest, ARecordsWithTheirTtl) {
  const Answer answer = m_resolver->query("www.example.test", RecordType::a);
  ASSERT_EQ(answer.status, Status::ok) << answer.error;
  EXPECT_EQ(answer.values, (std::vector<std::string>{"192.0.2.10", "192.0.2.11"}));
  EXPECT_EQ(answer.ttl, 600u);
  EXPECT_EQ(answer.error, "");
}

TEST_F(CaresResolverTest, AaaaRecord) {
  const Answer answer = m_resolver->query("www.example.test", RecordType::aaaa);
  ASSERT_EQ(answer.status, Status::ok) << answer.error;
  EXPECT_EQ(answer.values, std::vector<std::string>{"2001:db8::10"});
  EXPECT_EQ(answer.ttl, 300u);
}

TEST_F(CaresResolverTest, MxRecordsArePreferenceAndHost) {
  Answer answer = m_resolver->query("example.test", RecordType::mx);
  ASSERT_EQ(answer.status, Status::ok) << answer.error;
  std::sort(answer.values.begin(), answer.values.end());
  EXPECT_EQ(answer.values,
            (std::vector<std::string>{"10 mx1.example.test", "20 mx2.example.test"}));
  EXPECT_EQ(answer.ttl, 300u);
}

TEST_F(CaresResolverTest, MultiStringTxtIsJoinedAndTwoRecordsStayApart) {
  Answer answer = m_resolver->query("example.test", RecordType::txt);
  ASSERT_EQ(answer.status, Status::ok) << answer.error;
  std::sort(answer.values.begin(), answer.values.end());
  EXPECT_EQ(answer.values,
            (std::vector<std::string>{"google-site-verification=abc",
                                      "v=spf1 ip4:192.0.2.0/24 include:_spf.example.net -all"}));
}

TEST_F(CaresResolverTest, TxtTtlComesFromTheReply) {
  const Answer answer = m_resolver->query("one.example.test", RecordType::txt);
  ASSERT_EQ(answer.status, Status::ok) << answer.error;
  EXPECT_EQ(answer.values, std::vector<std::string>{"single string"});
  EXPECT_EQ(answer.ttl, 120u);
}

TEST_F(CaresResolverTest, Ipv4PtrWithoutTrailingDot) {
  const Answer answer = m_resolver->query(reverse_name("192.0.2.7"), RecordType::ptr);
  ASSERT_EQ(answer.status, Status::ok) << answer.error;
  EXPECT_EQ(answer.values, std::vector<std::string>{"host7.example.test"});
  EXPECT_EQ(answer.ttl, 300u);
}

TEST_F(CaresResolverTest, PtrWithTwoNamesGivesBoth) {
  Answer answer = m_resolver->query(reverse_name("192.0.2.200"), RecordType::ptr);
  ASSERT_EQ(answer.status, Status::ok) << answer.error;
  std::sort(answer.values.begin(), answer.values.end());
  EXPECT_EQ(answer.values,
            (std::vector<std::string>{"first.example.test", "second.example.test"}));
}

TEST_F(CaresResolverTest, Ipv6Ptr) {
  const Answer answer = m_resolver->query(reverse_name("2001:db8::10"), RecordType::ptr);
  ASSERT_EQ(answer.status, Status::ok) << answer.error;
  EXPECT_EQ(answer.values, std::vector<std::string>{"v6host.example.test"});
}

TEST_F(CaresResolverTest, MissingNameIsNxdomain) {
  const Answer answer = m_resolver->query("nosuch.example.test", RecordType::a);
  EXPECT_EQ(answer.status, Status::nxdomain);
  EXPECT_TRUE(answer.values.empty());
  EXPECT_NE(answer.error.find("nosuch.example.test"), std::string::npos) << answer.error;
}

TEST_F(CaresResolverTest, ExistingNameWithoutTheTypeIsNodata) {
  EXPECT_EQ(m_resolver->query("www.example.test", RecordType::txt).status, Status::nodata);
  EXPECT_EQ(m_resolver->query("mx1.example.test", RecordType::aaaa).status, Status::nodata);
  EXPECT_EQ(m_resolver->query("example.test", RecordType::a).status, Status::nodata);
}

TEST_F(CaresResolverTest, EmptyNameIsAnErrorWithoutAQuery) {
  const Answer answer = m_resolver->query("", RecordType::a);
  EXPECT_EQ(answer.status, Status::error);
  EXPECT_FALSE(answer.error.empty());
}

TEST_F(CaresResolverTest, LookupPtrManyResolvesFiftyAddressesInOrder) {
  std::vector<std::string> ips;
  for (int i = 50; i >= 1; --i) ips.push_back("192.0.2." + std::to_string(i));
  ips.push_back("198.51.100.1");  // outside every zone NSD serves
  const std::vector<Answer> answers = lookup_ptr_many(*m_resolver, ips);
  ASSERT_EQ(answers.size(), ips.size());
  for (int i = 0; i < 50; ++i) {
    const Answer& answer = answers[static_cast<std::size_t>(i)];
    ASSERT_EQ(answer.status, Status::ok) << ips[static_cast<std::size_t>(i)] << answer.error;
    EXPECT_EQ(answer.values,
              std::vector<std::string>{"host" + std::to_string(50 - i) + ".example.test"});
  }
  EXPECT_NE(answers.back().status, Status::ok);  // NSD refuses names outside its zones
}

TEST_F(CaresResolverTest, QueryManyLimitsInFlightAndStillAnswersAll) {
  CaresOptions options;
  options.servers = s_server->address();
  options.max_in_flight = 3;
  CaresResolver resolver(options);
  std::vector<Question> questions;
  for (int i = 1; i <= 20; ++i) questions.push_back({reverse_name("192.0.2." + std::to_string(i)), RecordType::ptr});
  questions.push_back({"www.example.test", RecordType::a});
  const std::vector<Answer> answers = resolver.query_many(questions);
  ASSERT_EQ(answers.size(), 21u);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(answers[static_cast<std::size_t>(i)].values,
              std::vector<std::string>{"host" + std::to_string(i + 1) + ".example.test"});
  }
  EXPECT_EQ(answers[20].values.size(), 2u);
}

// A UDP socket that is bound but never read: a server that does not answer.
TEST(CaresResolverTimeout, SilentServerGivesTimeoutWithinTheConfiguredTime) {
  dmarc::test::UdpListener silent;
  CaresOptions options;
  options.servers = silent.address();
  options.timeout = std::chrono::milliseconds(300);
  options.tries = 1;
  CaresResolver resolver(options);
  const auto start = std::chrono::steady_clock::now();
  const Answer answer = resolver.query("example.test", RecordType::txt);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(answer.status, Status::timeout) << answer.error;
  EXPECT_GE(elapsed, std::chrono::milliseconds(250));
  EXPECT_LT(elapsed, std::chrono::milliseconds(1500));
}

TEST(CaresResolverTimeout, ManyQueriesToASilentServerTimeOutTogether) {
  dmarc::test::UdpListener silent;
  CaresOptions options;
  options.servers = silent.address();
  options.timeout = std::chrono::milliseconds(300);
  options.tries = 1;
  CaresResolver resolver(options);
  std::vector<std::string> ips;
  for (int i = 1; i <= 20; ++i) ips.push_back("192.0.2." + std::to_string(i));
  const auto start = std::chrono::steady_clock::now();
  const std::vector<Answer> answers = lookup_ptr_many(resolver, ips);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  for (const Answer& answer : answers) EXPECT_EQ(answer.status, Status::timeout);
  EXPECT_LT(elapsed, std::chrono::milliseconds(1500));
}

TEST(CaresResolverTimeout, PortNobodyListensOnIsTimeout) {
  std::string address;
  {
    dmarc::test::UdpListener closed;  // bound then closed again: nobody listens there
    address = closed.address();
  }
  CaresOptions options;
  options.servers = address;
  options.timeout = std::chrono::milliseconds(300);
  options.tries = 1;
  CaresResolver resolver(options);
  const auto start = std::chrono::steady_clock::now();
  const Answer answer = resolver.query("example.test", RecordType::txt);
  EXPECT_EQ(answer.status, Status::timeout) << answer.error;
  EXPECT_FALSE(answer.error.empty());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1500));
}

TEST(CaresResolverOptions, BadServerListIsFatal) {
  CaresOptions options;
  options.servers = "not a server:xx";
  EXPECT_THROW(CaresResolver{options}, Fatal);
}

TEST(CaresResolverOptions, ZeroTimeoutOrTriesIsFatal) {
  CaresOptions options;
  options.servers = "127.0.0.1:53";
  options.timeout = std::chrono::milliseconds(0);
  EXPECT_THROW(CaresResolver{options}, Fatal);
  options.timeout = std::chrono::milliseconds(100);
  options.tries = 0;
  EXPECT_THROW(CaresResolver{options}, Fatal);
}

}  // namespace
}  // namespace dmarc::dns
