// dmarcdb report: the weekly failure summary.
#include <chrono>
#include <fstream>
#include <ostream>

#include "app/cli.hpp"
#include "app/options.hpp"
#include "app/report_mail.hpp"
#include "app/report_names.hpp"
#include "report/render.hpp"
#include "store/store.hpp"

namespace dmarc::app {
namespace {

report::Period choose_period(const po::variables_map& vm, const std::string& week) {
  constexpr std::int64_t k_day = 86400;
  std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  if (vm.count("since") || vm.count("until")) {
    if (!vm.count("since") || !vm.count("until")) {
      throw UsageError{"--since and --until go together"};
    }
    auto since = report::parse_date(vm["since"].as<std::string>());
    auto until = report::parse_date(vm["until"].as<std::string>());
    if (!since || !until || *until < *since) {
      throw UsageError{"--since/--until take dates YYYY-MM-DD, since not after until"};
    }
    return report::date_range(*since, *until);
  }
  if (vm.count("days")) {
    int days = vm["days"].as<int>();
    if (days < 1 || days > 3660) throw UsageError{"--days takes 1 to 3660"};
    std::int64_t today = now / k_day * k_day;
    return report::date_range(today - days * k_day, today - k_day);
  }
  if (week == "last") return report::last_week(now);
  auto p = report::parse_iso_week(week);
  if (!p) throw UsageError{"--week takes \"last\" or an ISO week such as 2026-W47"};
  return *p;
}

}  // namespace

int cmd_report(const std::vector<std::string>& args, Streams streams) {
  std::string db_path, week, format, output;
  report::SummaryOptions options;
  MailSettings mail;
  NameSettings name_settings;
  po::options_description desc(
      "usage: dmarcdb report [OPTIONS]\n\n"
      "The failure summary of a period: per policy domain, the sources whose mail\n"
      "failed SPF alignment and was rejected or quarantined, why, and what to\n"
      "change; the sources at risk when the policy tightens; and the trend against\n"
      "the period before. Periods are UTC; a report belongs to the period that\n"
      "holds the midpoint of its date range.\n\nOptions");
  add_common_options(desc, db_path);
  desc.add_options()
      ("week", po::value(&week)->default_value("last"),
       "ISO week: \"last\" (the week before this one) or e.g. 2026-W47")
      ("since", po::value<std::string>(), "first day YYYY-MM-DD (with --until)")
      ("until", po::value<std::string>(), "last day YYYY-MM-DD, inclusive")
      ("days", po::value<int>(), "the N days before today")
      ("domain", po::value(&options.domains), "policy domain to report (repeatable; default all)")
      ("format", po::value(&format)->default_value("text"), "text, markdown, html, csv or json")
      ("output,o", po::value(&output), "write to FILE instead of standard output")
      ("top", po::value(&options.top)->default_value(options.top),
       "at most N sources per list");
  add_mail_options(desc, mail);
  add_name_options(desc, name_settings);
  po::variables_map vm = parse_options(args, desc);
  if (vm.count("help")) {
    streams.out << desc << "\n";
    return 0;
  }
  if (format != "text" && format != "json" && format != "csv" && format != "markdown" &&
      format != "html") {
    throw UsageError{"--format takes text, markdown, html, csv or json"};
  }
  const bool mailing = check_mail_options(vm, mail);
  report::Period period = choose_period(vm, week);
  report::Period before = report::previous(period);
  store::Store store(db_path);
  // Records that only add to totals come merged (report::needs_detail).
  const std::vector<store::PeriodRecord> current =
      store.period_records(period.since, period.until, report::needs_detail);
  const report::SourceNames names = report_names(store, current, options, name_settings, streams.err);
  report::Summary summary = report::build_summary(
      current, store.period_records(before.since, before.until, report::needs_detail_before),
      period, before, options, names);
  report_spf_advice(summary, name_settings);
  if (mailing) mail_summary(mail, summary);
  if (mailing && output.empty()) return 0;  // silent on success, for cron
  std::ofstream file;
  if (!output.empty()) {
    file.open(output, std::ios::binary | std::ios::trunc);
    if (!file) throw Fatal("cannot write " + output);
  }
  std::ostream& out = output.empty() ? streams.out : file;
  if (format == "json") {
    report::render_json(out, summary);
  } else if (format == "csv") {
    report::render_csv(out, summary);
  } else if (format == "html") {
    report::render_html(out, summary);
  } else if (format == "markdown") {
    report::render_markdown(out, summary);
  } else {
    report::render_text(out, summary);
  }
  if (!output.empty() && !file.flush()) throw Fatal("cannot write " + output);
  return 0;
}

}  // namespace dmarc::app
