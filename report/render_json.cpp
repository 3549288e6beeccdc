#include <fmt/format.h>

#include "report/overview.hpp"
#include "report/render.hpp"

namespace dmarc::report {
namespace {

template <class Range>
std::string json_array(const Range& items) {
  std::string out = "[";
  for (const auto& item : items) {
    if (out.size() > 1) out += ", ";
    out += json_string(item);
  }
  return out + "]";
}

std::string json_counts(const std::map<std::string, std::int64_t>& counts) {
  std::string out = "{";
  for (const auto& [key, n] : counts) {
    if (out.size() > 1) out += ", ";
    out += fmt::format("{}: {}", json_string(key), n);
  }
  return out + "}";
}

std::string json_string_or_null(const std::string& text) {
  return text.empty() ? "null" : json_string(text);
}

std::string json_period(const Period& p) {
  return fmt::format(R"({{"label": {}, "since": {}, "until": {}, "first_day": "{}", "last_day": "{}"}})",
                     json_string(p.label), p.since, p.until, utc_date(p.since),
                     utc_date(p.until - 1));
}

void source(std::ostream& out, const SourceSummary& s, bool at_risk) {
  out << fmt::format(
      "        {{\"source_ip\": {}, \"messages\": {}, \"rejected\": {}, \"quarantined\": {}, "
      "\"share\": {:.4f}, \"reporters\": {}, \"first_seen\": {}, \"last_seen\": {}, "
      "\"header_from\": {}, \"envelope_from\": {}, \"spf_results\": {}, \"dkim_results\": {}, "
      "\"override_reasons\": {}, \"dkim_aligned\": {}, \"diagnosis\": \"{}\", \"advice\": {}",
      json_string(s.source_ip), s.messages, s.rejected, s.quarantined, s.share,
      json_array(s.reporters), s.first_seen, s.last_seen, json_array(s.header_from),
      json_array(s.envelope_from), json_counts(s.spf_results), json_counts(s.dkim_results),
      json_array(s.override_reasons), s.dkim_aligned ? "true" : "false", to_string(s.diagnosis),
      json_string(s.advice));
  if (at_risk) out << ", \"why_delivered\": " << json_string(s.why_delivered);
  out << ", \"ptr_name\": " << json_string_or_null(s.ptr_name)
      << ", \"org_domain\": " << json_string_or_null(s.org_domain)
      << ", \"name_confirmed\": " << (s.name_confirmed ? "true" : "false") << "}";
}

void organisations(std::ostream& out, const std::vector<OrganisationSummary>& list) {
  out << "      \"organisations\": [";
  for (std::size_t i = 0; i < list.size(); ++i) {
    const OrganisationSummary& o = list[i];
    out << (i ? ",\n" : "\n")
        << fmt::format(
               "        {{\"organisation\": {}, \"by_name\": {}, \"source_ips\": {}, "
               "\"messages\": {}, \"rejected\": {}, \"quarantined\": {}, \"share\": {:.4f}}}",
               json_string(o.organisation), o.by_name ? "true" : "false",
               json_array(o.source_ips), o.messages, o.rejected, o.quarantined, o.share);
  }
  out << (list.empty() ? "]" : "\n      ]");
}

template <class List>
void sources(std::ostream& out, const char* key, const List& list, bool at_risk) {
  out << "      \"" << key << "\": [";
  for (std::size_t i = 0; i < list.size(); ++i) {
    out << (i ? ",\n" : "\n");
    source(out, list[i], at_risk);
  }
  out << (list.empty() ? "]" : "\n      ]");
}

}  // namespace

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20 || u == 0x7f) {
          out += fmt::format("\\u{:04x}", u);
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

void render_json(std::ostream& out, const Summary& summary) {
  out << "{\n  \"period\": " << json_period(summary.period)
      << ",\n  \"previous_period\": " << json_period(summary.previous) << ",\n  \"domains\": [";
  for (std::size_t i = 0; i < summary.domains.size(); ++i) {
    const DomainSummary& d = summary.domains[i];
    out << (i ? ",\n" : "\n");
    out << fmt::format(
        "    {{\n      \"domain\": {}, \"policy\": {}, \"messages\": {}, \"dmarc_pass\": {}, "
        "\"spf_aligned\": {}, \"rejected\": {}, \"quarantined\": {},\n      \"reporters\": {},\n"
        "      \"flagged_total\": {}, \"flagged_rejected_total\": {}, \"at_risk_total\": {},\n",
        json_string(d.domain), json_string(d.policy), d.messages, d.dmarc_pass, d.spf_aligned,
        d.rejected, d.quarantined, json_counts(d.reporters), d.flagged_total,
        d.flagged_rejected_total, d.at_risk_total);
    sources(out, "flagged", d.flagged, false);
    out << ",\n";
    sources(out, "at_risk", d.at_risk, true);
    out << ",\n";
    organisations(out, d.organisations);
    out << fmt::format(
        ",\n      \"trend\": {{\"new\": {}, \"grown\": {}, \"stopped\": {}, "
        "\"previous_messages\": {}}}\n    }}",
        json_array(d.trend.new_sources), json_array(d.trend.grown_sources),
        json_array(d.trend.stopped_sources), json_counts(d.trend.previous_messages));
  }
  out << (summary.domains.empty() ? "]\n}\n" : "\n  ]\n}\n");
}

}  // namespace dmarc::report
