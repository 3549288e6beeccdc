// A narrow IMAP session over libcurl: one easy handle (one connection, reused
// across requests), TLS verified unless insecure is asked for, secrets handed
// to libcurl only through CURLOPT_PASSWORD / CURLOPT_XOAUTH2_BEARER and asked
// for again (a fresh OAuth2 token) whenever a new connection will be made.
// Every call returns ImapExpected: a failure says what kind it is (login,
// missing mailbox, network, ...) so callers can retry, skip or stop.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include "ingest/imap_response.hpp"
#include "ingest/imap_url.hpp"

namespace dmarc::ingest {

enum class ImapFailure {
  login,            // credentials refused (or the secret could not be obtained)
  mailbox_missing,  // the mailbox does not exist
  network,          // connection failed, dropped or timed out: worth retrying
  tls,              // certificate not trusted, STARTTLS refused: not retried
  refused,          // the server said NO or BAD to a command
  vanished,         // the message is gone (expunged, or UIDVALIDITY changed)
  too_large,        // the message grew past the size limit while downloading
  other,            // anything else libcurl reports
};
const char* to_string(ImapFailure failure);

struct ImapError {
  ImapFailure kind;
  std::string message;
};

template <class T>
using ImapExpected = tl::expected<T, ImapError>;

struct ImapSettings {
  ImapUrl url;
  bool allow_plaintext = false;  // imap:// without STARTTLS
  bool insecure = false;         // skip certificate verification
  std::string ca_file;           // extra trust anchors ("" for the system store)
  bool oauth2 = false;           // the secret is a bearer token
  std::string sasl_mechanism;    // "" lets libcurl choose; "XOAUTH2", "OAUTHBEARER", "PLAIN"...
  // Returns the password or a fresh token; called before each new connection.
  std::function<tl::expected<std::string, std::string>()> secret;
  std::chrono::seconds connect_timeout{30};
  std::chrono::seconds read_timeout{60};
};

class ImapSession {
 public:
  explicit ImapSession(ImapSettings settings);
  ~ImapSession();
  ImapSession(const ImapSession&) = delete;
  ImapSession& operator=(const ImapSession&) = delete;

  ImapExpected<std::set<std::string>> capabilities();
  ImapExpected<bool> mailbox_exists(std::string_view mailbox);
  ImapExpected<MailboxStatus> status(std::string_view mailbox);
  ImapExpected<void> create(std::string_view mailbox);
  // UID, flags and size of every message with first_uid <= UID <= last_uid,
  // in UID order. libcurl 7.88 (Debian 12) counts the lines of one response
  // against its 300 KB header cap, in a way that grows with the square of
  // the lines that arrive together (250 FETCH lines already fail at times),
  // so callers ask for windows of at most k_uid_window UIDs.
  static constexpr std::uint64_t k_uid_window = 50;
  ImapExpected<std::vector<MessageInfo>> messages_in(std::string_view mailbox,
                                                     std::uint64_t first_uid,
                                                     std::uint64_t last_uid);
  // How many messages have UID >= first_uid (ESEARCH); nullopt when the
  // server cannot tell in one line.
  ImapExpected<std::optional<std::uint64_t>> count_from(std::string_view mailbox,
                                                        std::uint64_t first_uid);
  // The whole message (of url.mailbox), at most max_bytes; libcurl's fetch
  // sets \Seen, which the caller restores with set_seen.
  ImapExpected<std::string> fetch(std::uint64_t uidvalidity, std::uint64_t uid,
                                  std::uint64_t max_bytes);
  // The message header only, at most max_bytes (also sets \Seen).
  ImapExpected<std::string> fetch_header(std::uint64_t uidvalidity, std::uint64_t uid,
                                         std::uint64_t max_bytes);
  ImapExpected<void> set_seen(std::string_view mailbox, std::uint64_t uid, bool seen);
  // Moves a message to target: UID MOVE, else UID COPY + \Deleted + UID EXPUNGE.
  ImapExpected<void> move(std::string_view mailbox, std::uint64_t uid, std::string_view target);

  // Connections made so far (1 after the first request on a healthy server).
  int connections() const { return m_connections; }

 private:
  struct CurlCleanup {
    void operator()(void* curl) const noexcept;
  };

  ImapSettings m_settings;
  std::unique_ptr<void, CurlCleanup> m_curl;
  bool m_connected = false;
  int m_connections = 0;
  std::set<std::string> m_capabilities;

  ImapExpected<std::string> perform(const std::string& url, const std::string& command,
                                    std::uint64_t max_bytes);
  ImapExpected<std::string> command(std::string_view mailbox, const std::string& text);
};

}  // namespace dmarc::ingest
