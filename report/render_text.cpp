#include <fmt/format.h>

#include <algorithm>

#include "report/overview.hpp"
#include "report/render.hpp"
#include "report/terminal.hpp"

namespace dmarc::report {
namespace {

std::string safe(std::string_view s) { return sanitize_for_terminal(s); }

std::string joined(const std::set<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + safe(s);
  return out.empty() ? "-" : out;
}

// " (name)" or " (name, unconfirmed)" after a source IP; "" without a name.
std::string name_note(const SourceSummary& s) {
  if (s.ptr_name.empty()) return "";
  return " (" + safe(s.ptr_name) + (s.name_confirmed ? "" : ", unconfirmed") + ")";
}

bool any_by_name(const DomainSummary& d) {
  return std::any_of(d.organisations.begin(), d.organisations.end(),
                     [](const OrganisationSummary& o) { return o.by_name; });
}

void organisations(std::ostream& out, const DomainSummary& d) {
  if (!any_by_name(d)) return;
  out << "\nBy sending organisation (forward-confirmed reverse DNS):\n";
  for (const OrganisationSummary& o : d.organisations) {
    std::string ips;
    for (const std::string& ip : o.source_ips) ips += (ips.empty() ? "" : ", ") + safe(ip);
    out << fmt::format(
        "  {}{}  {} messages ({} rejected, {} quarantined, {} of the domain)"
        " from {}\n",
        safe(o.organisation), o.by_name ? "" : " (no confirmed name)", o.messages, o.rejected,
        o.quarantined, percent(o.messages, d.messages), ips);
  }
}

}  // namespace

std::string percent(std::int64_t part, std::int64_t whole) {
  return whole > 0 ? fmt::format("{:.1f}%", 100.0 * static_cast<double>(part) / whole) : "-";
}

std::string top_note(std::size_t shown, std::size_t total) {
  return shown < total ? fmt::format(" (the {} most affected of {})", shown, total) : "";
}

void render_text(std::ostream& out, const Summary& summary) {
  out << fmt::format("DMARC failure summary for {} ({} to {}, UTC)\n", summary.period.label,
                     utc_date(summary.period.since), utc_date(summary.period.until - 1));
  if (summary.domains.empty()) {
    out << "\nNo reports in this period.\n";
    return;
  }
  for (const DomainSummary& d : summary.domains) {
    out << fmt::format(
        "\n== {} (p={})\n{} messages, DMARC pass {}, SPF aligned {}, rejected {}, "
        "quarantined {}\n",
        safe(d.domain), safe(d.policy.empty() ? "?" : d.policy), d.messages,
        percent(d.dmarc_pass, d.messages), percent(d.spf_aligned, d.messages), d.rejected,
        d.quarantined);
    out << "reporters:";
    for (const auto& [org, n] : d.reporters) out << fmt::format(" {} {};", safe(org), n);
    out << "\n";
    if (d.flagged.empty()) {
      out << "\nNo source failed SPF alignment and got rejected or quarantined.\n";
    } else {
      out << "\nRejected or quarantined, failing SPF alignment" << top_note(d.flagged.size(), d.flagged_total)
          << ":\n";
    }
    for (const SourceSummary& s : d.flagged) {
      bool is_new = d.trend.is_new(s.source_ip);
      out << fmt::format(
          "  {}{}  {} messages ({} rejected, {} quarantined, {} of the domain)\n"
          "    seen {} to {} by {}\n    From: {}  envelope: {}\n"
          "    SPF: {}  DKIM {}\n    diagnosis: {}: {}\n",
          safe(s.source_ip), is_new ? "  NEW" : "", s.messages, s.rejected, s.quarantined,
          percent(s.messages, d.messages), utc_date(s.first_seen), utc_date(s.last_seen),
          joined(s.reporters), joined(s.header_from), joined(s.envelope_from),
          [&] {
            std::set<std::string> keys;
            for (const auto& [k, n] : s.spf_results) keys.insert(k);
            return joined(keys);
          }(),
          s.dkim_aligned ? "passes aligned for some mail" : "fails too", to_string(s.diagnosis),
          safe(s.advice));
      if (!s.ptr_name.empty()) {
        out << fmt::format("    reverse DNS: {}{}\n", safe(s.ptr_name),
                           s.name_confirmed ? " (forward-confirmed)" : " (unconfirmed)");
      }
    }
    organisations(out, d);
    if (!d.at_risk.empty()) {
      out << "\nAt risk when the policy tightens (failing SPF and DKIM, delivered):\n";
      for (const SourceSummary& s : d.at_risk) {
        out << fmt::format("  {}{}  {} messages, delivered because {}; {}\n", safe(s.source_ip),
                           name_note(s), s.messages, safe(s.why_delivered), to_string(s.diagnosis));
      }
    }
    out << fmt::format("\nTrend against {}: {} new, {} grown, {} stopped failing\n",
                       summary.previous.label, d.trend.new_sources.size(),
                       d.trend.grown_sources.size(), d.trend.stopped_sources.size());
    for (const std::string& ip : d.trend.stopped_sources) {
      out << fmt::format("  stopped: {}\n", safe(ip));
    }
  }
}

}  // namespace dmarc::report
