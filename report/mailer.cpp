// Sending a composed message over SMTP with libcurl.
#include "report/mailer.hpp"

#include <curl/curl.h>

#include <cstring>
#include <memory>

#include "report/terminal.hpp"

namespace dmarc::report {
namespace {

struct EasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct ListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
struct UrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
struct CurlStringDeleter {
  void operator()(char* text) const { curl_free(text); }
};
using Easy = std::unique_ptr<CURL, EasyDeleter>;
using List = std::unique_ptr<curl_slist, ListDeleter>;
using Url = std::unique_ptr<CURLU, UrlDeleter>;

// The message handed to libcurl piece by piece.
struct Upload {
  std::string_view data;
  std::size_t offset = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const std::size_t n = std::min(size * count, upload->data.size() - upload->offset);
  std::memcpy(buffer, upload->data.data() + upload->offset, n);
  upload->offset += n;
  return n;
}

std::string url_part(CURLU* url, CURLUPart part, unsigned flags = 0) {
  char* raw = nullptr;
  if (curl_url_get(url, part, &raw, flags) != CURLUE_OK || raw == nullptr) return {};
  std::unique_ptr<char, CurlStringDeleter> text(raw);
  return text.get();
}

struct Server {
  std::string name;  // "host:port", for messages
  bool implicit_tls = false;
};

Expected<Server> parse_server(const std::string& text) {
  Url url(curl_url());
  if (!url) return fail(Code::network, "out of memory");
  const std::string shown = "SMTP URL \"" + sanitize_for_terminal(text) + "\"";
  if (curl_url_set(url.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK) {
    return fail(Code::malformed, shown + " is not a URL (smtps://host:port or smtp://host:port)");
  }
  if (!url_part(url.get(), CURLUPART_USER).empty() ||
      !url_part(url.get(), CURLUPART_PASSWORD).empty()) {
    return fail(Code::malformed, "SMTP URL must not hold a user or password; give them separately");
  }
  const std::string scheme = url_part(url.get(), CURLUPART_SCHEME);
  if (scheme != "smtp" && scheme != "smtps") {
    return fail(Code::malformed, shown + " must start with smtps:// or smtp://");
  }
  return Server{url_part(url.get(), CURLUPART_HOST) + ":" +
                    url_part(url.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT),
                scheme == "smtps"};
}

// One line saying why the transfer failed, in the user's terms.
std::string reason(CURLcode code, const char* detail, bool implicit_tls) {
  std::string text;
  switch (code) {
    case CURLE_LOGIN_DENIED: text = "login denied (wrong user or password?)"; break;
    case CURLE_USE_SSL_FAILED:
      text = "the server offers no STARTTLS; use smtps:// or allow plain SMTP explicitly";
      break;
    case CURLE_PEER_FAILED_VERIFICATION:
      text = "certificate verification failed (a private CA needs its CA file)";
      break;
    case CURLE_COULDNT_CONNECT: text = "cannot connect"; break;
    case CURLE_COULDNT_RESOLVE_HOST: text = "cannot resolve the host name"; break;
    case CURLE_OPERATION_TIMEDOUT: text = "timed out"; break;
    case CURLE_SSL_CONNECT_ERROR:
      text =
          implicit_tls ? "TLS handshake failed (is it an smtps:// port?)" : "TLS handshake failed";
      break;
    default: text = curl_easy_strerror(code);
  }
  std::string more = sanitize_for_terminal(detail);
  if (!more.empty() && more != curl_easy_strerror(code)) {
    if (more.rfind("RCPT failed", 0) == 0) text = "recipient refused";
    if (more.rfind("MAIL failed", 0) == 0) text = "sender refused";
    if (more.rfind("MAIL failed: 530", 0) == 0) text = "the server requires a login";
    text += ": " + more;
  }
  return text;
}

}  // namespace

Expected<void> send_mail(const SmtpOptions& smtp, const std::string& from,
                         const std::vector<std::string>& to, const std::string& message) {
  auto server = parse_server(smtp.url);
  if (!server) return tl::unexpected(server.error());
  if (auto ok = check_address(from); !ok) return ok;
  if (to.empty()) return fail(Code::malformed, "mail needs at least one recipient");
  List recipients;
  for (const auto& address : to) {
    if (auto ok = check_address(address); !ok) return ok;
    curl_slist* grown = curl_slist_append(recipients.get(), ("<" + address + ">").c_str());
    if (grown == nullptr) return fail(Code::network, "out of memory");
    recipients.release();
    recipients.reset(grown);
  }
  Easy easy(curl_easy_init());
  if (!easy) return fail(Code::network, "curl_easy_init failed");
  CURL* h = easy.get();
  char error[CURL_ERROR_SIZE] = {};
  Upload upload{message, 0};
  const std::string mail_from = "<" + from + ">";
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(h, CURLOPT_URL, smtp.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, smtp.connect_timeout);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, smtp.timeout);
  curl_easy_setopt(
      h, CURLOPT_USE_SSL,
      smtp.allow_plain ? static_cast<long>(CURLUSESSL_TRY) : static_cast<long>(CURLUSESSL_ALL));
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, smtp.insecure ? 0L : 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, smtp.insecure ? 0L : 2L);
  if (!smtp.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, smtp.ca_file.c_str());
  if (!smtp.user.empty()) {
    curl_easy_setopt(h, CURLOPT_USERNAME, smtp.user.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, smtp.password.c_str());
  }
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, mail_from.c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_READFUNCTION, read_upload);
  curl_easy_setopt(h, CURLOPT_READDATA, &upload);
  const CURLcode code = curl_easy_perform(h);
  if (code == CURLE_OK) return {};
  const std::string text =
      "SMTP server " + server->name + ": " + reason(code, error, server->implicit_tls);
  return fail(code == CURLE_OPERATION_TIMEDOUT ? Code::timeout : Code::network, text);
}

}  // namespace dmarc::report
