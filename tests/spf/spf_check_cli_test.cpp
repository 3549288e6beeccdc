// `dmarcdb spf-check` against a real NSD on 127.0.0.1: text and JSON output,
// usage errors, and hostile record text kept off the terminal.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <memory>
#include <string>
#include <variant>

#include "tests/support/nsd.hpp"

namespace dmarc::spf {
namespace {

using dmarc::testing::NsdServer;

constexpr const char* k_zone = R"($ORIGIN test.
$TTL 300
@            IN SOA ns.test. admin.test. 1 3600 600 86400 60
@            IN NS  ns
ns           IN A   127.0.0.1
chain        IN TXT "v=spf1 ip4:192.0.2.0/24 include:l1.test include:l2.test ?all"
chain        IN MX  10 aspmx.l.google.com.
_dmarc.chain IN TXT "v=DMARC1; p=quarantine; pct=20; rua=mailto:r@chain.test"
l1           IN TXT "v=spf1 a:h1.test a:h2.test a:h3.test a:h4.test a:h5.test a:h6.test -all"
l2           IN TXT "v=spf1 a:h1.test a:h2.test a:h3.test a:h4.test a:h5.test -all"
h1 IN A 203.0.113.1
h2 IN A 203.0.113.2
h3 IN A 203.0.113.3
h4 IN A 203.0.113.4
h5 IN A 203.0.113.5
h6 IN A 203.0.113.6
evil         IN TXT "v=spf1 ip4:192.0.2.1 \027[31m -all"
)";

struct CliRun {
  int status = -1;
  std::string out;
};

CliRun run_cli(const std::string& arguments) {
  CliRun result;
  const std::string command = std::string(DMARCDB_BINARY) + " " + arguments + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.out.append(buffer.data(), n);
  const int status = pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

class SpfCheckCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto started = NsdServer::start({{"test", k_zone}});
    if (auto* server = std::get_if<std::unique_ptr<NsdServer>>(&started)) {
      s_server = std::move(*server);
    } else {
      s_error = std::get<std::string>(started);
    }
  }
  static void TearDownTestSuite() { s_server.reset(); }
  void SetUp() override { ASSERT_TRUE(s_server) << "cannot start NSD: " << s_error; }

  static std::string dns() { return " --dns-server " + s_server->address() + " --dns-timeout 500 "; }

  static inline std::unique_ptr<NsdServer> s_server;
  static inline std::string s_error;
};

TEST_F(SpfCheckCli, TextShowsLookupsPerIncludeProblemsDmarcMxAndIpResults) {
  const CliRun r = run_cli("spf-check chain.test --ip 192.0.2.9 --ip 198.51.100.1" + dns());
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("SPF record: v=spf1 ip4:192.0.2.0/24 include:l1.test include:l2.test ?all"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("DNS lookups: 13 (limit 10)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("include:l1.test"), std::string::npos);
  EXPECT_NE(r.out.find("error: the record needs 13 DNS lookups; the limit is 10"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("warning: \"?all\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("p=quarantine sp=- pct=20"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("10 aspmx.l.google.com (Google Workspace)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("does not include _spf.google.com"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("192.0.2.9: pass, matched ip4:192.0.2.0/24"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("198.51.100.1: permerror"), std::string::npos) << r.out;
}

TEST_F(SpfCheckCli, JsonCarriesTheSameFacts) {
  const CliRun r = run_cli("spf-check chain.test --format json --ip 192.0.2.9" + dns());
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("\"lookups\": 13, \"void_lookups\": 0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"code\": \"too_many_lookups\""), std::string::npos);
  EXPECT_NE(r.out.find("\"via\": \"include:l2.test\", \"depth\": 1"), std::string::npos);
  EXPECT_NE(r.out.find("\"ip\": \"192.0.2.9\", \"result\": \"pass\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"p\": \"quarantine\""), std::string::npos);
}

TEST_F(SpfCheckCli, ControlCharactersFromDnsNeverReachTheOutput) {
  for (const char* format : {"text", "json"}) {
    const CliRun r = run_cli(std::string("spf-check evil.test --format ") + format + dns());
    ASSERT_EQ(r.status, 0) << r.out;
    EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << format;
    EXPECT_NE(r.out.find("control character"), std::string::npos) << r.out;
  }
}

TEST(SpfCheckCliUsage, BadArgumentsExitTwo) {
  EXPECT_EQ(run_cli("spf-check").status, 2);
  EXPECT_EQ(run_cli("spf-check localhost").status, 2);
  EXPECT_EQ(run_cli("spf-check example.com --ip 300.1.1.1").status, 2);
  EXPECT_EQ(run_cli("spf-check example.com --format xml").status, 2);
}

}  // namespace
}  // namespace dmarc::spf
