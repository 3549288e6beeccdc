// IMAP URLs as users write them, and the untagged responses servers send.
#include <gtest/gtest.h>

#include "ingest/imap_response.hpp"
#include "ingest/imap_url.hpp"

namespace dmarc::ingest {
namespace {

TEST(ImapUrl, ImapsDefaultsToPort993AndInbox) {
  auto url = parse_imap_url("imaps://dmarc@mail.example.com");
  ASSERT_TRUE(url) << url.error().message;
  EXPECT_TRUE(url->implicit_tls);
  EXPECT_EQ(url->port, 993);
  EXPECT_EQ(url->mailbox, "INBOX");
  EXPECT_EQ(url->key(), "imaps://dmarc@mail.example.com:993/INBOX");
  EXPECT_EQ(url->message_url(7, 42), "imaps://mail.example.com:993/INBOX;UIDVALIDITY=7;UID=42");
}

TEST(ImapUrl, ImapMeansStartTlsOnPort143) {
  auto url = parse_imap_url("imap://host/Reports/DMARC");
  ASSERT_TRUE(url);
  EXPECT_FALSE(url->implicit_tls);
  EXPECT_EQ(url->port, 143);
  EXPECT_EQ(url->mailbox, "Reports/DMARC");
}

TEST(ImapUrl, PercentEscapesAndIpv6AreDecoded) {
  auto url = parse_imap_url("imaps://rua%40example.com@[2001:db8::1]:1993/My%20Reports");
  ASSERT_TRUE(url) << url.error().message;
  EXPECT_EQ(url->user, "rua@example.com");
  EXPECT_EQ(url->host, "2001:db8::1");
  EXPECT_EQ(url->port, 1993);
  EXPECT_EQ(url->mailbox, "My Reports");
  EXPECT_EQ(url->server(), "imaps://[2001:db8::1]:1993");
  EXPECT_EQ(url->key(), "imaps://rua%40example.com@[2001:db8::1]:1993/My%20Reports");
}

TEST(ImapUrl, HostileUrlsAreRefusedWithTheReason) {
  struct Case {
    const char* url;
    const char* fragment;
  };
  const Case cases[] = {
      {"https://host/INBOX", "must start with imaps:// or imap://"},
      {"imaps://user:hunter2@host/INBOX", "must not carry a password"},
      {"imaps:///INBOX", "has no host"},
      {"imaps://host:0/INBOX", "bad port"},
      {"imaps://host:99999/INBOX", "bad port"},
      {"imaps://host:/INBOX", "bad port"},
      {"imaps://host:12ab/INBOX", "bad port"},
      {"imaps://[::1/INBOX", "unclosed ["},
      {"imaps://host/INBOX;UID=4", "give only the mailbox"},
      {"imaps://host/IN%0ABOX", "control character"},
      {"imaps://host/IN%zzBOX", "bad %-escape"},
      {"imaps://host/Ber%C3%ADchte", "not ASCII"},
  };
  for (const Case& c : cases) {
    auto url = parse_imap_url(c.url);
    ASSERT_FALSE(url) << c.url;
    EXPECT_NE(url.error().message.find(c.fragment), std::string::npos)
        << c.url << ": " << url.error().message;
    EXPECT_EQ(url.error().message.find("hunter2"), std::string::npos);
  }
}

TEST(ImapQuoted, QuotesAndBackslashesAreEscaped) {
  EXPECT_EQ(*imap_quoted("a \"b\" \\c"), "\"a \\\"b\\\" \\\\c\"");
}

TEST(ImapResponse, StatusValuesInAnyOrder) {
  auto status = parse_status("* STATUS \"My (odd) box\" (UIDVALIDITY 17 MESSAGES 3 UIDNEXT 9)\r\n");
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_EQ(*status, (MailboxStatus{3, 9, 17}));
}

TEST(ImapResponse, HostileStatusLinesAreErrors) {
  for (const char* text : {"", "* STATUS INBOX (MESSAGES 3 UIDNEXT 9)",
                           "* STATUS INBOX (MESSAGES x UIDNEXT 9 UIDVALIDITY 1)",
                           "* STATUS INBOX (MESSAGES 99999999999999999999999 UIDNEXT 9 UIDVALIDITY 1)",
                           "* STATUS INBOX MESSAGES 3"}) {
    EXPECT_FALSE(parse_status(text)) << text;
  }
}

TEST(ImapResponse, FetchLinesGiveUidSeenAndSizeInUidOrder) {
  auto messages = parse_fetch(
      "* 2 FETCH (UID 9 FLAGS (\\Seen \\Answered) RFC822.SIZE 1200)\r\n"
      "* 1 FETCH (FLAGS () UID 4 RFC822.SIZE 80)\r\n"
      "* 3 EXPUNGE\r\n");
  ASSERT_TRUE(messages) << messages.error().message;
  ASSERT_EQ(messages->size(), 2u);
  EXPECT_EQ((*messages)[0], (MessageInfo{4, false, 80}));
  EXPECT_EQ((*messages)[1], (MessageInfo{9, true, 1200}));
}

TEST(ImapResponse, HostileFetchLinesAreErrors) {
  for (const char* text : {"* 1 FETCH (FLAGS (\\Seen) RFC822.SIZE 3)", "* 1 FETCH (UID -4)",
                           "* 1 FETCH (UID 0)", "* 1 FETCH UID 4", "* 1 FETCH (UID 4 FLAGS x)",
                           "* 1 FETCH (UID 4 RFC822.SIZE 1e9)"}) {
    EXPECT_FALSE(parse_fetch(text)) << text;
  }
}

TEST(ImapResponse, EsearchCountIsReadAndAbsentCountIsUnknown) {
  EXPECT_EQ(parse_esearch_count("* ESEARCH (TAG \"A5\") UID COUNT 1000\r\n"), 1000u);
  EXPECT_EQ(parse_esearch_count("* ESEARCH (TAG \"A5\") UID\r\n"), std::nullopt);
  EXPECT_EQ(parse_esearch_count("* ESEARCH (TAG \"A5\") UID COUNT x\r\n"), std::nullopt);
}

TEST(ImapResponse, ListAndCapabilities) {
  EXPECT_TRUE(has_list_line("* LIST (\\HasNoChildren) \".\" INBOX\r\n"));
  EXPECT_FALSE(has_list_line(""));
  auto caps = parse_capabilities("* CAPABILITY IMAP4rev1 move UIDPLUS\r\n");
  EXPECT_EQ(caps, (std::set<std::string>{"IMAP4REV1", "MOVE", "UIDPLUS"}));
}

}  // namespace
}  // namespace dmarc::ingest
