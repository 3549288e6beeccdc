// A real NSD authoritative server for tests: listens on 127.0.0.1 at a free
// high port, serves the zones given as (origin, zone file text), runs in its
// own scratch directory and process group, and is stopped (exactly the group
// it started) when the object goes away. start() returns an error message
// instead of a server when nsd is not installed or does not come up, so
// callers can FAIL with it.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
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
#include <utility>
#include <variant>
#include <vector>

#include "tests/support/child_process.hpp"

namespace dmarc::testing {

struct Zone {
  std::string origin;  // "example.test"
  std::string text;    // zone file contents
};

class NsdServer {
 public:
  // The nsd executable on PATH or in /usr/sbin, empty if none.
  static std::string find_nsd() {
    std::vector<std::string> folders{"/usr/sbin", "/usr/local/sbin"};
    if (const char* path = std::getenv("PATH")) {
      std::stringstream list(path);
      for (std::string folder; std::getline(list, folder, ':');) folders.push_back(folder);
    }
    for (const auto& folder : folders) {
      const std::string candidate = folder + "/nsd";
      if (!folder.empty() && access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return {};
  }

  // Starts nsd with the zones; waits until it answers a query for the first
  // zone's SOA. Returns the server or a message saying what went wrong.
  static std::variant<std::unique_ptr<NsdServer>, std::string> start(
      const std::vector<Zone>& zones) {
    const std::string nsd = find_nsd();
    if (nsd.empty()) {
      return std::string(
          "nsd is not installed (Debian package `nsd`; scripts/install-deps.sh installs it); "
          "the DNS tests need a real server");
    }
    if (zones.empty()) return std::string("NsdServer::start needs at least one zone");
    std::string last_error;
    constexpr int k_attempts = 3;  // a free port can be taken between probe and bind
    for (int attempt = 0; attempt < k_attempts; ++attempt) {
      std::unique_ptr<NsdServer> server(new NsdServer());
      last_error = server->launch(nsd, zones);
      if (last_error.empty()) return server;
    }
    return last_error;
  }

  ~NsdServer() {
    m_process.stop(SIGTERM);
    if (!m_dir.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(m_dir, ignored);
    }
  }
  NsdServer(const NsdServer&) = delete;
  NsdServer& operator=(const NsdServer&) = delete;

  std::uint16_t port() const { return m_port; }
  // "127.0.0.1:<port>", the form resolvers take.
  std::string address() const { return "127.0.0.1:" + std::to_string(m_port); }
  const std::filesystem::path& directory() const { return m_dir; }

  // A UDP port on 127.0.0.1 that is free for both UDP and TCP right now.
  static std::optional<std::uint16_t> free_port() { return free_udp_and_tcp_port(); }

 private:
  NsdServer() = default;

  std::string launch(const std::string& nsd, const std::vector<Zone>& zones) {
    char pattern[] = "/tmp/dmarcdb-nsd-XXXXXX";
    if (mkdtemp(pattern) == nullptr) return "mkdtemp failed";
    m_dir = pattern;
    const auto port = free_port();
    if (!port) return "no free port on 127.0.0.1";
    m_port = *port;

    const std::string dir = m_dir.string();
    std::ofstream config(m_dir / "nsd.conf");
    config << "server:\n"
           << "  ip-address: 127.0.0.1\n"
           << "  port: " << m_port << "\n"
           << "  chroot: \"\"\n"
           << "  username: \"\"\n"
           << "  pidfile: \"" << dir << "/nsd.pid\"\n"
           << "  zonesdir: \"" << dir << "\"\n"
           << "  database: \"\"\n"
           << "  xfrdfile: \"" << dir << "/xfrd.state\"\n"
           << "  zonelistfile: \"" << dir << "/zone.list\"\n"
           << "  logfile: \"" << dir << "/nsd.log\"\n"
           << "  server-count: 1\n"
           << "  verbosity: 1\n"
           << "remote-control:\n"
           << "  control-enable: no\n";
    for (std::size_t i = 0; i < zones.size(); ++i) {
      const std::string file = "zone" + std::to_string(i) + ".zone";
      std::ofstream(m_dir / file) << zones[i].text;
      config << "zone:\n  name: \"" << zones[i].origin << "\"\n  zonefile: \"" << file << "\"\n";
    }
    config.close();

    const std::string config_path = (m_dir / "nsd.conf").string();
    const std::string output_path = (m_dir / "nsd.out").string();
    if (!m_process.spawn({nsd, "-d", "-c", config_path}, output_path)) return "fork failed";
    return wait_until_answering(zones.front().origin);
  }

  // Sends SOA queries for origin until one is answered or nsd exits.
  std::string wait_until_answering(const std::string& origin) {
    constexpr auto k_start_limit = std::chrono::seconds(10);
    const auto deadline = std::chrono::steady_clock::now() + k_start_limit;
    const std::string query = soa_query(origin);
    while (std::chrono::steady_clock::now() < deadline) {
      if (!m_process.running()) {
        return "nsd exited at start: " + read_file("nsd.out") + read_file("nsd.log");
      }
      if (answers(query)) return {};
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return "nsd did not answer within 10 s: " + read_file("nsd.log");
  }

  bool answers(const std::string& query) const {
    const int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) return false;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(m_port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool answered = false;
    if (sendto(fd, query.data(), query.size(), 0, reinterpret_cast<sockaddr*>(&address),
               sizeof(address)) == static_cast<ssize_t>(query.size())) {
      pollfd wait{fd, POLLIN, 0};
      char reply[512];
      answered = poll(&wait, 1, 200) == 1 && recv(fd, reply, sizeof(reply), 0) >= 12 &&
                 reply[0] == query[0] && reply[1] == query[1] && (reply[3] & 0x0f) == 0;
    }
    close(fd);
    return answered;
  }

  static std::string soa_query(const std::string& origin) {
    std::string message{'\x4e', '\x53', '\x00', '\x00', '\x00', '\x01',
                        '\x00', '\x00', '\x00', '\x00', '\x00', '\x00'};
    std::stringstream labels(origin);
    for (std::string label; std::getline(labels, label, '.');) {
      if (label.empty()) continue;
      message += static_cast<char>(label.size());
      message += label;
    }
    message += std::string{'\x00', '\x00', '\x06', '\x00', '\x01'};  // root, SOA, IN
    return message;
  }

  std::string read_file(const std::string& name) const {
    std::ifstream in(m_dir / name);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  std::filesystem::path m_dir;
  std::uint16_t m_port = 0;
  ChildGroup m_process{ChildGroup::Signal::leader};
};

}  // namespace dmarc::testing
