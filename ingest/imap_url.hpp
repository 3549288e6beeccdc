// IMAP mailbox URLs as users write them: imaps://[user@]host[:port][/MAILBOX]
// (implicit TLS, port 993) or imap://... (STARTTLS, port 143). The mailbox
// defaults to INBOX. Passwords in the URL are refused: secrets never travel
// on the command line. Also the forms dmarcdb derives from a URL: the
// checkpoint key, the origin of a message, and the URLs handed to libcurl.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "parse/error.hpp"

namespace dmarc::ingest {

struct ImapUrl {
  bool implicit_tls = true;  // imaps://
  std::string user;          // "" if not in the URL
  std::string host;          // without brackets for IPv6
  std::uint16_t port = 993;
  std::string mailbox = "INBOX";

  // "imaps://host:993" (no user, no mailbox): where libcurl connects.
  std::string server() const;
  // "imaps://user@host:993/INBOX": identifies the mailbox (the checkpoint key).
  std::string key() const;
  // The libcurl URL of the mailbox, mailbox percent-encoded.
  std::string mailbox_url(std::string_view mailbox_name) const;
  // The libcurl URL of one message; uidvalidity makes libcurl refuse a
  // mailbox whose UIDs changed meaning.
  std::string message_url(std::uint64_t uidvalidity, std::uint64_t uid) const;
  // The origin stored for a message: key() + ";UIDVALIDITY=v;UID=n".
  std::string origin(std::uint64_t uidvalidity, std::uint64_t uid) const;
};

// Parses a URL; user (if not empty) replaces the URL's user. Errors
// (malformed) name what is wrong without repeating a password.
[[nodiscard]] Expected<ImapUrl> parse_imap_url(std::string_view url);

// A mailbox name as an IMAP quoted string ("INBOX", "a \"b\""). Names with
// control characters or outside ASCII are refused (malformed/unsupported).
[[nodiscard]] Expected<std::string> imap_quoted(std::string_view mailbox);

}  // namespace dmarc::ingest
