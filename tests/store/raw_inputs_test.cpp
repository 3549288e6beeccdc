// Raw bytes, ingest failures and non-aggregate inputs.
#include <gtest/gtest.h>

#include <random>
#include <thread>

#include "store/store.hpp"
#include "test_support.hpp"

namespace dmarc::store {
namespace {

using test::expect_fatal;
using test::query_int;
using test::query_rows;
using test::row;
using test::Row;
using test::TempDir;
using Rows = std::vector<Row>;

class RawInputs : public ::testing::Test {
 protected:
  TempDir m_dir;
  std::filesystem::path m_path = m_dir.file("dmarc.db");
  Store m_store{m_path};
};

std::string random_bytes(std::size_t size, std::uint64_t seed) {
  std::mt19937_64 engine(seed);
  std::string bytes(size, '\0');
  for (char& byte : bytes) byte = static_cast<char>(engine() & 0xff);
  return bytes;
}

TEST_F(RawInputs, SameBytesAreStoredOnceUnderTheFirstOrigin) {
  const RawInput first = m_store.save_raw("<feedback/>", "a.xml");
  const RawInput second = m_store.save_raw("<feedback/>", "b.xml");
  const RawInput other = m_store.save_raw("<feedback />", "c.xml");
  EXPECT_TRUE(first.is_new);
  EXPECT_GT(first.id, 0);
  EXPECT_FALSE(second.is_new);
  EXPECT_EQ(second.id, first.id);
  EXPECT_TRUE(other.is_new);
  EXPECT_NE(other.id, first.id);
  EXPECT_EQ(m_store.counts().raw_reports, 2);
  EXPECT_EQ(query_rows(m_path, "SELECT origin FROM raw_reports ORDER BY id"),
            (Rows{row({"a.xml"}), row({"c.xml"})}));
}

TEST_F(RawInputs, StoresSha256SizeAndCompression) {
  const RawInput raw = m_store.save_raw("abc", "stdin");
  ASSERT_TRUE(raw.is_new);
  EXPECT_EQ(query_rows(m_path, "SELECT sha256, size, compression, origin FROM raw_reports"),
            Rows{row({"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "3",
                      "zlib", "stdin"})});
  EXPECT_GT(query_int(m_path, "SELECT first_seen FROM raw_reports"), 1700000000);
}

TEST_F(RawInputs, OneMebibyteOfRandomBytesRoundTrips) {
  const std::string bytes = random_bytes(1 << 20, 7);
  const RawInput raw = m_store.save_raw(bytes, "random.bin");
  EXPECT_EQ(m_store.raw_bytes(raw.id), bytes);
}

TEST_F(RawInputs, CompressibleBytesAreStoredSmallerAndRoundTrip) {
  std::string xml;
  while (xml.size() < (1 << 20)) xml += "<record><row><source_ip>192.0.2.1</source_ip></row>";
  const RawInput raw = m_store.save_raw(xml, "big.xml");
  EXPECT_LT(query_int(m_path, "SELECT length(data) FROM raw_reports"),
            static_cast<std::int64_t>(xml.size() / 20));
  EXPECT_EQ(m_store.raw_bytes(raw.id), xml);
}

TEST_F(RawInputs, EmptyInputRoundTrips) {
  const RawInput raw = m_store.save_raw("", "empty");
  EXPECT_TRUE(raw.is_new);
  EXPECT_EQ(m_store.raw_bytes(raw.id), std::string());
  EXPECT_FALSE(m_store.save_raw("", "empty again").is_new);
}

TEST_F(RawInputs, BytesWithNulRoundTrip) {
  const std::string bytes("a\0b\0\0c", 6);
  EXPECT_EQ(m_store.raw_bytes(m_store.save_raw(bytes, "nul").id), bytes);
}

TEST_F(RawInputs, UnknownRawIdIsNullopt) {
  EXPECT_EQ(m_store.raw_bytes(1), std::nullopt);
  EXPECT_EQ(m_store.raw_bytes(-5), std::nullopt);
}

TEST_F(RawInputs, CorruptStoredBytesAreFatal) {
  const RawInput raw = m_store.save_raw(random_bytes(1000, 1), "x");
  test::exec(m_path, "UPDATE raw_reports SET data = x'0102030405'");
  expect_fatal([&] { (void)m_store.raw_bytes(raw.id); }, {"raw_reports row", "is corrupt"});
}

TEST_F(RawInputs, WrongStoredSizeIsFatal) {
  const RawInput raw = m_store.save_raw("hello", "x");
  test::exec(m_path, "UPDATE raw_reports SET size = 6");
  expect_fatal([&] { (void)m_store.raw_bytes(raw.id); }, {"is corrupt", "6 bytes"});
  test::exec(m_path, "UPDATE raw_reports SET size = 1000000000000");
  expect_fatal([&] { (void)m_store.raw_bytes(raw.id); }, {"is corrupt"});
}

TEST_F(RawInputs, UnknownCompressionIsFatal) {
  const RawInput raw = m_store.save_raw("hello", "x");
  test::exec(m_path, "UPDATE raw_reports SET compression = 'zstd'");
  expect_fatal([&] { (void)m_store.raw_bytes(raw.id); }, {"unknown compression \"zstd\""});
}

TEST_F(RawInputs, FailureIsRecordedWithEveryField) {
  const RawInput raw = m_store.save_raw("PK broken", "inbox/7.eml");
  m_store.record_failure(raw.id, "inbox/7.eml", "mime:2",
                         Error{Code::malformed, "zip central directory is missing"});
  const auto failures = m_store.list_failures();
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_GT(failures[0].id, 0);
  EXPECT_EQ(failures[0].raw_id, raw.id);
  EXPECT_EQ(failures[0].origin, "inbox/7.eml");
  EXPECT_EQ(failures[0].part, "mime:2");
  EXPECT_EQ(failures[0].code, "malformed");
  EXPECT_EQ(failures[0].message, "zip central directory is missing");
  EXPECT_GT(failures[0].first_seen, 1700000000);
}

TEST_F(RawInputs, SameFailureTwiceKeepsOneRow) {
  const RawInput raw = m_store.save_raw("x", "a");
  const Error error{Code::too_large, "too big"};
  m_store.record_failure(raw.id, "a", "", error);
  m_store.record_failure(raw.id, "b", "", Error{Code::too_large, "other text"});
  EXPECT_EQ(m_store.list_failures().size(), 1u);
  EXPECT_EQ(m_store.list_failures()[0].origin, "a");
  m_store.record_failure(raw.id, "a", "", Error{Code::malformed, "too big"});
  m_store.record_failure(raw.id, "a", "zip:1.xml", error);
  const RawInput other = m_store.save_raw("y", "b");
  m_store.record_failure(other.id, "b", "", error);
  const auto failures = m_store.list_failures();
  ASSERT_EQ(failures.size(), 4u);
  EXPECT_EQ(failures[1].code, "malformed");
  EXPECT_EQ(failures[2].part, "zip:1.xml");
  EXPECT_EQ(failures[3].raw_id, other.id);
  EXPECT_EQ(m_store.counts().ingest_failures, 4);
}

TEST_F(RawInputs, FailureWithoutRawBytesIsKeptEachTime) {
  m_store.record_failure(0, "/unreadable", "", Error{Code::io, "permission denied"});
  m_store.record_failure(0, "/unreadable", "", Error{Code::io, "permission denied"});
  const auto failures = m_store.list_failures();
  ASSERT_EQ(failures.size(), 2u);
  EXPECT_EQ(failures[0].raw_id, 0);
  EXPECT_EQ(failures[0].code, "io");
  EXPECT_EQ(query_rows(m_path, "SELECT raw_id FROM ingest_failures WHERE id = 1"),
            Rows{row({std::nullopt})});
}

TEST_F(RawInputs, FailureNamingAnUnknownRawIdIsFatal) {
  expect_fatal(
      [&] {
        m_store.record_failure(42, "a", "", Error{Code::io, "x"});
      },
      {"recording an ingest failure", "FOREIGN KEY constraint failed"});
}

TEST_F(RawInputs, OtherInputIsRecordedAndDeduplicated) {
  const RawInput raw = m_store.save_raw("arf", "inbox/9.eml");
  m_store.record_other(raw.id, "inbox/9.eml", "", OtherKind::forensic, "ARF feedback report");
  m_store.record_other(raw.id, "inbox/9.eml", "", OtherKind::other_mail, "again");
  m_store.record_other(raw.id, "inbox/9.eml", "mime:3", OtherKind::smtp_tls, "TLS report");
  const auto others = m_store.list_others();
  ASSERT_EQ(others.size(), 2u);
  EXPECT_EQ(others[0].raw_id, raw.id);
  EXPECT_EQ(others[0].origin, "inbox/9.eml");
  EXPECT_EQ(others[0].part, "");
  EXPECT_EQ(others[0].kind, "forensic");
  EXPECT_EQ(others[0].detail, "ARF feedback report");
  EXPECT_EQ(others[1].part, "mime:3");
  EXPECT_EQ(others[1].kind, "smtp_tls");
  EXPECT_LT(others[0].id, others[1].id);
  EXPECT_EQ(m_store.counts().other_inputs, 2);
}

TEST_F(RawInputs, CountsCoverEveryTable) {
  const RawInput raw = m_store.save_raw("x", "a");
  m_store.save_report(test::sample_report(), raw.id, "a");
  m_store.record_failure(raw.id, "a", "zip:2", Error{Code::unsupported, "pdf"});
  m_store.record_other(raw.id, "a", "mime:1", OtherKind::not_report, "text");
  TableCounts expected;
  expected.reports = 1;
  expected.records = 4;
  expected.dkim_results = 3;
  expected.spf_results = 4;
  expected.override_reasons = 2;
  expected.raw_reports = 1;
  expected.ingest_failures = 1;
  expected.other_inputs = 1;
  EXPECT_EQ(m_store.counts(), expected);
}

TEST_F(RawInputs, EncodedBytesFromAnotherThreadAreStoredLikeBytes) {
  const std::string bytes = random_bytes(70'000, 7);
  EncodedRaw encoded;
  std::thread([&] { encoded = encode_raw(bytes); }).join();
  EXPECT_EQ(encoded.size, bytes.size());
  EXPECT_EQ(encoded.sha256.size(), 64u);
  const RawInput raw = m_store.save_raw(encoded, "t.bin");
  EXPECT_TRUE(raw.is_new);
  EXPECT_EQ(m_store.raw_bytes(raw.id), bytes);
  // The same bytes given plainly are recognised as stored.
  EXPECT_EQ(m_store.save_raw(bytes, "again.bin").id, raw.id);
}

TEST_F(RawInputs, EncodedBytesWithoutCompressedFormAreRefusedWhenNew) {
  expect_fatal([&] { m_store.save_raw(encode_raw("new bytes", false), "n"); }, {"not compressed"});
  EXPECT_EQ(m_store.counts().raw_reports, 0);
}

TEST_F(RawInputs, KnownRawCountsWhatCameOfTheBytes) {
  EXPECT_FALSE(m_store.known_raw(encode_raw("never stored", false).sha256));
  const std::string bytes = "<feedback>...</feedback>";
  const RawInput raw = m_store.save_raw(bytes, "a.xml");
  std::optional<KnownRaw> known = m_store.known_raw(encode_raw(bytes, false).sha256);
  ASSERT_TRUE(known);
  EXPECT_EQ(known->id, raw.id);
  EXPECT_EQ(known->reports, 0u);
  EXPECT_EQ(known->others, 0u);
  EXPECT_EQ(known->failures, 0u);

  m_store.save_report(test::sample_report(), raw.id, "a.xml");
  m_store.record_other(raw.id, "a.xml", "mime:2", OtherKind::forensic, "ruf");
  m_store.record_failure(raw.id, "a.xml", "mime:3", Error{Code::malformed, "bad"});
  m_store.record_failure(raw.id, "a.xml", "mime:4", Error{Code::too_large, "big"});
  known = m_store.known_raw(encode_raw(bytes, false).sha256);
  ASSERT_TRUE(known);
  EXPECT_EQ(known->reports, 1u);
  EXPECT_EQ(known->others, 1u);
  EXPECT_EQ(known->failures, 2u);
}

TEST_F(RawInputs, LookupFromAnotherConnectionSeesOnlyCommittedBytes) {
  const std::unique_ptr<RawLookup> lookup = m_store.open_lookup();
  ASSERT_TRUE(lookup);
  const std::string sha256 = encode_raw("batch bytes", false).sha256;
  {
    Store::Batch batch(m_store);
    const RawInput raw = m_store.save_raw("batch bytes", "b");
    EXPECT_TRUE(m_store.known_raw(sha256));  // the writer sees its own batch
    std::optional<KnownRaw> seen;
    std::thread([&] { seen = lookup->find(sha256); }).join();
    EXPECT_FALSE(seen);  // another connection does not, until it commits
    batch.commit();
    std::thread([&] { seen = lookup->find(sha256); }).join();
    ASSERT_TRUE(seen);
    EXPECT_EQ(seen->id, raw.id);
  }
}

TEST(RawLookupMemory, InMemoryDatabaseHasNoSecondConnection) {
  Store store(":memory:");
  EXPECT_EQ(store.open_lookup(), nullptr);
}

TEST(RawLookupFile, MissingDatabaseFileIsFatal) {
  TempDir dir;
  expect_fatal([&] { RawLookup lookup(dir.file("missing.db")); }, {"missing.db"});
}

}  // namespace
}  // namespace dmarc::store
