#include "ingest/imap_client.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>

namespace dmarc::ingest {
namespace {

// Bytes of a header kept for a message over the size limit.
constexpr std::uint64_t k_max_header_bytes = 64 * 1024;

struct Sink {
  std::string data;
  std::uint64_t cap = 0;
  bool overflow = false;
};

std::size_t write_to_sink(char* bytes, std::size_t size, std::size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const std::size_t length = size * count;
  if (sink->data.size() + length > sink->cap) {
    sink->overflow = true;
    return 0;  // libcurl aborts the transfer with CURLE_WRITE_ERROR
  }
  sink->data.append(bytes, length);
  return length;
}

// libcurl URL-decodes CURLOPT_CUSTOMREQUEST: a literal '%' must be escaped.
std::string escape_custom(const std::string& command) {
  std::string out;
  for (char c : command) out += c == '%' ? std::string("%25") : std::string(1, c);
  return out;
}

ImapFailure classify(CURLcode rc, bool overflow, bool new_connection) {
  switch (rc) {
    case CURLE_LOGIN_DENIED:
      // libcurl also reports a refused SELECT this way; on a connection that
      // was already logged in it can only be the SELECT.
      return new_connection ? ImapFailure::login : ImapFailure::mailbox_missing;
    case CURLE_REMOTE_FILE_NOT_FOUND: return ImapFailure::vanished;
    case CURLE_QUOTE_ERROR: return ImapFailure::refused;
    case CURLE_WRITE_ERROR: return overflow ? ImapFailure::too_large : ImapFailure::other;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_USE_SSL_FAILED: return ImapFailure::tls;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_AGAIN: return ImapFailure::network;
    default: return ImapFailure::other;
  }
}

template <class T>
void set(CURL* curl, CURLoption option, T value) {
  curl_easy_setopt(curl, option, value);
}

}  // namespace

const char* to_string(ImapFailure failure) {
  switch (failure) {
    case ImapFailure::login: return "login failed";
    case ImapFailure::mailbox_missing: return "mailbox missing";
    case ImapFailure::network: return "network error";
    case ImapFailure::tls: return "TLS error";
    case ImapFailure::refused: return "command refused";
    case ImapFailure::vanished: return "message gone";
    case ImapFailure::too_large: return "too large";
    case ImapFailure::other: return "IMAP error";
  }
  return "IMAP error";
}

void ImapSession::CurlCleanup::operator()(void* curl) const noexcept { curl_easy_cleanup(curl); }

ImapSession::ImapSession(ImapSettings settings)
    : m_settings(std::move(settings)), m_curl(curl_easy_init()) {
  CURL* curl = m_curl.get();
  if (curl == nullptr) throw std::bad_alloc();
  set(curl, CURLOPT_NOSIGNAL, 1L);
  set(curl, CURLOPT_PROTOCOLS_STR, "imap,imaps");
  set(curl, CURLOPT_USERNAME, m_settings.url.user.c_str());
  if (!m_settings.url.implicit_tls) {
    set(curl, CURLOPT_USE_SSL,
        static_cast<long>(m_settings.allow_plaintext ? CURLUSESSL_NONE : CURLUSESSL_ALL));
  }
  if (!m_settings.ca_file.empty()) set(curl, CURLOPT_CAINFO, m_settings.ca_file.c_str());
  if (m_settings.insecure) {
    set(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    set(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!m_settings.sasl_mechanism.empty()) {
    const std::string options = "AUTH=" + m_settings.sasl_mechanism;
    curl_easy_setopt(curl, CURLOPT_LOGIN_OPTIONS, options.c_str());  // libcurl copies it
  }
  set(curl, CURLOPT_CONNECTTIMEOUT, static_cast<long>(m_settings.connect_timeout.count()));
  set(curl, CURLOPT_SERVER_RESPONSE_TIMEOUT, static_cast<long>(m_settings.read_timeout.count()));
  set(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  set(curl, CURLOPT_LOW_SPEED_TIME, static_cast<long>(m_settings.read_timeout.count()));
  set(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  set(curl, CURLOPT_WRITEFUNCTION, write_to_sink);
}

ImapSession::~ImapSession() = default;

ImapExpected<std::string> ImapSession::perform(const std::string& url, const std::string& command,
                                               std::uint64_t max_bytes) {
  CURL* curl = m_curl.get();
  if (!m_connected) {
    // A new connection will be made: ask for the secret now (a token command
    // runs again), hand it to libcurl, and keep no copy of our own.
    tl::expected<std::string, std::string> secret =
        m_settings.secret ? m_settings.secret() : tl::expected<std::string, std::string>("");
    if (!secret) {
      return tl::unexpected(ImapError{ImapFailure::login, secret.error()});
    }
    set(curl, m_settings.oauth2 ? CURLOPT_XOAUTH2_BEARER : CURLOPT_PASSWORD, secret->c_str());
    std::fill(secret->begin(), secret->end(), '\0');
  }
  Sink sink;
  sink.cap = max_bytes;
  char error_text[CURL_ERROR_SIZE] = {};
  const std::string custom = escape_custom(command);
  set(curl, CURLOPT_URL, url.c_str());
  set(curl, CURLOPT_CUSTOMREQUEST, command.empty() ? nullptr : custom.c_str());
  set(curl, CURLOPT_WRITEDATA, &sink);
  set(curl, CURLOPT_ERRORBUFFER, error_text);
  const CURLcode rc = curl_easy_perform(curl);
  set(curl, CURLOPT_ERRORBUFFER, static_cast<char*>(nullptr));
  long connects = 0;
  curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &connects);
  if (connects > 0) ++m_connections;
  // libcurl drops the connection after most errors (also after a NO).
  m_connected = rc == CURLE_OK || rc == CURLE_REMOTE_FILE_NOT_FOUND;
  if (rc == CURLE_OK) return std::move(sink.data);

  const ImapFailure kind = classify(rc, sink.overflow, connects > 0);
  std::string what = command.empty() ? "fetch" : command.substr(0, command.find(' ', 4));
  std::string detail = error_text[0] != '\0' ? error_text : curl_easy_strerror(rc);
  if (kind == ImapFailure::too_large) {
    detail = fmt::format("message is larger than {} bytes", max_bytes);
  }
  return tl::unexpected(ImapError{
      kind, fmt::format("{}: {}: {} ({})", m_settings.url.server(), what, detail, to_string(kind))});
}

ImapExpected<std::string> ImapSession::command(std::string_view mailbox, const std::string& text) {
  const std::string url =
      mailbox.empty() ? m_settings.url.server() + "/" : m_settings.url.mailbox_url(mailbox);
  constexpr std::uint64_t k_max_response_bytes = 256ull << 20;
  return perform(url, text, k_max_response_bytes);
}

ImapExpected<std::set<std::string>> ImapSession::capabilities() {
  if (!m_capabilities.empty()) return m_capabilities;
  ImapExpected<std::string> response = command("", "CAPABILITY");
  if (!response) return tl::unexpected(response.error());
  m_capabilities = parse_capabilities(*response);
  return m_capabilities;
}

ImapExpected<bool> ImapSession::mailbox_exists(std::string_view mailbox) {
  Expected<std::string> quoted = imap_quoted(mailbox);
  if (!quoted) return tl::unexpected(ImapError{ImapFailure::other, quoted.error().message});
  ImapExpected<std::string> response = command("", "LIST \"\" " + *quoted);
  if (!response) return tl::unexpected(response.error());
  return has_list_line(*response);
}

ImapExpected<MailboxStatus> ImapSession::status(std::string_view mailbox) {
  Expected<std::string> quoted = imap_quoted(mailbox);
  if (!quoted) return tl::unexpected(ImapError{ImapFailure::other, quoted.error().message});
  ImapExpected<std::string> response =
      command("", "STATUS " + *quoted + " (MESSAGES UIDNEXT UIDVALIDITY)");
  if (!response) {
    if (response.error().kind == ImapFailure::refused) {
      return tl::unexpected(ImapError{
          ImapFailure::mailbox_missing,
          fmt::format("{}: mailbox \"{}\" does not exist", m_settings.url.server(), mailbox)});
    }
    return tl::unexpected(response.error());
  }
  Expected<MailboxStatus> status = parse_status(*response);
  if (!status) return tl::unexpected(ImapError{ImapFailure::other, status.error().message});
  return *status;
}

ImapExpected<void> ImapSession::create(std::string_view mailbox) {
  Expected<std::string> quoted = imap_quoted(mailbox);
  if (!quoted) return tl::unexpected(ImapError{ImapFailure::other, quoted.error().message});
  ImapExpected<std::string> response = command("", "CREATE " + *quoted);
  if (!response) return tl::unexpected(response.error());
  return {};
}

ImapExpected<std::vector<MessageInfo>> ImapSession::messages_in(std::string_view mailbox,
                                                                std::uint64_t first_uid,
                                                                std::uint64_t last_uid) {
  ImapExpected<std::string> response = command(
      mailbox, fmt::format("UID FETCH {}:{} (UID FLAGS RFC822.SIZE)", first_uid, last_uid));
  if (!response) return tl::unexpected(response.error());
  Expected<std::vector<MessageInfo>> messages = parse_fetch(*response);
  if (!messages) return tl::unexpected(ImapError{ImapFailure::other, messages.error().message});
  std::erase_if(*messages,
                [&](const MessageInfo& m) { return m.uid < first_uid || m.uid > last_uid; });
  return *messages;
}

ImapExpected<std::optional<std::uint64_t>> ImapSession::count_from(std::string_view mailbox,
                                                                   std::uint64_t first_uid) {
  ImapExpected<std::set<std::string>> caps = capabilities();
  if (!caps) return tl::unexpected(caps.error());
  if (!caps->count("ESEARCH")) return std::optional<std::uint64_t>();
  ImapExpected<std::string> response =
      command(mailbox, fmt::format("UID SEARCH RETURN (COUNT) UID {}:*", first_uid));
  if (!response) return tl::unexpected(response.error());
  return parse_esearch_count(*response);
}

ImapExpected<std::string> ImapSession::fetch(std::uint64_t uidvalidity, std::uint64_t uid,
                                             std::uint64_t max_bytes) {
  return perform(m_settings.url.message_url(uidvalidity, uid), "", max_bytes);
}

ImapExpected<std::string> ImapSession::fetch_header(std::uint64_t uidvalidity, std::uint64_t uid,
                                                    std::uint64_t max_bytes) {
  const std::uint64_t cap = std::min(max_bytes, k_max_header_bytes);
  return perform(
      fmt::format("{};SECTION=HEADER;PARTIAL=0.{}", m_settings.url.message_url(uidvalidity, uid),
                  cap),
      "", cap);
}

ImapExpected<void> ImapSession::set_seen(std::string_view mailbox, std::uint64_t uid, bool seen) {
  ImapExpected<std::string> response = command(
      mailbox, fmt::format("UID STORE {} {}FLAGS.SILENT (\\Seen)", uid, seen ? '+' : '-'));
  if (!response) return tl::unexpected(response.error());
  return {};
}

ImapExpected<void> ImapSession::move(std::string_view mailbox, std::uint64_t uid,
                                     std::string_view target) {
  Expected<std::string> quoted = imap_quoted(target);
  if (!quoted) return tl::unexpected(ImapError{ImapFailure::other, quoted.error().message});
  ImapExpected<std::set<std::string>> caps = capabilities();
  if (!caps) return tl::unexpected(caps.error());
  if (caps->count("MOVE")) {
    ImapExpected<std::string> r = command(mailbox, fmt::format("UID MOVE {} {}", uid, *quoted));
    if (!r) return tl::unexpected(r.error());
    return {};
  }
  if (!caps->count("UIDPLUS")) {
    return tl::unexpected(ImapError{
        ImapFailure::refused,
        fmt::format("{}: the server supports neither MOVE nor UIDPLUS: cannot move messages "
                    "without expunging others",
                    m_settings.url.server())});
  }
  for (const std::string& step :
       {fmt::format("UID COPY {} {}", uid, *quoted),
        fmt::format("UID STORE {} +FLAGS.SILENT (\\Deleted)", uid),
        fmt::format("UID EXPUNGE {}", uid)}) {
    ImapExpected<std::string> r = command(mailbox, step);
    if (!r) return tl::unexpected(r.error());
  }
  return {};
}

}  // namespace dmarc::ingest
