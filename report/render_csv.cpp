#include <fmt/format.h>

#include "report/overview.hpp"
#include "report/render.hpp"

namespace dmarc::report {
namespace {

template <class Set>
std::string joined(const Set& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : "; ") + std::string(item);
  return out;
}

std::string keys(const std::map<std::string, std::int64_t>& counts) {
  std::string out;
  for (const auto& [k, n] : counts) out += (out.empty() ? "" : "; ") + k;
  return out;
}

}  // namespace

std::string csv_cell(std::string_view text) {
  std::string value(text);
  // A cell starting with = + - @ (or tab / CR) is a formula to spreadsheets:
  // a leading apostrophe keeps it text (OWASP CSV injection advice).
  if (!value.empty() && std::string_view("=+-@\t\r").find(value.front()) != std::string_view::npos) {
    value.insert(value.begin(), '\'');
  }
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

void render_csv(std::ostream& out, const Summary& summary) {
  out << "period,list,policy_domain,source_ip,messages,rejected,quarantined,share,reporters,"
         "first_seen,last_seen,header_from,envelope_from,spf_results,dkim_results,"
         "override_reasons,dkim_aligned,diagnosis,new,advice,why_delivered,ptr_name,org_domain,"
         "name_confirmed\r\n";
  for (const DomainSummary& d : summary.domains) {
    auto row = [&](const char* list, const SourceSummary& s) {
      bool is_new = d.trend.is_new(s.source_ip);
      out << fmt::format("{},{},{},{},{},{},{},{:.4f},{},{},{},{},{},{},{},{},{},{},{},{},{},"
                         "{},{},{}\r\n",
                         csv_cell(summary.period.label), list, csv_cell(d.domain),
                         csv_cell(s.source_ip), s.messages, s.rejected, s.quarantined, s.share,
                         csv_cell(joined(s.reporters)), utc_date(s.first_seen),
                         utc_date(s.last_seen), csv_cell(joined(s.header_from)),
                         csv_cell(joined(s.envelope_from)), csv_cell(keys(s.spf_results)),
                         csv_cell(keys(s.dkim_results)), csv_cell(joined(s.override_reasons)),
                         s.dkim_aligned ? "yes" : "no", to_string(s.diagnosis),
                         is_new ? "yes" : "no", csv_cell(s.advice), csv_cell(s.why_delivered),
                         csv_cell(s.ptr_name), csv_cell(s.org_domain),
                         s.ptr_name.empty() ? "" : (s.name_confirmed ? "yes" : "no"));
    };
    for (const SourceSummary& s : d.flagged) row("flagged", s);
    for (const SourceSummary& s : d.at_risk) row("at_risk", s);
  }
}

}  // namespace dmarc::report
