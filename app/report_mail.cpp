#include "app/report_mail.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "app/cli.hpp"
#include "parse/error.hpp"
#include "report/render.hpp"

namespace dmarc::app {
namespace {

constexpr const char* k_password_variable = "DMARCDB_SMTP_PASSWORD";
constexpr long k_max_timeout = 3600;  // seconds

std::string default_from() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') return "dmarcdb@localhost";
  return std::string("dmarcdb@") + host;
}

// The password: the file's first line (line end removed), else the variable.
std::string read_password(const MailSettings& mail) {
  if (!mail.password_file.empty()) {
    std::ifstream in(mail.password_file, std::ios::binary);
    std::string password;
    if (!in || !std::getline(in, password)) {
      throw Fatal("cannot read the SMTP password file " + mail.password_file);
    }
    if (!password.empty() && password.back() == '\r') password.pop_back();
    if (password.empty()) throw Fatal("the SMTP password file " + mail.password_file + " is empty");
    return password;
  }
  const char* env = std::getenv(k_password_variable);
  return env ? env : "";
}

}  // namespace

void add_mail_options(po::options_description& desc, MailSettings& mail) {
  po::options_description group(
      "Mailing (the summary is mailed as text + HTML instead of printed; nothing is\n"
      "printed on success, so cron stays silent; -o still writes the file)");
  // clang-format off
  group.add_options()
      ("mail-to", po::value(&mail.to), "recipient address (repeatable)")
      ("mail-from", po::value(&mail.from), "sender address (default dmarcdb@<host name>)")
      ("subject-prefix", po::value(&mail.subject_prefix), "text before the subject, e.g. [dmarc]")
      ("smtp-url", po::value(&mail.smtp.url),
       "smtps://host:465 (TLS) or smtp://host:587 (STARTTLS required)")
      ("smtp-user", po::value(&mail.smtp.user), "SMTP AUTH user")
      ("smtp-password-file", po::value(&mail.password_file),
       "file whose first line is the SMTP password (else $DMARCDB_SMTP_PASSWORD)")
      ("smtp-password", po::value<std::string>(),
       "refused: a password in argv is visible to every user")
      ("smtp-ca-file", po::value(&mail.smtp.ca_file), "CA certificates (PEM) for a private CA")
      ("smtp-insecure", po::bool_switch(&mail.smtp.insecure),
       "do not verify the server certificate (testing only)")
      ("smtp-insecure-plain", po::bool_switch(&mail.smtp.allow_plain),
       "allow smtp:// without STARTTLS: mail and password travel unencrypted")
      ("smtp-connect-timeout",
       po::value(&mail.smtp.connect_timeout)->default_value(mail.smtp.connect_timeout),
       "seconds to connect")
      ("smtp-timeout", po::value(&mail.smtp.timeout)->default_value(mail.smtp.timeout),
       "seconds for the whole delivery");
  // clang-format on
  desc.add(group);
}

bool check_mail_options(const po::variables_map& vm, const MailSettings& mail) {
  if (vm.count("smtp-password")) {
    throw UsageError{
        "--smtp-password is not accepted (other users can read a command line); "
        "use --smtp-password-file FILE or $" +
        std::string(k_password_variable)};
  }
  if (mail.to.empty()) {
    for (const char* option : {"mail-from", "subject-prefix", "smtp-url", "smtp-user",
                               "smtp-password-file", "smtp-ca-file"}) {
      if (vm.count(option)) throw UsageError{"--" + std::string(option) + " needs --mail-to"};
    }
    return false;
  }
  if (mail.smtp.url.empty()) throw UsageError{"--mail-to needs --smtp-url"};
  for (const auto& address : mail.to) {
    if (auto ok = report::check_address(address); !ok) {
      throw UsageError{"--mail-to: " + ok.error().message};
    }
  }
  if (!mail.from.empty()) {
    if (auto ok = report::check_address(mail.from); !ok) {
      throw UsageError{"--mail-from: " + ok.error().message};
    }
  }
  if (mail.subject_prefix.find_first_of("\r\n") != std::string::npos) {
    throw UsageError{"--subject-prefix must not hold a line break"};
  }
  if (!mail.password_file.empty() && mail.smtp.user.empty()) {
    throw UsageError{"--smtp-password-file needs --smtp-user"};
  }
  if (!mail.smtp.user.empty() && mail.password_file.empty() && !std::getenv(k_password_variable)) {
    throw UsageError{"--smtp-user needs a password: --smtp-password-file FILE or $" +
                     std::string(k_password_variable)};
  }
  for (long seconds : {mail.smtp.connect_timeout, mail.smtp.timeout}) {
    if (seconds < 1 || seconds > k_max_timeout) {
      throw UsageError{"--smtp-connect-timeout and --smtp-timeout take 1 to " +
                       std::to_string(k_max_timeout) + " seconds"};
    }
  }
  return true;
}

void mail_summary(const MailSettings& mail, const report::Summary& summary) {
  report::SmtpOptions smtp = mail.smtp;
  if (!smtp.user.empty()) smtp.password = read_password(mail);
  std::ostringstream text, html;
  report::render_text(text, summary);
  report::render_html(html, summary);
  report::MailContent content;
  content.from = mail.from.empty() ? default_from() : mail.from;
  content.to = mail.to;
  content.subject = report::mail_subject(summary, mail.subject_prefix);
  content.text = text.str();
  content.html = html.str();
  content.date = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  auto message = report::compose_message(content);
  if (!message) {
    throw Fatal("cannot mail the summary: " + message.error().message +
                (mail.from.empty() ? " (set --mail-from)" : ""));
  }
  auto sent = report::send_mail(smtp, content.from, content.to, *message);
  if (!sent) throw Fatal("cannot mail the summary: " + sent.error().message);
}

}  // namespace dmarc::app
