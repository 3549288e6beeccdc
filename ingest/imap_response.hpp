// Parsing of the untagged IMAP responses that libcurl hands over for custom
// commands (STATUS, LIST, CAPABILITY, UID FETCH of FLAGS and RFC822.SIZE).
// The text comes from the server: numbers are range-checked, unknown items
// are skipped, and a line that cannot be understood is an error, not a guess.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "parse/error.hpp"

namespace dmarc::ingest {

struct MailboxStatus {
  std::uint64_t messages = 0;
  std::uint64_t uidnext = 0;
  std::uint64_t uidvalidity = 0;
  bool operator==(const MailboxStatus&) const = default;
};

struct MessageInfo {
  std::uint64_t uid = 0;
  bool seen = false;
  std::uint64_t size = 0;  // RFC822.SIZE as the server declares it
  bool operator==(const MessageInfo&) const = default;
};

// "* STATUS name (MESSAGES n UIDNEXT n UIDVALIDITY n)"; all three required.
[[nodiscard]] Expected<MailboxStatus> parse_status(std::string_view response);

// Every "* n FETCH (UID u FLAGS (...) RFC822.SIZE s)" line, in UID order;
// lines of other kinds are ignored; a FETCH line without UID is an error.
[[nodiscard]] Expected<std::vector<MessageInfo>> parse_fetch(std::string_view response);

// The COUNT of a "* ESEARCH ... COUNT n" line; nullopt if there is none.
std::optional<std::uint64_t> parse_esearch_count(std::string_view response);

// True if the response holds a "* LIST" line.
bool has_list_line(std::string_view response);

// The capability atoms of a "* CAPABILITY" line, upper-cased.
std::set<std::string> parse_capabilities(std::string_view response);

}  // namespace dmarc::ingest
