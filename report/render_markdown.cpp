#include <fmt/format.h>

#include <algorithm>

#include "report/overview.hpp"
#include "report/render.hpp"
#include "report/terminal.hpp"

namespace dmarc::report {
namespace {

template <class Set>
std::string joined(const Set& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + markdown_text(item);
  return out.empty() ? "-" : out;
}

// " (name)" or " (name, unconfirmed)" after a source IP; "" without a name.
std::string name_note(const SourceSummary& s) {
  if (s.ptr_name.empty()) return "";
  return " (" + markdown_text(s.ptr_name) + (s.name_confirmed ? "" : ", unconfirmed") + ")";
}

void organisations(std::ostream& out, const DomainSummary& d) {
  if (std::none_of(d.organisations.begin(), d.organisations.end(),
                   [](const OrganisationSummary& o) { return o.by_name; })) {
    return;
  }
  out << "\n### By sending organisation\n\nForward-confirmed reverse DNS, reduced to the "
         "organisational domain; sources without a confirmed name stand alone.\n\n"
         "| organisation | sources | messages | rejected | quarantined | share |\n"
         "| --- | --- | ---: | ---: | ---: | ---: |\n";
  for (const OrganisationSummary& o : d.organisations) {
    out << fmt::format("| {}{} | {} | {} | {} | {} | {} |\n", markdown_text(o.organisation),
                       o.by_name ? "" : " (no confirmed name)", joined(o.source_ips), o.messages,
                       o.rejected, o.quarantined, percent(o.messages, d.messages));
  }
}

}  // namespace

std::string markdown_text(std::string_view text) {
  std::string out;
  for (char c : sanitize_for_terminal(text)) {
    // Characters with a meaning in Markdown or inline HTML are escaped.
    if (std::string_view("\\`*_{}[]()<>#+-!|~&").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

void render_markdown(std::ostream& out, const Summary& summary) {
  out << fmt::format("# DMARC failure summary, {}\n\n{} to {} (UTC)\n", summary.period.label,
                     utc_date(summary.period.since), utc_date(summary.period.until - 1));
  if (summary.domains.empty()) out << "\nNo reports in this period.\n";
  for (const DomainSummary& d : summary.domains) {
    out << fmt::format(
        "\n## {} (p={})\n\n| messages | DMARC pass | SPF aligned | rejected | quarantined |\n"
        "| ---: | ---: | ---: | ---: | ---: |\n| {} | {} | {} | {} | {} |\n",
        markdown_text(d.domain), markdown_text(d.policy.empty() ? "?" : d.policy), d.messages,
        percent(d.dmarc_pass, d.messages), percent(d.spf_aligned, d.messages), d.rejected,
        d.quarantined);
    out << "\n### Rejected or quarantined, failing SPF alignment"
        << top_note(d.flagged.size(), d.flagged_total) << "\n\n";
    if (d.flagged.empty()) {
      out << "None.\n";
    } else {
      out << "| source | messages | rejected | quarantined | share | reporters | envelope from "
             "| diagnosis | what to change |\n| --- | ---: | ---: | ---: | ---: | --- | --- | "
             "--- | --- |\n";
    }
    for (const SourceSummary& s : d.flagged) {
      bool is_new = d.trend.is_new(s.source_ip);
      out << fmt::format("| {}{}{} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                         markdown_text(s.source_ip), is_new ? " **new**" : "", name_note(s),
                         s.messages, s.rejected, s.quarantined, percent(s.messages, d.messages),
                         joined(s.reporters), joined(s.envelope_from), to_string(s.diagnosis),
                         markdown_text(s.advice));
    }
    organisations(out, d);
    if (!d.at_risk.empty()) {
      out << "\n### At risk when the policy tightens\n\n| source | messages | delivered because "
             "| diagnosis |\n| --- | ---: | --- | --- |\n";
      for (const SourceSummary& s : d.at_risk) {
        out << fmt::format("| {}{} | {} | {} | {} |\n", markdown_text(s.source_ip), name_note(s),
                           s.messages, markdown_text(s.why_delivered), to_string(s.diagnosis));
      }
    }
    out << fmt::format("\n### Trend against {}\n\n- new: {}\n- grown: {}\n- stopped: {}\n",
                       markdown_text(summary.previous.label), joined(d.trend.new_sources),
                       joined(d.trend.grown_sources), joined(d.trend.stopped_sources));
  }
}

}  // namespace dmarc::report
