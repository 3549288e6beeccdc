// Mailing the weekly summary: an RFC 5322 / MIME message (multipart/alternative,
// text/plain and text/html in UTF-8, quoted-printable, RFC 2047 headers) and its
// delivery over SMTP with libcurl. Addresses and the subject prefix are checked
// (no CR/LF, no specials) so no header can be injected; report strings in the
// subject are stripped of control characters. TLS is required and verified
// unless the caller explicitly allows otherwise. Passwords are never logged.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "parse/error.hpp"
#include "report/summary.hpp"

namespace dmarc::report {

// Checks an envelope address (addr-spec "local@domain", ASCII, no spaces,
// quotes, angle brackets, commas, CR or LF; local part at most 64 bytes,
// whole address at most 254). Returns Code::malformed naming the problem.
[[nodiscard]] Expected<void> check_address(std::string_view address);

// "DMARC 2026-W47: 4 sources rejected, 1 quarantined for example.com" — the
// answer of the summary in one line; prefix (may be empty) goes first,
// followed by a space. Report strings are stripped of control characters.
std::string mail_subject(const Summary& summary, std::string_view prefix = {});

struct MailContent {
  std::string from;             // envelope sender and From:
  std::vector<std::string> to;  // envelope recipients and To:, at least one
  std::string subject;          // UTF-8, no CR or LF
  std::string text;             // text/plain body, UTF-8, LF or CRLF line ends
  std::string html;             // text/html body, UTF-8
  std::int64_t date = 0;        // Date:, unix seconds
};

// The whole message with CRLF line ends: headers (From, To, Subject, Date,
// Message-ID, MIME-Version), then multipart/alternative with the text and the
// HTML part, both quoted-printable. Header lines stay within 78 characters,
// body lines within 76. Fails (Code::malformed) on a bad address or a subject
// holding CR or LF.
[[nodiscard]] Expected<std::string> compose_message(const MailContent& mail);

// Quoted-printable (RFC 2045 6.7) of text whose lines end in LF or CRLF:
// output lines end in CRLF and are at most 76 characters; "=", bytes outside
// printable ASCII, trailing blanks and a leading "." are encoded.
std::string quoted_printable(std::string_view text);

// An unstructured header field "Name: value" (value UTF-8, no CR/LF), folded
// to lines of at most 78 characters; non-ASCII values become RFC 2047
// "=?UTF-8?B?...?=" encoded words that never split a UTF-8 sequence. Ends
// without CRLF.
std::string header_field(std::string_view name, std::string_view value);

struct SmtpOptions {
  static constexpr long k_default_connect_timeout = 15;  // seconds
  static constexpr long k_default_timeout = 60;          // seconds, whole transfer

  std::string url;           // smtps://host[:port] (implicit TLS) or smtp://host[:port]
  std::string user;          // empty: no AUTH
  std::string password;      // never logged, never part of an error message
  std::string ca_file;       // extra CA bundle for a private CA; empty: system CAs
  bool insecure = false;     // skip certificate verification
  bool allow_plain = false;  // smtp:// without STARTTLS is accepted
  long connect_timeout = k_default_connect_timeout;
  long timeout = k_default_timeout;
};

// Sends message (as built by compose_message) from `from` to every address
// in `to` over SMTP. smtps:// uses implicit TLS; smtp:// requires STARTTLS
// unless allow_plain. On failure returns Code::network (server refused,
// login denied, TLS failed...), Code::timeout, or Code::malformed (bad URL
// or address), with a one-line message naming the server and the reason.
// Needs curl_global_init done by the caller.
[[nodiscard]] Expected<void> send_mail(const SmtpOptions& smtp, const std::string& from,
                                       const std::vector<std::string>& to,
                                       const std::string& message);

}  // namespace dmarc::report
