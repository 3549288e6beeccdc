#include "ingest/mail.hpp"

#include "tests/support/encode.hpp"
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace dmarc::ingest {
namespace {

using dmarc::testing::base64;
using dmarc::testing::gzip;

// Leak checks of GObjects need G_SLICE=always-malloc (set by CTest), else
// GLib's slice allocator hides them from LeakSanitizer.

const std::string k_xml =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<feedback><report_metadata><org_name>example.net</org_name>"
    "<report_id>42</report_id></report_metadata></feedback>";



std::string uuencode(std::string_view data, std::string_view name) {
  auto enc = [](unsigned v) { return v == 0 ? '`' : static_cast<char>(v + 32); };
  std::string out = "begin 644 " + std::string(name) + "\n";
  for (std::size_t i = 0; i < data.size(); i += 45) {
    std::string_view chunk = data.substr(i, 45);
    out += enc(static_cast<unsigned>(chunk.size()));
    for (std::size_t j = 0; j < chunk.size(); j += 3) {
      unsigned b0 = static_cast<unsigned char>(chunk[j]);
      unsigned b1 = j + 1 < chunk.size() ? static_cast<unsigned char>(chunk[j + 1]) : 0;
      unsigned b2 = j + 2 < chunk.size() ? static_cast<unsigned char>(chunk[j + 2]) : 0;
      out += enc(b0 >> 2);
      out += enc(((b0 << 4) | (b1 >> 4)) & 63);
      out += enc(((b1 << 2) | (b2 >> 6)) & 63);
      out += enc(b2 & 63);
    }
    out += "\n";
  }
  return out + "`\nend\n";
}

std::string crlf(std::string_view lf) {
  std::string out;
  for (char c : lf) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

const std::string k_headers =
    "From: noreply-dmarc-support@example.net\n"
    "To: dmarc@example.com\n"
    "Subject: Report domain: example.com Submitter: example.net\n"
    "Message-ID: <report-42@example.net>\n"
    "MIME-Version: 1.0\n";

// A multipart/mixed message with a text part and one attachment part.
std::string mail_with_part(std::string_view part_headers, std::string_view body) {
  return k_headers + "Content-Type: multipart/mixed; boundary=\"XX\"\n\n" +
         "This is a multi-part message in MIME format.\n\n"
         "--XX\nContent-Type: text/plain; charset=us-ascii\n\nA DMARC report.\n"
         "--XX\n" +
         std::string(part_headers) + "\n" + std::string(body) + "\n--XX--\n";
}

std::string gzip_mail() {
  return mail_with_part(
      "Content-Type: application/gzip; name=\"example.net!example.com!1!2.xml.gz\"\n"
      "Content-Disposition: attachment; filename=\"example.net!example.com!1!2.xml.gz\"\n"
      "Content-Transfer-Encoding: base64\n",
      base64(gzip(k_xml)));
}

Mail parse_ok(std::string_view message, const Limits& limits = {}) {
  Expected<Mail> mail = parse_mail(message, limits);
  EXPECT_TRUE(mail.has_value()) << (mail ? "" : mail.error().message);
  return mail ? *mail : Mail{};
}

TEST(ParseMail, ExtractsBase64ZipAttachment) {
  const std::string zip = std::string("PK\x03\x04\x14\x00\x00\x00\x08\x00", 10) + "\xff\x01zipdata";
  Mail mail = parse_ok(mail_with_part(
      "Content-Type: application/zip;\n\tname=\"example.net!example.com!1!2.zip\"\n"
      "Content-Disposition: attachment;\n\tfilename=\"example.net!example.com!1!2.zip\"\n"
      "Content-Transfer-Encoding: base64\n",
      base64(zip)));
  EXPECT_EQ(mail.kind, MailKind::aggregate_candidate);
  ASSERT_EQ(mail.parts.size(), 1u);
  EXPECT_EQ(mail.parts[0].id, "2");
  EXPECT_EQ(mail.parts[0].content_type, "application/zip");
  EXPECT_EQ(mail.parts[0].filename, "example.net!example.com!1!2.zip");
  EXPECT_EQ(mail.parts[0].bytes, zip);
  EXPECT_EQ(mail.all_content_types, (std::vector<std::string>{"text/plain", "application/zip"}));
}

TEST(ParseMail, TakesFilenameFromContentTypeNameWithoutDisposition) {
  const std::string gz = gzip(k_xml);
  Mail mail = parse_ok(mail_with_part(
      "Content-Type: Application/Octet-Stream;\n name=amazonses.com!example.com!1!2.xml.gz\n"
      "Content-Transfer-Encoding: base64\n",
      base64(gz)));
  ASSERT_EQ(mail.parts.size(), 1u);
  EXPECT_EQ(mail.parts[0].content_type, "application/octet-stream");
  EXPECT_EQ(mail.parts[0].filename, "amazonses.com!example.com!1!2.xml.gz");
  EXPECT_EQ(mail.parts[0].bytes, gz);
}

TEST(ParseMail, SinglePartGzipMessageIsOneLeaf) {
  const std::string gz = gzip(k_xml);
  Mail mail = parse_ok(k_headers +
                       "Content-Type: application/gzip\n"
                       "Content-Disposition: attachment; filename=\"r.xml.gz\"\n"
                       "Content-Transfer-Encoding: base64\n\n" +
                       base64(gz));
  ASSERT_EQ(mail.parts.size(), 1u);
  EXPECT_EQ(mail.parts[0].id, "1");
  EXPECT_EQ(mail.parts[0].content_type, "application/gzip");
  EXPECT_EQ(mail.parts[0].filename, "r.xml.gz");
  EXPECT_EQ(mail.parts[0].bytes, gz);
}

TEST(ParseMail, KeepsInlineTextXmlPart) {
  Mail mail = parse_ok(mail_with_part("Content-Type: text/xml; charset=utf-8\n", k_xml));
  ASSERT_EQ(mail.parts.size(), 1u);
  EXPECT_EQ(mail.parts[0].content_type, "text/xml");
  EXPECT_EQ(mail.parts[0].filename, "");
  EXPECT_EQ(mail.parts[0].bytes, k_xml);
}

TEST(ParseMail, KeepsTextPlainPartThatStartsLikeXml) {
  const std::string body = "\xEF\xBB\xBF  \n" + k_xml;
  Mail mail = parse_ok(mail_with_part("Content-Type: text/plain\n", body));
  ASSERT_EQ(mail.parts.size(), 1u);
  EXPECT_EQ(mail.parts[0].content_type, "text/plain");
  EXPECT_EQ(mail.parts[0].bytes, body);
}

TEST(ParseMail, DecodesCrlfMessage) {
  const std::string gz = gzip(k_xml);
  std::string message = crlf(mail_with_part(
      "Content-Type: application/gzip; name=\"r.xml.gz\"\nContent-Transfer-Encoding: base64\n",
      base64(gz)));
  ASSERT_NE(message.find("\r\n"), std::string::npos);
  Mail mail = parse_ok(message);
  EXPECT_EQ(mail.subject, "Report domain: example.com Submitter: example.net");
  ASSERT_EQ(mail.parts.size(), 1u);
  EXPECT_EQ(mail.parts[0].filename, "r.xml.gz");
  EXPECT_EQ(mail.parts[0].bytes, gz);
}

TEST(ParseMail, SkipsLeadingWhitespaceLines) {
  const std::string gz = gzip(k_xml);
  for (const std::string& prefix :
       {std::string(256, ' ') + "\n", std::string("\n\n"), std::string(" \r\n\t\r\n")}) {
    Mail mail = parse_ok(prefix + gzip_mail());
    EXPECT_EQ(mail.message_id, "report-42@example.net");
    ASSERT_EQ(mail.parts.size(), 1u);
    EXPECT_EQ(mail.parts[0].bytes, gz);
  }
}

TEST(ParseMail, SkipsLeadingMboxFromLine) {
  Mail mail = parse_ok("From noreply@example.net Mon Jan  1 00:00:00 2024\n" + gzip_mail());
  EXPECT_EQ(mail.message_id, "report-42@example.net");
  ASSERT_EQ(mail.parts.size(), 1u);
  EXPECT_EQ(mail.parts[0].bytes, gzip(k_xml));
}

TEST(ParseMail, DecodesQuotedPrintableXmlPart) {
  const std::string qp =
      "<?xml version=3D\"1.0\" encoding=3D\"UTF-8\"?>\n"
      "<feedback><report_metadata><org_name>exa=\nmple.net</org_name>"
      "<report_id>42</report_id></report_metadata></feedback>";
  Mail mail = parse_ok(
      mail_with_part("Content-Type: text/xml\nContent-Transfer-Encoding: quoted-printable\n", qp));
  ASSERT_EQ(mail.parts.size(), 1u);
  EXPECT_EQ(mail.parts[0].bytes, k_xml);
}

TEST(ParseMail, DecodesUuencodedPart) {
  const std::string gz = gzip(k_xml);
  Mail mail = parse_ok(
      mail_with_part("Content-Type: application/gzip\nContent-Transfer-Encoding: x-uuencode\n",
                     uuencode(gz, "r.xml.gz")));
  ASSERT_EQ(mail.parts.size(), 1u);
  EXPECT_EQ(mail.parts[0].bytes, gz);
}

TEST(ParseMail, RecoversParameterLineWithoutFoldingWhitespace) {
  const std::string gz = gzip(k_xml);
  Mail mail = parse_ok(crlf(mail_with_part(
      "Content-Type: application/gzip;\nname=\"enterprise.example!example.com!1!2.xml.gz\"\n"
      "Content-Transfer-Encoding: base64\n",
      base64(gz))));
  ASSERT_EQ(mail.parts.size(), 1u);
  EXPECT_EQ(mail.parts[0].content_type, "application/gzip");
  EXPECT_EQ(mail.parts[0].filename, "enterprise.example!example.com!1!2.xml.gz");
  EXPECT_EQ(mail.parts[0].bytes, gz);
}

TEST(ParseMail, WalksNestedMessageParts) {
  const std::string gz = gzip(k_xml);
  const std::string inner_multipart =
      "From: a@example.net\nSubject: inner\nContent-Type: multipart/mixed; boundary=\"YY\"\n\n"
      "--YY\nContent-Type: text/plain\n\nForwarded report.\n"
      "--YY\nContent-Type: application/gzip; name=\"inner.xml.gz\"\n"
      "Content-Transfer-Encoding: base64\n\n" +
      base64(gz) + "--YY--\n";
  const std::string inner_single =
      "From: b@example.net\nSubject: single\nContent-Type: application/gzip\n"
      "Content-Transfer-Encoding: base64\n\n" +
      base64(gz);
  const std::string message = k_headers + "Content-Type: multipart/mixed; boundary=\"XX\"\n\n" +
                              "--XX\nContent-Type: text/plain\n\nSee attached.\n" +
                              "--XX\nContent-Type: message/rfc822\n\n" + inner_multipart +
                              "\n--XX\nContent-Type: message/rfc822\n\n" + inner_single +
                              "\n--XX--\n";
  Mail mail = parse_ok(message);
  EXPECT_EQ(mail.subject, "Report domain: example.com Submitter: example.net");
  ASSERT_EQ(mail.parts.size(), 2u);
  EXPECT_EQ(mail.parts[0].id, "2.2");
  EXPECT_EQ(mail.parts[0].filename, "inner.xml.gz");
  EXPECT_EQ(mail.parts[0].bytes, gz);
  EXPECT_EQ(mail.parts[1].id, "3.1");
  EXPECT_EQ(mail.parts[1].bytes, gz);
  EXPECT_EQ(mail.all_content_types,
            (std::vector<std::string>{"text/plain", "text/plain", "application/gzip",
                                      "application/gzip"}));
}

const std::string k_arf_parts =
    "--XX\nContent-Type: text/plain\n\nThis is an authentication failure report.\n"
    "--XX\nContent-Type: message/feedback-report\n\nFeedback-Type: auth-failure\n"
    "Version: 1\nAuth-Failure: dmarc\n"
    "--XX\nContent-Type: text/rfc822-headers\n\nFrom: someone@example.com\n"
    "--XX--\n";

TEST(ParseMail, ClassifiesFeedbackReportsAsForensic) {
  const std::vector<std::string> types = {
      "multipart/report; report-type=feedback-report; boundary=\"XX\"",
      "Multipart/Report;\n\treport-type=\"Feedback-Report\";\n\tboundary=\"XX\"",
      "multipart/mixed; boundary=\"XX\"",  // an ARF part without multipart/report
  };
  for (const std::string& type : types) {
    Mail mail = parse_ok(k_headers + "Content-Type: " + type + "\n\n" + k_arf_parts);
    EXPECT_EQ(mail.kind, MailKind::forensic) << type;
    EXPECT_EQ(
        mail.all_content_types,
        (std::vector<std::string>{"text/plain", "message/feedback-report", "text/rfc822-headers"}));
  }
}

TEST(ParseMail, ClassifiesTlsReportsAsSmtpTls) {
  const std::string gz = gzip("{\"organization-name\":\"example.net\"}");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"multipart/report; report-type=\"tlsrpt\"; boundary=\"XX\"",
       "Content-Type: application/tlsrpt+gzip\nContent-Transfer-Encoding: base64\n"},
      {"multipart/report; report-type=TLSRPT; boundary=\"XX\"",
       "Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n"},
      {"multipart/mixed; boundary=\"XX\"",
       "Content-Type: application/tlsrpt+json\nContent-Transfer-Encoding: base64\n"},
  };
  for (const auto& [type, part] : cases) {
    Mail mail = parse_ok(k_headers + "Content-Type: " + type + "\n\n--XX\n" + part + "\n" +
                         base64(gz) + "--XX--\n");
    EXPECT_EQ(mail.kind, MailKind::smtp_tls) << type;
  }
}

TEST(ParseMail, DeliveryStatusReportIsAggregateCandidate) {
  Mail mail = parse_ok(k_headers +
                       "Content-Type: multipart/report; report-type=delivery-status; "
                       "boundary=\"XX\"\n\n--XX\nContent-Type: text/plain\n\nBounced.\n"
                       "--XX\nContent-Type: message/delivery-status\n\nStatus: 5.0.0\n--XX--\n");
  EXPECT_EQ(mail.kind, MailKind::aggregate_candidate);
}

TEST(ParseMail, PlainTextMailHasNoParts) {
  Mail mail = parse_ok(k_headers + "Content-Type: text/plain; charset=utf-8\n\nHello.\n");
  EXPECT_EQ(mail.kind, MailKind::aggregate_candidate);
  EXPECT_TRUE(mail.parts.empty());
  EXPECT_EQ(mail.all_content_types, std::vector<std::string>{"text/plain"});
}

TEST(ParseMail, DecodesSubjectAndMessageId) {
  // "Report Domain: example.com" in RFC 2047 base64.
  Mail mail = parse_ok(
      "Subject: =?utf-8?B?UmVwb3J0IERvbWFpbjogZXhhbXBsZS5jb20=?=\n"
      "Message-ID: <abc.123@example.net>\n\nbody\n");
  EXPECT_EQ(mail.subject, "Report Domain: example.com");
  EXPECT_EQ(mail.message_id, "abc.123@example.net");
}

TEST(ParseMail, RejectsMoreThanMaxMimeParts) {
  std::string message = k_headers + "Content-Type: multipart/mixed; boundary=\"XX\"\n\n";
  for (int i = 0; i < 5; ++i) message += "--XX\nContent-Type: application/gzip\n\nx\n";
  message += "--XX--\n";
  Limits limits;
  limits.max_mime_parts = 6;  // the multipart and its five children
  Mail mail = parse_ok(message, limits);
  EXPECT_EQ(mail.parts.size(), 5u);
  EXPECT_EQ(mail.parts[4].id, "5");

  limits.max_mime_parts = 5;
  Expected<Mail> over = parse_mail(message, limits);
  ASSERT_FALSE(over.has_value());
  EXPECT_EQ(over.error().code, Code::too_large);
  EXPECT_NE(over.error().message.find("max_mime_parts (5)"), std::string::npos);
}

TEST(ParseMail, RejectsMessageLargerThanMaxInputBytes) {
  Limits limits;
  limits.max_input_bytes = 64;
  Expected<Mail> mail = parse_mail(gzip_mail(), limits);
  ASSERT_FALSE(mail.has_value());
  EXPECT_EQ(mail.error().code, Code::too_large);
  EXPECT_NE(mail.error().message.find("max_input_bytes (64)"), std::string::npos);
}

TEST(ParseMail, RejectsInputWithoutHeaderBlock) {
  const std::vector<std::string> inputs = {
      "",          "   \n\r\n\t",
      k_xml,       "{\"organization-name\": \"example.net\",\n \"report-id\": \"1\"}\n",
      gzip(k_xml), "just some text\nwithout headers\n",
  };
  for (const std::string& input : inputs) {
    Expected<Mail> mail = parse_mail(input, Limits{});
    ASSERT_FALSE(mail.has_value()) << input;
    EXPECT_EQ(mail.error().code, Code::malformed);
  }
}

TEST(ParseMail, DeeplyNestedMultipartsDoNotCrash) {
  std::string message = k_headers;
  constexpr int k_depth = 3000;
  for (int i = 0; i < k_depth; ++i) {
    message += "Content-Type: multipart/mixed; boundary=\"b" + std::to_string(i) + "\"\n\n--b" +
               std::to_string(i) + "\n";
  }
  message += "Content-Type: application/gzip\n\nx\n";
  Expected<Mail> mail = parse_mail(message, Limits{});
  if (!mail) {
    EXPECT_EQ(mail.error().code, Code::too_large);
  }
}

// Deterministic mutations (flip, insert, erase, truncate) of valid messages:
// every outcome is fine except a crash, a sanitizer report or a leak.
TEST(ParseMail, MutatedMessagesNeverCrash) {
  const std::vector<std::string> seeds = {
      gzip_mail(),
      crlf(gzip_mail()),
      k_headers +
          "Content-Type: multipart/report; report-type=feedback-report; boundary=\"XX\"\n\n" +
          k_arf_parts,
      "From x@example.net Mon Jan  1 00:00:00 2024\n" + gzip_mail() + "\nFrom y\n" + gzip_mail(),
  };
  std::uint32_t state = 12345;
  auto next = [&state] {
    state = state * 1664525u + 1013904223u;
    return state >> 8;
  };
  std::size_t parsed = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string bytes = seeds[static_cast<std::size_t>(round) % seeds.size()];
    int edits = 1 + static_cast<int>(next() % 8);
    for (int e = 0; e < edits && !bytes.empty(); ++e) {
      std::size_t at = next() % bytes.size();
      switch (next() % 5) {
        case 0: bytes[at] = static_cast<char>(next()); break;
        case 1: bytes.insert(at, 1, "-\n:;=\"\r"[next() % 7]); break;
        case 2: bytes.erase(at, 1 + next() % 16); break;
        case 3: bytes.resize(at); break;
        default: bytes.insert(at, "\n--XX\nContent-Type: message/rfc822\n\n"); break;
      }
    }
    looks_like_mail(bytes);
    looks_like_mbox(bytes);
    Expected<Mail> mail = parse_mail(bytes, Limits{});
    if (mail) {
      ++parsed;
      for (const MailPart& part : mail->parts) EXPECT_FALSE(part.id.empty());
    }
    Expected<std::vector<std::string>> messages = split_mbox(bytes, Limits{});
    if (messages) {
      EXPECT_FALSE(messages->empty());
    }
  }
  EXPECT_GT(parsed, 0u);
}

TEST(ParseMail, ParsesFromSeveralThreadsAtOnce) {
  const std::string message = gzip_mail();
  const std::string gz = gzip(k_xml);
  std::vector<int> matches(4, 0);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < matches.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        Expected<Mail> mail = parse_mail(message, Limits{});
        if (mail && mail->parts.size() == 1 && mail->parts[0].bytes == gz) ++matches[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(matches, std::vector<int>(4, 50));
}

const std::string k_from_line = "From noreply@example.net Mon Jan  1 00:00:00 2024\n";

TEST(SplitMbox, ReturnsEachMessageByteIdentical) {
  const std::vector<std::string> messages = {
      gzip_mail(),
      k_headers + "Content-Type: text/plain\n\nFirst line.\n>From the body, quoted.\n\nEnd.\n",
      k_headers + "\nNo content type.\n",
  };
  std::string mbox;
  for (const std::string& message : messages) mbox += k_from_line + message + "\n";
  Expected<std::vector<std::string>> split = split_mbox(mbox, Limits{});
  ASSERT_TRUE(split.has_value()) << split.error().message;
  EXPECT_EQ(*split, messages);

  Mail first = parse_ok((*split)[0]);
  ASSERT_EQ(first.parts.size(), 1u);
  EXPECT_EQ(first.parts[0].bytes, gzip(k_xml));
}

TEST(SplitMbox, ReturnsCrlfMessagesByteIdentical) {
  const std::vector<std::string> messages = {crlf(gzip_mail()), crlf(k_headers + "\nSecond.\n"),
                                             crlf(k_headers + "\nThird.\n")};
  std::string mbox;
  for (const std::string& message : messages) mbox += crlf(k_from_line) + message + "\r\n";
  Expected<std::vector<std::string>> split = split_mbox(mbox, Limits{});
  ASSERT_TRUE(split.has_value()) << split.error().message;
  EXPECT_EQ(*split, messages);
}

TEST(SplitMbox, AcceptsMessagesWithoutSeparatorLine) {
  const std::vector<std::string> messages = {k_headers + "\nOne.\n", k_headers + "\nTwo.\n"};
  Expected<std::vector<std::string>> split =
      split_mbox(k_from_line + messages[0] + k_from_line + messages[1], Limits{});
  ASSERT_TRUE(split.has_value()) << split.error().message;
  EXPECT_EQ(*split, messages);
}

TEST(SplitMbox, KeepsUnquotedFromLineWithItsMessage) {
  const std::vector<std::string> messages = {
      k_headers + "\nOne.\n",
      k_headers + "\nText.\n\nFrom the body, not quoted.\nMore text.\n",
      k_headers + "\nThree.\n",
  };
  std::string mbox;
  for (const std::string& message : messages) mbox += k_from_line + message + "\n";
  Expected<std::vector<std::string>> split = split_mbox(mbox, Limits{});
  ASSERT_TRUE(split.has_value()) << split.error().message;
  EXPECT_EQ(*split, messages);
}

TEST(SplitMbox, SkipsJunkBeforeFirstMessage) {
  const std::string message = k_headers + "\nOne.\n";
  Expected<std::vector<std::string>> split =
      split_mbox("\n\nFrom nobody\nnot a header\n\n" + k_from_line + message, Limits{});
  ASSERT_TRUE(split.has_value()) << split.error().message;
  EXPECT_EQ(*split, std::vector<std::string>{message});
}

TEST(SplitMbox, SingleMessageMbox) {
  Expected<std::vector<std::string>> split = split_mbox(k_from_line + gzip_mail(), Limits{});
  ASSERT_TRUE(split.has_value()) << split.error().message;
  ASSERT_EQ(split->size(), 1u);
  EXPECT_EQ((*split)[0], gzip_mail());
}

TEST(SplitMbox, RejectsInputWithoutMessages) {
  for (const std::string& input : {std::string(), k_xml, std::string("From \n")}) {
    Expected<std::vector<std::string>> split = split_mbox(input, Limits{});
    ASSERT_FALSE(split.has_value()) << input;
    EXPECT_EQ(split.error().code, Code::malformed);
  }
}

TEST(SplitMbox, RejectsMboxLargerThanMaxInputBytes) {
  Limits limits;
  limits.max_input_bytes = 100;
  Expected<std::vector<std::string>> split = split_mbox(k_from_line + gzip_mail(), limits);
  ASSERT_FALSE(split.has_value());
  EXPECT_EQ(split.error().code, Code::too_large);
}

struct DetectCase {
  std::string name;
  std::string bytes;
  bool mail;
  bool mbox;
};

TEST(LooksLikeMail, RecognisesMailAndMboxOnly) {
  const std::vector<DetectCase> cases = {
      {"header block", "Subject: x\nFrom: a@example.net\n\nbody\n", true, false},
      {"crlf headers", "Subject: x\r\nFrom: a@example.net\r\n\r\nbody\r\n", true, false},
      {"folded header", "Received: from a\n\tby b\nSubject: x\n\nbody", true, false},
      {"header then body", "X-Report: 1\n\nbody\n", true, false},
      {"256 spaces first", std::string(256, ' ') + "\nSubject: x\nTo: y\n\n", true, false},
      {"mbox", k_from_line + "Subject: x\nTo: y\n\nbody\n", false, true},
      {"crlf mbox", crlf(k_from_line + "Subject: x\n\nbody\n"), false, true},
      {"mbox without headers", k_from_line + "hello\n", false, false},
      {"xml", k_xml, false, false},
      {"prefixed xml", "<dmarc:feedback xmlns:dmarc=\"urn:x\">\n  <a/>\n", false, false},
      {"json", "{\"a\": 1,\n \"b\": 2}\n", false, false},
      {"json key line", "\"a\": 1\n\"b\": 2\n", false, false},
      {"gzip", gzip(k_xml), false, false},
      {"zip", std::string("PK\x03\x04\x14\x00", 6), false, false},
      {"empty", "", false, false},
      {"whitespace", "  \n\n", false, false},
      {"single header line", "Subject: x", false, false},
      {"header without next line", "Subject: x\n", false, false},
      {"space in name", "Not a: header\nSubject: x\n\n", false, false},
      {"binary value", std::string("Subject: \x01\x02\n\n", 13), false, false},
      {"prose", "Hello world\nSecond line\n", false, false},
  };
  for (const DetectCase& c : cases) {
    EXPECT_EQ(looks_like_mail(c.bytes), c.mail) << c.name;
    EXPECT_EQ(looks_like_mbox(c.bytes), c.mbox) << c.name;
  }
}

}  // namespace
}  // namespace dmarc::ingest
