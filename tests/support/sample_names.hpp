// Reverse and forward DNS zones for the samples' source addresses
// (samples/README.md), served by NSD in the names tests, and a small fixed
// public suffix list. The story:
//   CRM 203.0.113.50/.51     out1/out2.crm-mailer.co.test, forward-confirmed
//   ticketing 198.51.100.77  smtp.helpdesk.test, forward-confirmed
//   invoicing 203.0.113.90   relay.invoicer.test, whose A record is another
//                            address: unconfirmed
//   mailing list 203.0.113.25  no PTR record (NXDOMAIN)
//   forwarder 198.51.100.140 mx.alumni.test, forward-confirmed
//   own server 2001:db8:5c::25  mx.ours.test with its AAAA
// plus addresses in 192.0.2.0/24 for odd cases (several names, odd bytes).
#pragma once

#include <string>
#include <vector>

#include "tests/support/nsd.hpp"

namespace dmarc::testing {

// A public suffix list: "co.test" is a suffix of two labels.
inline const char* const k_test_psl = R"(// test list
// ===BEGIN ICANN DOMAINS===
test
co.test
net
// ===END ICANN DOMAINS===
)";

inline std::string soa_header(const std::string& origin) {
  return "$ORIGIN " + origin +
         ".\n$TTL 300\n@ IN SOA ns.ours.test. admin.ours.test. 1 3600 600 "
         "86400 60\n@ IN NS ns.ours.test.\n";
}

inline std::vector<Zone> sample_name_zones() {
  std::vector<Zone> zones;
  zones.push_back({"test", soa_header("test") + R"(
ns.ours           IN A    127.0.0.1
out1.crm-mailer.co 86400 IN A 203.0.113.50
out2.crm-mailer.co 86400 IN A 203.0.113.51
smtp.helpdesk     IN A    198.51.100.77
relay.invoicer    IN A    203.0.113.99
mx.alumni         IN A    198.51.100.140
mx.ours           IN AAAA 2001:db8:5c::25
first             IN A    192.0.2.1
second            IN A    192.0.2.200
-x.evil           IN A    192.0.2.68
long              1209600 IN A 192.0.2.70
)"});
  zones.push_back({"113.0.203.in-addr.arpa", soa_header("113.0.203.in-addr.arpa") + R"(
50 7200 IN PTR out1.crm-mailer.co.test.
51 IN PTR out2.crm-mailer.co.test.
90 IN PTR relay.invoicer.test.
)"});
  zones.push_back({"100.51.198.in-addr.arpa", soa_header("100.51.198.in-addr.arpa") + R"(
77  IN PTR SMTP.Helpdesk.test.
140 IN PTR mx.alumni.test.
)"});
  zones.push_back({"2.0.192.in-addr.arpa", soa_header("2.0.192.in-addr.arpa") + R"(
66  IN PTR bad\027name.evil.test.
67  IN PTR a/b.evil.test.
68  IN PTR -x.evil.test.
70  1209600 IN PTR long.test.
200 IN PTR first.test.
200 IN PTR second.test.
)"});
  zones.push_back({"c.5.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
                   soa_header("c.5.0.0.8.b.d.0.1.0.0.2.ip6.arpa") +
                       "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0 IN PTR mx.ours.test.\n"});
  return zones;
}

}  // namespace dmarc::testing
