// A UDP socket on 127.0.0.1 (a free port) that never answers: a DNS server
// that is silent, and a counter of the datagrams sent to it.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

namespace dmarc::test {

class UdpListener {
 public:
  UdpListener() {
    m_fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (m_fd < 0) throw std::runtime_error("UdpListener: socket failed");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof(address);
    if (bind(m_fd, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
        getsockname(m_fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
      close(m_fd);
      throw std::runtime_error("UdpListener: cannot bind to 127.0.0.1");
    }
    m_port = ntohs(address.sin_port);
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
