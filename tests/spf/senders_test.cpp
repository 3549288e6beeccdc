#include "spf/senders.hpp"

#include <gtest/gtest.h>

#include <string>

namespace dmarc::spf {
namespace {

TEST(SenderTable, BuiltinTableParsesAndFindsServicesByHostName) {
  const SenderTable table = SenderTable::builtin();
  EXPECT_GE(table.entries().size(), 15u);
  const KnownSender* sendgrid = table.find("o1.ptr1234.Sendgrid.NET.");
  ASSERT_NE(sendgrid, nullptr);
  EXPECT_EQ(sendgrid->service, "SendGrid");
  EXPECT_EQ(sendgrid->spf_include, "sendgrid.net");
  const KnownSender* microsoft = table.find("mail-db5eur01on2100.outbound.protection.outlook.com");
  ASSERT_NE(microsoft, nullptr);
  EXPECT_EQ(microsoft->spf_include, "spf.protection.outlook.com");
  EXPECT_EQ(table.find("notsendgrid.net"), nullptr);
  EXPECT_EQ(table.find(""), nullptr);
}

TEST(SenderTable, UserLinesAddAndOverrideEntries) {
  SenderTable table = SenderTable::builtin();
  const auto added = table.add_text("# ours\nmailer.example.net include:_spf.example.net  Our CRM  \n"
                                    "sendgrid.net include:u123.wl.sendgrid.net SendGrid (own domain)\n\n");
  ASSERT_TRUE(added) << added.error().message;
  EXPECT_EQ(*added, 2u);
  EXPECT_EQ(table.find("a.mailer.example.net")->service, "Our CRM");
  EXPECT_EQ(table.find("x.sendgrid.net")->spf_include, "u123.wl.sendgrid.net");
}

TEST(SenderTable, BadLinesAreErrorsNamingTheLine) {
  const std::pair<std::string, std::string> table[] = {
      {"sendgrid.net sendgrid.net SendGrid", "line 1"},
      {"\nsendgrid.net include:sendgrid.net", "line 2"},
      {"not_a_domain include:x.example Name", "not a domain"},
      {"a.example include:b..example Name", "not a domain"},
  };
  for (const auto& [text, fragment] : table) {
    SenderTable senders;
    const auto added = senders.add_text(text);
    ASSERT_FALSE(added) << text;
    EXPECT_EQ(added.error().code, Code::malformed);
    EXPECT_NE(added.error().message.find(fragment), std::string::npos) << added.error().message;
  }
}

TEST(SenderTable, MissingFileIsAnIoError) {
  SenderTable senders;
  const auto added = senders.add_file("/nonexistent/senders.txt");
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().code, Code::io);
}

}  // namespace
}  // namespace dmarc::spf
