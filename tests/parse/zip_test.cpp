// Zip archives through unpack() and read_zip(); archives are built in memory
// with libzip, hostile ones by editing those bytes.
#include "parse/zip.hpp"

#include "tests/support/encode.hpp"
#include <gtest/gtest.h>
#include <zip.h>
#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <deque>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "parse/unpack.hpp"

namespace dmarc::parse {
namespace {

using dmarc::testing::gzip;

using namespace std::string_literals;

const std::string k_report = "<?xml version=\"1.0\"?>\n<feedback><report_metadata/></feedback>\n";


// Writes a zip archive into memory with libzip.
class ZipBuilder {
 public:
  ZipBuilder() {
    zip_error_init(&m_error);
    m_source = zip_source_buffer_create(nullptr, 0, 0, &m_error);
    if (m_source == nullptr) throw std::runtime_error("zip_source_buffer_create failed");
    zip_source_keep(m_source);  // the archive would free it on close otherwise
    m_zip = zip_open_from_source(m_source, ZIP_TRUNCATE, &m_error);
    if (m_zip == nullptr) throw std::runtime_error("zip_open_from_source failed");
  }
  ~ZipBuilder() {
    if (m_zip != nullptr) zip_discard(m_zip);
    zip_source_free(m_source);
    zip_error_fini(&m_error);
  }
  ZipBuilder(const ZipBuilder&) = delete;
  ZipBuilder& operator=(const ZipBuilder&) = delete;

  ZipBuilder& file(const std::string& name, std::string data, zip_int32_t method = ZIP_CM_DEFLATE) {
    const std::string& kept = m_data.emplace_back(std::move(data));
    zip_source_t* s = zip_source_buffer(m_zip, kept.data(), kept.size(), 0);
    if (s == nullptr) throw std::runtime_error("zip_source_buffer failed");
    m_last = zip_file_add(m_zip, name.c_str(), s, ZIP_FL_ENC_UTF_8);
    if (m_last < 0) {
      zip_source_free(s);
      throw std::runtime_error("zip_file_add failed");
    }
    if (zip_set_file_compression(m_zip, static_cast<zip_uint64_t>(m_last), method, 0) != 0) {
      throw std::runtime_error("zip_set_file_compression failed");
    }
    return *this;
  }
  ZipBuilder& dir(const std::string& name) {
    if (zip_dir_add(m_zip, name.c_str(), ZIP_FL_ENC_UTF_8) < 0) throw std::runtime_error("dir");
    return *this;
  }
  ZipBuilder& encrypt_last() {
    if (zip_file_set_encryption(m_zip, static_cast<zip_uint64_t>(m_last), ZIP_EM_AES_256,
                                "secret") != 0) {
      throw std::runtime_error("zip_file_set_encryption failed");
    }
    return *this;
  }
  std::string finish() {
    if (zip_close(m_zip) != 0) throw std::runtime_error("zip_close failed");
    m_zip = nullptr;
    if (zip_source_open(m_source) != 0) throw std::runtime_error("zip_source_open failed");
    zip_source_seek(m_source, 0, SEEK_END);
    zip_int64_t size = zip_source_tell(m_source);
    zip_source_seek(m_source, 0, SEEK_SET);
    std::string out(static_cast<std::size_t>(size), '\0');
    zip_int64_t got = zip_source_read(m_source, out.data(), out.size());
    zip_source_close(m_source);
    if (got != size) throw std::runtime_error("zip_source_read failed");
    return out;
  }

 private:
  zip_error_t m_error;
  zip_source_t* m_source = nullptr;
  zip_t* m_zip = nullptr;
  zip_int64_t m_last = -1;
  std::deque<std::string> m_data;
};

std::size_t find_once(std::string_view haystack, std::string_view needle) {
  std::size_t at = haystack.find(needle);
  if (at == std::string_view::npos || haystack.find(needle, at + 1) != std::string_view::npos) {
    throw std::runtime_error("needle not found exactly once");
  }
  return at;
}

void put_le(std::string& bytes, std::size_t at, std::uint64_t value, int width) {
  for (int i = 0; i < width; ++i) bytes[at + i] = static_cast<char>((value >> (8 * i)) & 0xff);
}

// The archive with its one central directory entry repeated `copies` times:
// every entry points at the same local header and data.
std::string with_repeated_entry(const std::string& archive, std::uint16_t copies) {
  std::size_t central = find_once(archive, "PK\x01\x02");
  std::size_t eocd = find_once(archive, "PK\x05\x06");
  std::string entry = archive.substr(central, eocd - central);
  std::string out = archive.substr(0, central);
  for (int i = 0; i < copies; ++i) out += entry;
  std::string end = archive.substr(eocd);
  put_le(end, 8, copies, 2);
  put_le(end, 10, copies, 2);
  put_le(end, 12, entry.size() * copies, 4);
  return out + end;
}

std::vector<std::string> names(const std::vector<Document>& documents) {
  std::vector<std::string> out;
  for (const auto& d : documents) out.push_back(d.member);
  return out;
}

TEST(Zip, ReadsEveryMemberInOrderAndSkipsMacMetadataAndDirectories) {
  std::string archive = ZipBuilder()
                            .file("b-first.xml", k_report)
                            .dir("reports/")
                            .file("__MACOSX/._b-first.xml", "\0\x05\x16\x07 AppleDouble"s)
                            .file("reports/a-second.xml", k_report + "<!-- 2 -->")
                            .file("reports/._a-second.xml", "\0\x05\x16\x07"s)
                            .file("._top", "\0\x05\x16\x07"s)
                            .file("c-third.xml", k_report + "<!-- 3 -->", ZIP_CM_STORE)
                            .finish();
  Unpacked u = unpack(archive, Limits{});
  EXPECT_TRUE(u.errors.empty());
  ASSERT_EQ(names(u.documents),
            (std::vector<std::string>{"b-first.xml", "reports/a-second.xml", "c-third.xml"}));
  for (const auto& d : u.documents) EXPECT_EQ(d.layers, "zip>xml");
  EXPECT_EQ(u.documents[0].bytes, k_report);
  EXPECT_EQ(u.documents[1].bytes, k_report + "<!-- 2 -->");
  EXPECT_EQ(u.documents[2].bytes, k_report + "<!-- 3 -->");
}

TEST(Zip, SkipRuleMatchesDirectoriesMacOsFoldersAndAppleDoubleFiles) {
  EXPECT_TRUE(is_skipped_zip_member("dir/"));
  EXPECT_TRUE(is_skipped_zip_member("__MACOSX/"));
  EXPECT_TRUE(is_skipped_zip_member("__MACOSX/report.xml"));
  EXPECT_TRUE(is_skipped_zip_member("._report.xml"));
  EXPECT_TRUE(is_skipped_zip_member("a/b/._report.xml"));
  EXPECT_FALSE(is_skipped_zip_member(""));
  EXPECT_FALSE(is_skipped_zip_member("report.xml"));
  EXPECT_FALSE(is_skipped_zip_member("a._b.xml"));
  EXPECT_FALSE(is_skipped_zip_member("x/__MACOSX/report.xml"));
  EXPECT_FALSE(is_skipped_zip_member(".hidden.xml"));
}

TEST(Zip, MemberWithEmptyNameIsRead) {
  Unpacked u = unpack(ZipBuilder().file("", k_report).finish(), Limits{});
  ASSERT_EQ(u.documents.size(), 1u);
  EXPECT_TRUE(u.errors.empty());
  EXPECT_EQ(u.documents[0].member, "");
  EXPECT_EQ(u.documents[0].layers, "zip>xml");
  EXPECT_EQ(u.documents[0].bytes, k_report);
}

TEST(Zip, GzipMemberIsUnwrapped) {
  Unpacked u = unpack(ZipBuilder().file("r.xml.gz", gzip(k_report)).finish(), Limits{});
  ASSERT_EQ(u.documents.size(), 1u);
  EXPECT_TRUE(u.errors.empty());
  EXPECT_EQ(u.documents[0].layers, "zip>gzip>xml");
  EXPECT_EQ(u.documents[0].member, "r.xml.gz");
  EXPECT_EQ(u.documents[0].bytes, k_report);
}

TEST(Zip, ZipInsideGzipIsUnwrapped) {
  Unpacked u = unpack(gzip(ZipBuilder().file("r.xml", k_report).finish()), Limits{});
  ASSERT_EQ(u.documents.size(), 1u);
  EXPECT_EQ(u.documents[0].layers, "gzip>zip>xml");
  EXPECT_EQ(u.documents[0].member, "r.xml");
}

TEST(Zip, NonXmlMemberEndsInOther) {
  Unpacked u = unpack(ZipBuilder().file("file.xml", "Tue Mar  9 02:52:28 UTC").finish(), Limits{});
  ASSERT_EQ(u.documents.size(), 1u);
  EXPECT_EQ(u.documents[0].layers, "zip>other");
}

TEST(Zip, EmptyArchiveHasNoParts) {
  Unpacked u = unpack("PK\x05\x06"s + std::string(18, '\0'), Limits{});
  EXPECT_TRUE(u.documents.empty());
  EXPECT_TRUE(u.errors.empty());
}

TEST(Zip, CorruptMemberIsAnErrorWhileOthersStillComeOut) {
  std::string archive = ZipBuilder()
                            .file("bad.xml", k_report + "<!-- BAD -->", ZIP_CM_STORE)
                            .file("good.xml", k_report, ZIP_CM_STORE)
                            .finish();
  archive[find_once(archive, "BAD")] = 'M';  // the stored data no longer matches its CRC
  Unpacked u = unpack(archive, Limits{});
  ASSERT_EQ(u.errors.size(), 1u);
  EXPECT_EQ(u.errors[0].member, "bad.xml");
  EXPECT_EQ(u.errors[0].layers, "zip");
  EXPECT_EQ(u.errors[0].error.code, Code::malformed);
  EXPECT_EQ(u.errors[0].error.message, "zip member \"bad.xml\": CRC error");
  ASSERT_EQ(names(u.documents), std::vector<std::string>{"good.xml"});
  EXPECT_EQ(u.documents[0].bytes, k_report);
}

TEST(Zip, UnreadableMembersAreErrorsWhileOthersStillComeOut) {
  std::string corrupt_gzip = gzip(k_report);
  corrupt_gzip[corrupt_gzip.size() - 8] ^= 0x01;
  std::string archive = ZipBuilder()
                            .file("locked.xml", k_report)
                            .encrypt_last()
                            .file("bzip2.xml", k_report, ZIP_CM_BZIP2)
                            .file("broken.xml.gz", corrupt_gzip, ZIP_CM_STORE)
                            .file("good.xml", k_report)
                            .finish();
  Unpacked u = unpack(archive, Limits{});
  ASSERT_EQ(names(u.documents), std::vector<std::string>{"good.xml"});
  struct Want {
    std::string member;
    std::string layers;
    std::string message;
  };
  const std::vector<Want> expected = {
      {"locked.xml", "zip", "zip member \"locked.xml\" is encrypted"},
      {"bzip2.xml", "zip",
       "zip member \"bzip2.xml\" uses compression method 12; only stored and deflate are read"},
      {"broken.xml.gz", "zip>gzip",
       "gzip stream in zip member \"broken.xml.gz\": incorrect data check"},
  };
  ASSERT_EQ(u.errors.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(u.errors[i].member, expected[i].member);
    EXPECT_EQ(u.errors[i].layers, expected[i].layers);
    EXPECT_EQ(u.errors[i].error.code, Code::malformed);
    EXPECT_EQ(u.errors[i].error.message, expected[i].message);
  }
}

TEST(Zip, MemberInflatingPastMaxUnpackedBytesIsTooLarge) {
  Limits limits;
  limits.max_unpacked_bytes = 1 << 20;
  std::string archive = ZipBuilder().file("x.xml", std::string(10 << 20, '<')).finish();
  ASSERT_LT(archive.size(), 64u * 1024);
  const Unpacked u = unpack(archive, limits);
  EXPECT_TRUE(u.documents.empty());
  ASSERT_EQ(u.errors.size(), 1u);
  EXPECT_EQ(u.errors[0].error.code, Code::too_large);
  EXPECT_EQ(u.errors[0].error.message,
            "zip member \"x.xml\" inflates past max_unpacked_bytes (1048576)");
  EXPECT_EQ(u.errors[0].member, "x.xml");
}

TEST(Zip, BudgetIsSharedByMembersAndReadingStopsWhenItRunsOut) {
  Limits limits;
  limits.max_unpacked_bytes = 3 * k_report.size() - 1;
  std::string archive = ZipBuilder()
                            .file("1.xml", k_report)
                            .file("2.xml", k_report)
                            .file("3.xml", k_report)
                            .file("4.xml", k_report)
                            .finish();
  Unpacked u = unpack(archive, limits);
  EXPECT_EQ(names(u.documents), (std::vector<std::string>{"1.xml", "2.xml"}));
  ASSERT_EQ(u.errors.size(), 1u);
  EXPECT_EQ(u.errors[0].member, "3.xml");
  EXPECT_EQ(u.errors[0].error.code, Code::too_large);
}

TEST(Zip, MoreMembersThanMaxZipMembersIsTooLarge) {
  ZipBuilder builder;
  for (int i = 0; i < 5; ++i) builder.file(std::to_string(i) + ".xml", k_report);
  std::string archive = builder.finish();
  Limits limits;
  limits.max_zip_members = 4;
  Unpacked u = unpack(archive, limits);
  EXPECT_TRUE(u.documents.empty());
  ASSERT_EQ(u.errors.size(), 1u);
  EXPECT_EQ(u.errors[0].error.code, Code::too_large);
  EXPECT_EQ(u.errors[0].error.message, "zip has 5 members, over max_zip_members (4)");
  EXPECT_EQ(u.errors[0].layers, "zip");

  limits.max_zip_members = 5;
  EXPECT_EQ(unpack(archive, limits).documents.size(), 5u);
}

TEST(Zip, ForgedZip64MemberCountIsRefusedBeforeLibzipSeesIt) {
  // A local header signature, then a Zip64 end record claiming 2^40 entries,
  // its locator, and a classic end record that defers to it.
  std::string archive = "PK\x03\x04"s + std::string(26, '\0');
  std::size_t eocd64 = archive.size();
  archive += "PK\x06\x06"s + std::string(52, '\0');
  put_le(archive, eocd64 + 4, 44, 8);
  put_le(archive, eocd64 + 24, std::uint64_t{1} << 40, 8);
  put_le(archive, eocd64 + 32, std::uint64_t{1} << 40, 8);
  std::size_t locator = archive.size();
  archive += "PK\x06\x07"s + std::string(16, '\0');
  put_le(archive, locator + 8, eocd64, 8);
  put_le(archive, locator + 16, 1, 4);
  std::size_t eocd = archive.size();
  archive += "PK\x05\x06"s + std::string(18, '\0');
  put_le(archive, eocd + 8, 0xffff, 2);
  put_le(archive, eocd + 10, 0xffff, 2);
  put_le(archive, eocd + 12, 0xffffffff, 4);
  put_le(archive, eocd + 16, 0xffffffff, 4);

  Unpacked u = unpack(archive, Limits{});
  ASSERT_EQ(u.errors.size(), 1u);
  EXPECT_EQ(u.errors[0].error.code, Code::too_large);
  EXPECT_EQ(u.errors[0].error.message,
            "zip has 1099511627776 members, over max_zip_members (1000)");
}

TEST(Zip, OverlappingMembersAreRefusedBeforeInflating) {
  std::string one = ZipBuilder().file("zeros.xml", std::string(1 << 20, '\0')).finish();
  std::string bomb = with_repeated_entry(one, 1000);
  Limits limits;  // without the overlap check this would inflate 1000 MiB
  limits.max_unpacked_bytes = 4ull << 30;
  Unpacked u = unpack(bomb, limits);
  EXPECT_TRUE(u.documents.empty());
  ASSERT_EQ(u.errors.size(), 1u);
  EXPECT_EQ(u.errors[0].error.code, Code::malformed);
  EXPECT_NE(u.errors[0].error.message.find("overlap"), std::string::npos)
      << u.errors[0].error.message;

  // The same archive with its entry once is read.
  EXPECT_EQ(unpack(with_repeated_entry(one, 1), limits).documents.size(), 1u);
}

TEST(Zip, NotAZipIsMalformed) {
  const PartError e = unpack("PK\x03\x04 truncated local header"s, Limits{}).errors.at(0);
  EXPECT_EQ(e.error.code, Code::malformed);
  EXPECT_TRUE(e.error.message.starts_with("zip archive: ")) << e.error.message;
  EXPECT_EQ(e.layers, "zip");
}

TEST(Zip, MemberNamesInMessagesAreEscapedAndShortened) {
  EXPECT_EQ(zip_member_subject("a.xml"), "zip member \"a.xml\"");
  EXPECT_EQ(zip_member_subject(""), "zip member \"\"");
  EXPECT_EQ(zip_member_subject("a\"b\\c\n\x1b"), "zip member \"a\\\"b\\\\c\\x0a\\x1b\"");
  std::string subject = zip_member_subject(std::string(500, 'n'));
  EXPECT_EQ(subject, "zip member \"" + std::string(200, 'n') + "...\"");
}

TEST(Zip, ReadZipHandsOverMembersWithTheirNames) {
  std::string archive = ZipBuilder().file("one.xml", "1").file("two.xml", "22").finish();
  InflateBudget budget(1000);
  std::vector<std::string> seen;
  auto read = read_zip(archive, Limits{}, budget, [&](ZipMember&& m) {
    ASSERT_TRUE(m.bytes.has_value());
    seen.push_back(m.name + "=" + *m.bytes);
  });
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(seen, (std::vector<std::string>{"one.xml=1", "two.xml=22"}));
  EXPECT_EQ(budget.used(), 3u);
}

TEST(Zip, MutatedArchivesNeverCrash) {
  const std::vector<std::string> seeds = {
      ZipBuilder().file("a.xml", k_report).file("b.xml.gz", gzip(k_report)).finish(),
      ZipBuilder().file("s.xml", k_report, ZIP_CM_STORE).dir("d/").file("", "x").finish(),
  };
  std::mt19937 rng(7);
  Limits limits;
  limits.max_unpacked_bytes = 1 << 20;
  for (int round = 0; round < 3000; ++round) {
    std::string input = seeds[rng() % seeds.size()];
    int edits = 1 + static_cast<int>(rng() % 3);
    for (int i = 0; i < edits; ++i) {
      std::size_t at = 4 + rng() % (input.size() - 4);  // keep the signature
      input[at] = static_cast<char>(rng() & 0xff);
    }
    Unpacked u;
    ASSERT_NO_THROW(u = unpack(input, limits)) << "round " << round;
    for (const auto& e : u.errors) {
      EXPECT_TRUE(e.error.code == Code::malformed || e.error.code == Code::too_large);
    }
  }
}

}  // namespace
}  // namespace dmarc::parse
