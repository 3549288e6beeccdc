#include "parse/gzip.hpp"

#include "tests/support/encode.hpp"
#include <gtest/gtest.h>
#include <zlib.h>

#include <stdexcept>
#include <string>
#include <string_view>

namespace dmarc::parse {
namespace {

using dmarc::testing::deflate_with;
using dmarc::testing::gzip;
using dmarc::testing::zlib;

using namespace std::string_literals;



TEST(InflateBudget, SpendsUpToTheLimitExactly) {
  InflateBudget budget(10);
  EXPECT_TRUE(budget.spend(4));
  EXPECT_TRUE(budget.spend(6));
  EXPECT_EQ(budget.used(), 10u);
  EXPECT_FALSE(budget.exceeded());
  EXPECT_TRUE(budget.spend(0));
}

TEST(InflateBudget, StaysExceededOnceOverTheLimit) {
  InflateBudget budget(10);
  EXPECT_TRUE(budget.spend(9));
  EXPECT_FALSE(budget.spend(2));
  EXPECT_TRUE(budget.exceeded());
  EXPECT_EQ(budget.used(), 9u);
  EXPECT_FALSE(budget.spend(1));
}

TEST(InflateBudget, HugeAmountsDoNotWrapAround) {
  InflateBudget budget(100);
  EXPECT_TRUE(budget.spend(50));
  EXPECT_FALSE(budget.spend(~std::uint64_t{0}));
  EXPECT_EQ(budget.used(), 50u);
}

TEST(Gunzip, InflatesOutputLargerThanOneChunk) {
  std::string big;
  for (int i = 0; big.size() < 300'000; ++i) big += "<row>" + std::to_string(i) + "</row>";
  InflateBudget budget(1 << 20);
  auto out = gunzip(gzip(big), budget, "gzip stream");
  ASSERT_TRUE(out.has_value()) << out.error().message;
  EXPECT_EQ(*out, big);
  EXPECT_EQ(budget.used(), big.size());
}

TEST(Gunzip, JoinsConcatenatedMembersIncludingEmptyOnes) {
  InflateBudget budget(1000);
  auto out = gunzip(gzip("ab") + gzip("") + gzip("cd"), budget, "gzip stream");
  ASSERT_TRUE(out.has_value()) << out.error().message;
  EXPECT_EQ(*out, "abcd");
}

TEST(Gunzip, IgnoresBytesAfterTheLastMember) {
  InflateBudget budget(1000);
  auto out = gunzip(gzip("ab") + "\0\0"s, budget, "gzip stream");
  ASSERT_TRUE(out.has_value()) << out.error().message;
  EXPECT_EQ(*out, "ab");
}

TEST(Gunzip, MessagesNameTheSubject) {
  InflateBudget budget(1000);
  std::string stream = gzip("abc");
  auto out = gunzip(stream.substr(0, stream.size() - 1), budget, "gzip stream in zip member \"r\"");
  ASSERT_FALSE(out.has_value());
  EXPECT_EQ(out.error().code, Code::malformed);
  EXPECT_EQ(out.error().message,
            "gzip stream in zip member \"r\": unexpected end of data (truncated stream)");
}

TEST(Gunzip, EmptyInputIsTruncated) {
  InflateBudget budget(1000);
  auto out = gunzip("", budget, "gzip stream");
  ASSERT_FALSE(out.has_value());
  EXPECT_EQ(out.error().code, Code::malformed);
}

TEST(Gunzip, DeclaredSizeIsNotTrusted) {
  // ISIZE says 1 byte; the stream inflates to 5000 against a budget of 4096.
  std::string stream = gzip(std::string(5000, 'a'));
  stream.replace(stream.size() - 4, 4, "\x01\0\0\0"s);
  InflateBudget budget(4096);
  auto out = gunzip(stream, budget, "gzip stream");
  ASSERT_FALSE(out.has_value());
  EXPECT_EQ(out.error().code, Code::too_large);
  EXPECT_EQ(out.error().message, "gzip stream inflates past max_unpacked_bytes (4096)");
}

TEST(Gunzip, BudgetIsSharedAcrossStreams) {
  InflateBudget budget(5);
  ASSERT_TRUE(gunzip(gzip("abc"), budget, "first").has_value());
  auto second = gunzip(gzip("abc"), budget, "second");
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code, Code::too_large);
  EXPECT_EQ(second.error().message, "second inflates past max_unpacked_bytes (5)");
}

TEST(InflateZlib, InflatesAndIgnoresTrailingBytes) {
  InflateBudget budget(1000);
  auto out = inflate_zlib(zlib("<feedback/>") + "tail", budget, "zlib stream");
  ASSERT_TRUE(out.has_value()) << out.error().message;
  EXPECT_EQ(*out, "<feedback/>");
}

TEST(InflateZlib, StreamNeedingADictionaryIsMalformed) {
  InflateBudget budget(1000);
  auto out =
      inflate_zlib(deflate_with("<feedback/>", MAX_WBITS, "<feedback"), budget, "zlib stream");
  ASSERT_FALSE(out.has_value());
  EXPECT_EQ(out.error().code, Code::malformed);
  EXPECT_EQ(out.error().message, "zlib stream: need dictionary");
}

TEST(InflateZlib, GzipBytesAreNotAZlibStream) {
  InflateBudget budget(1000);
  auto out = inflate_zlib(gzip("abc"), budget, "zlib stream");
  ASSERT_FALSE(out.has_value());
  EXPECT_EQ(out.error().message, "zlib stream: incorrect header check");
}

}  // namespace
}  // namespace dmarc::parse
