// One self-contained HTML page: no external assets, readable on a phone,
// inline SVG charts. Every report-derived string goes through html_escape.
#include <fmt/format.h>

#include <algorithm>

#include "report/overview.hpp"
#include "report/render.hpp"
#include "report/terminal.hpp"

namespace dmarc::report {
namespace {

constexpr const char* k_style = R"css(
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;padding:1rem;
max-width:60rem;color:#1d1d1f;line-height:1.4}
h1{font-size:1.4rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
.table{overflow-x:auto}table{border-collapse:collapse;width:100%;min-width:64rem;font-size:.9rem}td{min-width:6rem}td.wide{min-width:16rem}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #eee;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}.new{color:#b00020;font-weight:600}
.totals{display:flex;flex-wrap:wrap;gap:.5rem}.totals div{background:#f4f4f6;padding:.4rem .7rem;
border-radius:.4rem}svg{max-width:100%;height:auto}.legend span{margin-right:1rem}
.sw{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:middle}
)css";

struct Series {
  const char* name;
  const char* colour;
};
constexpr Series k_series[] = {{"DMARC pass", "#2e7d32"},
                               {"fail, delivered", "#f9a825"},
                               {"quarantined", "#ef6c00"},
                               {"rejected", "#c62828"}};

template <class Set>
std::string joined(const Set& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + html_escape(item);
  return out.empty() ? "-" : out;
}

// Stacked bars of messages per day, by DMARC result.
void daily_chart(std::ostream& out, const DomainSummary& d) {
  if (d.daily.empty()) return;
  std::int64_t max = 1;
  for (const auto& [day, v] : d.daily) {
    max = std::max(max, v.pass + v.fail + v.quarantined + v.rejected);
  }
  const int bar = 36, gap = 12, height = 160, top = 10, width = static_cast<int>(d.daily.size()) * (bar + gap) + gap;
  out << fmt::format(
      "<figure><svg role=\"img\" aria-label=\"Daily messages by DMARC result\" viewBox=\"0 0 {} {}\" "
      "width=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">",
      width, height + 40, width);
  int x = gap;
  for (const auto& [day, v] : d.daily) {
    const std::int64_t parts[] = {v.pass, v.fail, v.quarantined, v.rejected};
    double y = top + height;
    for (int i = 0; i < 4; ++i) {
      double h = static_cast<double>(parts[i]) / static_cast<double>(max) * height;
      if (h <= 0) continue;
      y -= h;
      out << fmt::format(
          "<rect x=\"{}\" y=\"{:.1f}\" width=\"{}\" height=\"{:.1f}\" fill=\"{}\"><title>{} {}: "
          "{}</title></rect>",
          x, y, bar, h, k_series[i].colour, utc_date(day), k_series[i].name, parts[i]);
    }
    out << fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\">{}</text>",
                       x + bar / 2, top + height + 14, utc_date(day).substr(5));
    x += bar + gap;
  }
  out << "</svg><figcaption class=\"legend\">";
  for (const Series& s : k_series) {
    out << fmt::format("<span><i class=\"sw\" style=\"background:{}\"></i>{}</span>", s.colour,
                       s.name);
  }
  out << "</figcaption></figure>\n";
}

// Horizontal bars of the flagged sources' rejected and quarantined messages.
void sources_chart(std::ostream& out, const DomainSummary& d) {
  if (d.flagged.empty()) return;
  std::int64_t max = 1;
  for (const SourceSummary& s : d.flagged) max = std::max(max, s.rejected + s.quarantined);
  const int row = 22, label = 150, span = 400;
  const int height = static_cast<int>(d.flagged.size()) * row + 6;
  out << fmt::format(
      "<figure><svg role=\"img\" aria-label=\"Top failing sources\" viewBox=\"0 0 {} {}\" "
      "width=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">",
      label + span + 60, height, label + span + 60);
  int y = 4;
  for (const SourceSummary& s : d.flagged) {
    double wr = static_cast<double>(s.rejected) / static_cast<double>(max) * span;
    double wq = static_cast<double>(s.quarantined) / static_cast<double>(max) * span;
    out << fmt::format(
        "<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"end\">{}</text>"
        "<rect x=\"{}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" fill=\"#c62828\"/>"
        "<rect x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" fill=\"#ef6c00\"/>"
        "<text x=\"{:.1f}\" y=\"{}\" font-size=\"11\">{}</text>",
        label - 6, y + 13, html_escape(s.source_ip), label, y, wr, row - 6, label + wr, y, wq,
        row - 6, label + wr + wq + 4, y + 13, s.rejected + s.quarantined);
    y += row;
  }
  out << "</svg></figure>\n";
}

// The reverse DNS name of a source on a line of its own; "" when unknown.
std::string name_line(const SourceSummary& s) {
  if (s.ptr_name.empty()) return "";
  return fmt::format("<br><small class=\"ptr\">{}{}</small>", html_escape(s.ptr_name),
                     s.name_confirmed ? "" : " (unconfirmed)");
}

// Flagged sources by sending organisation, when reverse DNS named any.
void organisations(std::ostream& out, const DomainSummary& d) {
  if (std::none_of(d.organisations.begin(), d.organisations.end(),
                   [](const OrganisationSummary& o) { return o.by_name; })) {
    return;
  }
  out << "<h3>By sending organisation</h3><p>Forward-confirmed reverse DNS, reduced to the "
         "organisational domain; sources without a confirmed name stand alone.</p>"
         "<div class=\"table\"><table id=\"organisations\"><thead><tr><th>organisation</th>"
         "<th>sources</th><th>messages</th><th>rejected</th><th>quarantined</th><th>share</th>"
         "</tr></thead><tbody>\n";
  for (const OrganisationSummary& o : d.organisations) {
    out << fmt::format(
        "<tr><td>{}{}</td><td class=\"wide\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}"
        "</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
        html_escape(o.organisation), o.by_name ? "" : " <small>(no confirmed name)</small>",
        joined(o.source_ips), o.messages, o.rejected, o.quarantined,
        percent(o.messages, d.messages));
  }
  out << "</tbody></table></div>\n";
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  for (char c : sanitize_for_terminal(text)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

void render_html(std::ostream& out, const Summary& summary) {
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
         "style-src 'unsafe-inline'\">"
      << fmt::format("<title>DMARC failure summary {}</title><style>{}</style></head><body>\n",
                     html_escape(summary.period.label), k_style)
      << fmt::format("<h1>DMARC failure summary, {}</h1><p>{} to {} (UTC)</p>\n",
                     html_escape(summary.period.label), utc_date(summary.period.since),
                     utc_date(summary.period.until - 1));
  if (summary.domains.empty()) out << "<p>No reports in this period.</p>\n";
  for (const DomainSummary& d : summary.domains) {
    out << fmt::format(
        "<section><h2>{} <small>(p={})</small></h2><div class=\"totals\"><div>{} messages</div>"
        "<div>DMARC pass {}</div><div>SPF aligned {}</div><div>rejected {}</div>"
        "<div>quarantined {}</div></div>\n",
        html_escape(d.domain), html_escape(d.policy.empty() ? "?" : d.policy), d.messages,
        percent(d.dmarc_pass, d.messages), percent(d.spf_aligned, d.messages), d.rejected,
        d.quarantined);
    daily_chart(out, d);
    out << "<h3>Rejected or quarantined, failing SPF alignment</h3>\n";
    if (d.flagged.empty()) {
      out << "<p>None.</p>\n";
    } else {
      sources_chart(out, d);
      out << "<div class=\"table\"><table id=\"flagged\"><thead><tr><th>source</th><th>messages</th>"
             "<th>rejected</th><th>quarantined</th><th>reporters</th><th>envelope from</th>"
             "<th>SPF</th><th>diagnosis</th><th>what to change</th></tr></thead><tbody>\n";
      for (const SourceSummary& s : d.flagged) {
        bool is_new = d.trend.is_new(s.source_ip);
        std::set<std::string> spf;
        for (const auto& [k, n] : s.spf_results) spf.insert(k);
        out << fmt::format(
            "<tr><td>{}{}{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}"
            "</td><td class=\"wide\">{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"wide\">{}</td></tr>\n",
            html_escape(s.source_ip), is_new ? " <span class=\"new\">new</span>" : "", name_line(s),
            s.messages, s.rejected, s.quarantined, joined(s.reporters), joined(s.envelope_from),
            joined(spf), to_string(s.diagnosis), html_escape(s.advice));
      }
      out << "</tbody></table></div>\n";
      organisations(out, d);
    }
    if (!d.at_risk.empty()) {
      out << "<h3>At risk when the policy tightens</h3><div class=\"table\"><table><thead><tr>"
             "<th>source</th><th>messages</th><th>delivered because</th><th>diagnosis</th></tr>"
             "</thead><tbody>\n";
      for (const SourceSummary& s : d.at_risk) {
        out << fmt::format("<tr><td>{}{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>\n",
                           html_escape(s.source_ip), name_line(s), s.messages, html_escape(s.why_delivered),
                           to_string(s.diagnosis));
      }
      out << "</tbody></table></div>\n";
    }
    out << fmt::format(
        "<h3>Trend against {}</h3><ul><li>new: {}</li><li>grown: {}</li><li>stopped: {}</li>"
        "</ul></section>\n",
        html_escape(summary.previous.label), joined(d.trend.new_sources),
        joined(d.trend.grown_sources), joined(d.trend.stopped_sources));
  }
  out << "</body></html>\n";
}

}  // namespace dmarc::report
