// A narrow DNS resolver interface: one query for one name and record type,
// answered with a status, the record values as text and the TTL. Later parts
// (reverse names in reports, the SPF evaluator) depend only on this; tests can
// use small fakes. Implementations report failures in Answer::status, never by
// throwing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dmarc::dns {

enum class RecordType { a, aaaa, mx, txt, ptr };

enum class Status {
  ok,        // the name has records of the type; values holds them
  nxdomain,  // the name does not exist
  nodata,    // the name exists but has no record of the type
  servfail,  // the server could not answer
  timeout,   // no server answered within the timeout and tries (or none listens)
  error,     // anything else (refused, malformed reply, bad name); see error
};

// Stable lower-case name ("nxdomain").
std::string_view to_string(Status status);
std::string_view to_string(RecordType type);

struct Answer {
  Status status = Status::error;
  // A/AAAA: address text ("192.0.2.1", "2001:db8::1"); MX: "pref host";
  // TXT: one entry per record, the strings of that record concatenated;
  // PTR: names without trailing dot. In the order the server sent them.
  std::vector<std::string> values;
  std::uint32_t ttl = 0;  // smallest TTL of the answer records; 0 unless ok
  std::string error;      // a message for status != ok, empty otherwise

  bool operator==(const Answer&) const = default;
};

struct Question {
  std::string name;
  RecordType type;
};

class Resolver {
 public:
  virtual ~Resolver();

  virtual Answer query(std::string_view name, RecordType type) = 0;

  // Answers questions in order. The default asks them one after another;
  // implementations that can run queries concurrently override it.
  virtual std::vector<Answer> query_many(const std::vector<Question>& questions);
};

// The reverse-lookup name of an IP address: "1.2.0.192.in-addr.arpa" for
// 192.0.2.1, 32 nibbles + ".ip6.arpa" for IPv6. Empty if ip is not an address.
std::string reverse_name(std::string_view ip);

// PTR lookups for many addresses, run concurrently where the resolver can;
// one Answer per address, same order. An unparseable address gets
// Status::error without a query.
std::vector<Answer> lookup_ptr_many(Resolver& resolver, const std::vector<std::string>& ips);

}  // namespace dmarc::dns
