// make_db: builds the benchmark database (bench/dataset.hpp) through the real
// store writer, one transaction per report as dmarcdb ingest does, and prints
// how long the writer took and how large the file is. With --xml-dir it
// writes some of the same reports as XML files instead, for timing
// `dmarcdb ingest`.
#include <fmt/core.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "bench/dataset.hpp"
#include "bench/xml_writer.hpp"
#include "store/store.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::uintmax_t size_with_sidecars(const fs::path& db) {
  std::uintmax_t total = 0;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::error_code ec;
    const std::uintmax_t size = fs::file_size(db.string() + suffix, ec);
    if (!ec) total += size;
  }
  return total;
}

int build_db(const dmarc::bench::Dataset& data, const fs::path& db) {
  if (fs::exists(db)) {
    fmt::print(stderr, "make_db: {} exists; remove it first\n", db.string());
    return 2;
  }
  const auto start = Clock::now();
  double generate = 0;
  double write = 0;
  std::int64_t records = 0;
  const std::size_t step = data.plan().size() / 10 + 1;
  {
    dmarc::store::Store store(db);
    std::size_t done = 0;
    for (const dmarc::bench::ReportPlan& entry : data.plan()) {
      const auto t0 = Clock::now();
      const dmarc::parse::AggregateReport report = data.report(entry);
      const auto t1 = Clock::now();
      store.save_report(report, 0, "bench");
      generate += std::chrono::duration<double>(t1 - t0).count();
      write += seconds_since(t1);
      records += entry.records;
      if (++done % step == 0) {
        fmt::print("{:3}%  {} reports  {} records  {:.1f} s\n", done * 100 / data.plan().size(),
                   done, records, seconds_since(start));
        std::fflush(stdout);
      }
    }
  }  // closing checkpoints the WAL into the file
  const double total = seconds_since(start);
  fmt::print("reports: {}\nrecords: {}\n", data.plan().size(), records);
  fmt::print("generate: {:.1f} s\nwrite (Store::save_report): {:.1f} s ({:.0f} records/s)\n",
             generate, write, static_cast<double>(records) / write);
  fmt::print("total: {:.1f} s\nsize: {:.0f} MiB\n", total,
             static_cast<double>(size_with_sidecars(db)) / (1024.0 * 1024.0));
  return 0;
}

int write_xml(const dmarc::bench::Dataset& data, const fs::path& dir, std::size_t count) {
  fs::create_directories(dir);
  const std::size_t n = std::min(count, data.plan().size());
  const std::size_t stride = data.plan().size() / std::max<std::size_t>(n, 1);
  std::int64_t records = 0;
  std::uintmax_t bytes = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const dmarc::bench::ReportPlan& entry = data.plan()[i * stride];
    const std::string xml = dmarc::bench::to_xml(data.report(entry));
    std::ofstream out(dir / fmt::format("report-{:05}.xml", i), std::ios::binary);
    out << xml;
    if (!out.flush()) {
      fmt::print(stderr, "make_db: cannot write into {}\n", dir.string());
      return 1;
    }
    records += entry.records;
    bytes += xml.size();
  }
  fmt::print("xml files: {}\nrecords: {}\nbytes: {}\n", n, records, bytes);
  return 0;
}

}  // namespace

int main(int argc, char** argv) try {
  std::string db, xml_dir;
  std::size_t xml_reports = 0;
  dmarc::bench::DatasetOptions options;
  po::options_description desc(
      "usage: make_db --db FILE [--records N] [--seed S]\n"
      "       make_db --xml-dir DIR --xml-reports N [--records N] [--seed S]\n\nOptions");
  desc.add_options()("help,h", "show this help")("db", po::value(&db),
                                                 "database file to create (must not exist)")(
      "records", po::value(&options.records)->default_value(options.records),
      "records over the whole year")("seed", po::value(&options.seed)->default_value(options.seed),
                                     "data set seed")("xml-dir", po::value(&xml_dir),
                                                      "write reports as XML files here instead")(
      "xml-reports", po::value(&xml_reports)->default_value(200),
      "how many reports (spread over the year) to write as XML");
  po::variables_map vm;
  po::store(po::parse_command_line(argc, argv, desc), vm);
  po::notify(vm);
  if (vm.count("help") || (db.empty() == xml_dir.empty()) || options.records < 1) {
    fmt::print("{}", (std::ostringstream() << desc).str());
    return vm.count("help") ? 0 : 2;
  }
  const dmarc::bench::Dataset data(options);
  if (!xml_dir.empty()) return write_xml(data, xml_dir, xml_reports);
  return build_db(data, db);
} catch (const std::exception& error) {
  fmt::print(stderr, "make_db: {}\n", error.what());
  return 1;
}
