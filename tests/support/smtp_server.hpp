// A real SMTP server for tests: tests/support/smtp_capture.py (aiosmtpd, run
// with /usr/bin/python3) on 127.0.0.1 at a free port, in its own scratch
// directory, optionally with STARTTLS or implicit TLS (a self-signed
// certificate for 127.0.0.1/localhost made with openssl, usable as CA file)
// and required AUTH. Every message it accepts is captured as files and read
// back with messages(). The object stops exactly the process group it started.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "tests/support/child_process.hpp"

namespace dmarc::testing {

struct SmtpServerOptions {
  enum class Tls { none, starttls, implicit };
  Tls tls = Tls::starttls;
  std::string user;  // with password: AUTH PLAIN/LOGIN required before MAIL
  std::string password;
  std::vector<std::string> refuse;  // recipients answered with 550
};

// One accepted message, as the server's Python email parser saw it.
struct CapturedMessage {
  std::string envelope_from;
  std::vector<std::string> envelope_to;
  std::string session;  // "tls=starttls\nauth=user\n"
  std::string raw;
  std::vector<std::string> header_names;
  std::string subject;                                     // RFC 2047 decoded
  std::string headers;                                     // "Name: value" lines, decoded
  std::string defects;                                     // empty when the parser had no complaint
  std::vector<std::pair<std::string, std::string>> parts;  // (content type, decoded body)
};

class SmtpServer {
 public:
  static constexpr const char* k_python = "/usr/bin/python3";

  static std::variant<std::unique_ptr<SmtpServer>, std::string> start(
      const SmtpServerOptions& options) {
    if (access(k_python, X_OK) != 0) return std::string("/usr/bin/python3 is missing");
    std::string last_error;
    constexpr int k_attempts = 3;  // a free port can be taken between probe and bind
    for (int attempt = 0; attempt < k_attempts; ++attempt) {
      std::unique_ptr<SmtpServer> server(new SmtpServer(options));
      last_error = server->launch();
      if (last_error.empty()) return server;
    }
    return last_error;
  }

  ~SmtpServer() {
    m_process.stop(SIGTERM);
    if (!m_dir.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(m_dir, ignored);
    }
  }
  SmtpServer(const SmtpServer&) = delete;
  SmtpServer& operator=(const SmtpServer&) = delete;

  std::uint16_t port() const { return m_port; }
  // smtps://127.0.0.1:<port> for implicit TLS, else smtp://127.0.0.1:<port>.
  std::string url() const {
    return std::string(m_options.tls == SmtpServerOptions::Tls::implicit ? "smtps" : "smtp") +
           "://127.0.0.1:" + std::to_string(m_port);
  }
  // The self-signed certificate, which is its own CA (empty without TLS).
  std::string ca_file() const {
    return m_options.tls == SmtpServerOptions::Tls::none ? "" : (m_dir / "cert.pem").string();
  }
  const std::filesystem::path& directory() const { return m_dir; }

  // The messages accepted so far, in order.
  std::vector<CapturedMessage> messages() const {
    std::vector<CapturedMessage> out;
    for (int n = 1;; ++n) {
      const auto folder = m_dir / "mail" / ("msg-" + std::to_string(n));
      if (!std::filesystem::is_directory(folder)) break;
      CapturedMessage m;
      m.envelope_from = trimmed(read(folder / "envelope-from"));
      m.envelope_to = lines(read(folder / "envelope-to"));
      m.session = read(folder / "session");
      m.raw = read(folder / "raw.eml");
      m.header_names = lines(read(folder / "header-names"));
      m.subject = read(folder / "subject");
      m.headers = read(folder / "headers");
      m.defects = read(folder / "defects");
      for (int p = 1; std::filesystem::exists(folder / ("part-" + std::to_string(p) + ".type"));
           ++p) {
        m.parts.emplace_back(read(folder / ("part-" + std::to_string(p) + ".type")),
                             read(folder / ("part-" + std::to_string(p) + ".body")));
      }
      out.push_back(std::move(m));
    }
    return out;
  }

  // What the server printed (warnings, tracebacks), for failure messages.
  std::string log() const { return read(m_dir / "server.log"); }

  // A TCP port on 127.0.0.1 that is free right now.
  static std::optional<std::uint16_t> free_port() { return free_tcp_port(); }

 private:
  explicit SmtpServer(SmtpServerOptions options) : m_options(std::move(options)) {}

  std::string launch() {
    char pattern[] = "/tmp/dmarcdb-smtp-XXXXXX";
    if (mkdtemp(pattern) == nullptr) return "mkdtemp failed";
    m_dir = pattern;
    std::filesystem::create_directory(m_dir / "mail");
    const auto port = free_port();
    if (!port) return "no free port on 127.0.0.1";
    m_port = *port;
    const std::string dir = m_dir.string();
    std::vector<std::string> args{
        k_python, std::string(DMARCDB_SOURCE_DIR) + "/tests/support/smtp_capture.py",
        "--port", std::to_string(m_port),
        "--dir",  dir + "/mail"};
    if (m_options.tls != SmtpServerOptions::Tls::none) {
      const std::string openssl =
          "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
          " -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout " +
          dir + "/key.pem -out " + dir + "/cert.pem >" + dir + "/openssl.log 2>&1";
      if (std::system(openssl.c_str()) != 0) {
        return "openssl could not make a certificate: " + read(m_dir / "openssl.log");
      }
      args.insert(args.end(), {"--cert", dir + "/cert.pem", "--key", dir + "/key.pem"});
      args.push_back(m_options.tls == SmtpServerOptions::Tls::starttls ? "--starttls"
                                                                       : "--implicit-tls");
    }
    if (!m_options.user.empty()) {
      args.insert(args.end(), {"--auth", m_options.user + ":" + m_options.password});
    }
    for (const auto& r : m_options.refuse) args.insert(args.end(), {"--refuse", r});

    const std::string log_path = dir + "/server.log";
    if (!m_process.spawn(args, log_path)) return "fork failed";
    return wait_until_ready();
  }

  std::string wait_until_ready() {
    constexpr auto k_start_limit = std::chrono::seconds(10);
    const auto deadline = std::chrono::steady_clock::now() + k_start_limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!m_process.running()) return "the SMTP test server exited at start: " + log();
      if (std::filesystem::exists(m_dir / "mail" / "ready")) return {};
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return "the SMTP test server did not start within 10 s: " + log();
  }

  static std::string read(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  static std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
  }
  static std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }

  SmtpServerOptions m_options;
  std::filesystem::path m_dir;
  std::uint16_t m_port = 0;
  ChildGroup m_process{ChildGroup::Signal::leader};
};

}  // namespace dmarc::testing
