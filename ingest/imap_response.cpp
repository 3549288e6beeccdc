#include "ingest/imap_response.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

namespace dmarc::ingest {
namespace {

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) ==
                  std::toupper(static_cast<unsigned char>(y));
         });
}

// Splits on spaces; a parenthesised list stays one token "(...)".
std::vector<std::string_view> tokens(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == ' ') {
      ++i;
      continue;
    }
    std::size_t start = i;
    if (text[i] == '(') {
      int depth = 0;
      for (; i < text.size(); ++i) {
        if (text[i] == '(') ++depth;
        if (text[i] == ')' && --depth == 0) {
          ++i;
          break;
        }
      }
    } else {
      while (i < text.size() && text[i] != ' ' && text[i] != '(') ++i;
    }
    out.push_back(text.substr(start, i - start));
  }
  return out;
}

std::optional<std::uint64_t> number(std::string_view text) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// The inside of "(...)" after the response's first '(' at or after from.
std::optional<std::string_view> attributes(std::string_view line, std::size_t from) {
  const std::size_t open = line.find('(', from);
  const std::size_t close = line.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return std::nullopt;
  }
  return line.substr(open + 1, close - open - 1);
}

}  // namespace

Expected<MailboxStatus> parse_status(std::string_view response) {
  for (std::string_view line : lines_of(response)) {
    if (line.size() < 9 || !iequals(line.substr(0, 9), "* STATUS ")) continue;
    // The mailbox name may hold '(' when quoted: the attributes are the last list.
    const std::size_t open = line.rfind('(');
    auto inside = attributes(line, open == std::string_view::npos ? line.size() : open);
    if (!inside) return fail(Code::malformed, "STATUS response without attribute list");
    std::optional<std::uint64_t> messages, uidnext, uidvalidity;
    std::vector<std::string_view> items = tokens(*inside);
    for (std::size_t i = 0; i + 1 < items.size(); i += 2) {
      std::optional<std::uint64_t> value = number(items[i + 1]);
      if (!value) {
        return fail(Code::malformed, fmt::format("STATUS {} is not a number", items[i]));
      }
      if (iequals(items[i], "MESSAGES")) messages = value;
      if (iequals(items[i], "UIDNEXT")) uidnext = value;
      if (iequals(items[i], "UIDVALIDITY")) uidvalidity = value;
    }
    if (!messages || !uidnext || !uidvalidity) {
      return fail(Code::malformed, "STATUS response lacks MESSAGES, UIDNEXT or UIDVALIDITY");
    }
    return MailboxStatus{*messages, *uidnext, *uidvalidity};
  }
  return fail(Code::malformed, "no STATUS response");
}

Expected<std::vector<MessageInfo>> parse_fetch(std::string_view response) {
  std::vector<MessageInfo> out;
  for (std::string_view line : lines_of(response)) {
    std::vector<std::string_view> parts = tokens(line);
    if (parts.size() < 3 || parts[0] != "*" || !iequals(parts[2], "FETCH")) continue;
    if (parts.size() != 4 || parts[3].size() < 2 || parts[3].front() != '(' ||
        parts[3].back() != ')') {
      return fail(Code::malformed, "FETCH response without attribute list");
    }
    std::optional<std::string_view> inside = parts[3].substr(1, parts[3].size() - 2);
    MessageInfo info;
    bool has_uid = false;
    std::vector<std::string_view> items = tokens(*inside);
    for (std::size_t i = 0; i + 1 < items.size(); i += 2) {
      if (iequals(items[i], "UID") || iequals(items[i], "RFC822.SIZE")) {
        std::optional<std::uint64_t> value = number(items[i + 1]);
        if (!value) {
          return fail(Code::malformed, fmt::format("FETCH {} is not a number", items[i]));
        }
        if (iequals(items[i], "UID")) {
          info.uid = *value;
          has_uid = *value > 0;
        } else {
          info.size = *value;
        }
      } else if (iequals(items[i], "FLAGS")) {
        if (items[i + 1].size() < 2 || items[i + 1].front() != '(') {
          return fail(Code::malformed, "FETCH FLAGS is not a list");
        }
        for (std::string_view flag : tokens(items[i + 1].substr(1, items[i + 1].size() - 2))) {
          if (iequals(flag, "\\Seen")) info.seen = true;
        }
      }
    }
    if (!has_uid) return fail(Code::malformed, "FETCH response without UID");
    out.push_back(info);
  }
  std::sort(out.begin(), out.end(),
            [](const MessageInfo& a, const MessageInfo& b) { return a.uid < b.uid; });
  return out;
}

std::optional<std::uint64_t> parse_esearch_count(std::string_view response) {
  for (std::string_view line : lines_of(response)) {
    if (line.size() < 10 || !iequals(line.substr(0, 10), "* ESEARCH ")) continue;
    std::vector<std::string_view> items = tokens(line.substr(10));
    for (std::size_t i = 0; i + 1 < items.size(); ++i) {
      if (iequals(items[i], "COUNT")) return number(items[i + 1]);
    }
  }
  return std::nullopt;
}

bool has_list_line(std::string_view response) {
  for (std::string_view line : lines_of(response)) {
    if (line.size() >= 7 && iequals(line.substr(0, 7), "* LIST ")) return true;
  }
  return false;
}

std::set<std::string> parse_capabilities(std::string_view response) {
  std::set<std::string> out;
  for (std::string_view line : lines_of(response)) {
    if (line.size() < 13 || !iequals(line.substr(0, 13), "* CAPABILITY ")) continue;
    for (std::string_view atom : tokens(line.substr(13))) {
      std::string upper(atom);
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      out.insert(upper);
    }
  }
  return out;
}

}  // namespace dmarc::ingest
