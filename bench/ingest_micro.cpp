// ingest_micro: Google Benchmark timings of the inner stages of ingestion on
// one generated report (bench/dataset.hpp, 100 records unless the argument
// says otherwise): unpack (gzip), parse (XML to AggregateReport), store (raw
// bytes, then the report, into an in-memory database). Items are records.
// See docs/performance.md ("Ingest").
#include <benchmark/benchmark.h>
#include <fmt/core.h>
#include <zlib.h>

#include <cstdint>
#include <stdexcept>
#include <string>

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
BENCHMARK(BM_store)->Arg(100)->Arg(10000);

}  // namespace

BENCHMARK_MAIN();
