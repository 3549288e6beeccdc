// A real Dovecot IMAP server for tests: listens on 127.0.0.1 at free high
// ports (plain+STARTTLS and IMAPS, self-signed certificate for 127.0.0.1),
// runs in the foreground in its own process group and scratch directory, and
// is stopped (exactly the group it started) when the object goes away.
// Messages are delivered straight into the user's Maildir (unseen unless
// asked), the way a local delivery agent does. Optionally authenticates with
// OAuth2 bearer tokens checked by a tiny local introspection endpoint.
// start() returns an error message instead of a server when dovecot is not
// installed or does not come up, so callers can FAIL with it.
#pragma once

#include <arpa/inet.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "tests/support/child_process.hpp"

namespace dmarc::testing {

struct DovecotOptions {
  // "plain", "xoauth2" or "oauthbearer": the one mechanism offered (libcurl
  // would pick OAUTHBEARER when both are offered).
  std::string mechanism = "plain";
};

inline bool port_greets(std::uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = false;
  timeval timeout{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0) {
    char buffer[64] = {};
    ok = recv(fd, buffer, sizeof(buffer) - 1, 0) > 4 && std::string(buffer).rfind("* OK", 0) == 0;
  }
  close(fd);
  return ok;
}

inline bool port_accepts(std::uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  close(fd);
  return ok;
}

class DovecotServer {
 public:
  static constexpr const char* k_user = "dmarc";
  static constexpr const char* k_password = "s3cret-Pw";
  // Tokens the introspection endpoint accepts are the lines of tokens_file().

  static std::string find_dovecot() {
    for (const char* candidate : {"/usr/sbin/dovecot", "/usr/local/sbin/dovecot"}) {
      if (access(candidate, X_OK) == 0) return candidate;
    }
    return {};
  }

  static std::variant<std::unique_ptr<DovecotServer>, std::string> start(
      DovecotOptions options = {}) {
    const std::string dovecot = find_dovecot();
    if (dovecot.empty()) {
      return std::string(
          "dovecot is not installed (Debian packages dovecot-core dovecot-imapd; "
          "scripts/install-deps.sh installs them); the IMAP tests need a real server");
    }
    std::string last_error;
    for (int attempt = 0; attempt < 3; ++attempt) {  // a free port can be taken meanwhile
      std::unique_ptr<DovecotServer> server(new DovecotServer());
      server->m_options = options;
      last_error = server->prepare();
      if (last_error.empty()) last_error = server->launch();
      if (last_error.empty()) return server;
    }
    return last_error;
  }

  ~DovecotServer() {
    m_server.stop(SIGTERM);
    m_introspection.stop(SIGTERM);
    if (!m_dir.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(m_dir, ignored);
    }
  }
  DovecotServer(const DovecotServer&) = delete;
  DovecotServer& operator=(const DovecotServer&) = delete;

  std::uint16_t imap_port() const { return m_imap_port; }
  std::uint16_t imaps_port() const { return m_imaps_port; }
  std::string ca_file() const { return (m_dir / "cert.pem").string(); }
  std::string tokens_file() const { return (m_dir / "tokens").string(); }
  const std::filesystem::path& directory() const { return m_dir; }
  pid_t pid() const { return m_server.pid(); }

  std::string imaps_url(const std::string& mailbox = "INBOX") const {
    return "imaps://" + std::string(k_user) + "@127.0.0.1:" + std::to_string(m_imaps_port) + "/" +
           mailbox;
  }
  std::string imap_url(const std::string& mailbox = "INBOX") const {
    return "imap://" + std::string(k_user) + "@127.0.0.1:" + std::to_string(m_imap_port) + "/" +
           mailbox;
  }

  // Delivers one message into mailbox ("INBOX" or a folder name), unseen
  // unless seen is true; the folder is created if needed.
  void deliver(const std::string& bytes, const std::string& mailbox = "INBOX", bool seen = false) {
    const std::filesystem::path folder = maildir(mailbox);
    const std::string name = std::to_string(std::time(nullptr)) + ".M" +
                             std::to_string(++m_delivered) + "P" + std::to_string(getpid()) +
                             ".dmarcdb-test";
    const std::filesystem::path temporary = folder / "tmp" / name;
    std::ofstream(temporary, std::ios::binary) << bytes;
    chown_to_mail_user(temporary);
    std::filesystem::rename(temporary,
                            seen ? folder / "cur" / (name + ":2,S") : folder / "new" / name);
  }

  // Runs doveadm with this server's config; returns its standard output.
  std::string doveadm(const std::string& arguments) const {
    const std::string command = "/usr/bin/doveadm -c " + (m_dir / "dovecot.conf").string() + " " +
                                arguments + " 2>&1";
    std::string output;
    if (FILE* pipe = popen(command.c_str(), "r")) {
      char buffer[4096];
      std::size_t n;
      while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
      pclose(pipe);
    }
    return output;
  }

  // UID -> flags ("" for none, "\Seen" ...) of every message in mailbox.
  std::map<std::uint64_t, std::string> flags(const std::string& mailbox = "INBOX") const {
    std::map<std::uint64_t, std::string> out;
    std::stringstream lines(doveadm(std::string("fetch -u ") + k_user + " 'uid flags' mailbox '" +
                                    mailbox + "' all"));
    std::uint64_t uid = 0;
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("uid: ", 0) == 0) uid = std::stoull(line.substr(5));
      if (line.rfind("flags:", 0) == 0) {
        std::string value = line.size() > 7 ? line.substr(7) : "";
        out[uid] = value;
      }
    }
    return out;
  }

  // Messages in mailbox (-1 if it does not exist).
  long count(const std::string& mailbox = "INBOX") const {
    const std::string out =
        doveadm(std::string("mailbox status -u ") + k_user + " messages '" + mailbox + "'");
    const std::size_t at = out.find("messages=");
    return at == std::string::npos ? -1 : std::stol(out.substr(at + 9));
  }

  void set_uidvalidity(const std::string& mailbox, std::uint64_t value) const {
    doveadm(std::string("mailbox update -u ") + k_user + " --uid-validity " +
            std::to_string(value) + " '" + mailbox + "'");
  }

  // Kills the server and all its processes at once (SIGKILL to its group).
  void kill_hard() { m_server.stop(SIGKILL); }

  // Starts the server again with the same configuration, ports and mail.
  std::string restart() {
    m_server.stop(SIGTERM);
    return launch();
  }

 private:
  DovecotServer() = default;

  DovecotOptions m_options;
  std::filesystem::path m_dir;
  std::uint16_t m_imap_port = 0;
  std::uint16_t m_imaps_port = 0;
  std::uint16_t m_http_port = 0;
  ChildGroup m_server;
  ChildGroup m_introspection;
  int m_delivered = 0;
  uid_t m_uid = 65534;
  gid_t m_gid = 65534;

  void chown_to_mail_user(const std::filesystem::path& path) const {
    if (chown(path.c_str(), m_uid, m_gid) != 0) {
      // Not root: the server runs as ourselves, nothing to change.
    }
  }

  std::filesystem::path maildir(const std::string& mailbox) {
    std::filesystem::path root = m_dir / "home" / k_user / "Maildir";
    std::filesystem::path folder = mailbox == "INBOX" ? root : root / ("." + mailbox);
    for (const std::filesystem::path& p :
         {root, folder, folder / "cur", folder / "new", folder / "tmp"}) {
      if (!std::filesystem::exists(p)) {
        std::filesystem::create_directories(p);
        chown_to_mail_user(p);
      }
    }
    return folder;
  }

  std::string prepare() {
    char pattern[] = "/tmp/dmarcdb-dovecot-XXXXXX";
    if (mkdtemp(pattern) == nullptr) return "mkdtemp failed";
    m_dir = pattern;
    chmod(m_dir.c_str(), 0755);
    if (geteuid() != 0) {
      m_uid = geteuid();
      m_gid = getegid();
    } else if (const passwd* nobody = getpwnam("nobody")) {
      m_uid = nobody->pw_uid;
      m_gid = nobody->pw_gid;
    }
    const auto imap = free_tcp_port();
    const auto imaps = free_tcp_port();
    const auto http = free_tcp_port();
    if (!imap || !imaps || !http || *imap == *imaps) return "no free port on 127.0.0.1";
    m_imap_port = *imap;
    m_imaps_port = *imaps;
    m_http_port = *http;
    const std::string dir = m_dir.string();
    std::filesystem::create_directories(m_dir / "home" / k_user);
    chown_to_mail_user(m_dir / "home" / k_user);
    std::filesystem::create_directories(m_dir / "base");
    std::filesystem::create_directories(m_dir / "state");
    const std::string openssl =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
        "-subj /CN=localhost -addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout " +
        dir + "/key.pem -out " + dir + "/cert.pem >" + dir + "/openssl.out 2>&1";
    if (std::system(openssl.c_str()) != 0) return "openssl could not make a certificate";
    std::ofstream(m_dir / "passwd") << k_user << ":{PLAIN}" << k_password << ":" << m_uid << ":"
                                    << m_gid << "::" << dir << "/home/" << k_user << "\n";
    std::ofstream(m_dir / "tokens") << "";

    std::ofstream config(m_dir / "dovecot.conf");
    config << "protocols = imap\n"
           << "listen = 127.0.0.1\n"
           << "base_dir = " << dir << "/base\n"
           << "state_dir = " << dir << "/state\n"
           << "instance_name = dmarcdb-test-" << m_imaps_port << "\n"
           << "log_path = " << dir << "/dovecot.log\n"
           << "ssl = yes\nssl_cert = <" << dir << "/cert.pem\nssl_key = <" << dir << "/key.pem\n"
           << "disable_plaintext_auth = no\n"
           << "auth_mechanisms = " << m_options.mechanism << "\n"
           << "mail_location = maildir:" << dir << "/home/%u/Maildir\n"
           << "userdb {\n  driver = passwd-file\n  args = " << dir << "/passwd\n}\n"
           << "service imap-login {\n"
           << "  inet_listener imap {\n    address = 127.0.0.1\n    port = " << m_imap_port
           << "\n  }\n"
           << "  inet_listener imaps {\n    address = 127.0.0.1\n    port = " << m_imaps_port
           << "\n    ssl = yes\n  }\n}\n";
    if (geteuid() != 0) {
      const char* name = getpwuid(geteuid())->pw_name;
      config << "default_internal_user = " << name << "\ndefault_login_user = " << name << "\n";
    }
    if (m_options.mechanism == "plain") {
      config << "passdb {\n  driver = passwd-file\n  args = " << dir << "/passwd\n}\n";
    } else {
      config << "passdb {\n  driver = oauth2\n  mechanisms = " << m_options.mechanism
             << "\n  args = " << dir << "/oauth2.conf.ext\n}\n";
      std::ofstream(m_dir / "oauth2.conf.ext")
          << "introspection_mode = post\n"
          << "introspection_url = http://127.0.0.1:" << m_http_port << "/introspect\n"
          << "force_introspection = yes\n"
          << "username_attribute = username\n"
          << "active_attribute = active\nactive_value = true\n";
      std::ofstream(m_dir / "introspect.py") << k_introspection_script;
    }
    return {};
  }

  std::string launch() {
    const std::string dir = m_dir.string();
    if (m_options.mechanism != "plain" && !m_introspection.running()) {
      if (!m_introspection.spawn({"/usr/bin/python3", dir + "/introspect.py",
                                  std::to_string(m_http_port), dir + "/tokens", k_user},
                                 dir + "/introspect.out")) {
        return "fork failed";
      }
    }
    if (!m_server.spawn({find_dovecot(), "-F", "-c", dir + "/dovecot.conf"}, dir + "/dovecot.out")) {
      return "fork failed";
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      if (!m_server.running()) return "dovecot exited at start: " + read("dovecot.out") + read("dovecot.log");
      const bool http_ready = m_options.mechanism == "plain" || port_accepts(m_http_port);
      if (http_ready && port_greets(m_imap_port)) return {};
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
    }
    return "dovecot did not greet within 10 s: " + read("dovecot.log") + read("introspect.out");
  }

  std::string read(const std::string& name) const {
    std::ifstream in(m_dir / name);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  // OAuth2 token introspection (RFC 7662) for Dovecot's oauth2 passdb: a
  // POSTed token is active when it is a line of the tokens file.
  static constexpr const char* k_introspection_script = R"PY(
import http.server, json, sys, urllib.parse
port, tokens_file, user = int(sys.argv[1]), sys.argv[2], sys.argv[3]
class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', 0))).decode()
        token = urllib.parse.parse_qs(body).get('token', [''])[0]
        with open(tokens_file) as f:
            good = [line.strip() for line in f if line.strip()]
        answer = {'active': True, 'username': user} if token in good else {'active': False}
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def log_message(self, *args):
        pass
http.server.HTTPServer(('127.0.0.1', port), Handler).serve_forever()
)PY";
};

}  // namespace dmarc::testing
