// The summary mail: message building (encodings, limits, hostile strings) and
// delivery over SMTP to a real local server (aiosmtpd) that captures it.
#include "report/mailer.hpp"

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <sstream>

#include "../support/smtp_server.hpp"
#include "report/render.hpp"

namespace dmarc::report {
namespace {

using dmarc::testing::CapturedMessage;
using dmarc::testing::SmtpServer;
using dmarc::testing::SmtpServerOptions;
using Tls = SmtpServerOptions::Tls;

std::vector<std::string> split_crlf(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t end; (end = text.find("\r\n", start)) != std::string::npos; start = end + 2) {
    lines.push_back(text.substr(start, end - start));
  }
  if (start < text.size()) lines.push_back(text.substr(start));
  return lines;
}

std::string lf(std::string text) {
  for (std::size_t at; (at = text.find("\r\n")) != std::string::npos;) text.erase(at, 1);
  return text;
}

SourceSummary source(const std::string& ip, std::int64_t rejected, std::int64_t quarantined) {
  SourceSummary s;
  s.source_ip = ip;
  s.rejected = rejected;
  s.quarantined = quarantined;
  s.messages = rejected + quarantined;
  s.diagnosis = Diagnosis::spf_not_authorised;
  return s;
}

Summary summary_of(std::vector<DomainSummary> domains) {
  Summary summary;
  summary.period = *parse_iso_week("2026-W47");
  summary.previous = previous(summary.period);
  summary.domains = std::move(domains);
  return summary;
}

DomainSummary domain(const std::string& name, std::vector<SourceSummary> flagged) {
  DomainSummary d;
  d.domain = name;
  d.policy = "reject";
  for (const auto& s : flagged) {
    d.messages += s.messages;
    d.rejected += s.rejected;
    d.quarantined += s.quarantined;
    if (s.rejected > 0) ++d.flagged_rejected_total;
  }
  d.flagged_total = flagged.size();
  d.flagged = std::move(flagged);
  return d;
}

const std::string k_hostile_domain =
    "evil.example\r\nBcc: victim@example.net\r\nX-Injected: yes\x1b[2J";

MailContent content_of(const Summary& summary) {
  std::ostringstream text, html;
  render_text(text, summary);
  render_html(html, summary);
  return MailContent{"dmarcdb@example.com",
                     {"postmaster@example.com"},
                     mail_subject(summary),
                     text.str(),
                     html.str(),
                     1795000000};
}

// --- building the message ------------------------------------------------

TEST(QuotedPrintable, EncodesEachCaseAsRfc2045Says) {
  struct Case {
    std::string input, expected;
  };
  const std::vector<Case> cases{
      {"plain\n", "plain\r\n"},
      {"crlf\r\nnext", "crlf\r\nnext"},
      {"a=b", "a=3Db"},
      {"trailing space \n", "trailing space=20\r\n"},
      {"tab\t", "tab=09"},
      {".\n", "=2E\r\n"},
      {"From me\n", "=46rom me\r\n"},
      {"caf\xC3\xA9", "caf=C3=A9"},
      {"bell\x07", "bell=07"},
      {std::string(100, 'a'), std::string(75, 'a') + "=\r\n" + std::string(25, 'a')},
      {std::string(76, 'a') + "\n", std::string(76, 'a') + "\r\n"},
      {std::string(75, 'a') + ".b", std::string(75, 'a') + "=\r\n=2Eb"},
  };
  for (const auto& c : cases) EXPECT_EQ(quoted_printable(c.input), c.expected) << c.input;
}

TEST(QuotedPrintable, LinesStayWithin76WhateverTheInput) {
  std::string input;
  for (int i = 0; i < 500; ++i) input += (i % 7 == 0) ? "=\xC3\xA9 " : "x";
  input += "\n" + std::string(300, '.') + "\n";
  for (const auto& line : split_crlf(quoted_printable(input))) EXPECT_LE(line.size(), 76u) << line;
}

TEST(HeaderField, ShortAsciiStaysAsIs) {
  EXPECT_EQ(header_field("Subject", "DMARC 2026-W47: nothing"), "Subject: DMARC 2026-W47: nothing");
}

TEST(HeaderField, LongAsciiFoldsBeforeBlanksWithin78) {
  std::string value;
  for (int i = 0; i < 30; ++i) value += "word" + std::to_string(i) + " ";
  value += "end";
  const std::string field = header_field("Subject", value);
  for (const auto& line : split_crlf(field)) EXPECT_LE(line.size(), 78u) << line;
  std::string unfolded = field;
  for (std::size_t at; (at = unfolded.find("\r\n")) != std::string::npos;) unfolded.erase(at, 2);
  EXPECT_EQ(unfolded, "Subject: " + value);
}

TEST(HeaderField, NonAsciiBecomesEncodedWordsWithin78) {
  std::string value;
  for (int i = 0; i < 40; ++i) value += "\xC3\xA9t\xC3\xA9 ";  // "été "
  const std::string field = header_field("Subject", value);
  EXPECT_EQ(field.rfind("Subject: =?UTF-8?B?", 0), 0u) << field;
  for (const auto& line : split_crlf(field)) {
    EXPECT_LE(line.size(), 78u) << line;
    EXPECT_EQ(line.find_first_not_of(
                  " =?-_+/:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
              std::string::npos)
        << line;
  }
}

TEST(CheckAddress, AcceptsPlainAddresses) {
  for (const char* ok : {"a@example.com", "first.last+tag@mail.example.org", "x@localhost"}) {
    EXPECT_TRUE(check_address(ok)) << ok;
  }
}

TEST(CheckAddress, RejectsHostileAddressesWithTheReason) {
  struct Case {
    std::string address, fragment;
  };
  const std::vector<Case> cases{
      {"a@example.com\r\nBcc: victim@example.net", "line break"},
      {"a@example.com\nRCPT TO:<x@y>", "line break"},
      {"a@exa\x07mple.com", "control or non-ASCII"},
      {"\xC3\xA9@example.com", "control or non-ASCII"},
      {"", "has no @"},
      {"example.com", "has no @"},
      {"@example.com", "before @"},
      {"a@", "after @"},
      {"a b@example.com", "before @"},
      {"<a@example.com>", "before @"},
      {"a@example.com, b@example.com", "before @"},
      {"\"quoted\"@example.com", "before @"},
      {"a..b@example.com", "before @"},
      {"a@exa_mple.com", "after @"},
      {std::string(65, 'a') + "@example.com", "local part longer than 64"},
      {"a@" + std::string(260, 'b') + ".com", "longer than 254"},
  };
  for (const auto& c : cases) {
    auto result = check_address(c.address);
    ASSERT_FALSE(result) << c.address;
    EXPECT_EQ(result.error().code, Code::malformed);
    EXPECT_NE(result.error().message.find(c.fragment), std::string::npos)
        << c.address << " -> " << result.error().message;
    EXPECT_EQ(result.error().message.find('\n'), std::string::npos);
  }
}

TEST(MailSubject, SaysHowManySourcesWereRejectedAndQuarantinedForWhichDomain) {
  const Summary s =
      summary_of({domain("example.com", {source("192.0.2.1", 10, 0), source("192.0.2.2", 3, 1),
                                         source("192.0.2.3", 0, 5)})});
  EXPECT_EQ(mail_subject(s), "DMARC 2026-W47: 2 sources rejected, 1 quarantined for example.com");
  EXPECT_EQ(mail_subject(s, "[ops]"),
            "[ops] DMARC 2026-W47: 2 sources rejected, 1 quarantined for example.com");
}

TEST(MailSubject, CountsTheSourcesBeyondTheTopCut) {
  DomainSummary d = domain("example.com", {source("192.0.2.1", 10, 0), source("192.0.2.2", 3, 0),
                                           source("192.0.2.3", 0, 5)});
  d.flagged.resize(1);  // as build_summary does with --top 1
  EXPECT_EQ(mail_subject(summary_of({d})),
            "DMARC 2026-W47: 2 sources rejected, 1 quarantined for example.com");
}

TEST(MailSubject, SingularPluralAndQuarantineOnly) {
  EXPECT_EQ(mail_subject(summary_of({domain("example.com", {source("192.0.2.1", 1, 0)})})),
            "DMARC 2026-W47: 1 source rejected for example.com");
  EXPECT_EQ(mail_subject(summary_of(
                {domain("example.com", {source("192.0.2.1", 0, 4), source("192.0.2.2", 0, 1)})})),
            "DMARC 2026-W47: 2 sources quarantined for example.com");
}

TEST(MailSubject, NothingRejectedOrNoReportsSaySo) {
  EXPECT_EQ(mail_subject(summary_of({})), "DMARC 2026-W47: no reports");
  EXPECT_EQ(mail_subject(summary_of({domain("example.com", {})})),
            "DMARC 2026-W47: no source rejected or quarantined for example.com");
  EXPECT_EQ(mail_subject(summary_of({domain("a.example", {}), domain("b.example", {})})),
            "DMARC 2026-W47: no source rejected or quarantined for 2 domains");
}

TEST(MailSubject, NamesTwoFailingDomainsAndCountsTheRest) {
  const Summary s =
      summary_of({domain("a.example", {source("192.0.2.1", 1, 0)}),
                  domain("b.example", {source("192.0.2.2", 1, 0)}), domain("c.example", {}),
                  domain("d.example", {source("192.0.2.3", 0, 1)}),
                  domain("e.example", {source("192.0.2.4", 0, 1)})});
  EXPECT_EQ(
      mail_subject(s),
      "DMARC 2026-W47: 2 sources rejected, 2 quarantined for a.example, b.example and 2 more");
}

TEST(MailSubject, ReportStringsLoseLineBreaksAndControlCharacters) {
  const std::string subject =
      mail_subject(summary_of({domain(k_hostile_domain, {source("192.0.2.1", 1, 0)})}));
  EXPECT_EQ(subject.find_first_of("\r\n\x1b"), std::string::npos) << subject;
  EXPECT_NE(subject.find("evil.example"), std::string::npos);
}

TEST(ComposeMessage, HasEveryHeaderAndTwoQuotedPrintableParts) {
  auto message = compose_message({"dmarcdb@example.com",
                                  {"a@example.com", "b@example.org"},
                                  "DMARC 2026-W47: 1 source rejected for example.com",
                                  "text \xC3\xA9\n",
                                  "<p>html</p>\n",
                                  1795000000});
  ASSERT_TRUE(message) << message.error().message;
  const std::string& m = *message;
  for (const char* header :
       {"From: dmarcdb@example.com\r\n", "To: a@example.com, b@example.org\r\n",
        "Subject: DMARC 2026-W47: 1 source rejected for example.com\r\n",
        "Date: Wed, 18 Nov 2026 11:06:40 +0000\r\n", "Message-ID: <", "MIME-Version: 1.0\r\n",
        "Content-Type: multipart/alternative;\r\n boundary=\"=_dmarcdb_",
        "Content-Type: text/plain; charset=utf-8\r\n", "Content-Type: text/html; charset=utf-8\r\n",
        "Content-Transfer-Encoding: quoted-printable\r\n", "text =C3=A9\r\n"}) {
    EXPECT_NE(m.find(header), std::string::npos) << header << "\n" << m;
  }
  EXPECT_NE(m.find("@example.com>\r\n"), std::string::npos);  // Message-ID domain of From
  for (std::size_t i = 0; i < m.size(); ++i) {
    if (m[i] == '\n') {
      ASSERT_TRUE(i > 0 && m[i - 1] == '\r') << "bare LF at " << i;
    }
  }
  for (const auto& line : split_crlf(m)) EXPECT_LE(line.size(), 78u) << line;
}

TEST(ComposeMessage, RefusesLineBreaksInSubjectAndBadAddresses) {
  MailContent good{"a@example.com", {"b@example.com"}, "s", "t", "h", 0};
  ASSERT_TRUE(compose_message(good));
  auto bad_subject = good;
  bad_subject.subject = "s\r\nBcc: victim@example.net";
  auto bad_from = good;
  bad_from.from = "a@example.com\r\nBcc: victim@example.net";
  auto bad_to = good;
  bad_to.to.push_back("victim@example.net\nX: y");
  auto nobody = good;
  nobody.to.clear();
  for (const auto& mail : {bad_subject, bad_from, bad_to, nobody}) {
    auto result = compose_message(mail);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, Code::malformed);
  }
}

// --- delivery to a real server ---------------------------------------------

SmtpServerOptions with_tls(Tls tls) {
  SmtpServerOptions options;
  options.tls = tls;
  return options;
}

SmtpServerOptions with_auth(Tls tls, const std::string& user, const std::string& password) {
  SmtpServerOptions options = with_tls(tls);
  options.user = user;
  options.password = password;
  return options;
}

class Mailer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  static void TearDownTestSuite() { curl_global_cleanup(); }

  std::unique_ptr<SmtpServer> start(const SmtpServerOptions& options) {
    auto started = SmtpServer::start(options);
    if (auto* error = std::get_if<std::string>(&started)) {
      ADD_FAILURE() << *error;
      return nullptr;
    }
    return std::move(std::get<std::unique_ptr<SmtpServer>>(started));
  }

  static SmtpOptions smtp_for(const SmtpServer& server) {
    SmtpOptions smtp;
    smtp.url = server.url();
    smtp.ca_file = server.ca_file();
    smtp.connect_timeout = 5;
    smtp.timeout = 20;
    return smtp;
  }

  static Expected<void> send(const SmtpOptions& smtp, const MailContent& mail) {
    auto message = compose_message(mail);
    if (!message) return tl::unexpected(message.error());
    return send_mail(smtp, mail.from, mail.to, *message);
  }

  const MailContent m_mail = content_of(
      summary_of({domain("example.com", {source("192.0.2.1", 10, 0), source("192.0.2.2", 0, 3)})}));
};

TEST_F(Mailer, DeliversTextAndHtmlPartsToSeveralRecipientsOverStartTls) {
  auto server = start({});
  ASSERT_TRUE(server);
  MailContent mail = m_mail;
  mail.to = {"a@example.com", "b@example.org", "c@example.net"};
  auto sent = send(smtp_for(*server), mail);
  ASSERT_TRUE(sent) << sent.error().message;
  auto messages = server->messages();
  ASSERT_EQ(messages.size(), 1u);
  const CapturedMessage& m = messages[0];
  EXPECT_EQ(m.session, "tls=starttls\nauth=\n");
  EXPECT_EQ(m.envelope_from, "dmarcdb@example.com");
  EXPECT_EQ(m.envelope_to, mail.to);
  EXPECT_EQ(m.subject, "DMARC 2026-W47: 1 source rejected, 1 quarantined for example.com");
  EXPECT_EQ(m.defects, "");
  ASSERT_EQ(m.parts.size(), 2u);
  EXPECT_EQ(m.parts[0].first, "text/plain");
  EXPECT_EQ(lf(m.parts[0].second), mail.text);
  EXPECT_EQ(m.parts[1].first, "text/html");
  EXPECT_EQ(lf(m.parts[1].second), mail.html);
  EXPECT_NE(m.headers.find("To: a@example.com, b@example.org, c@example.net\n"), std::string::npos)
      << m.headers;
}

TEST_F(Mailer, NonAsciiSubjectArrivesDecoded) {
  auto server = start({});
  ASSERT_TRUE(server);
  MailContent mail = m_mail;
  mail.subject =
      "[Pr\xC3\xBC"
      "fung] DMARC 2026-W47: 1 source rejected for b\xC3\xBC"
      "cher.example";
  ASSERT_TRUE(send(smtp_for(*server), mail));
  auto messages = server->messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].subject, mail.subject);
  EXPECT_EQ(messages[0].defects, "");
}

TEST_F(Mailer, ServerWithoutStartTlsIsRefusedUnlessPlainIsAllowed) {
  auto server = start(with_tls(Tls::none));
  ASSERT_TRUE(server);
  SmtpOptions smtp = smtp_for(*server);
  auto refused = send(smtp, m_mail);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Code::network);
  EXPECT_NE(refused.error().message.find("SMTP server 127.0.0.1:" + std::to_string(server->port())),
            std::string::npos)
      << refused.error().message;
  EXPECT_NE(refused.error().message.find("no STARTTLS"), std::string::npos)
      << refused.error().message;
  EXPECT_TRUE(server->messages().empty());
  smtp.allow_plain = true;
  auto sent = send(smtp, m_mail);
  ASSERT_TRUE(sent) << sent.error().message;
  ASSERT_EQ(server->messages().size(), 1u);
  EXPECT_EQ(server->messages()[0].session, "tls=none\nauth=\n");
}

TEST_F(Mailer, ImplicitTlsVerifiesTheServerWithTheCaFile) {
  auto server = start(with_tls(Tls::implicit));
  ASSERT_TRUE(server);
  auto sent = send(smtp_for(*server), m_mail);
  ASSERT_TRUE(sent) << sent.error().message;
  ASSERT_EQ(server->messages().size(), 1u);
  EXPECT_EQ(server->messages()[0].session, "tls=implicit\nauth=\n");
}

TEST_F(Mailer, UnknownCertificateFailsVerificationUnlessInsecure) {
  for (Tls tls : {Tls::implicit, Tls::starttls}) {
    auto server = start(with_tls(tls));
    ASSERT_TRUE(server);
    SmtpOptions smtp = smtp_for(*server);
    smtp.ca_file.clear();
    auto refused = send(smtp, m_mail);
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("certificate verification failed"), std::string::npos)
        << refused.error().message;
    EXPECT_TRUE(server->messages().empty());
    smtp.insecure = true;
    auto sent = send(smtp, m_mail);
    EXPECT_TRUE(sent) << sent.error().message;
    EXPECT_EQ(server->messages().size(), 1u);
  }
}

TEST_F(Mailer, RightPasswordLogsInWrongPasswordIsLoginDenied) {
  for (Tls tls : {Tls::starttls, Tls::implicit}) {
    auto server = start(with_auth(tls, "reports", "c0rrect horse"));
    ASSERT_TRUE(server);
    SmtpOptions smtp = smtp_for(*server);
    auto anonymous = send(smtp, m_mail);
    EXPECT_FALSE(anonymous);
    smtp.user = "reports";
    smtp.password = "wrong horse";
    auto denied = send(smtp, m_mail);
    ASSERT_FALSE(denied);
    EXPECT_EQ(denied.error().code, Code::network);
    EXPECT_NE(denied.error().message.find("login denied"), std::string::npos)
        << denied.error().message;
    EXPECT_NE(denied.error().message.find(std::to_string(server->port())), std::string::npos);
    EXPECT_EQ(denied.error().message.find("horse"), std::string::npos);
    EXPECT_TRUE(server->messages().empty());
    smtp.password = "c0rrect horse";
    auto sent = send(smtp, m_mail);
    ASSERT_TRUE(sent) << sent.error().message;
    ASSERT_EQ(server->messages().size(), 1u);
    EXPECT_NE(server->messages()[0].session.find("auth=reports\n"), std::string::npos);
  }
}

TEST_F(Mailer, RefusedRecipientIsReportedAndNothingIsSent) {
  SmtpServerOptions options;
  options.refuse = {"gone@example.com"};
  auto server = start(options);
  ASSERT_TRUE(server);
  MailContent mail = m_mail;
  mail.to = {"a@example.com", "gone@example.com"};
  auto refused = send(smtp_for(*server), mail);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("recipient refused"), std::string::npos)
      << refused.error().message;
  EXPECT_NE(refused.error().message.find("550"), std::string::npos) << refused.error().message;
  EXPECT_TRUE(server->messages().empty());
}

TEST_F(Mailer, NobodyListeningIsANetworkErrorNamingTheServer) {
  auto port = SmtpServer::free_port();
  ASSERT_TRUE(port);
  SmtpOptions smtp;
  smtp.url = "smtp://127.0.0.1:" + std::to_string(*port);
  auto refused = send(smtp, m_mail);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Code::network);
  EXPECT_EQ(refused.error().message.rfind(
                "SMTP server 127.0.0.1:" + std::to_string(*port) + ": cannot connect", 0),
            0u)
      << refused.error().message;
}

TEST_F(Mailer, SilentServerTimesOut) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof(address);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), size), 0);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size), 0);
  ASSERT_EQ(listen(fd, 4), 0);  // the kernel accepts; nobody ever greets
  SmtpOptions smtp;
  smtp.url = "smtp://127.0.0.1:" + std::to_string(ntohs(address.sin_port));
  smtp.timeout = 1;
  const auto begin = std::chrono::steady_clock::now();
  auto result = send(smtp, m_mail);
  const auto took = std::chrono::steady_clock::now() - begin;
  close(fd);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Code::timeout);
  EXPECT_NE(result.error().message.find("timed out"), std::string::npos) << result.error().message;
  EXPECT_LT(took, std::chrono::seconds(5));
}

TEST_F(Mailer, UrlsWithCredentialsOrOtherSchemesAreRefused) {
  struct Case {
    std::string url, fragment;
  };
  const std::vector<Case> cases{
      {"smtps://user:secret@127.0.0.1:465", "must not hold a user or password"},
      {"http://127.0.0.1/", "must start with smtps:// or smtp://"},
      {"imaps://127.0.0.1/", "must start with smtps:// or smtp://"},
      {"not a url", "is not a URL"},
  };
  for (const auto& c : cases) {
    SmtpOptions smtp;
    smtp.url = c.url;
    auto result = send(smtp, m_mail);
    ASSERT_FALSE(result) << c.url;
    EXPECT_EQ(result.error().code, Code::malformed) << c.url;
    EXPECT_NE(result.error().message.find(c.fragment), std::string::npos)
        << c.url << " -> " << result.error().message;
    EXPECT_EQ(result.error().message.find("secret"), std::string::npos);
  }
}

TEST_F(Mailer, HostileReportStringsCannotInjectHeadersOrEndTheMessage) {
  auto server = start({});
  ASSERT_TRUE(server);
  MailContent mail =
      content_of(summary_of({domain(k_hostile_domain, {source("192.0.2.1", 1, 0)})}));
  mail.text += "\n.\nRCPT TO:<victim@example.net>\nDATA\n";  // SMTP end-of-data lookalike
  auto sent = send(smtp_for(*server), mail);
  ASSERT_TRUE(sent) << sent.error().message;
  auto messages = server->messages();
  ASSERT_EQ(messages.size(), 1u);
  const CapturedMessage& m = messages[0];
  EXPECT_EQ(m.envelope_to, std::vector<std::string>{"postmaster@example.com"});
  EXPECT_EQ(m.header_names,
            (std::vector<std::string>{"From", "To", "Subject", "Date", "Message-ID", "MIME-Version",
                                      "Auto-Submitted", "Content-Type"}));
  EXPECT_EQ(m.subject.find_first_of("\r\n\x1b"), std::string::npos) << m.subject;
  EXPECT_NE(m.subject.find("Bcc: victim@example.net"), std::string::npos);  // inert text
  ASSERT_EQ(m.parts.size(), 2u);
  EXPECT_EQ(lf(m.parts[0].second), mail.text);
}

}  // namespace
}  // namespace dmarc::report
