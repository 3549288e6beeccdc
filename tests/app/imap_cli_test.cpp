// `dmarcdb ingest --imap` end to end: the real binary against a real Dovecot.
// Exit codes, secrets kept out of argv and output, the config file, cron
// silence, --watch stopping cleanly on SIGTERM.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "tests/ingest/imap_test_support.hpp"

namespace fs = std::filesystem;
using dmarc::testing::DovecotServer;

namespace {

struct Result {
  int status;
  std::string out;
  std::string err;
};

class ImapCli : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = fs::temp_directory_path() /
            ("dmarcdb-imapcli-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(m_dir);
    fs::create_directories(m_dir);
    m_db = (m_dir / "test.db").string();
    m_password_file = write_private("password", std::string(DovecotServer::k_password) + "\n");
  }
  void TearDown() override { fs::remove_all(m_dir); }

  std::string write_private(const std::string& name, const std::string& text, int mode = 0600) {
    const fs::path path = m_dir / name;
    std::ofstream(path) << text;
    ::chmod(path.c_str(), static_cast<mode_t>(mode));
    return path.string();
  }

  // Runs the binary through sh (env_prefix like "VAR=x "); stdout and stderr apart.
  Result run(const std::string& arguments, const std::string& env_prefix = "") {
    const std::string out = (m_dir / "out").string(), err = (m_dir / "err").string();
    const std::string command = "env -u DMARCDB_IMAP_PASSWORD -u DMARCDB_CONFIG -u DMARCDB_DB " +
                                env_prefix + std::string(DMARCDB_BINARY) + " " + arguments +
                                " >" + out + " 2>" + err + " </dev/null";
    const int status = std::system(command.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, dmarc::testing::read_bytes(out),
            dmarc::testing::read_bytes(err)};
  }

  std::string base(const DovecotServer& server, const std::string& url) {
    return "ingest --db " + m_db + " --ca-file " + server.ca_file() + " --imap '" + url + "'";
  }

  fs::path m_dir;
  std::string m_db;
  std::string m_password_file;
};

void deliver_samples(DovecotServer& server) {
  for (const auto& path : dmarc::testing::sample_mail_paths()) {
    server.deliver(dmarc::testing::read_bytes(path));
  }
}

TEST_F(ImapCli, RunStoresEveryMessageAndIsSilentButForTheSummaryOutsideATerminal) {
  START_DOVECOT(server);
  deliver_samples(server);
  Result first = run(base(server, server.imaps_url()) + " --password-file " + m_password_file);
  EXPECT_EQ(first.status, 0) << first.err;
  EXPECT_EQ(first.err, "");
  EXPECT_EQ(first.out.rfind("ingested 7 inputs: 5 new reports, 0 duplicates, 2 other, 0 failures, "
                            "18 records, 0 unreadable, ", 0), 0u)
      << first.out;
  EXPECT_EQ(std::count(first.out.begin(), first.out.end(), '\n'), 1);

  Result second = run(base(server, server.imaps_url()) + " --password-file " + m_password_file);
  EXPECT_EQ(second.status, 0) << second.err;
  EXPECT_EQ(second.out.rfind("ingested 0 inputs: 0 new reports, 0 duplicates", 0), 0u) << second.out;
}

TEST_F(ImapCli, StartTlsWithPasswordFromTheEnvironment) {
  START_DOVECOT(server);
  deliver_samples(server);
  Result r = run(base(server, server.imap_url()),
                 std::string("DMARCDB_IMAP_PASSWORD=") + DovecotServer::k_password + " ");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("5 new reports"), std::string::npos) << r.out;
}

TEST_F(ImapCli, WrongPasswordExitsThreeWithOneLineThatHoldsNoSecret) {
  START_DOVECOT(server);
  const std::string wrong = write_private("wrong", "Wr0ng-Secret\n");
  Result r = run(base(server, server.imaps_url()) + " --password-file " + wrong);
  EXPECT_EQ(r.status, 3) << r.out << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("login failed"), std::string::npos) << r.err;
  EXPECT_EQ((r.err + r.out).find("Wr0ng-Secret"), std::string::npos);
}

TEST_F(ImapCli, MissingMailboxExitsFour) {
  START_DOVECOT(server);
  Result r = run(base(server, server.imaps_url("Absent")) + " --password-file " + m_password_file);
  EXPECT_EQ(r.status, 4) << r.out << r.err;
  EXPECT_NE(r.err.find("mailbox \"Absent\" does not exist"), std::string::npos) << r.err;
}

TEST_F(ImapCli, UnreachableServerExitsFiveAfterRetries) {
  const auto port = dmarc::testing::free_tcp_port();
  ASSERT_TRUE(port);
  Result r = run("ingest --db " + m_db + " --retries 1 --imap imaps://u@127.0.0.1:" +
                 std::to_string(*port) + "/INBOX --password-file " + m_password_file);
  EXPECT_EQ(r.status, 5) << r.out << r.err;
  EXPECT_NE(r.err.find("gave up after 1 retries"), std::string::npos) << r.err;
}

TEST_F(ImapCli, SecretsOutsideFilesOrReadableByAllAreRefused) {
  const std::string open_file = write_private("open", "pw\n", 0644);
  Result readable = run("ingest --db " + m_db + " --imap imaps://u@127.0.0.1:1/INBOX --password-file " +
                        open_file);
  EXPECT_EQ(readable.status, 1);
  EXPECT_NE(readable.err.find("chmod o-r"), std::string::npos) << readable.err;
  Result in_url = run("ingest --db " + m_db + " --imap imaps://u:pw@127.0.0.1:1/INBOX");
  EXPECT_EQ(in_url.status, 2);
  EXPECT_NE(in_url.err.find("must not carry a password"), std::string::npos) << in_url.err;
  Result none = run("ingest --db " + m_db + " --imap imaps://u@127.0.0.1:1/INBOX");
  EXPECT_EQ(none.status, 2);
  EXPECT_NE(none.err.find("no password or token"), std::string::npos) << none.err;
  Result flag = run("ingest --db " + m_db + " --imap imaps://u@127.0.0.1:1/INBOX --password pw");
  EXPECT_EQ(flag.status, 2) << "a password flag on argv must not exist";
}

TEST_F(ImapCli, ConfigFileSectionsAreReadTogetherAndFlagsOverrideTheFile) {
  START_DOVECOT(server);
  deliver_samples(server);
  server.deliver(dmarc::testing::read_bytes(dmarc::testing::sample_mail_paths().back()), "Second");
  const std::string config = write_private(
      "config", "db = " + m_db + "\nca-file = " + server.ca_file() + "\nmove-to = Done\n" +
                    "password = " + DovecotServer::k_password + "\n\n[imap.first]\nurl = " +
                    server.imaps_url() + "\n\n[imap.second]\nurl = " + server.imap_url("Second") +
                    "\nmark-seen = true\n");
  // --move-to on the command line wins over the file's.
  Result r = run("ingest --config " + config + " --move-to Archive");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("ingested 8 inputs"), std::string::npos) << r.out;
  EXPECT_EQ(server.count("INBOX"), 0);
  EXPECT_EQ(server.count("Second"), 0);
  EXPECT_EQ(server.count("Archive"), 8);
  EXPECT_EQ(server.count("Done"), -1);

  ::chmod(config.c_str(), 0644);
  Result open = run("ingest --config " + config);
  EXPECT_EQ(open.status, 1);
  EXPECT_NE(open.err.find("readable by every user"), std::string::npos) << open.err;
}

TEST_F(ImapCli, UnknownConfigOptionIsAnError) {
  const std::string config = write_private("config", "[imap.x]\nurl = imaps://u@h/INBOX\nfrobnicate = 1\n");
  Result r = run("ingest --config " + config + " --db " + m_db);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("[imap.x]: unknown option \"frobnicate\""), std::string::npos) << r.err;
}

TEST_F(ImapCli, TokenCommandRunsForTheConnectionAndOAuth2LogsIn) {
  START_DOVECOT(server, dmarc::testing::DovecotOptions{"xoauth2"});
  std::ofstream(server.tokens_file()) << "fresh-token-7\n";
  deliver_samples(server);
  const std::string counter = (m_dir / "runs").string();
  Result r = run(base(server, server.imaps_url()) + " --token-command 'echo x >> " + counter +
                 "; echo fresh-token-7'");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("5 new reports"), std::string::npos) << r.out;
  EXPECT_EQ(dmarc::testing::read_bytes(counter), "x\n");
  Result bad = run(base(server, server.imaps_url()) + " --token-command 'echo stale-token'");
  EXPECT_EQ(bad.status, 3) << bad.out << bad.err;
  EXPECT_EQ(bad.err.find("stale-token"), std::string::npos) << bad.err;
}

TEST_F(ImapCli, WatchPicksUpNewMailAndStopsCleanlyOnSigterm) {
  START_DOVECOT(server);
  server.deliver(dmarc::testing::read_bytes(dmarc::testing::sample_mail_paths()[1]));
  const std::string out = (m_dir / "out").string();
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const std::string command = "exec " + std::string(DMARCDB_BINARY) + " " +
                                base(server, server.imaps_url()) + " --password-file " +
                                m_password_file + " --watch --interval 1 >" + out + " 2>&1";
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  server.deliver(dmarc::testing::read_bytes(dmarc::testing::sample_mail_paths()[2]));
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by a signal";
  EXPECT_EQ(WEXITSTATUS(status), 0);
  const std::string text = dmarc::testing::read_bytes(out);
  // One line per poll that found mail, then the total at the end.
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 3) << text;
  EXPECT_NE(text.rfind("ingested 2 inputs: 2 new reports"), std::string::npos) << text;
}

}  // namespace
