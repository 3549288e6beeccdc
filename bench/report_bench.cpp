// report_bench: times the weekly report on a database, phase by phase, in
// process: reading the period's records (Store::period_records for the week
// and the week before), building the summary, and rendering each format.
// Prints median and minimum over the runs and the process's peak RSS. Like
// `dmarcdb report` it lets the store merge the records the summary does not
// need one by one; --all-records reads every record in full instead.
// bench/run.sh times the whole `dmarcdb report` command instead.
#include <fmt/core.h>
#include <sys/resource.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <chrono>
#include <exception>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "report/period.hpp"
#include "report/render.hpp"
#include "report/summary.hpp"
#include "store/store.hpp"

namespace po = boost::program_options;

namespace {

using Clock = std::chrono::steady_clock;

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

long peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// Wall and CPU (user + system) seconds of each run of a phase. CPU time shows
// the work when other processes share the cores.
struct Samples {
  std::vector<double> wall;
  std::vector<double> cpu;
  void time(const std::function<void()>& call) {
    const double cpu_start = cpu_seconds();
    const auto start = Clock::now();
    call();
    wall.push_back(std::chrono::duration<double>(Clock::now() - start).count());
    cpu.push_back(cpu_seconds() - cpu_start);
  }
};

using Renderer = void (*)(std::ostream&, const dmarc::report::Summary&);

}  // namespace

int main(int argc, char** argv) try {
  std::string db, week;
  int runs = 5;
  bool all_records = false;
  po::options_description desc(
      "usage: report_bench --db FILE [--week 2026-W47] [--runs N]\n\nOptions");
  desc.add_options()("help,h", "show this help")("db", po::value(&db), "database file")(
      "week", po::value(&week)->default_value("2026-W47"), "ISO week to report")(
      "runs", po::value(&runs)->default_value(runs), "runs of each phase")(
      "all-records", po::bool_switch(&all_records), "read every record in full");
  po::variables_map vm;
  po::store(po::parse_command_line(argc, argv, desc), vm);
  po::notify(vm);
  const auto period = dmarc::report::parse_iso_week(week);
  if (vm.count("help") || db.empty() || !period || runs < 1) {
    fmt::print("{}", (std::ostringstream() << desc).str());
    return vm.count("help") ? 0 : 2;
  }
  const dmarc::report::Period before = dmarc::report::previous(*period);
  const std::vector<std::pair<const char*, Renderer>> renderers{
      {"text", dmarc::report::render_text},
      {"markdown", dmarc::report::render_markdown},
      {"html", dmarc::report::render_html},
      {"csv", dmarc::report::render_csv},
      {"json", dmarc::report::render_json}};
  std::map<std::string, Samples> samples;
  std::size_t current_rows = 0, before_rows = 0, domains = 0, output_bytes = 0;
  for (int run = 0; run < runs; ++run) {
    std::vector<dmarc::store::PeriodRecord> current, previous;
    std::unique_ptr<dmarc::store::Store> store;
    samples["open"].time([&] { store = std::make_unique<dmarc::store::Store>(db); });
    samples["period_records (week)"].time([&] {
      current = store->period_records(
          period->since, period->until,
          all_records ? dmarc::store::DetailFilter{} : dmarc::report::needs_detail);
    });
    samples["period_records (week before)"].time([&] {
      previous = store->period_records(
          before.since, before.until,
          all_records ? dmarc::store::DetailFilter{} : dmarc::report::needs_detail_before);
    });
    dmarc::report::Summary summary;
    samples["build_summary"].time(
        [&] { summary = dmarc::report::build_summary(current, previous, *period, before, {}); });
    for (const auto& [name, render] : renderers) {
      std::ostringstream out;
      const Renderer renderer = render;  // clang 14 lambdas cannot capture bindings
      samples[fmt::format("render {}", name)].time([&] { renderer(out, summary); });
      output_bytes = std::max(output_bytes, out.str().size());
    }
    current_rows = current.size();
    before_rows = previous.size();
    domains = summary.domains.size();
  }
  fmt::print("week {}: {} rows, week before: {} rows, {} domains, largest output {} bytes\n",
             period->label, current_rows, before_rows, domains, output_bytes);
  fmt::print("{:<30} {:>10} {:>10} {:>10}\n", "phase", "median s", "min s", "CPU s");
  std::vector<std::string> phases{"open", "period_records (week)", "period_records (week before)",
                                  "build_summary"};
  for (const auto& [name, render] : renderers) phases.push_back(fmt::format("render {}", name));
  std::vector<double> total_wall(static_cast<std::size_t>(runs)), total_cpu(total_wall.size());
  for (const std::string& phase : phases) {
    const Samples& s = samples[phase];
    fmt::print("{:<30} {:>10.3f} {:>10.3f} {:>10.3f}\n", phase, median(s.wall),
               *std::min_element(s.wall.begin(), s.wall.end()), median(s.cpu));
    // The report of one format: everything but the other renderers.
    if (phase.rfind("render", 0) == 0 && phase != "render text") continue;
    for (std::size_t i = 0; i < total_wall.size(); ++i) {
      total_wall[i] += s.wall[i];
      total_cpu[i] += s.cpu[i];
    }
  }
  fmt::print("{:<30} {:>10.3f} {:>10.3f} {:>10.3f}\n", "total (text report)", median(total_wall),
             *std::min_element(total_wall.begin(), total_wall.end()), median(total_cpu));
  fmt::print("peak RSS: {} MiB\n", peak_rss_kib() / 1024);
  return 0;
} catch (const std::exception& error) {
  fmt::print(stderr, "report_bench: {}\n", error.what());
  return 1;
}
