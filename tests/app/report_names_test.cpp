// `dmarcdb report` with reverse DNS, end to end: the real binary on a
// database of samples/reports, a real NSD on 127.0.0.1 serving the samples'
// PTR zones (tests/support/sample_names.hpp), organisations in the JSON.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <variant>

#include "store/store.hpp"
#include "tests/support/nsd.hpp"
#include "tests/support/sample_names.hpp"
#include "tests/support/udp_listener.hpp"

namespace fs = std::filesystem;

namespace {

using dmarc::testing::NsdServer;

struct Result {
  int status;
  std::string out;  // standard output and error
};

Result run(const std::string& arguments) {
  const std::string command = std::string(DMARCDB_BINARY) + " " + arguments + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  std::string out;
  std::array<char, 4096> buffer;
  std::size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) out.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The organisations block of example.com as the JSON renderer writes it.
const std::string k_organisations = R"(      "organisations": [
        {"organisation": "crm-mailer.co.test", "by_name": true, "source_ips": ["203.0.113.50", "203.0.113.51"], "messages": 670, "rejected": 670, "quarantined": 0, "share": 0.0680},
        {"organisation": "helpdesk.test", "by_name": true, "source_ips": ["198.51.100.77"], "messages": 170, "rejected": 0, "quarantined": 170, "share": 0.0173},
        {"organisation": "203.0.113.90", "by_name": false, "source_ips": ["203.0.113.90"], "messages": 102, "rejected": 102, "quarantined": 0, "share": 0.0104},
        {"organisation": "203.0.113.25", "by_name": false, "source_ips": ["203.0.113.25"], "messages": 7, "rejected": 7, "quarantined": 0, "share": 0.0007}
      ],
)";

const std::string k_organisations_without_names = R"(      "organisations": [
        {"organisation": "203.0.113.50", "by_name": false, "source_ips": ["203.0.113.50"], "messages": 424, "rejected": 424, "quarantined": 0, "share": 0.0431},
        {"organisation": "203.0.113.51", "by_name": false, "source_ips": ["203.0.113.51"], "messages": 246, "rejected": 246, "quarantined": 0, "share": 0.0250},
        {"organisation": "198.51.100.77", "by_name": false, "source_ips": ["198.51.100.77"], "messages": 170, "rejected": 0, "quarantined": 170, "share": 0.0173},
        {"organisation": "203.0.113.90", "by_name": false, "source_ips": ["203.0.113.90"], "messages": 102, "rejected": 102, "quarantined": 0, "share": 0.0104},
        {"organisation": "203.0.113.25", "by_name": false, "source_ips": ["203.0.113.25"], "messages": 7, "rejected": 7, "quarantined": 0, "share": 0.0007}
      ],
)";

const std::vector<std::string> k_sample_ips{"203.0.113.50", "203.0.113.51", "198.51.100.77",
                                            "203.0.113.90", "203.0.113.25", "198.51.100.140"};

// A bound UDP socket on 127.0.0.1 that counts the datagrams sent to it.
class ReportNames : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = fs::temp_directory_path() /
            ("dmarcdb-names-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(m_dir);
    fs::create_directories(m_dir);
    m_db = (m_dir / "test.db").string();
    std::ofstream(m_dir / "psl.dat") << dmarc::testing::k_test_psl;
    const Result ingest =
        run("ingest --quiet --db " + m_db + " " + DMARCDB_SOURCE_DIR + "/samples/reports");
    ASSERT_EQ(ingest.status, 0) << ingest.out;
  }
  void TearDown() override { fs::remove_all(m_dir); }

  Result report(const std::string& options) {
    return run("report --db " + m_db + " --week 2026-W47 --format json -o " +
               (m_dir / "w47.json").string() + " --psl-file " + (m_dir / "psl.dat").string() + " " +
               options);
  }
  std::string json() const { return read_file(m_dir / "w47.json"); }

  fs::path m_dir;
  std::string m_db;
};

TEST_F(ReportNames, JsonGroupsTheSamplesBySendingOrganisation) {
  auto started = NsdServer::start(dmarc::testing::sample_name_zones());
  auto* server = std::get_if<std::unique_ptr<NsdServer>>(&started);
  ASSERT_TRUE(server) << std::get<std::string>(started);
  const Result r = report("--dns-server " + (*server)->address() + " --dns-timeout 500");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out, "");
  const std::string out = json();
  EXPECT_NE(out.find(k_organisations), std::string::npos) << out;
  EXPECT_NE(out.find(R"("source_ip": "198.51.100.140")"), std::string::npos);
  EXPECT_NE(
      out.find(
          R"("ptr_name": "mx.alumni.test", "org_domain": "alumni.test", "name_confirmed": true})"),
      std::string::npos)
      << out;
  EXPECT_NE(
      out.find(
          R"("ptr_name": "relay.invoicer.test", "org_domain": null, "name_confirmed": false})"),
      std::string::npos);

  // The names are cached: with the server gone the same organisations come back.
  const std::string address = (*server)->address();
  server->reset();
  const Result cached = report("--dns-server " + address + " --dns-timeout 500");
  ASSERT_EQ(cached.status, 0) << cached.out;
  EXPECT_EQ(cached.out, "");
  EXPECT_NE(json().find(k_organisations), std::string::npos) << json();
  dmarc::store::Store store(m_db);
  EXPECT_EQ(store.cached_ip_names(k_sample_ips, std::time(nullptr)).size(), 6u);
}

TEST_F(ReportNames, NoDnsSendsNoQueryAndEverySourceStandsAlone) {
  dmarc::test::UdpListener listener;
  const Result r = report("--no-dns --dns-server " + listener.address());
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(listener.received(), 0);
  const std::string out = json();
  EXPECT_NE(out.find(k_organisations_without_names), std::string::npos) << out;
  EXPECT_EQ(out.find(R"("ptr_name": ")"), std::string::npos);
  dmarc::store::Store store(m_db);
  EXPECT_TRUE(store.cached_ip_names(k_sample_ips, 2'000'000'000).empty());
}

TEST_F(ReportNames, SilentServerCostsAtMostTheTimeoutAndLeavesANote) {
  dmarc::test::UdpListener silent;  // receives queries, never answers
  const auto start = std::chrono::steady_clock::now();
  const Result r = report("--dns-server " + silent.address() + " --dns-timeout 300");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_GT(silent.received(), 0);
  EXPECT_LT(elapsed, std::chrono::seconds(3));
  EXPECT_NE(r.out.find("dmarcdb: note: 6 of 6 reverse DNS lookups got no definite answer"),
            std::string::npos)
      << r.out;
  EXPECT_NE(json().find(k_organisations_without_names), std::string::npos);
}

TEST_F(ReportNames, BadDnsOptionsAreErrors) {
  EXPECT_EQ(report("--dns-timeout 0").status, 2);
  EXPECT_EQ(report("--dns-timeout 60001").status, 2);
  const Result server = report("--dns-server 'not a server:xx'");
  EXPECT_EQ(server.status, 1);
  EXPECT_NE(server.out.find("not a server:xx"), std::string::npos) << server.out;
  const Result psl = run("report --db " + m_db + " --week 2026-W47 --no-dns --psl-file " +
                         (m_dir / "missing.dat").string());
  EXPECT_EQ(psl.status, 1);
  EXPECT_NE(psl.out.find("missing.dat"), std::string::npos) << psl.out;
}

}  // namespace
