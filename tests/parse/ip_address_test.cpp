#include "parse/ip_address.hpp"

#include <gtest/gtest.h>

#include <string>

namespace dmarc::parse {
namespace {

TEST(NormalizeIp, KeepsDottedQuadIpv4) {
  EXPECT_EQ(normalize_ip("192.0.2.1"), "192.0.2.1");
  EXPECT_EQ(normalize_ip("0.0.0.0"), "0.0.0.0");
  EXPECT_EQ(normalize_ip("255.255.255.255"), "255.255.255.255");
}

TEST(NormalizeIp, CompressesIpv6ToRfc5952Form) {
  EXPECT_EQ(normalize_ip("2001:DB8:0:0:8:800:200C:417A"), "2001:db8::8:800:200c:417a");
  EXPECT_EQ(normalize_ip("2001:0db8:0000:0000:0000:0000:0000:0001"), "2001:db8::1");
  EXPECT_EQ(normalize_ip("::1"), "::1");
  EXPECT_EQ(normalize_ip("0:0:0:0:0:0:0:0"), "::");
}

TEST(NormalizeIp, TurnsIpv4MappedIpv6IntoIpv4) {
  EXPECT_EQ(normalize_ip("::ffff:1.2.3.4"), "1.2.3.4");
  EXPECT_EQ(normalize_ip("::FFFF:129.144.52.38"), "129.144.52.38");
  EXPECT_EQ(normalize_ip("0:0:0:0:0:ffff:c000:0201"), "192.0.2.1");
}

TEST(NormalizeIp, IgnoresSurroundingWhitespace) {
  EXPECT_EQ(normalize_ip("  192.0.2.1\n"), "192.0.2.1");
  EXPECT_EQ(normalize_ip("\t2001:db8::1 \r\n"), "2001:db8::1");
}

TEST(NormalizeIp, RejectsDottedQuadsThatInetPtonRefuses) {
  for (std::string_view text :
       {"01.2.3.4", "1.2.3.04", "1.2.3.00", "256.1.1.1", "1.2.3.256", "1.2.3.", ".1.2.3",
        "1..2.3", "1.2.3.4.", "1.2.3.4.5", "1234.1.1.1", "1.2.3.4a", "1.2.3", "1.2.3.-4"}) {
    EXPECT_EQ(normalize_ip(text), std::nullopt) << '"' << text << '"';
  }
}

TEST(NormalizeIp, KeepsEveryCanonicalOctet) {
  for (int octet : {0, 1, 9, 10, 99, 100, 199, 200, 249, 250, 255}) {
    const std::string text = "10." + std::to_string(octet) + ".0." + std::to_string(octet);
    EXPECT_EQ(normalize_ip(text), text);
  }
}

TEST(NormalizeIp, RejectsTextThatIsNotAnAddress) {
  const std::string with_nul("1.2.3.4\0", 8);
  const std::string very_long(200, '1');
  for (const std::string& text :
       {std::string("1.2.3"), std::string("300.1.1.1"), std::string("abc"),
        std::string("fe80::1%eth0"), std::string(""), std::string("   "), std::string("1.2.3.4.5"),
        std::string("192.0.2.0/24"), std::string("1.2.3.4 5"), std::string("2001:db8::1::2"),
        std::string("12345::1"), std::string("-1.2.3.4"), std::string("[2001:db8::1]"), with_nul,
        very_long}) {
    EXPECT_EQ(normalize_ip(text), std::nullopt) << '"' << text << '"';
  }
}

}  // namespace
}  // namespace dmarc::parse
