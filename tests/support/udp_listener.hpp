// A UDP socket on 127.0.0.1 (a free port) that never answers: a DNS server
// that is silent, and a counter of the datagrams sent to it.
#pragma once

#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <stdexcept>
#include <string>

#include "tests/support/child_process.hpp"

namespace dmarc::test {

class UdpListener {
 public:
  UdpListener() {
    std::uint16_t port = 0;
    m_fd = dmarc::testing::bind_loopback(SOCK_DGRAM, port);
    if (m_fd < 0) throw std::runtime_error("UdpListener: cannot bind to 127.0.0.1");
    m_port = port;
  }
  ~UdpListener() { close(m_fd); }
  UdpListener(const UdpListener&) = delete;
  UdpListener& operator=(const UdpListener&) = delete;

  // "127.0.0.1:PORT", as --dns-server and CaresOptions::servers take it.
  std::string address() const { return "127.0.0.1:" + std::to_string(m_port); }

  // Datagrams received since the last call (read without waiting).
  int received() const {
    int count = 0;
    char buffer[512];
    while (recv(m_fd, buffer, sizeof(buffer), MSG_DONTWAIT) >= 0) ++count;
    return count;
  }

 private:
  int m_fd = -1;
  int m_port = 0;
};

}  // namespace dmarc::test
