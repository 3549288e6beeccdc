// What the test servers (NSD, Dovecot, the SMTP capture server) share: a
// child process in its own process group, stopped group-wide, and free ports
// on 127.0.0.1.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace dmarc::testing {

// A child process in its own process group, stopped on destruction.
class ChildGroup {
 public:
  // Who a stop signal goes to: the leader, which stops and reaps its own
  // children (NSD; nothing is left for init to reap), or the whole group
  // (Dovecot). A SIGKILL always goes to the whole group, and any process
  // left after the leader is gone is killed.
  enum class Signal { leader, group };
  explicit ChildGroup(Signal target = Signal::group) : m_target(target) {}
  ~ChildGroup() { stop(SIGTERM); }
  ChildGroup(const ChildGroup&) = delete;
  ChildGroup& operator=(const ChildGroup&) = delete;

  // Runs argv with stdout and stderr to output_path. Returns false if fork failed.
  bool spawn(const std::vector<std::string>& argv, const std::string& output_path) {
    const pid_t pid = fork();
    if (pid < 0) return false;
    if (pid == 0) {
      setpgid(0, 0);
      if (FILE* out = std::freopen(output_path.c_str(), "a", stdout)) dup2(fileno(out), 2);
      std::vector<char*> args;
      for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    setpgid(pid, pid);
    m_pid = pid;
    return true;
  }

  bool running() {
    if (m_pid <= 0) return false;
    int status = 0;
    if (waitpid(m_pid, &status, WNOHANG) == m_pid) {
      m_pid = -1;
      return false;
    }
    return true;
  }

  // Sends signal (to the leader or the group) and waits for the leader.
  void stop(int signal) {
    if (m_pid <= 0) return;
    kill(m_target == Signal::leader && signal != SIGKILL ? m_pid : -m_pid, signal);
    int status = 0;
    waitpid(m_pid, &status, 0);
    // Children that outlive the leader (none expected) get the same signal.
    kill(-m_pid, SIGKILL);
    m_pid = -1;
  }

  pid_t pid() const { return m_pid; }

 private:
  Signal m_target;
  pid_t m_pid = -1;
};

// A socket of type (SOCK_STREAM, SOCK_DGRAM) bound to 127.0.0.1 at port, or
// at a free port when port is 0 (port is then set to it); -1 if that fails.
// The caller closes it.
inline int bind_loopback(int type, std::uint16_t& port) {
  const int fd = socket(AF_INET, type, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  socklen_t size = sizeof(address);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    close(fd);
    return -1;
  }
  port = ntohs(address.sin_port);
  return fd;
}

inline std::optional<std::uint16_t> free_tcp_port() {
  std::uint16_t port = 0;
  const int fd = bind_loopback(SOCK_STREAM, port);
  if (fd < 0) return std::nullopt;
  close(fd);
  return port;
}

// A port on 127.0.0.1 that is free for both UDP and TCP right now (a DNS
// server listens on both).
inline std::optional<std::uint16_t> free_udp_and_tcp_port() {
  for (int attempt = 0; attempt < 20; ++attempt) {
    std::uint16_t port = 0;
    const int udp = bind_loopback(SOCK_DGRAM, port);
    if (udp < 0) return std::nullopt;
    std::uint16_t same = port;
    const int tcp = bind_loopback(SOCK_STREAM, same);
    if (tcp >= 0) close(tcp);
    close(udp);
    if (tcp >= 0) return port;
  }
  return std::nullopt;
}

}  // namespace dmarc::testing
