// Building hostile containers in tests, cheaply: deflate streams of a byte
// repeated a billion times made from one compressed block copied over and
// over (no gigabyte is ever held or compressed), gzip streams around them,
// and zip archives written byte by byte so that tests can lie in headers,
// overlap members or declare 100,000 entries.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace dmarc::testing {

inline constexpr std::size_t k_bomb_block = 1 << 20;

// Raw deflate of data, ended by a full flush (byte-aligned, no reference to
// anything before it), so that copies of it can follow one another.
inline std::string deflate_block(std::string_view data) {
  z_stream z{};
  if (deflateInit2(&z, 9, Z_DEFLATED, -MAX_WBITS, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  std::string out(deflateBound(&z, data.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FULL_FLUSH);
  out.resize(out.size() - z.avail_out);
  deflateEnd(&z);
  if (rc != Z_OK || z.avail_in != 0) throw std::runtime_error("deflate failed");
  return out;
}

// A raw deflate stream and what it inflates to (size and CRC-32).
struct Deflated {
  std::string raw;
  std::uint64_t size = 0;
  std::uint32_t crc = 0;
};

// Raw deflate of prefix, then `repeat` bytes `fill` (rounded up to whole
// blocks of k_bomb_block), then suffix. About 1 KiB per MiB of fill.
inline Deflated deflate_bomb(std::string_view prefix, char fill, std::uint64_t repeat,
                             std::string_view suffix = {}) {
  Deflated d;
  const std::string block(k_bomb_block, fill);
  const std::string block_deflated = deflate_block(block);
  const uLong block_crc = crc32(0, reinterpret_cast<const Bytef*>(block.data()), k_bomb_block);
  uLong crc =
      crc32(0, reinterpret_cast<const Bytef*>(prefix.data()), static_cast<uInt>(prefix.size()));
  d.raw = deflate_block(prefix);
  for (std::uint64_t done = 0; done < repeat; done += k_bomb_block) {
    d.raw += block_deflated;
    crc = crc32_combine(crc, block_crc, k_bomb_block);
  }
  d.raw += deflate_block(suffix);
  crc = crc32_combine(
      crc,
      crc32(0, reinterpret_cast<const Bytef*>(suffix.data()), static_cast<uInt>(suffix.size())),
      static_cast<z_off_t>(suffix.size()));
  d.raw += std::string("\x03\x00", 2);  // a final, empty fixed-Huffman block
  d.size =
      prefix.size() + (repeat + k_bomb_block - 1) / k_bomb_block * k_bomb_block + suffix.size();
  d.crc = static_cast<std::uint32_t>(crc);
  return d;
}

inline void put_le(std::string& out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((value >> (8 * i)) & 0xff);
}

// A gzip stream (RFC 1952) around a raw deflate stream.
inline std::string gzip_of(const Deflated& d) {
  std::string out("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10);
  out += d.raw;
  put_le(out, d.crc, 4);
  put_le(out, d.size & 0xffffffffu, 4);
  return out;
}

// One zip member as written; the fields are what the headers declare.
struct ZipEntry {
  std::string name;
  std::string data;  // compressed (method 8) or stored (method 0) bytes
  std::uint16_t method = 8;
  std::uint32_t crc = 0;
  std::uint32_t size = 0;  // declared uncompressed size
};

struct ZipOptions {
  // Central directory entries that all point at the first local header:
  // overlapping members (a "non-recursive" zip bomb).
  std::uint32_t overlap_copies = 0;
};

// A zip archive of entries (local headers, data, central directory, end
// record; a Zip64 end record when there are more than 65,535 entries).
inline std::string zip_of(const std::vector<ZipEntry>& entries, const ZipOptions& options = {}) {
  std::string out;
  std::string central;
  std::uint64_t count = 0;
  auto central_entry = [&](const ZipEntry& e, std::uint64_t offset) {
    put_le(central, 0x02014b50, 4);
    put_le(central, 20, 2);  // made by
    put_le(central, 20, 2);  // needed
    put_le(central, 0, 2);   // flags
    put_le(central, e.method, 2);
    put_le(central, 0, 4);  // time, date
    put_le(central, e.crc, 4);
    put_le(central, e.data.size(), 4);
    put_le(central, e.size, 4);
    put_le(central, e.name.size(), 2);
    put_le(central, 0, 2);  // extra
    put_le(central, 0, 2);  // comment
    put_le(central, 0, 2);  // disk
    put_le(central, 0, 2);  // internal attributes
    put_le(central, 0, 4);  // external attributes
    put_le(central, offset, 4);
    central += e.name;
    ++count;
  };
  for (const ZipEntry& e : entries) {
    const std::uint64_t offset = out.size();
    put_le(out, 0x04034b50, 4);
    put_le(out, 20, 2);
    put_le(out, 0, 2);
    put_le(out, e.method, 2);
    put_le(out, 0, 4);
    put_le(out, e.crc, 4);
    put_le(out, e.data.size(), 4);
    put_le(out, e.size, 4);
    put_le(out, e.name.size(), 2);
    put_le(out, 0, 2);
    out += e.name;
    out += e.data;
    central_entry(e, offset);
  }
  for (std::uint32_t i = 0; i < options.overlap_copies && !entries.empty(); ++i) {
    ZipEntry copy = entries.front();
    copy.name = "overlap" + std::to_string(i) + ".xml";
    central_entry(copy, 0);
  }
  const std::uint64_t central_offset = out.size();
  out += central;
  if (count > 0xffff) {
    const std::uint64_t eocd64 = out.size();
    put_le(out, 0x06064b50, 4);
    put_le(out, 44, 8);
    put_le(out, 45, 2);
    put_le(out, 45, 2);
    put_le(out, 0, 4);
    put_le(out, 0, 4);
    put_le(out, count, 8);
    put_le(out, count, 8);
    put_le(out, central.size(), 8);
    put_le(out, central_offset, 8);
    put_le(out, 0x07064b50, 4);
    put_le(out, 0, 4);
    put_le(out, eocd64, 8);
    put_le(out, 1, 4);
  }
  put_le(out, 0x06054b50, 4);
  put_le(out, 0, 2);
  put_le(out, 0, 2);
  put_le(out, count > 0xffff ? 0xffff : count, 2);
  put_le(out, count > 0xffff ? 0xffff : count, 2);
  put_le(out, central.size(), 4);
  put_le(out, central_offset, 4);
  put_le(out, 0, 2);
  return out;
}

// A zip member holding data, deflated.
inline ZipEntry deflated_entry(std::string name, std::string_view data) {
  ZipEntry e;
  e.name = std::move(name);
  e.data = deflate_block(data) + std::string("\x03\x00", 2);
  e.crc = static_cast<std::uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
  e.size = static_cast<std::uint32_t>(data.size());
  return e;
}

}  // namespace dmarc::testing
