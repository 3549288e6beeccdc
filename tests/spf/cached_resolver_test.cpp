#include "spf/cached_resolver.hpp"

#include <gtest/gtest.h>

#include "tests/spf/fake_resolver.hpp"

namespace dmarc::spf {
namespace {

using dns::RecordType;
using testing::FakeResolver;

TEST(CachedResolver, AsksEachQuestionOnceWhateverTheCaseOrTrailingDot) {
  FakeResolver inner;
  inner.txt("example.com", "v=spf1 -all");
  CachedResolver cache(inner);
  EXPECT_EQ(cache.query("example.com", RecordType::txt).values.front(), "v=spf1 -all");
  EXPECT_EQ(cache.query("EXAMPLE.com.", RecordType::txt).values.front(), "v=spf1 -all");
  EXPECT_EQ(cache.query("example.com", RecordType::a).status, dns::Status::nodata);
  EXPECT_EQ(inner.queries, 2);
  EXPECT_EQ(cache.hits(), 1u);
}

TEST(CachedResolver, StopsStoringPastMaxEntries) {
  FakeResolver inner;
  CachedResolver cache(inner, 1);
  cache.query("a.example", RecordType::a);
  cache.query("b.example", RecordType::a);
  cache.query("b.example", RecordType::a);
  EXPECT_EQ(inner.queries, 3);
}

TEST(CachedResolver, GivesUpAfterTimeoutsWithoutAskingAgain) {
  FakeResolver inner;
  inner.fail("slow.example", RecordType::txt, dns::Status::timeout);
  CachedResolver cache(inner, 100, 1);
  EXPECT_EQ(cache.query("slow.example", RecordType::txt).status, dns::Status::timeout);
  const dns::Answer next = cache.query("other.example", RecordType::txt);
  EXPECT_EQ(next.status, dns::Status::timeout);
  EXPECT_NE(next.error.find("not asked"), std::string::npos);
  EXPECT_EQ(inner.queries, 1);
}

}  // namespace
}  // namespace dmarc::spf
