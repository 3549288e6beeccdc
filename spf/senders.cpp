#include "spf/senders.hpp"

#include <cctype>
#include <fstream>
#include <sstream>

#include "spf/check_host.hpp"

namespace dmarc::spf {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

// The built-in entries: services' documented SPF includes.
constexpr std::string_view k_builtin = R"(
google.com                    include:_spf.google.com            Google Workspace
googlemail.com                include:_spf.google.com            Google Workspace
outlook.com                   include:spf.protection.outlook.com Microsoft 365
sendgrid.net                  include:sendgrid.net               SendGrid
mailgun.net                   include:mailgun.org                Mailgun
mailgun.org                   include:mailgun.org                Mailgun
amazonses.com                 include:amazonses.com              Amazon SES
mcsv.net                      include:servers.mcsv.net           Mailchimp
rsgsv.net                     include:servers.mcsv.net           Mailchimp
mandrillapp.com               include:spf.mandrillapp.com        Mandrill
sparkpostmail.com             include:sparkpostmail.com          SparkPost
mtasv.net                     include:spf.mtasv.net              Postmark
zendesk.com                   include:mail.zendesk.com           Zendesk
salesforce.com                include:_spf.salesforce.com        Salesforce
exacttarget.com               include:cust-spf.exacttarget.com   Salesforce Marketing Cloud
zoho.com                      include:zoho.com                   Zoho Mail
zohomail.com                  include:zoho.com                   Zoho Mail
mailjet.com                   include:spf.mailjet.com            Mailjet
sendinblue.com                include:spf.sendinblue.com         Brevo (Sendinblue)
messagingengine.com           include:spf.messagingengine.com    Fastmail
freshdesk.com                 include:email.freshdesk.com        Freshdesk
)";

}  // namespace

SenderTable SenderTable::builtin() {
  SenderTable table;
  const auto added = table.add_text(k_builtin);
  (void)added;  // the built-in text is valid (tests/spf/senders_test.cpp)
  return table;
}

void SenderTable::add(KnownSender sender) {
  sender.org_domain = lower(sender.org_domain);
  sender.spf_include = lower(sender.spf_include);
  for (auto& entry : m_entries) {
    if (entry.org_domain == sender.org_domain) {
      entry = std::move(sender);
      return;
    }
  }
  m_entries.push_back(std::move(sender));
}

Expected<std::size_t> SenderTable::add_text(std::string_view text) {
  std::istringstream lines{std::string(text)};
  std::size_t number = 0;
  std::size_t added = 0;
  for (std::string line; std::getline(lines, line);) {
    ++number;
    if (const auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream fields(line);
    std::string org;
    std::string include;
    if (!(fields >> org)) continue;
    std::string service;
    fields >> include;
    std::getline(fields >> std::ws, service);
    while (!service.empty() && std::isspace(static_cast<unsigned char>(service.back()))) service.pop_back();
    constexpr std::string_view k_prefix = "include:";
    const auto where = "sender table line " + std::to_string(number) + ": ";
    if (include.rfind(k_prefix, 0) != 0 || service.empty()) {
      return fail(Code::malformed, where + "expected ORG_DOMAIN include:DOMAIN SERVICE NAME");
    }
    include.erase(0, k_prefix.size());
    if (!is_valid_domain(org) || !is_valid_domain(include)) {
      return fail(Code::malformed, where + "not a domain name");
    }
    if (m_entries.size() >= k_max_sender_entries) {
      return fail(Code::too_large, where + "more than " + std::to_string(k_max_sender_entries) + " entries");
    }
    add(KnownSender{org, include, service});
    ++added;
  }
  return added;
}

Expected<std::size_t> SenderTable::add_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return fail(Code::io, "cannot read sender table \"" + path.string() + "\"");
  constexpr std::size_t k_max_file = 1 << 20;
  std::string text(k_max_file + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > k_max_file) {
    return fail(Code::too_large, "sender table \"" + path.string() + "\" is larger than 1 MiB");
  }
  auto added = add_text(text);
  if (!added) return fail(added.error().code, path.string() + ": " + added.error().message);
  return added;
}

const KnownSender* SenderTable::find(std::string_view host) const {
  const std::string name = lower(host);
  const KnownSender* best = nullptr;
  for (const auto& entry : m_entries) {
    const auto& d = entry.org_domain;
    const bool under = name == d || (name.size() > d.size() &&
                                      name.compare(name.size() - d.size(), d.size(), d) == 0 &&
                                      name[name.size() - d.size() - 1] == '.');
    if (under && (!best || d.size() > best->org_domain.size())) best = &entry;
  }
  return best;
}

}  // namespace dmarc::spf
