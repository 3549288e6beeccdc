#include "report/overview.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "report/terminal.hpp"

namespace dmarc::report {
namespace {

// Pads (or cuts, with "…") sanitised text to exactly width columns.
std::string cell(std::string_view raw, std::size_t width) {
  std::string text = sanitize_for_terminal(raw);
  std::size_t w = display_width(text);
  if (w > width) {
    std::string cut;
    std::size_t cols = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(text[i]);
      if ((c & 0xC0) != 0x80) {
        if (cols + 1 == width) break;
        ++cols;
      }
      cut += text[i];
    }
    return cut + "\xE2\x80\xA6";
  }
  return text + std::string(width - w, ' ');
}

}  // namespace

std::string utc_date(std::int64_t unix_seconds) {
  using namespace std::chrono;
  year_month_day ymd{floor<days>(sys_seconds{seconds{unix_seconds}})};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
}

void print_report_list(std::ostream& out, const std::vector<store::ReportListRow>& rows) {
  if (rows.empty()) {
    out << "No reports stored.\n";
    return;
  }
  out << fmt::format("{:<10}  {:<22}  {:<22}  {:>7}  {:>8}  {:>8}  {:>6}  {:>10}\n", "begin",
                     "reporter", "policy domain", "records", "messages", "spf fail", "reject",
                     "quarantine");
  std::int64_t records = 0, messages = 0, spf_fail = 0, reject = 0, quarantine = 0;
  for (const store::ReportListRow& r : rows) {
    out << fmt::format("{:<10}  {}  {}  {:>7}  {:>8}  {:>8}  {:>6}  {:>10}\n",
                       utc_date(r.date_begin), cell(r.org_name.value_or("-"), 22),
                       cell(r.policy_domain.value_or("-"), 22), r.records, r.messages,
                       r.spf_fail_records, r.reject_records, r.quarantine_records);
    records += r.records;
    messages += r.messages;
    spf_fail += r.spf_fail_records;
    reject += r.reject_records;
    quarantine += r.quarantine_records;
  }
  out << fmt::format("{} reports  {:>38}  {:>7}  {:>8}  {:>8}  {:>6}  {:>10}\n", rows.size(), "",
                     records, messages, spf_fail, reject, quarantine);
}

void print_failures(std::ostream& out, const std::vector<store::FailureRow>& failures,
                    const std::vector<store::OtherRow>& others) {
  out << fmt::format("{} failures\n", failures.size());
  for (const store::FailureRow& f : failures) {
    out << fmt::format("  {} {}{}{}\n    {}: {}\n", utc_date(f.first_seen),
                       sanitize_for_terminal(f.origin), f.part.empty() ? "" : " #",
                       sanitize_for_terminal(f.part), f.code, sanitize_for_terminal(f.message));
  }
  out << fmt::format("{} inputs that are not aggregate reports\n", others.size());
  for (const store::OtherRow& o : others) {
    out << fmt::format("  {}{}{}\n    {}: {}\n", sanitize_for_terminal(o.origin),
                       o.part.empty() ? "" : " #", sanitize_for_terminal(o.part), o.kind,
                       sanitize_for_terminal(o.detail));
  }
}

}  // namespace dmarc::report
