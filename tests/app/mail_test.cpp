// `dmarcdb report --mail-to ...` end to end: the real binary, a database built
// from samples/reports, and a real local SMTP server (aiosmtpd) capturing the
// mail. The mailed parts must equal the text and HTML the command prints.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "../support/smtp_server.hpp"

namespace fs = std::filesystem;

namespace {

using dmarc::testing::CapturedMessage;
using dmarc::testing::SmtpServer;
using dmarc::testing::SmtpServerOptions;
using Tls = SmtpServerOptions::Tls;

struct Result {
  int status;
  std::string out;
  std::string err;
};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string lf(std::string text) {
  for (std::size_t at; (at = text.find("\r\n")) != std::string::npos;) text.erase(at, 1);
  return text;
}

const char* const k_password = "Tr0ub4dor&3-secret";

class MailCommand : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    s_dir =
        new fs::path(fs::temp_directory_path() / ("dmarcdb-mail-" + std::to_string(::getpid())));
    fs::remove_all(*s_dir);
    fs::create_directories(*s_dir);
    s_db = new std::string((*s_dir / "samples.db").string());
    run("ingest --db " + *s_db + " " + DMARCDB_SOURCE_DIR + "/samples/reports");
    s_text = new std::string(run("report --db " + *s_db + " --week 2026-W47 --format text").out);
    s_html = new std::string(run("report --db " + *s_db + " --week 2026-W47 --format html").out);
    std::ofstream(*s_dir / "password") << k_password << "\n";
    std::ofstream(*s_dir / "wrong-password") << "not-the-password\n";
  }
  static void TearDownTestSuite() {
    fs::remove_all(*s_dir);
    delete s_dir;
    delete s_db;
    delete s_text;
    delete s_html;
  }

  // Runs the binary with a shell command line; stdout and stderr apart.
  static Result run(const std::string& arguments) {
    const fs::path err = *s_dir / "stderr";
    const std::string command =
        std::string(DMARCDB_BINARY) + " " + arguments + " 2>" + err.string();
    FILE* pipe = ::popen(command.c_str(), "r");
    std::string out;
    std::array<char, 4096> buffer;
    std::size_t n;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
      out.append(buffer.data(), n);
    const int status = ::pclose(pipe);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out, read_file(err)};
  }

  std::unique_ptr<SmtpServer> start(const SmtpServerOptions& options) {
    auto started = SmtpServer::start(options);
    if (auto* error = std::get_if<std::string>(&started)) {
      ADD_FAILURE() << *error;
      return nullptr;
    }
    return std::move(std::get<std::unique_ptr<SmtpServer>>(started));
  }

  // "report ... --mail-to a@example.com --smtp-url URL [--smtp-ca-file CA]".
  static std::string mail_args(const SmtpServer& server, const std::string& more = "") {
    std::string args = "report --db " + *s_db + " --week 2026-W47 --mail-to a@example.com" +
                       " --smtp-url " + server.url() + " --smtp-timeout 20";
    if (!server.ca_file().empty()) args += " --smtp-ca-file " + server.ca_file();
    return args + " " + more;
  }

  static SmtpServerOptions with(Tls tls, const std::string& user = "") {
    SmtpServerOptions options;
    options.tls = tls;
    if (!user.empty()) {
      options.user = user;
      options.password = k_password;
    }
    return options;
  }

  static fs::path* s_dir;
  static std::string* s_db;
  static std::string* s_text;
  static std::string* s_html;
};

fs::path* MailCommand::s_dir = nullptr;
std::string* MailCommand::s_db = nullptr;
std::string* MailCommand::s_text = nullptr;
std::string* MailCommand::s_html = nullptr;

TEST_F(MailCommand, MailsTextAndHtmlOfTheWeekToEveryRecipientAndPrintsNothing) {
  ASSERT_NE(s_text->find("DMARC failure summary for 2026-W47"), std::string::npos) << *s_text;
  ASSERT_NE(s_html->find("<html"), std::string::npos);
  auto server = start(with(Tls::starttls));
  ASSERT_TRUE(server);
  Result r = run(mail_args(*server, "--mail-to b@example.org --mail-from dmarc@example.com"));
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "");
  auto messages = server->messages();
  ASSERT_EQ(messages.size(), 1u) << server->log();
  const CapturedMessage& m = messages[0];
  EXPECT_EQ(m.envelope_from, "dmarc@example.com");
  EXPECT_EQ(m.envelope_to, (std::vector<std::string>{"a@example.com", "b@example.org"}));
  EXPECT_EQ(m.subject, "DMARC 2026-W47: 4 sources rejected, 1 quarantined for example.com");
  EXPECT_NE(m.headers.find("From: dmarc@example.com\n"), std::string::npos) << m.headers;
  EXPECT_NE(m.headers.find("To: a@example.com, b@example.org\n"), std::string::npos);
  EXPECT_EQ(m.defects, "");
  ASSERT_EQ(m.parts.size(), 2u);
  EXPECT_EQ(m.parts[0].first, "text/plain");
  EXPECT_EQ(lf(m.parts[0].second), *s_text);
  EXPECT_EQ(m.parts[1].first, "text/html");
  EXPECT_EQ(lf(m.parts[1].second), *s_html);
}

TEST_F(MailCommand, SenderDefaultsToDmarcdbAtHostNameAndPrefixLeadsTheSubject) {
  auto server = start(with(Tls::starttls));
  ASSERT_TRUE(server);
  Result r = run(mail_args(*server, "--subject-prefix '[dmarc]'"));
  ASSERT_EQ(r.status, 0) << r.err;
  auto messages = server->messages();
  ASSERT_EQ(messages.size(), 1u);
  char host[256] = {};
  ASSERT_EQ(gethostname(host, sizeof(host) - 1), 0);
  EXPECT_EQ(messages[0].envelope_from, std::string("dmarcdb@") + host);
  EXPECT_EQ(messages[0].subject,
            "[dmarc] DMARC 2026-W47: 4 sources rejected, 1 quarantined for example.com");
}

TEST_F(MailCommand, OutputFileIsStillWrittenWhenMailing) {
  auto server = start(with(Tls::starttls));
  ASSERT_TRUE(server);
  const fs::path file = *s_dir / "w47.txt";
  Result r = run(mail_args(*server, "-o " + file.string()));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(read_file(file), *s_text);
  EXPECT_EQ(server->messages().size(), 1u);
}

TEST_F(MailCommand, PasswordFromFileOrEnvironmentLogsInAndIsNeverPrinted) {
  auto server = start(with(Tls::starttls, "reports"));
  ASSERT_TRUE(server);
  const std::string file = (*s_dir / "password").string();
  Result from_file = run(mail_args(*server, "--smtp-user reports --smtp-password-file " + file));
  EXPECT_EQ(from_file.status, 0) << from_file.err;
  ::setenv("DMARCDB_SMTP_PASSWORD", k_password, 1);
  Result from_env = run(mail_args(*server, "--smtp-user reports"));
  ::unsetenv("DMARCDB_SMTP_PASSWORD");
  EXPECT_EQ(from_env.status, 0) << from_env.err;
  auto messages = server->messages();
  ASSERT_EQ(messages.size(), 2u);
  for (const auto& m : messages) EXPECT_EQ(m.session, "tls=starttls\nauth=reports\n");
  for (const Result& r : {from_file, from_env}) {
    EXPECT_EQ((r.out + r.err).find(k_password), std::string::npos);
  }
}

TEST_F(MailCommand, WrongPasswordExitsOneWithOneLineNamingTheServer) {
  auto server = start(with(Tls::starttls, "reports"));
  ASSERT_TRUE(server);
  Result r = run(mail_args(
      *server, "--smtp-user reports --smtp-password-file " + (*s_dir / "wrong-password").string()));
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err.rfind("dmarcdb: error: cannot mail the summary: SMTP server 127.0.0.1:" +
                            std::to_string(server->port()) + ": login denied",
                        0),
            0u)
      << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(r.err.find("not-the-password"), std::string::npos);
  EXPECT_TRUE(server->messages().empty());
}

TEST_F(MailCommand, PasswordOnTheCommandLineIsRefusedWithoutEchoingIt) {
  auto server = start(with(Tls::starttls, "reports"));
  ASSERT_TRUE(server);
  for (const std::string& form : {std::string("--smtp-password '") + k_password + "'",
                                  std::string("'--smtp-password=") + k_password + "'"}) {
    Result r = run(mail_args(*server, "--smtp-user reports " + form));
    EXPECT_EQ(r.status, 2) << form;
    EXPECT_NE(r.err.find("--smtp-password-file"), std::string::npos) << r.err;
    EXPECT_EQ((r.out + r.err).find(k_password), std::string::npos) << r.err;
  }
  for (const std::string& typo : {std::string("'--smtp-passwd=") + k_password + "'",
                                  std::string("'--smtp-passwd ") + k_password + "'"}) {
    Result r = run(mail_args(*server, "--smtp-user reports " + typo));
    EXPECT_EQ(r.status, 2) << typo;
    EXPECT_NE(r.err.find("unrecognised option '--smtp-passwd'"), std::string::npos) << r.err;
    EXPECT_EQ((r.out + r.err).find(k_password), std::string::npos) << r.err;
  }
  EXPECT_TRUE(server->messages().empty());
}

TEST_F(MailCommand, ServerWithoutStartTlsNeedsTheExplicitPlainFlag) {
  auto server = start(with(Tls::none));
  ASSERT_TRUE(server);
  Result refused = run(mail_args(*server));
  EXPECT_EQ(refused.status, 1);
  EXPECT_NE(refused.err.find("no STARTTLS"), std::string::npos) << refused.err;
  EXPECT_TRUE(server->messages().empty());
  Result plain = run(mail_args(*server, "--smtp-insecure-plain"));
  EXPECT_EQ(plain.status, 0) << plain.err;
  EXPECT_EQ(server->messages().size(), 1u);
}

TEST_F(MailCommand, SmtpsVerifiesWithTheCaFileAndFailsWithoutIt) {
  auto server = start(with(Tls::implicit));
  ASSERT_TRUE(server);
  Result verified = run(mail_args(*server));
  EXPECT_EQ(verified.status, 0) << verified.err;
  const std::string without_ca = "report --db " + *s_db +
                                 " --week 2026-W47 --mail-to a@example.com --smtp-url " +
                                 server->url();
  Result unverified = run(without_ca);
  EXPECT_EQ(unverified.status, 1);
  EXPECT_NE(unverified.err.find("certificate verification failed"), std::string::npos)
      << unverified.err;
  Result insecure = run(without_ca + " --smtp-insecure");
  EXPECT_EQ(insecure.status, 0) << insecure.err;
  auto messages = server->messages();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].session, "tls=implicit\nauth=\n");
}

TEST_F(MailCommand, MailOptionsThatDoNotGoTogetherAreUsageErrors) {
  struct Case {
    std::string args, fragment;
  };
  const std::string base = "report --db " + *s_db + " --week 2026-W47 ";
  const std::string url = " --smtp-url smtp://127.0.0.1:1";
  const std::vector<Case> cases{
      {"--smtp-url smtp://127.0.0.1:1", "--smtp-url needs --mail-to"},
      {"--mail-to a@example.com", "--mail-to needs --smtp-url"},
      {"--mail-to \"$(printf 'a@example.com\\r\\nBcc: v@example.net')\"" + url, "line break"},
      {"--mail-to 'a@example.com, b@example.com'" + url, "--mail-to: mail address"},
      {"--mail-to a@example.com --mail-from 'x y'" + url, "--mail-from: mail address"},
      {"--mail-to a@example.com --subject-prefix \"$(printf 'x\\nBcc: v@example.net')\"" + url,
       "--subject-prefix must not hold a line break"},
      {"--mail-to a@example.com --smtp-user u" + url, "--smtp-user needs a password"},
      {"--mail-to a@example.com --smtp-password-file /dev/null" + url,
       "--smtp-password-file needs --smtp-user"},
      {"--mail-to a@example.com --smtp-timeout 0" + url, "take 1 to 3600 seconds"},
  };
  for (const auto& c : cases) {
    Result r = run(base + c.args);
    EXPECT_EQ(r.status, 2) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.fragment), std::string::npos) << c.args << "\n" << r.err;
  }
}

TEST_F(MailCommand, HostileDomainInAStoredReportCannotInjectHeaders) {
  const fs::path db = *s_dir / "hostile.db";
  const fs::path xml = *s_dir / "hostile.xml";
  std::ofstream(xml) << R"(<?xml version="1.0"?>
<feedback><report_metadata><org_name>Evil&#13;&#10;Bcc: victim@example.net</org_name>
<email>r@example.org</email><report_id>hostile-1</report_id>
<date_range><begin>1795219200</begin><end>1795305599</end></date_range></report_metadata>
<policy_published><domain>evil.example&#13;&#10;Bcc: victim@example.net&#10;X-Injected: yes</domain>
<p>reject</p></policy_published>
<record><row><source_ip>192.0.2.1</source_ip><count>3</count><policy_evaluated>
<disposition>reject</disposition><dkim>fail</dkim><spf>fail</spf></policy_evaluated></row>
<identifiers><header_from>evil.example</header_from></identifiers><auth_results><spf>
<domain>evil.example</domain><result>fail</result></spf></auth_results></record></feedback>
)";
  ASSERT_EQ(run("ingest --db " + db.string() + " " + xml.string()).status, 0);
  auto server = start(with(Tls::starttls));
  ASSERT_TRUE(server);
  Result r = run("report --db " + db.string() + " --week 2026-W47 --mail-to a@example.com" +
                 " --smtp-url " + server->url() + " --smtp-ca-file " + server->ca_file());
  ASSERT_EQ(r.status, 0) << r.err;
  auto messages = server->messages();
  ASSERT_EQ(messages.size(), 1u);
  const CapturedMessage& m = messages[0];
  EXPECT_EQ(m.envelope_to, std::vector<std::string>{"a@example.com"});
  EXPECT_EQ(m.header_names,
            (std::vector<std::string>{"From", "To", "Subject", "Date", "Message-ID", "MIME-Version",
                                      "Auto-Submitted", "Content-Type"}));
  EXPECT_EQ(m.subject,
            "DMARC 2026-W47: 1 source rejected for evil.example  Bcc: victim@example.net "
            "X-Injected: yes");
  EXPECT_EQ(m.defects, "");
}

}  // namespace
