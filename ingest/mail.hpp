// E-mail handling with GMime: recognising RFC 822 messages and mbox files,
// splitting mbox files, and extracting every part of a message that could
// hold an aggregate report, whatever its Content-Type. Also tells forensic
// (ARF, RFC 6591) and SMTP TLS (RFC 8460) report mails apart.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "parse/error.hpp"
#include "parse/limits.hpp"

namespace dmarc::ingest {

// True if bytes start (after optional leading whitespace) with an RFC 5322
// header field line ("Name: value") followed by more header lines or a body.
bool looks_like_mail(std::string_view bytes);

// True if bytes start with an mbox "From " separator line followed by headers.
bool looks_like_mbox(std::string_view bytes);

// Splits an mbox file into its messages (raw bytes of each, without the
// "From " separator line), in file order. Errors: malformed if no message.
[[nodiscard]] Expected<std::vector<std::string>> split_mbox(std::string_view mbox,
                                                            const Limits& limits);

enum class MailKind {
  aggregate_candidate,  // may hold aggregate reports: see parts
  forensic,             // multipart/report; report-type=feedback-report, or ARF parts
  smtp_tls,             // report-type=tlsrpt or application/tlsrpt+json/+gzip parts
};

struct MailPart {
  std::string id;            // position in the MIME tree, e.g. "1", "2.1"
  std::string content_type;  // as declared, lower-cased "type/subtype"
  std::string filename;      // Content-Disposition filename or Content-Type name ("" if none)
  std::string bytes;         // after Content-Transfer-Encoding decoding
};

struct Mail {
  MailKind kind = MailKind::aggregate_candidate;
  std::string subject;
  std::string message_id;
  // Every leaf part except human-readable text (text/plain, text/html whose
  // bytes do not start like XML), in tree order. Nested message/rfc822 parts
  // are walked too.
  std::vector<MailPart> parts;
  // Declared "type/subtype" of every leaf part, for messages naming them.
  std::vector<std::string> all_content_types;
};

// Parses one message. Errors: malformed if GMime cannot parse it at all;
// too_large if it has more than max_mime_parts parts.
[[nodiscard]] Expected<Mail> parse_mail(std::string_view message, const Limits& limits);

}  // namespace dmarc::ingest
