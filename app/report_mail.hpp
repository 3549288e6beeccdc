// `dmarcdb report --mail-to ...`: the mailing options of the report command and
// sending the summary. The SMTP password comes from --smtp-password-file or
// $DMARCDB_SMTP_PASSWORD, never from the command line, and is never printed.
#pragma once

#include <string>
#include <vector>

#include "app/options.hpp"
#include "report/mailer.hpp"
#include "report/summary.hpp"

namespace dmarc::app {

struct MailSettings {
  std::vector<std::string> to;
  std::string from;  // empty: dmarcdb@<host name>
  std::string subject_prefix;
  std::string password_file;
  report::SmtpOptions smtp;
};

// Adds --mail-to, --mail-from, --subject-prefix and the --smtp-* options.
void add_mail_options(po::options_description& desc, MailSettings& mail);

// True when --mail-to was given. Throws UsageError for mail options that do
// not go together (SMTP options without --mail-to, --mail-to without
// --smtp-url, a user without a password, a password on the command line...).
bool check_mail_options(const po::variables_map& vm, const MailSettings& mail);

// Reads the password, builds the message (text and HTML renderings) and sends
// it. Throws Fatal with a one-line reason when it cannot be sent.
void mail_summary(const MailSettings& mail, const report::Summary& summary);

}  // namespace dmarc::app
