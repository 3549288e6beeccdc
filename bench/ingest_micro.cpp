// ingest_micro: Google Benchmark timings of the inner stages of ingestion on
// one generated report (bench/dataset.hpp, 100 records unless the argument
// says otherwise): unpack (gzip), parse (XML to AggregateReport), store (raw
// bytes, then the report, into an in-memory database). Items are records.
// See docs/performance.md ("Ingest").
//
// `ingest_micro --huge FILE [--view]` instead parses one report file (.xml,
// .xml.gz or .zip, e.g. from `make_corpus --huge 500000`) once and prints
// the peak resident memory of the parse: the consuming overload
// parse_aggregate_report(std::string&&), or with --view the string_view one.
#include <benchmark/benchmark.h>
#include <fmt/core.h>
#include <zlib.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "bench/dataset.hpp"
#include "bench/xml_writer.hpp"
#include "parse/aggregate_xml.hpp"
#include "parse/unpack.hpp"
#include "store/store.hpp"

namespace {

dmarc::parse::AggregateReport make_report(std::int64_t records, int serial = 0) {
  static const dmarc::bench::Dataset data({.records = 1, .seed = 1});
  dmarc::parse::AggregateReport report = data.report({3, 1, 0, records});
  report.metadata.report_id = fmt::format("micro-{}-{}", records, serial);
  return report;
}

std::string gzip(const std::string& bytes) {
  z_stream stream{};
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

void set_counters(benchmark::State& state, std::int64_t records, std::size_t xml_bytes) {
  state.SetItemsProcessed(state.iterations() * records);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(xml_bytes));
}

void BM_unpack_gzip(benchmark::State& state) {
  const std::string xml = dmarc::bench::to_xml(make_report(state.range(0)));
  const std::string gz = gzip(xml);
  const dmarc::Limits limits;
  for (auto _ : state) {
    dmarc::parse::Unpacked unpacked = dmarc::parse::unpack(gz, limits);
    benchmark::DoNotOptimize(unpacked.documents.data());
  }
  set_counters(state, state.range(0), xml.size());
}

void BM_parse(benchmark::State& state) {
  const std::string xml = dmarc::bench::to_xml(make_report(state.range(0)));
  const dmarc::Limits limits;
  for (auto _ : state) {
    auto report = dmarc::parse::parse_aggregate_report(xml, limits);
    if (!report) throw std::runtime_error(report.error().message);
    benchmark::DoNotOptimize(report->records.data());
  }
  set_counters(state, state.range(0), xml.size());
}

// A caller that owns the unpacked text hands it over: the copy stands for
// the unpacking that produces it.
void BM_parse_owned(benchmark::State& state) {
  const std::string xml = dmarc::bench::to_xml(make_report(state.range(0)));
  const dmarc::Limits limits;
  for (auto _ : state) {
    std::string owned = xml;
    auto report = dmarc::parse::parse_aggregate_report(std::move(owned), limits);
    if (!report) throw std::runtime_error(report.error().message);
    benchmark::DoNotOptimize(report->records.data());
  }
  set_counters(state, state.range(0), xml.size());
}

// save_raw and save_report of distinct reports into one in-memory database,
// as dmarcdb ingest stores each input.
void BM_store(benchmark::State& state) {
  const std::int64_t records = state.range(0);
  dmarc::parse::AggregateReport report = make_report(records);
  const std::string xml = dmarc::bench::to_xml(report);
  dmarc::store::Store store(":memory:");
  std::int64_t serial = 0;
  for (auto _ : state) {
    state.PauseTiming();
    report.metadata.report_id = fmt::format("micro-{}", ++serial);
    std::string raw = xml;
    raw += fmt::format("<!-- {} -->", serial);  // distinct bytes: no raw deduplication
    state.ResumeTiming();
    const dmarc::store::RawInput input = store.save_raw(raw, "bench");
    store.save_report(report, input.id, "bench");
  }
  set_counters(state, records, xml.size());
}

BENCHMARK(BM_unpack_gzip)->Arg(100)->Arg(10000);
BENCHMARK(BM_parse)->Arg(100)->Arg(10000);
BENCHMARK(BM_parse_owned)->Arg(100)->Arg(10000);
BENCHMARK(BM_store)->Arg(100)->Arg(10000);

// Peak resident memory of this process in KiB (VmHWM), or -1.
long peak_rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// Starts a new peak: the unpacking before the parse is not counted.
void reset_peak_rss() { std::ofstream("/proc/self/clear_refs") << "5"; }

int parse_huge(const char* path, bool view) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    fmt::print(stderr, "cannot read {}\n", path);
    return 1;
  }
  const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const dmarc::Limits limits;
  dmarc::parse::Unpacked unpacked = dmarc::parse::unpack(bytes, limits);
  if (unpacked.documents.size() != 1) {
    fmt::print(stderr, "{} holds {} documents, not one\n", path, unpacked.documents.size());
    return 1;
  }
  std::string xml = std::move(unpacked.documents.front().bytes);
  unpacked = {};
  const std::size_t xml_bytes = xml.size();
  reset_peak_rss();
  const long before = peak_rss_kib();
  const auto start = std::chrono::steady_clock::now();
  auto report = view ? dmarc::parse::parse_aggregate_report(xml, limits)
                     : dmarc::parse::parse_aggregate_report(std::move(xml), limits);
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  const long peak = peak_rss_kib();
  if (!report) {
    fmt::print(stderr, "{}: {}\n", path, report.error().message);
    return 1;
  }
  const double xml_mib = static_cast<double>(xml_bytes) / (1 << 20);
  fmt::print("{} overload: {} records, {:.0f} MiB XML, {:.2f} s; RSS {} MiB before the parse, "
             "peak {} MiB ({:.2f}x the XML)\n",
             view ? "string_view" : "std::string&&", report->records.size(), xml_mib,
             took.count(), before / 1024, peak / 1024, static_cast<double>(peak) / 1024 / xml_mib);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 3 && std::string_view(argv[1]) == "--huge") {
    return parse_huge(argv[2], argc >= 4 && std::string_view(argv[3]) == "--view");
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
