#include "ingest/imap_url.hpp"

#include <fmt/format.h>

#include <charconv>

namespace dmarc::ingest {
namespace {

bool unreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '.' || c == '_' || c == '~';
}

std::string percent_encode(std::string_view text, bool keep_slash) {
  std::string out;
  for (char c : text) {
    if (unreserved(c) || (keep_slash && c == '/')) {
      out += c;
    } else {
      out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    }
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Expected<std::string> percent_decode(std::string_view text, std::string_view what) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    const int high = i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
    const int low = high >= 0 ? hex_value(text[i + 2]) : -1;
    if (high < 0 || low < 0) return fail(Code::malformed, fmt::format("bad %-escape in {}", what));
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

std::string host_for_url(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

}  // namespace

std::string ImapUrl::server() const {
  return fmt::format("{}://{}:{}", implicit_tls ? "imaps" : "imap", host_for_url(host), port);
}

std::string ImapUrl::key() const {
  return fmt::format("{}://{}{}{}:{}/{}", implicit_tls ? "imaps" : "imap",
                     percent_encode(user, false), user.empty() ? "" : "@", host_for_url(host),
                     port, percent_encode(mailbox, true));
}

std::string ImapUrl::mailbox_url(std::string_view mailbox_name) const {
  return server() + "/" + percent_encode(mailbox_name, true);
}

std::string ImapUrl::message_url(std::uint64_t uidvalidity, std::uint64_t uid) const {
  return fmt::format("{};UIDVALIDITY={};UID={}", mailbox_url(mailbox), uidvalidity, uid);
}

std::string ImapUrl::origin(std::uint64_t uidvalidity, std::uint64_t uid) const {
  return fmt::format("{};UIDVALIDITY={};UID={}", key(), uidvalidity, uid);
}

Expected<ImapUrl> parse_imap_url(std::string_view url) {
  ImapUrl result;
  if (url.substr(0, 8) == "imaps://") {
    url.remove_prefix(8);
  } else if (url.substr(0, 7) == "imap://") {
    result.implicit_tls = false;
    result.port = 143;
    url.remove_prefix(7);
  } else {
    return fail(Code::malformed, "IMAP URL must start with imaps:// or imap://");
  }
  const std::size_t slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : url.substr(slash + 1);

  const std::size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    if (userinfo.find(':') != std::string_view::npos || userinfo.find(';') != std::string_view::npos) {
      return fail(Code::malformed,
                  "IMAP URL must not carry a password or login options: use --password-file, "
                  "$DMARCDB_IMAP_PASSWORD or the config file");
    }
    auto user = percent_decode(userinfo, "the user name");
    if (!user) return tl::unexpected(user.error());
    result.user = *user;
    authority.remove_prefix(at + 1);
  }
  std::string_view port_text;
  bool has_port = false;
  if (authority.substr(0, 1) == "[") {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return fail(Code::malformed, "IMAP URL: unclosed [ in host");
    result.host = std::string(authority.substr(1, close - 1));
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return fail(Code::malformed, "IMAP URL: junk after ]");
      port_text = rest.substr(1);
      has_port = true;
    }
  } else {
    const std::size_t colon = authority.find(':');
    result.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      has_port = true;
    }
  }
  if (result.host.empty()) return fail(Code::malformed, "IMAP URL has no host");
  if (has_port) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || value == 0 ||
        value > 65535) {
      return fail(Code::malformed, fmt::format("IMAP URL: bad port \"{}\"", port_text));
    }
    result.port = static_cast<std::uint16_t>(value);
  }
  if (path.find(';') != std::string_view::npos || path.find('?') != std::string_view::npos) {
    return fail(Code::malformed, "IMAP URL: give only the mailbox (no ;UID=, no ?query)");
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (!path.empty()) {
    auto mailbox = percent_decode(path, "the mailbox");
    if (!mailbox) return tl::unexpected(mailbox.error());
    result.mailbox = *mailbox;
  }
  if (auto quoted = imap_quoted(result.mailbox); !quoted) return tl::unexpected(quoted.error());
  return result;
}

Expected<std::string> imap_quoted(std::string_view mailbox) {
  if (mailbox.empty()) return fail(Code::malformed, "empty mailbox name");
  std::string out = "\"";
  for (char c : mailbox) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      return fail(Code::malformed, "mailbox name holds a control character");
    }
    if (u >= 0x80) {
      return fail(Code::unsupported,
                  fmt::format("mailbox name \"{}\" is not ASCII (modified UTF-7 names are not "
                              "supported yet)",
                              mailbox));
    }
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace dmarc::ingest
