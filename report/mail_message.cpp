// Building the summary mail: subject, address checks, RFC 2047 headers,
// quoted-printable bodies, the multipart/alternative message.
#include <algorithm>
#include <cassert>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <random>

#include "report/mailer.hpp"
#include "report/period.hpp"
#include "report/terminal.hpp"

namespace dmarc::report {
namespace {

constexpr std::size_t k_max_header_line = 78;     // RFC 5322 2.1.1 "SHOULD"
constexpr std::size_t k_max_qp_line = 76;         // RFC 2045 6.7
constexpr std::size_t k_max_encoded_word = 75;    // RFC 2047 2
constexpr std::size_t k_max_address_bytes = 254;  // RFC 5321 4.5.3.1.3 (path minus <>)
constexpr std::size_t k_max_local_part_bytes = 64;
constexpr std::size_t k_max_subject_domain_bytes = 80;  // a report's domain, in the subject
constexpr std::size_t k_subject_domains_named = 2;

bool printable_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7F; });
}

bool atext(char c) {
  const unsigned char u = static_cast<unsigned char>(c);
  return (u < 0x80 && std::isalnum(u)) ||
         std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

bool dot_atom(std::string_view s, bool (*allowed)(char)) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '.') {
      if (s[i + 1] == '.') return false;
    } else if (!allowed(s[i])) {
      return false;
    }
  }
  return true;
}

bool domain_char(char c) {
  const unsigned char u = static_cast<unsigned char>(c);
  return u < 0x80 && (std::isalnum(u) || c == '-');
}

// The first bytes of text, at most max_bytes, cut before a UTF-8 continuation.
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t n = max_bytes;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  return text.substr(0, n);
}

std::string base64(std::string_view bytes) {
  static constexpr char k_alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 2]);
    out += k_alphabet[(v >> 18) & 63];
    out += k_alphabet[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? k_alphabet[(v >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? k_alphabet[v & 63] : '=';
  }
  return out;
}

std::string plural(std::size_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

std::string rfc5322_date(std::int64_t unix_seconds) {
  static constexpr const char* k_days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* k_months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%s, %02d %s %04d %02d:%02d:%02d +0000", k_days[tm.tm_wday],
                tm.tm_mday, k_months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buffer;
}

std::string random_hex(std::size_t bytes) {
  static constexpr char k_hex[] = "0123456789abcdef";
  std::random_device device;
  std::string out;
  for (std::size_t i = 0; i < bytes; ++i) {
    unsigned v = device() & 0xFF;
    out += k_hex[v >> 4];
    out += k_hex[v & 15];
  }
  return out;
}

// "To: a@example.com, b@example.com" folded after commas.
std::string address_list_field(std::string_view name, const std::vector<std::string>& addresses) {
  std::string out(name);
  out += ":";
  std::size_t line = out.size();
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    std::string item = " " + addresses[i] + (i + 1 < addresses.size() ? "," : "");
    if (i > 0 && line + item.size() > k_max_header_line) {
      out += "\r\n";
      line = 0;
    }
    out += item;
    line += item.size();
  }
  return out;
}

}  // namespace

Expected<void> check_address(std::string_view address) {
  if (address.find_first_of("\r\n") != std::string_view::npos) {
    return fail(Code::malformed, "mail address holds a line break");
  }
  if (!printable_ascii(address)) {
    return fail(Code::malformed, "mail address holds a control or non-ASCII character");
  }
  const std::string quoted = "mail address \"" + std::string(address) + "\"";
  if (address.size() > k_max_address_bytes) {
    return fail(Code::malformed,
                "mail address longer than " + std::to_string(k_max_address_bytes) + " bytes");
  }
  const std::size_t at = address.rfind('@');
  if (at == std::string_view::npos) return fail(Code::malformed, quoted + " has no @");
  const std::string_view local = address.substr(0, at);
  const std::string_view domain = address.substr(at + 1);
  if (local.size() > k_max_local_part_bytes) {
    return fail(Code::malformed, quoted + ": local part longer than " +
                                     std::to_string(k_max_local_part_bytes) + " bytes");
  }
  if (!dot_atom(local, atext)) {
    return fail(Code::malformed, quoted + ": the part before @ is not a plain dot-atom");
  }
  if (!dot_atom(domain, domain_char)) {
    return fail(Code::malformed, quoted + ": the part after @ is not a domain name");
  }
  return {};
}

std::string mail_subject(const Summary& summary, std::string_view prefix) {
  std::size_t rejected = 0;
  std::size_t quarantined = 0;
  std::vector<std::string> failing;
  for (const auto& d : summary.domains) {
    // The totals count the sources beyond the --top cut too.
    rejected += d.flagged_rejected_total;
    quarantined += d.flagged_total - d.flagged_rejected_total;
    if (d.flagged_total > 0) {
      failing.emplace_back(
          utf8_prefix(sanitize_for_terminal(d.domain), k_max_subject_domain_bytes));
    }
  }
  std::string subject = sanitize_for_terminal(prefix);
  if (!subject.empty()) subject += ' ';
  subject += "DMARC " + sanitize_for_terminal(summary.period.label) + ": ";
  if (summary.domains.empty()) return subject + "no reports";
  if (failing.empty()) {
    subject += "no source rejected or quarantined for ";
    if (summary.domains.size() == 1) {
      return subject + std::string(utf8_prefix(sanitize_for_terminal(summary.domains[0].domain),
                                               k_max_subject_domain_bytes));
    }
    return subject + std::to_string(summary.domains.size()) + " domains";
  }
  if (rejected > 0) subject += plural(rejected, "source") + " rejected";
  if (rejected > 0 && quarantined > 0) subject += ", " + std::to_string(quarantined);
  if (rejected == 0) subject += plural(quarantined, "source");
  if (quarantined > 0) subject += " quarantined";
  subject += " for ";
  for (std::size_t i = 0; i < failing.size() && i < k_subject_domains_named; ++i) {
    subject += (i > 0 ? ", " : "") + failing[i];
  }
  if (failing.size() > k_subject_domains_named) {
    subject += " and " + std::to_string(failing.size() - k_subject_domains_named) + " more";
  }
  return subject;
}

std::string header_field(std::string_view name, std::string_view value) {
  assert(name.size() < 40);  // leaves room for an encoded word on the first line
  std::string out(name);
  out += ":";
  const bool ascii = printable_ascii(value);
  if (ascii && out.size() + 1 + value.size() <= k_max_header_line)
    return out + " " + std::string(value);
  if (ascii) {
    // Fold before blanks; a word too long for any line goes as encoded words.
    std::vector<std::string_view> words;
    for (std::size_t start = 0;;) {
      const std::size_t end = std::min(value.find(' ', start), value.size());
      words.push_back(value.substr(start, end - start));
      if (end == value.size()) break;
      start = end + 1;
    }
    const auto too_long = [&](std::string_view w) {
      return out.size() + 1 + words.front().size() > k_max_header_line ||
             1 + w.size() > k_max_header_line;
    };
    if (std::none_of(words.begin(), words.end(), too_long)) {
      std::size_t line = out.size();
      for (std::size_t i = 0; i < words.size(); ++i) {
        if (i > 0 && !words[i].empty() && line + 1 + words[i].size() > k_max_header_line) {
          out += "\r\n";
          line = 0;
        }
        out += ' ';
        out += words[i];
        line += 1 + words[i].size();
      }
      return out;
    }
  }
  // RFC 2047 B encoding: "=?UTF-8?B?" + base64 + "?=" per word, words on
  // their own folded lines (blanks between encoded words are not content).
  static constexpr std::size_t k_word_overhead = 12;
  std::size_t line = out.size() + 1;
  bool first = true;
  while (!value.empty()) {
    const std::size_t room = std::min(k_max_header_line - line, k_max_encoded_word);
    const std::size_t max_bytes = (room - k_word_overhead) / 4 * 3;
    std::string_view chunk = utf8_prefix(value, max_bytes);
    if (chunk.empty()) chunk = value.substr(0, std::min(value.size(), max_bytes));
    if (!first) out += "\r\n";
    out += " =?UTF-8?B?" + base64(chunk) + "?=";
    value.remove_prefix(chunk.size());
    line = 1;
    first = false;
  }
  return out;
}

std::string quoted_printable(std::string_view text) {
  static constexpr char k_hex[] = "0123456789ABCDEF";
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    const bool hard_break = end != std::string_view::npos;
    if (!hard_break) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (hard_break && !line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::string current;
    for (std::size_t i = 0; i < line.size(); ++i) {
      const unsigned char c = static_cast<unsigned char>(line[i]);
      const bool last = i + 1 == line.size();
      bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last);
      if (current.empty() && (c == '.' || (c == 'F' && line.substr(i, 5) == "From "))) {
        literal = false;  // dot-stuffing and mbox "From " lines cannot touch it
      }
      std::string token = literal ? std::string(1, static_cast<char>(c))
                                  : std::string{'=', k_hex[c >> 4], k_hex[c & 15]};
      if (current.size() + token.size() > k_max_qp_line - (last ? 0 : 1)) {
        out += current + "=\r\n";
        current.clear();
        if (c == '.' || (c == 'F' && line.substr(i, 5) == "From ")) {
          token = std::string{'=', k_hex[c >> 4], k_hex[c & 15]};
        }
      }
      current += token;
    }
    out += current;
    if (hard_break) out += "\r\n";
    start = end + 1;
  }
  return out;
}

Expected<std::string> compose_message(const MailContent& mail) {
  if (auto ok = check_address(mail.from); !ok) return tl::unexpected(ok.error());
  if (mail.to.empty()) return fail(Code::malformed, "mail needs at least one recipient");
  for (const auto& to : mail.to) {
    if (auto ok = check_address(to); !ok) return tl::unexpected(ok.error());
  }
  if (mail.subject.find_first_of("\r\n") != std::string::npos) {
    return fail(Code::malformed, "mail subject holds a line break");
  }
  const std::string boundary = "=_dmarcdb_" + random_hex(12);  // "=_" never occurs in QP
  const std::string domain = mail.from.substr(mail.from.rfind('@') + 1);
  std::string m;
  m += "From: " + mail.from + "\r\n";
  m += address_list_field("To", mail.to) + "\r\n";
  m += header_field("Subject", sanitize_for_terminal(mail.subject)) + "\r\n";
  m += "Date: " + rfc5322_date(mail.date) + "\r\n";
  m += "Message-ID: <" + random_hex(16) + "." + std::to_string(mail.date) + "@" + domain + ">\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Auto-Submitted: auto-generated\r\n";
  m += "Content-Type: multipart/alternative;\r\n boundary=\"" + boundary + "\"\r\n";
  m += "\r\nThis is a MIME message: a plain text and an HTML version of the same summary.\r\n";
  m += "\r\n--" + boundary + "\r\n";
  m += "Content-Type: text/plain; charset=utf-8\r\n";
  m += "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
  m += quoted_printable(mail.text);
  m += "\r\n--" + boundary + "\r\n";
  m += "Content-Type: text/html; charset=utf-8\r\n";
  m += "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
  m += quoted_printable(mail.html);
  m += "\r\n--" + boundary + "--\r\n";
  return m;
}

}  // namespace dmarc::report
