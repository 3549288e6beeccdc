// Resolver on c-ares: queries go to the configured servers (or the system's
// resolv.conf), each try waits at most `timeout`. query_many runs many queries
// concurrently on one channel. One instance is not thread-safe; use one per
// thread. The constructor throws dmarc::Fatal for a bad server list.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "dns/resolver.hpp"

struct ares_channeldata;

namespace dmarc::dns {

struct CaresOptions {
  // "host:port[,host:port...]", e.g. "127.0.0.1:10053" or "[::1]:53".
  // Empty: the servers in /etc/resolv.conf.
  std::string servers;
  // Time for one try at one server. c-ares doubles it for later rounds over
  // the server list, so one server with tries = 2 may take 3 * timeout.
  std::chrono::milliseconds timeout{2000};
  int tries = 2;
  // Queries in flight at once in query_many; more wait their turn.
  std::size_t max_in_flight = 64;
};

class CaresResolver final : public Resolver {
 public:
  explicit CaresResolver(CaresOptions options = {});
  ~CaresResolver() override;
  CaresResolver(const CaresResolver&) = delete;
  CaresResolver& operator=(const CaresResolver&) = delete;

  Answer query(std::string_view name, RecordType type) override;
  std::vector<Answer> query_many(const std::vector<Question>& questions) override;

 private:
  struct ChannelDeleter {
    void operator()(ares_channeldata* channel) const;
  };
  void run_until_done(const std::size_t& pending);

  CaresOptions m_options;
  std::unique_ptr<ares_channeldata, ChannelDeleter> m_channel;
};

}  // namespace dmarc::dns
