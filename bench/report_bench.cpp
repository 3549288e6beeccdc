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

double time_call(const std::function<void()>& call) {
  const auto start = Clock::now();
  call();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

long peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

struct Samples {
  std::vector<double> values;
  double median() const {
    std::vector<double> v = values;
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
  }
  double min() const {
    return values.empty() ? 0 : *std::min_element(values.begin(), values.end());
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
    samples["open"].values.push_back(
        time_call([&] { store = std::make_unique<dmarc::store::Store>(db); }));
    samples["period_records (week)"].values.push_back(time_call([&] {
      current = store->period_records(
          period->since, period->until,
          all_records ? dmarc::store::DetailFilter{} : dmarc::report::needs_detail);
    }));
    samples["period_records (week before)"].values.push_back(time_call([&] {
      previous = store->period_records(
          before.since, before.until,
          all_records ? dmarc::store::DetailFilter{} : dmarc::report::needs_detail_before);
    }));
    dmarc::report::Summary summary;
    samples["build_summary"].values.push_back(time_call(
        [&] { summary = dmarc::report::build_summary(current, previous, *period, before, {}); }));
    for (const auto& [name, render] : renderers) {
      std::ostringstream out;
      samples[fmt::format("render {}", name)].values.push_back(
          time_call([&] { render(out, summary); }));
      output_bytes = std::max(output_bytes, out.str().size());
    }
    current_rows = current.size();
    before_rows = previous.size();
    domains = summary.domains.size();
  }
  fmt::print("week {}: {} rows, week before: {} rows, {} domains, largest output {} bytes\n",
             period->label, current_rows, before_rows, domains, output_bytes);
  fmt::print("{:<30} {:>10} {:>10}\n", "phase", "median s", "min s");
  for (const char* phase :
       {"open", "period_records (week)", "period_records (week before)", "build_summary"}) {
    fmt::print("{:<30} {:>10.3f} {:>10.3f}\n", phase, samples[phase].median(),
               samples[phase].min());
  }
  for (const auto& [name, render] : renderers) {
    const Samples& s = samples[fmt::format("render {}", name)];
    fmt::print("{:<30} {:>10.3f} {:>10.3f}\n", fmt::format("render {}", name), s.median(), s.min());
  }
  fmt::print("peak RSS: {} MiB\n", peak_rss_kib() / 1024);
  return 0;
} catch (const std::exception& error) {
  fmt::print(stderr, "report_bench: {}\n", error.what());
  return 1;
}
