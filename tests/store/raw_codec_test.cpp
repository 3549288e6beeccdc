#include "store/raw_codec.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <random>

namespace dmarc::store {
namespace {

TEST(Sha256Hex, MatchesKnownDigests) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(std::string(1000, 'a')),
            "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
}

TEST(ZlibCodec, RoundTripsWithTheRightSize) {
  const std::string bytes = std::string(10000, 'x') + "tail";
  const std::string compressed = zlib_compress(bytes);
  EXPECT_LT(compressed.size(), 200u);
  EXPECT_EQ(zlib_uncompress(compressed, bytes.size()), bytes);
}

std::string reference_compress2(const std::string& bytes) {
  uLongf length = compressBound(bytes.size());
  std::string out(length, '\0');
  EXPECT_EQ(
      compress2(reinterpret_cast<Bytef*>(out.data()), &length,
                reinterpret_cast<const Bytef*>(bytes.data()), bytes.size(), Z_DEFAULT_COMPRESSION),
      Z_OK);
  out.resize(length);
  return out;
}

TEST(ZlibCodec, ReusedCompressorMatchesCompress2ForEveryInput) {
  std::mt19937 engine(3);
  std::string random(300000, '\0');
  for (char& byte : random) byte = static_cast<char>(engine());
  const std::string inputs[] = {"", "a", std::string(100000, 'z'), random, "short again"};
  ZlibCompressor compressor;
  for (const std::string& input : inputs) {
    const std::string compressed = compressor.compress(input);
    EXPECT_EQ(compressed, reference_compress2(input)) << input.size();
    EXPECT_EQ(zlib_uncompress(compressed, input.size()), input);
  }
}

TEST(ZlibCodec, WrongSizeIsRejected) {
  const std::string compressed = zlib_compress("hello world");
  EXPECT_EQ(zlib_uncompress(compressed, 10), std::nullopt);
  EXPECT_EQ(zlib_uncompress(compressed, 12), std::nullopt);
}

TEST(ZlibCodec, CorruptOrTruncatedStreamIsRejected) {
  std::string compressed = zlib_compress(std::string(5000, 'y'));
  EXPECT_EQ(zlib_uncompress(compressed.substr(0, compressed.size() / 2), 5000), std::nullopt);
  compressed[compressed.size() / 2] ^= 0x55;
  EXPECT_EQ(zlib_uncompress(compressed, 5000), std::nullopt);
  EXPECT_EQ(zlib_uncompress("not zlib at all", 5000), std::nullopt);
}

TEST(ZlibCodec, SizeBeyondDeflateRatioIsRejectedBeforeAllocating) {
  // Would need a 1 TiB buffer if the ratio check did not come first.
  EXPECT_EQ(zlib_uncompress(zlib_compress("x"), 1ull << 40), std::nullopt);
}

}  // namespace
}  // namespace dmarc::store
