#include "parse/unpack.hpp"

#include "tests/support/encode.hpp"
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace dmarc::parse {
namespace {

using dmarc::testing::gzip;
using dmarc::testing::zlib;

using namespace std::string_literals;

const std::string k_report =
    "<?xml version=\"1.0\"?>\n<feedback><report_metadata><org_name>example.net</org_name>"
    "</report_metadata></feedback>\n";



std::string gzip_times(std::string data, int times) {
  for (int i = 0; i < times; ++i) data = gzip(data);
  return data;
}

Document only_document(const Unpacked& u) {
  if (u.documents.size() != 1 || !u.errors.empty()) {
    throw std::runtime_error("expected one document and no error, got " +
                             std::to_string(u.documents.size()) + " documents and " +
                             std::to_string(u.errors.size()) + " errors" +
                             (u.errors.empty() ? "" : ": " + u.errors[0].error.message));
  }
  return u.documents[0];
}

PartError only_error(const Unpacked& u) {
  if (u.errors.size() != 1 || !u.documents.empty()) {
    throw std::runtime_error("expected one error and no document, got " +
                             std::to_string(u.errors.size()) + " errors and " +
                             std::to_string(u.documents.size()) + " documents");
  }
  return u.errors[0];
}

TEST(Sniff, ClassifiesByLeadingBytes) {
  struct Case {
    std::string bytes;
    Container expected;
  };
  const std::vector<Case> cases = {
      {"\x1f\x8b\x08\x00"s, Container::gzip},
      {"\x1f\x8b"s, Container::gzip},
      {"PK\x03\x04rest"s, Container::zip},
      {"PK\x05\x06"s + std::string(18, '\0'), Container::zip},
      {"PK\x01\x02"s, Container::other},
      {"\x78\x01"s, Container::zlib},
      {"\x78\x5e"s, Container::zlib},
      {"\x78\x9c"s, Container::zlib},
      {"\x78\xda"s, Container::zlib},
      {"\x78\x9d"s, Container::other},  // header check fails
      {"\x78\xbb"s, Container::other},  // check passes but needs a preset dictionary
      {"x"s, Container::other},
      {"<feedback/>"s, Container::xml},
      {"\xEF\xBB\xBF<?xml version=\"1.0\"?>"s, Container::xml},
      {" \r\n\t<feedback/>"s, Container::xml},
      {"\xEF\xBB\xBF \n<a/>"s, Container::xml},
      {"\xFF\xFE<\0?\0"s, Container::xml},
      {"\xFF\xFE \0\n\0<\0"s, Container::xml},
      {"\xFE\xFF\0<\0?"s, Container::xml},
      {"\xFF\xFE<\x01"s, Container::other},
      {"\xFF\xFE"s, Container::other},
      {"{\"organization-name\": 1}"s, Container::other},
      {"   "s, Container::other},
      {"text <b>"s, Container::other},
      {""s, Container::other},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(sniff(c.bytes), c.expected) << "bytes: " << c.bytes;
  }
}

TEST(Sniff, ContainerNamesAreStable) {
  EXPECT_STREQ(to_string(Container::gzip), "gzip");
  EXPECT_STREQ(to_string(Container::zip), "zip");
  EXPECT_STREQ(to_string(Container::zlib), "zlib");
  EXPECT_STREQ(to_string(Container::xml), "xml");
  EXPECT_STREQ(to_string(Container::other), "other");
}

TEST(Unpack, PlainXmlIsOneLeaf) {
  const Document d = only_document(unpack(k_report, Limits{}));
  EXPECT_EQ(d.layers, "xml");
  EXPECT_EQ(d.member, "");
  EXPECT_EQ(d.bytes, k_report);
}

TEST(Unpack, XmlWithByteOrderMarkKeepsItsBytes) {
  std::string input = "\xEF\xBB\xBF" + k_report;
  const Document d = only_document(unpack(input, Limits{}));
  EXPECT_EQ(d.layers, "xml");
  EXPECT_EQ(d.bytes, input);
}

TEST(Unpack, GzipIsInflated) {
  const Document d = only_document(unpack(gzip(k_report), Limits{}));
  EXPECT_EQ(d.layers, "gzip>xml");
  EXPECT_EQ(d.bytes, k_report);
}

TEST(Unpack, ConcatenatedGzipMembersAreJoined) {
  std::string input = gzip("<feedback>") + gzip("<report_metadata/>") + gzip("</feedback>");
  const Document d = only_document(unpack(input, Limits{}));
  EXPECT_EQ(d.layers, "gzip>xml");
  EXPECT_EQ(d.bytes, "<feedback><report_metadata/></feedback>");
}

TEST(Unpack, DoubleGzipIsUnwrappedTwice) {
  const Document d = only_document(unpack(gzip(gzip(k_report)), Limits{}));
  EXPECT_EQ(d.layers, "gzip>gzip>xml");
  EXPECT_EQ(d.bytes, k_report);
}

TEST(Unpack, TrailingBytesAfterGzipAreIgnored) {
  for (std::string trailer : {"\r\n"s, "\0\0"s, "x"s, "\x1f"s, "garbage after the stream"s}) {
    const Document d = only_document(unpack(gzip(k_report) + trailer, Limits{}));
    EXPECT_EQ(d.layers, "gzip>xml");
    EXPECT_EQ(d.bytes, k_report);
  }
}

TEST(Unpack, RawZlibIsInflated) {
  const Document d = only_document(unpack(zlib(k_report), Limits{}));
  EXPECT_EQ(d.layers, "zlib>xml");
  EXPECT_EQ(d.bytes, k_report);
}

TEST(Unpack, GzipOfZlibIsUnwrapped) {
  const Document d = only_document(unpack(gzip(zlib(k_report)), Limits{}));
  EXPECT_EQ(d.layers, "gzip>zlib>xml");
  EXPECT_EQ(d.bytes, k_report);
}

TEST(Unpack, RejectsBrokenCompressedStreams) {
  const std::string good = gzip(k_report);
  std::string bad_crc = good;
  bad_crc[bad_crc.size() - 8] ^= 0x01;
  std::string bad_length = good;
  bad_length[bad_length.size() - 1] ^= 0x01;
  std::string bad_block = good;
  bad_block[10] = '\x07';  // first deflate block header: BFINAL=1, BTYPE=11 (reserved)
  std::string bad_method = good;
  bad_method[2] = '\x07';
  std::string zlib_bad_adler = zlib(k_report);
  zlib_bad_adler.back() ^= 0x01;

  struct Case {
    std::string name;
    std::string input;
    std::string layers;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"truncated", good.substr(0, good.size() - 10), "gzip",
       "gzip stream: unexpected end of data (truncated stream)"},
      {"header only", good.substr(0, 10), "gzip",
       "gzip stream: unexpected end of data (truncated stream)"},
      {"magic only", "\x1f\x8b"s, "gzip", "gzip stream: unexpected end of data (truncated stream)"},
      {"crc mismatch", bad_crc, "gzip", "gzip stream: incorrect data check"},
      {"length mismatch", bad_length, "gzip", "gzip stream: incorrect length check"},
      {"reserved block type", bad_block, "gzip", "gzip stream: invalid block type"},
      {"unknown method", bad_method, "gzip", "gzip stream: unknown compression method"},
      {"truncated second member", good + good.substr(0, 20), "gzip",
       "gzip stream: unexpected end of data (truncated stream)"},
      {"truncated inner gzip", gzip(good.substr(0, good.size() - 4)), "gzip>gzip",
       "gzip stream: unexpected end of data (truncated stream)"},
      {"zlib truncated", zlib(k_report).substr(0, 12), "zlib",
       "zlib stream: unexpected end of data (truncated stream)"},
      {"zlib adler mismatch", zlib_bad_adler, "zlib", "zlib stream: incorrect data check"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const PartError e = only_error(unpack(c.input, Limits{}));
    EXPECT_EQ(e.error.code, Code::malformed);
    EXPECT_EQ(e.error.message, c.message);
    EXPECT_EQ(e.layers, c.layers);
    EXPECT_EQ(e.member, "");
  }
}

TEST(Unpack, GzipBombStopsAtMaxUnpackedBytes) {
  Limits limits;
  limits.max_unpacked_bytes = 1 << 20;
  std::string bomb = gzip(std::string(10 << 20, '\0'));
  ASSERT_LT(bomb.size(), 64u * 1024);
  const PartError e = only_error(unpack(bomb, limits));
  EXPECT_EQ(e.error.code, Code::too_large);
  EXPECT_EQ(e.error.message, "gzip stream inflates past max_unpacked_bytes (1048576)");
  EXPECT_EQ(e.layers, "gzip");
}

TEST(Unpack, MaxUnpackedBytesCountsEveryLayer) {
  // The leaf alone fits; the leaf plus the inner gzip it came from does not.
  std::string leaf = k_report + std::string(4000, ' ');
  std::string inner = gzip(leaf);
  Limits limits;
  limits.max_unpacked_bytes = leaf.size() + inner.size() - 1;
  const PartError e = only_error(unpack(gzip(inner), limits));
  EXPECT_EQ(e.error.code, Code::too_large);
  EXPECT_EQ(e.layers, "gzip>gzip");

  limits.max_unpacked_bytes = leaf.size() + inner.size();
  EXPECT_EQ(only_document(unpack(gzip(inner), limits)).layers, "gzip>gzip>xml");
}

TEST(Unpack, NestingUpToMaxArchiveDepthIsUnwrapped) {
  Limits limits;
  limits.max_archive_depth = 4;
  const Document d = only_document(unpack(gzip_times(k_report, 4), limits));
  EXPECT_EQ(d.layers, "gzip>gzip>gzip>gzip>xml");
  EXPECT_EQ(d.bytes, k_report);
}

TEST(Unpack, NestingBeyondMaxArchiveDepthIsTooLarge) {
  Limits limits;
  limits.max_archive_depth = 4;
  const PartError e = only_error(unpack(gzip_times(k_report, 5), limits));
  EXPECT_EQ(e.error.code, Code::too_large);
  EXPECT_EQ(e.error.message, "archive nesting deeper than max_archive_depth (4)");
  EXPECT_EQ(e.layers, "gzip>gzip>gzip>gzip>gzip");
}

TEST(Unpack, ZeroArchiveDepthRefusesAnyCompression) {
  Limits limits;
  limits.max_archive_depth = 0;
  EXPECT_EQ(only_error(unpack(gzip(k_report), limits)).error.code, Code::too_large);
  EXPECT_EQ(only_document(unpack(k_report, limits)).layers, "xml");
}

TEST(Unpack, LeafOverMaxXmlBytesIsTooLarge) {
  Limits limits;
  limits.max_xml_bytes = 10;
  const PartError plain = only_error(unpack("<feedback></feedback>", limits));
  EXPECT_EQ(plain.error.code, Code::too_large);
  EXPECT_EQ(plain.error.message, "document is 21 bytes, over max_xml_bytes (10)");
  EXPECT_EQ(plain.layers, "xml");

  const PartError zipped = only_error(unpack(gzip("<feedback></feedback>"), limits));
  EXPECT_EQ(zipped.error.code, Code::too_large);
  EXPECT_EQ(zipped.layers, "gzip>xml");

  EXPECT_EQ(only_error(unpack("<feedback/>", limits)).error.code, Code::too_large);  // 11 bytes
  limits.max_xml_bytes = 11;
  EXPECT_EQ(only_document(unpack("<feedback/>", limits)).bytes, "<feedback/>");
}

TEST(Unpack, NonXmlLeafEndsInOther) {
  const std::string json = "{\"organization-name\": \"example\"}";
  const Document plain = only_document(unpack(json, Limits{}));
  EXPECT_EQ(plain.layers, "other");
  EXPECT_EQ(plain.bytes, json);

  const Document gz = only_document(unpack(gzip(json), Limits{}));
  EXPECT_EQ(gz.layers, "gzip>other");
  EXPECT_EQ(gz.bytes, json);
}

TEST(Unpack, EmptyInputIsAnEmptyOtherLeaf) {
  const Document d = only_document(unpack("", Limits{}));
  EXPECT_EQ(d.layers, "other");
  EXPECT_EQ(d.bytes, "");
}

TEST(Unpack, EmptyGzipMemberIsAnEmptyOtherLeaf) {
  const Document d = only_document(unpack(gzip(""), Limits{}));
  EXPECT_EQ(d.layers, "gzip>other");
  EXPECT_EQ(d.bytes, "");
}

// Random and mutated buffers: unpack() must return (no throw, no crash under
// the sanitizers) with well-formed results.
TEST(Unpack, RandomAndMutatedInputsNeverCrash) {
  std::mt19937 rng(20240611);
  const std::vector<std::string> seeds = {
      gzip(k_report),        gzip(gzip(k_report)), zlib(k_report),
      gzip("") + "\x1f\x8b", "\xEF\xBB\xBF<a/>",   "PK\x05\x06"s + std::string(18, '\0'),
  };
  const std::vector<std::string> prefixes = {"",           "\x1f\x8b",   "\x78\x9c",
                                             "PK\x03\x04", "PK\x05\x06", "\xFF\xFE"};
  Limits limits;
  limits.max_unpacked_bytes = 1 << 20;
  auto random_byte = [&] { return static_cast<char>(rng() & 0xff); };

  for (int round = 0; round < 4000; ++round) {
    std::string input;
    if (round % 2 == 0) {
      input = prefixes[rng() % prefixes.size()];
      std::size_t length = rng() % 300;
      for (std::size_t i = 0; i < length; ++i) input += random_byte();
    } else {
      input = seeds[rng() % seeds.size()];
      int edits = 1 + static_cast<int>(rng() % 4);
      for (int i = 0; i < edits && !input.empty(); ++i) {
        std::size_t at = rng() % input.size();
        switch (rng() % 3) {
          case 0: input[at] = random_byte(); break;
          case 1: input.resize(at); break;
          default: input.insert(at, 1, random_byte()); break;
        }
      }
    }
    Unpacked u;
    ASSERT_NO_THROW(u = unpack(input, limits)) << "round " << round;
    for (const auto& d : u.documents) {
      EXPECT_TRUE(d.layers.ends_with("xml") || d.layers.ends_with("other")) << d.layers;
    }
    for (const auto& e : u.errors) {
      EXPECT_TRUE(e.error.code == Code::malformed || e.error.code == Code::too_large);
      EXPECT_FALSE(e.error.message.empty());
    }
  }
}

}  // namespace
}  // namespace dmarc::parse
