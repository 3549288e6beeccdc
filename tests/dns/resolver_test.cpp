#include "dns/resolver.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace dmarc::dns {
namespace {

TEST(ReverseName, Ipv4ReversesTheOctets) {
  EXPECT_EQ(reverse_name("192.0.2.1"), "1.2.0.192.in-addr.arpa");
  EXPECT_EQ(reverse_name("10.20.30.255"), "255.30.20.10.in-addr.arpa");
}

TEST(ReverseName, Ipv6ReversesAllThirtyTwoNibbles) {
  EXPECT_EQ(reverse_name("2001:db8::1"),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
  EXPECT_EQ(reverse_name("2001:DB8:ABCD::FE"),
            "e.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.c.b.a.8.b.d.0.1.0.0.2.ip6.arpa");
}

TEST(ReverseName, Ipv4MappedIpv6UsesIp6Arpa) {
  const std::string name = reverse_name("::ffff:192.0.2.1");
  EXPECT_EQ(name, "1.0.2.0.0.0.0.c.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa");
}

TEST(ReverseName, NonAddressGivesEmpty) {
  for (const char* text : {"", "192.0.2", "192.0.2.256", "example.com", "2001:db8:::1",
                           "192.0.2.1/24", " 192.0.2.1"}) {
    EXPECT_EQ(reverse_name(text), "") << text;
  }
}

// Answers from a table; counts the questions asked.
class TableResolver : public Resolver {
 public:
  std::map<std::string, Answer> answers;
  std::vector<std::string> asked;

  Answer query(std::string_view name, RecordType type) override {
    EXPECT_EQ(type, RecordType::ptr);
    asked.emplace_back(name);
    const auto found = answers.find(std::string(name));
    if (found == answers.end()) return Answer{Status::nxdomain, {}, 0, "not in table"};
    return found->second;
  }
};

TEST(LookupPtrMany, KeepsOrderAndSkipsBadAddressesWithoutAQuery) {
  TableResolver resolver;
  resolver.answers["1.2.0.192.in-addr.arpa"] = Answer{Status::ok, {"one.example"}, 60, ""};
  const std::vector<Answer> answers =
      lookup_ptr_many(resolver, {"192.0.2.1", "not-an-ip", "192.0.2.9"});
  ASSERT_EQ(answers.size(), 3u);
  EXPECT_EQ(answers[0].status, Status::ok);
  EXPECT_EQ(answers[0].values, std::vector<std::string>{"one.example"});
  EXPECT_EQ(answers[1].status, Status::error);
  EXPECT_NE(answers[1].error.find("not-an-ip"), std::string::npos);
  EXPECT_EQ(answers[2].status, Status::nxdomain);
  EXPECT_EQ(resolver.asked,
            (std::vector<std::string>{"1.2.0.192.in-addr.arpa", "9.2.0.192.in-addr.arpa"}));
}

TEST(LookupPtrMany, EmptyListAsksNothing) {
  TableResolver resolver;
  EXPECT_TRUE(lookup_ptr_many(resolver, {}).empty());
  EXPECT_TRUE(resolver.asked.empty());
}

TEST(StatusName, IsStable) {
  EXPECT_EQ(to_string(Status::nxdomain), "nxdomain");
  EXPECT_EQ(to_string(Status::timeout), "timeout");
  EXPECT_EQ(to_string(RecordType::aaaa), "AAAA");
}

}  // namespace
}  // namespace dmarc::dns
