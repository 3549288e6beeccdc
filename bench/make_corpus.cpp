// make_corpus: writes a deterministic folder of aggregate-report files for
// timing `dmarcdb ingest` (bench/ingest_bench.sh, docs/performance.md): the
// reports of bench/dataset.hpp with a long tail of record counts (1 to 500,
// most small), in the containers reporters send: about 60% .xml.gz, 30% .zip
// and 10% plain .xml. It can also write one huge report (--huge N records,
// gzip-compressed as large reporters send them) and the same reports as
// e-mails (--mail: one .eml per report, the file as a base64 attachment).
// The same seed and options always give the same bytes.
#include <fmt/core.h>
#include <zip.h>
#include <zlib.h>

#include <boost/program_options.hpp>
#include <cmath>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "bench/dataset.hpp"
#include "bench/xml_writer.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

constexpr std::int64_t k_max_records = 500;
// Exponent of the record-count distribution 1 + (max - 1) * u^k: most reports
// are small, a few approach the maximum (mean about 100 records).
constexpr double k_tail_exponent = 4.0;

// splitmix64, as in dataset.cpp: the same numbers on every platform.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : m_state(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (m_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double unit() { return static_cast<double>(next() >> 11) / 9007199254740992.0; }
  std::uint64_t below(std::uint64_t n) { return next() % n; }

 private:
  std::uint64_t m_state;
};

enum class Container { gzip, zip, xml };

std::string gzip(std::string_view bytes) {
  z_stream stream{};
  // 15 + 16: a gzip header and trailer; level 6 as gzip(1) uses.
  if (deflateInit2(&stream, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  std::string out(deflateBound(&stream, static_cast<uLong>(bytes.size())) + 32, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  stream.avail_in = static_cast<uInt>(bytes.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  if (rc != Z_STREAM_END) throw std::runtime_error("deflate failed");
  return out;
}

void write_file(const fs::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out.flush()) throw std::runtime_error("cannot write " + path.string());
}

void write_zip(const fs::path& path, const std::string& member, std::string_view bytes) {
  int error = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  if (archive == nullptr) throw std::runtime_error("cannot create " + path.string());
  zip_source_t* source = zip_source_buffer(archive, bytes.data(), bytes.size(), 0);
  if (source == nullptr || zip_file_add(archive, member.c_str(), source, ZIP_FL_ENC_UTF_8) < 0) {
    if (source != nullptr) zip_source_free(source);
    zip_discard(archive);
    throw std::runtime_error("cannot add to " + path.string());
  }
  // zip_close writes the archive, reading bytes (still alive here).
  if (zip_close(archive) != 0) {
    zip_discard(archive);
    throw std::runtime_error("cannot write " + path.string());
  }
}

// Letters and digits of a reporter or domain name, for file names.
std::string file_word(std::string_view text) {
  std::string out;
  for (char c : text) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.') {
      out += c;
    }
  }
  return out;
}

std::string base64(std::string_view bytes) {
  static constexpr char k_alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t line = 0;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    std::uint32_t v = 0;
    for (std::size_t k = 0; k < 3; ++k) {
      v = v << 8 | (k < n ? static_cast<unsigned char>(bytes[i + k]) : 0u);
    }
    for (std::size_t k = 0; k < 4; ++k) {
      out += k <= n ? k_alphabet[(v >> (18 - 6 * k)) & 0x3f] : '=';
    }
    if ((line += 4) == 76) {
      out += "\r\n";
      line = 0;
    }
  }
  return out + "\r\n";
}

std::string mail(const dmarc::parse::AggregateReport& report, const std::string& file_name,
                 std::string_view content_type, std::string_view bytes) {
  const std::string org = report.metadata.org_name.value_or("unknown");
  const std::string domain = report.policy.domain.value_or("unknown");
  return fmt::format(
      "From: {0} <{1}>\r\nTo: dmarc@{2}\r\nSubject: Report domain: {2} Submitter: {0} "
      "Report-ID: {3}\r\nMessage-ID: <{3}@bench.invalid>\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n\r\nThis is an aggregate report.\r\n--b\r\n"
      "Content-Type: {4}; name=\"{5}\"\r\nContent-Disposition: attachment; filename=\"{5}\"\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n{6}--b--\r\n",
      org, report.metadata.email.value_or("noreply@invalid"), domain, report.metadata.report_id,
      content_type, file_name, base64(bytes));
}

struct Totals {
  std::int64_t files = 0, records = 0;
  std::uintmax_t xml_bytes = 0, file_bytes = 0;
  std::int64_t by_container[3] = {0, 0, 0};
};

// Writes one report as a file (or an e-mail holding it) named after its
// reporter, domain and date as reporters name them.
void write_report(const dmarc::parse::AggregateReport& report, Container container,
                  const fs::path& dir, const std::string& stem, bool as_mail, Totals& totals) {
  const std::string xml = dmarc::bench::to_xml(report);
  std::string name;
  std::string bytes;
  std::string_view type;
  switch (container) {
    case Container::gzip:
      name = stem + ".xml.gz";
      bytes = gzip(xml);
      type = "application/gzip";
      break;
    case Container::zip: {
      name = stem + ".zip";
      const fs::path scratch = dir / (name + ".tmp");
      write_zip(scratch, stem + ".xml", xml);
      std::ifstream in(scratch, std::ios::binary);
      bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      fs::remove(scratch);
      type = "application/zip";
      break;
    }
    case Container::xml:
      name = stem + ".xml";
      bytes = xml;
      type = "text/xml";
      break;
  }
  if (as_mail) {
    bytes = mail(report, name, type, bytes);
    name = stem + ".eml";
  }
  write_file(dir / name, bytes);
  ++totals.files;
  ++totals.by_container[static_cast<int>(container)];
  totals.records += static_cast<std::int64_t>(report.records.size());
  totals.xml_bytes += xml.size();
  totals.file_bytes += bytes.size();
}

}  // namespace

int main(int argc, char** argv) try {
  std::string dir;
  std::size_t reports = 2000;
  std::int64_t huge = 0;
  std::uint64_t seed = 1;
  bool as_mail = false;
  po::options_description desc(
      "usage: make_corpus --dir DIR [--reports N] [--seed S] [--mail]\n"
      "       make_corpus --dir DIR --huge RECORDS [--seed S]\n\nOptions");
  desc.add_options()("help,h", "show this help")("dir", po::value(&dir),
                                                 "folder to write (created if needed)")(
      "reports", po::value(&reports)->default_value(reports), "how many reports")(
      "huge", po::value(&huge)->default_value(0),
      "write one report of this many records instead (huge.xml.gz)")(
      "seed", po::value(&seed)->default_value(seed), "corpus seed")(
      "mail", po::bool_switch(&as_mail), "write each report as an e-mail (.eml) holding the file");
  po::variables_map vm;
  po::store(po::parse_command_line(argc, argv, desc), vm);
  po::notify(vm);
  if (vm.count("help") || dir.empty() || huge < 0) {
    fmt::print("{}", (std::ostringstream() << desc).str());
    return vm.count("help") ? 0 : 2;
  }
  fs::create_directories(dir);
  // The data set supplies records; its size only shapes the plan, unused here.
  const dmarc::bench::Dataset data({.records = 1, .seed = seed});
  Totals totals;
  if (huge > 0) {
    dmarc::parse::AggregateReport report = data.report({0, 0, 0, huge});
    report.metadata.report_id = fmt::format("huge-{}-{}", seed, huge);
    write_report(report, Container::gzip, dir, "google.com!example.com!huge", false, totals);
  } else {
    Rng rng(seed ^ 0xC0FFEEull);
    for (std::size_t i = 0; i < reports; ++i) {
      const double u = rng.unit();
      const Container container = u < 0.6 ? Container::gzip
                                  : u < 0.9 ? Container::zip
                                            : Container::xml;
      const auto records = 1 + static_cast<std::int64_t>(std::floor(
                                   static_cast<double>(k_max_records - 1) *
                                   std::pow(rng.unit(), k_tail_exponent)));
      const dmarc::bench::ReportPlan plan{static_cast<int>(rng.below(dmarc::bench::k_days)),
                                          static_cast<int>(rng.below(dmarc::bench::k_reporter_count)),
                                          static_cast<int>(rng.below(dmarc::bench::k_domain_count)), records};
      dmarc::parse::AggregateReport report = data.report(plan);
      // A unique identity per report, whatever the plan drew.
      report.metadata.report_id = fmt::format("{}.{}.{}", report.metadata.report_id, seed, i);
      const std::string stem =
          fmt::format("{}!{}!{}!{}!{:05}", file_word(report.metadata.org_name.value_or("")),
                      file_word(report.policy.domain.value_or("")),
                      report.metadata.date_range.begin, report.metadata.date_range.end, i);
      write_report(report, container, dir, stem, as_mail, totals);
    }
  }
  fmt::print("files: {} ({} .xml.gz, {} .zip, {} .xml){}\nrecords: {}\nxml bytes: {}\n"
             "file bytes: {}\n",
             totals.files, totals.by_container[0], totals.by_container[1],
             totals.by_container[2], as_mail ? " as .eml" : "", totals.records, totals.xml_bytes,
             totals.file_bytes);
  return 0;
} catch (const std::exception& error) {
  fmt::print(stderr, "make_corpus: {}\n", error.what());
  return 1;
}
