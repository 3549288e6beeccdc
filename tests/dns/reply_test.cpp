#include "dns/reply.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace dmarc::dns {
namespace {

using Bytes = std::vector<unsigned char>;

// A reply for "a.test" type t with one answer record (name compressed to
// the question) carrying ttl and rdata.
Bytes reply(std::uint16_t type, std::uint32_t ttl, const Bytes& rdata, std::uint16_t answers = 1) {
  Bytes m{0x12, 0x34, 0x81, 0x80, 0, 1, static_cast<unsigned char>(answers >> 8),
          static_cast<unsigned char>(answers), 0, 0, 0, 0};
  const Bytes question{1, 'a', 4, 't', 'e', 's', 't', 0, 0, static_cast<unsigned char>(type), 0, 1};
  m.insert(m.end(), question.begin(), question.end());
  for (std::uint16_t i = 0; i < answers; ++i) {
    const Bytes head{0xC0, 12, 0, static_cast<unsigned char>(type), 0, 1,
                     static_cast<unsigned char>(ttl >> 24), static_cast<unsigned char>(ttl >> 16),
                     static_cast<unsigned char>(ttl >> 8), static_cast<unsigned char>(ttl),
                     static_cast<unsigned char>(rdata.size() >> 8),
                     static_cast<unsigned char>(rdata.size())};
    m.insert(m.end(), head.begin(), head.end());
    m.insert(m.end(), rdata.begin(), rdata.end());
  }
  return m;
}

Answer parse(RecordType type, const Bytes& m) {
  return parse_reply(type, m.data(), static_cast<int>(m.size()));
}

TEST(Reply, TxtRecordWithTwoStringsIsJoinedWithTtl) {
  const Answer answer = parse(RecordType::txt, reply(16, 3600, {3, 'a', 'b', ' ', 2, 'c', 'd'}));
  ASSERT_EQ(answer.status, Status::ok) << answer.error;
  EXPECT_EQ(answer.values, std::vector<std::string>{"ab cd"});
  EXPECT_EQ(answer.ttl, 3600u);
}

TEST(Reply, TtlAboveTwoToThe31CountsAsZero) {
  const Answer answer = parse(RecordType::txt, reply(16, 0x80000000U, {1, 'x'}));
  ASSERT_EQ(answer.status, Status::ok);
  EXPECT_EQ(answer.ttl, 0u);
}

TEST(Reply, MinAnswerTtlTakesTheSmallest) {
  Bytes m = reply(1, 50, {192, 0, 2, 1}, 2);
  m[m.size() - 4 - 2 - 4 + 3] = 40;  // second record's TTL low byte
  EXPECT_EQ(min_answer_ttl(m.data(), static_cast<int>(m.size())), 40u);
}

TEST(Reply, HostileMessagesAreRejectedWithoutReadingPastTheEnd) {
  const Bytes good = reply(16, 60, {1, 'x'});
  struct Case {
    const char* what;
    Bytes message;
  };
  const std::vector<Case> cases{
      {"empty", {}},
      {"short header", Bytes(good.begin(), good.begin() + 5)},
      {"cut in question", Bytes(good.begin(), good.begin() + 15)},
      {"cut in record header", Bytes(good.begin(), good.end() - 6)},
      {"cut in rdata", Bytes(good.begin(), good.end() - 1)},
      {"claims two answers", [&] {
         Bytes m = good;
         m[7] = 2;
         return m;
       }()},
      {"bad label type", [&] {
         Bytes m = good;
         m[12] = 0x80;
         return m;
       }()},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(min_answer_ttl(c.message.data(), static_cast<int>(c.message.size())), std::nullopt)
        << c.what;
    EXPECT_NE(parse(RecordType::txt, c.message).status, Status::ok) << c.what;
  }
}

TEST(Reply, ReplyWithoutRecordsOfTheTypeIsNodata) {
  const Bytes m = reply(16, 60, {}, 0);
  EXPECT_EQ(parse(RecordType::txt, m).status, Status::nodata);
  EXPECT_EQ(parse(RecordType::a, m).status, Status::nodata);
}

}  // namespace
}  // namespace dmarc::dns
