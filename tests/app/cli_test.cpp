// End-to-end tests of the dmarcdb binary: exit codes, help, the summary line.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace fs = std::filesystem;

namespace {

struct Result {
  int status;
  std::string out;
};

// Runs the binary with a shell command line; stderr is merged into out.
Result run(const std::string& arguments) {
  std::string command = std::string(DMARCDB_BINARY) + " " + arguments + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  std::string out;
  std::array<char, 4096> buffer;
  std::size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) out.append(buffer.data(), n);
  int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = fs::temp_directory_path() / ("dmarcdb-cli-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(m_dir);
    fs::create_directories(m_dir);
    m_db = (m_dir / "test.db").string();
  }
  void TearDown() override { fs::remove_all(m_dir); }
  fs::path m_dir;
  std::string m_db;
};

const std::string k_report = R"(<?xml version="1.0"?>
<feedback><report_metadata><org_name>Example Receiver</org_name><email>r@example.org</email>
<report_id>cli-1</report_id><date_range><begin>1763251200</begin><end>1763337599</end></date_range>
</report_metadata><policy_published><domain>example.com</domain><p>reject</p></policy_published>
<record><row><source_ip>192.0.2.1</source_ip><count>3</count><policy_evaluated>
<disposition>reject</disposition><dkim>fail</dkim><spf>fail</spf></policy_evaluated></row>
<identifiers><header_from>example.com</header_from></identifiers><auth_results><spf>
<domain>example.com</domain><result>fail</result></spf></auth_results></record></feedback>
)";

}  // namespace

TEST_F(Cli, VersionPrintsNameAndVersion) {
  Result r = run("--version");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out.rfind("dmarcdb ", 0), 0u);
}

TEST_F(Cli, EveryCommandHasHelp) {
  for (const char* command : {"ingest", "reports", "failures", "report"}) {
    Result r = run(std::string(command) + " --help");
    EXPECT_EQ(r.status, 0) << command;
    EXPECT_NE(r.out.find(std::string("usage: dmarcdb ") + command), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("--db"), std::string::npos);
  }
  Result r = run("--help");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("Commands:"), std::string::npos);
}

TEST_F(Cli, UnknownCommandAndBadOptionsAreUsageErrors) {
  EXPECT_EQ(run("frobnicate").status, 2);
  EXPECT_EQ(run("ingest --no-such-flag x").status, 2);
  EXPECT_EQ(run("ingest --db " + m_db).status, 2);  // no PATH
  EXPECT_EQ(run("").status, 2);
}

TEST_F(Cli, IngestPrintsOneSummaryLineAndStoresTheReport) {
  std::ofstream(m_dir / "r.xml") << k_report;
  Result r = run("ingest --db " + m_db + " " + (m_dir / "r.xml").string());
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("ingested 1 inputs: 1 new reports, 0 duplicates, 0 other, 0 failures, "
                       "1 records, 0 unreadable"),
            std::string::npos)
      << r.out;
  Result again = run("ingest --db " + m_db + " " + (m_dir / "r.xml").string());
  // The same bytes are not read again.
  EXPECT_NE(again.out.find("ingested 1 inputs: 0 new reports, 0 duplicates, 0 other, 0 failures, "
                           "0 records, 0 unreadable, 1 already stored, "),
            std::string::npos)
      << again.out;
  // --reread reads them anyway: the report is a duplicate.
  Result reread = run("ingest --reread --db " + m_db + " " + (m_dir / "r.xml").string());
  EXPECT_NE(reread.out.find("ingested 1 inputs: 0 new reports, 1 duplicates, 0 other, "
                            "0 failures, 0 records, 0 unreadable, 0 already stored, "),
            std::string::npos)
      << reread.out;
  // The same report in other bytes is read and recognised as a duplicate.
  std::ofstream(m_dir / "r2.xml") << k_report << "\n";
  Result copy = run("ingest --db " + m_db + " " + (m_dir / "r2.xml").string());
  EXPECT_NE(copy.out.find("0 new reports, 1 duplicates"), std::string::npos) << copy.out;
  Result list = run("reports --db " + m_db);
  EXPECT_EQ(list.status, 0);
  EXPECT_NE(list.out.find("Example Receiver"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("2025-11-16"), std::string::npos) << list.out;
}

TEST_F(Cli, IngestReadsStandardInput) {
  std::ofstream(m_dir / "r.xml") << k_report;
  Result r = run("ingest --db " + m_db + " - < " + (m_dir / "r.xml").string());
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("1 new reports"), std::string::npos) << r.out;
}

TEST_F(Cli, DatabaseDefaultsToEnvironmentVariable) {
  std::ofstream(m_dir / "r.xml") << k_report;
  ::setenv("DMARCDB_DB", m_db.c_str(), 1);
  Result ingest = run("ingest " + (m_dir / "r.xml").string());
  Result list = run("reports");
  ::unsetenv("DMARCDB_DB");
  EXPECT_EQ(ingest.status, 0) << ingest.out;
  EXPECT_TRUE(fs::exists(m_db));
  EXPECT_NE(list.out.find("Example Receiver"), std::string::npos) << list.out;
}

TEST_F(Cli, UnreadablePathExitsOneButFailedParseExitsZero) {
  Result missing = run("ingest --db " + m_db + " " + (m_dir / "does-not-exist").string());
  EXPECT_EQ(missing.status, 1) << missing.out;
  EXPECT_NE(missing.out.find("1 unreadable"), std::string::npos) << missing.out;

  std::ofstream(m_dir / "broken.xml") << "<feedback><report_metadata>";
  Result broken = run("ingest --db " + m_db + " " + (m_dir / "broken.xml").string());
  EXPECT_EQ(broken.status, 0) << broken.out;
  EXPECT_NE(broken.out.find("1 failures"), std::string::npos) << broken.out;
  Result failures = run("failures --db " + m_db);
  EXPECT_NE(failures.out.find("broken.xml"), std::string::npos) << failures.out;
  EXPECT_NE(failures.out.find("malformed"), std::string::npos) << failures.out;
}

TEST_F(Cli, NotADatabaseIsAnErrorWithExitOne) {
  std::ofstream(m_dir / "x.db") << "this is not sqlite, just text padding padding padding";
  Result r = run("reports --db " + (m_dir / "x.db").string());
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("dmarcdb: error:"), std::string::npos) << r.out;
}
