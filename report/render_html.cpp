// One self-contained HTML page: no external assets, readable on a phone,
// inline SVG charts. Every report-derived string goes through html_escape.
// Narrower than 78rem (phones, tablets, small laptops; a 1280 px screen
// shows tables) and on paper the source tables become stacked cards, by CSS
// alone; each card field is labelled with its column heading, both written
// from one column list. Light and dark colour schemes.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <span>

#include "report/overview.hpp"
#include "report/render.hpp"
#include "report/terminal.hpp"

namespace dmarc::report {
namespace {

// CSS hooks: header.page, main, section.domain, .totals, figure.chart (svg,
// figcaption.legend, .sw swatches), div.table > table.cards (.flagged,
// .at-risk), td.n for numbers, td.wide for long text, .new, ul.trend.
constexpr const char* k_style = R"css(
:root{color-scheme:light dark;--fg:#1d1d1f;--bg:#fff;--muted:#5f6368;--line:#e3e3e6;
--chip:#f2f2f5;--card:#fff;--new:#b00020}
@media (prefers-color-scheme:dark){:root{--fg:#e8e8ea;--bg:#16171a;--muted:#a0a3a8;
--line:#34363b;--chip:#24262b;--card:#1d1f23;--new:#ff7a8a}}
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;
padding:1rem;max-width:80rem;color:var(--fg);background:var(--bg);line-height:1.45;
font-size:1rem;overflow-wrap:anywhere}
h1{font-size:1.45rem;line-height:1.25;margin:.5rem 0}
h2{font-size:1.25rem;margin:2.2rem 0 .8rem;padding-bottom:.2rem;border-bottom:1px solid var(--line)}
h3{font-size:1.05rem;margin:1.6rem 0 .6rem}h2 small{font-weight:400;color:var(--muted)}
header.page p{margin:.2rem 0;color:var(--muted)}
.totals{display:flex;flex-wrap:wrap;gap:.5rem}
.totals div{background:var(--chip);padding:.45rem .7rem;border-radius:.45rem;white-space:nowrap}
figure.chart{margin:1rem 0}
figure.chart svg{display:block;width:100%;max-width:36rem;height:auto}svg text{fill:currentColor}
.legend{font-size:.9rem;margin-top:.3rem;display:flex;flex-wrap:wrap;gap:.2rem 1rem}
.sw{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:-.05rem;
border-radius:.15rem}
.table{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.8125rem;overflow-wrap:break-word}
th,td{text-align:left;padding:.4rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;font-size:.75rem;border-bottom-width:2px}
td:first-child{min-width:8rem;overflow-wrap:anywhere}
td.n,th.n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
td.wide{min-width:10rem}.new{color:var(--new);font-weight:600}ul.trend{padding-left:1.2rem}
@media screen and (max-width:77.99rem),print{
body{padding:.75rem}
table.cards,table.cards tbody,table.cards tr,table.cards td{display:block;width:auto}
table.cards{font-size:.9375rem}
table.cards thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
table.cards tr{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));align-content:start;
gap:.1rem .75rem;margin:0 0 .75rem;padding:.6rem .75rem;border:1px solid var(--line);
border-radius:.6rem;background:var(--card)}
table.cards td{grid-column:1/-1;display:grid;grid-template-columns:7rem minmax(0,1fr);
gap:.6rem;padding:.2rem 0;border:0;min-width:0;overflow-wrap:anywhere}
table.cards td::before{content:var(--label);color:var(--muted);font-size:.85rem}
table.cards td:first-child{display:block;font-weight:600;font-size:1.05rem;
padding-bottom:.35rem;margin-bottom:.2rem;border-bottom:1px solid var(--line)}
table.cards td:first-child::before{content:none}
table.cards td.n{grid-column:auto;display:flex;flex-direction:column;gap:0;text-align:left;
font-size:1.1rem;font-weight:600}
table.cards td.n::before{font-weight:400}
}
@media screen and (min-width:40rem) and (max-width:77.99rem),print{
table.cards tbody{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:0 .75rem}
}
@media print{
:root{--fg:#000;--bg:#fff;--muted:#444;--line:#bbb;--chip:#fff;--card:#fff}
body{max-width:none;padding:0;font-size:10pt}.totals div{border:1px solid var(--line)}
.table{overflow:visible}tr,figure,.totals{break-inside:avoid}h2,h3{break-after:avoid}
}
)css";

// Column headings of the tables that become cards on a phone; numeric
// columns are right-aligned in a table and side by side in a card.
struct Column {
  const char* name;
  bool numeric = false;
};
constexpr Column k_flagged_columns[] = {{"source"},
                                        {"messages", true},
                                        {"rejected", true},
                                        {"quarantined", true},
                                        {"reporters"},
                                        {"envelope from"},
                                        {"SPF"},
                                        {"diagnosis"},
                                        {"what to change"}};
constexpr Column k_at_risk_columns[] = {
    {"source"}, {"messages", true}, {"delivered because"}, {"diagnosis"}};

std::string table_head(std::span<const Column> columns) {
  std::string out = "<thead><tr>";
  for (const Column& c : columns) {
    out += fmt::format("<th{}>{}</th>", c.numeric ? " class=\"n\"" : "", c.name);
  }
  return out + "</tr></thead>";
}

// CSS giving each cell of table.<table_class> its column heading as --label,
// shown before the value when the table is laid out as cards. The first
// column is the card's title and has no label.
std::string card_labels(std::string_view table_class, std::span<const Column> columns) {
  std::string out;
  for (std::size_t i = 1; i < columns.size(); ++i) {
    out += fmt::format("table.{} td:nth-child({}){{--label:\"{}\"}}\n", table_class, i + 1,
                       columns[i].name);
  }
  return out;
}

struct Series {
  const char* name;
  const char* colour;
};
constexpr Series k_series[] = {{"DMARC pass", "#2e7d32"},
                               {"fail, delivered", "#f9a825"},
                               {"quarantined", "#ef6c00"},
                               {"rejected", "#c62828"}};

// Charts are drawn in a viewBox this wide and scaled to the page width (at
// most 36rem), so their text stays readable on a phone.
constexpr int k_chart_width = 480;

template <class Set>
std::string joined(const Set& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + html_escape(item);
  return out.empty() ? "-" : out;
}

void legend(std::ostream& out, std::span<const Series> series) {
  out << "<figcaption class=\"legend\">";
  for (const Series& s : series) {
    out << fmt::format("<span><i class=\"sw\" style=\"background:{}\"></i>{}</span>", s.colour,
                       s.name);
  }
  out << "</figcaption>";
}

// Stacked bars of messages per day, by DMARC result; a date under every bar
// that has room for one.
void daily_chart(std::ostream& out, const DomainSummary& d) {
  if (d.daily.empty()) return;
  std::int64_t max = 1;
  for (const auto& [day, v] : d.daily) {
    max = std::max(max, v.pass + v.fail + v.quarantined + v.rejected);
  }
  const double pad = 6, top = 8, height = 170;
  const double slot = (k_chart_width - 2 * pad) / static_cast<double>(d.daily.size());
  const double bar = std::min(slot * 0.72, 48.0);
  const std::size_t label_every = static_cast<std::size_t>(std::ceil(48 / slot));
  out << fmt::format(
      "<figure class=\"chart daily\"><svg role=\"img\" aria-label=\"Daily messages by DMARC "
      "result\" viewBox=\"0 0 {} {}\" width=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">",
      k_chart_width, top + height + 24, k_chart_width);
  double x = pad + (slot - bar) / 2;
  std::size_t index = 0;
  for (const auto& [day, v] : d.daily) {
    const std::int64_t parts[] = {v.pass, v.fail, v.quarantined, v.rejected};
    double y = top + height;
    for (int i = 0; i < 4; ++i) {
      double h = static_cast<double>(parts[i]) / static_cast<double>(max) * height;
      if (h <= 0) continue;
      y -= h;
      out << fmt::format(
          "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\">"
          "<title>{} {}: {}</title></rect>",
          x, y, bar, h, k_series[i].colour, utc_date(day), k_series[i].name, parts[i]);
    }
    if (index++ % label_every == 0) {
      out << fmt::format(
          "<text x=\"{:.1f}\" y=\"{}\" font-size=\"14\" text-anchor=\"middle\">{}</text>",
          x + bar / 2, top + height + 18, utc_date(day).substr(5));
    }
    x += slot;
  }
  out << "</svg>";
  legend(out, k_series);
  out << "</figure>\n";
}

// Horizontal bars of the flagged sources' rejected and quarantined messages,
// each under its source address.
void sources_chart(std::ostream& out, const DomainSummary& d) {
  if (d.flagged.empty()) return;
  std::int64_t max = 1;
  for (const SourceSummary& s : d.flagged) max = std::max(max, s.rejected + s.quarantined);
  const int row = 42, left = 2, span = k_chart_width - left - 64;
  const int height = static_cast<int>(d.flagged.size()) * row + 4;
  out << fmt::format(
      "<figure class=\"chart sources\"><svg role=\"img\" aria-label=\"Top failing sources\" "
      "viewBox=\"0 0 {} {}\" width=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">",
      k_chart_width, height, k_chart_width);
  int y = 2;
  for (const SourceSummary& s : d.flagged) {
    double wr = static_cast<double>(s.rejected) / static_cast<double>(max) * span;
    double wq = static_cast<double>(s.quarantined) / static_cast<double>(max) * span;
    out << fmt::format(
        "<text x=\"{}\" y=\"{}\" font-size=\"15\">{}</text>"
        "<rect x=\"{}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" fill=\"#c62828\"/>"
        "<rect x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" fill=\"#ef6c00\"/>"
        "<text x=\"{:.1f}\" y=\"{}\" font-size=\"15\">{}</text>",
        left, y + 15, html_escape(s.source_ip), left, y + 21, wr, 15, left + wr, y + 21, wq, 15,
        left + wr + wq + 5, y + 34, s.rejected + s.quarantined);
    y += row;
  }
  out << "</svg>";
  legend(out, std::span(k_series).subspan(2));
  out << "</figure>\n";
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
         "<meta name=\"color-scheme\" content=\"light dark\">"
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
         "style-src 'unsafe-inline'\">"
      << fmt::format("<title>DMARC failure summary {}</title><style>{}{}{}</style></head><body>\n",
                     html_escape(summary.period.label), k_style,
                     card_labels("flagged", k_flagged_columns),
                     card_labels("at-risk", k_at_risk_columns))
      << fmt::format(
             "<header class=\"page\"><h1>DMARC failure summary, {}</h1><p>{} to {} (UTC)</p>"
             "</header><main>\n",
             html_escape(summary.period.label), utc_date(summary.period.since),
             utc_date(summary.period.until - 1));
  if (summary.domains.empty()) out << "<p>No reports in this period.</p>\n";
  for (const DomainSummary& d : summary.domains) {
    out << fmt::format(
        "<section class=\"domain\"><h2>{} <small>(p={})</small></h2>"
        "<div class=\"totals\"><div>{} messages</div>"
        "<div>DMARC pass {}</div><div>SPF aligned {}</div><div>rejected {}</div>"
        "<div>quarantined {}</div></div>\n",
        html_escape(d.domain), html_escape(d.policy.empty() ? "?" : d.policy), d.messages,
        percent(d.dmarc_pass, d.messages), percent(d.spf_aligned, d.messages), d.rejected,
        d.quarantined);
    daily_chart(out, d);
    out << "<h3>Rejected or quarantined, failing SPF alignment"
        << top_note(d.flagged.size(), d.flagged_total) << "</h3>\n";
    if (d.flagged.empty()) {
      out << "<p>None.</p>\n";
    } else {
      sources_chart(out, d);
      out << "<div class=\"table\"><table class=\"cards flagged\">" << table_head(k_flagged_columns)
          << "<tbody>\n";
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
      out << "<h3>At risk when the policy tightens</h3><div class=\"table\">"
             "<table class=\"cards at-risk\">"
          << table_head(k_at_risk_columns) << "<tbody>\n";
      for (const SourceSummary& s : d.at_risk) {
        out << fmt::format("<tr><td>{}{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>\n",
                           html_escape(s.source_ip), name_line(s), s.messages, html_escape(s.why_delivered),
                           to_string(s.diagnosis));
      }
      out << "</tbody></table></div>\n";
    }
    out << fmt::format(
        "<h3>Trend against {}</h3><ul class=\"trend\"><li>new: {}</li><li>grown: {}</li>"
        "<li>stopped: {}</li></ul></section>\n",
        html_escape(summary.previous.label), joined(d.trend.new_sources),
        joined(d.trend.grown_sources), joined(d.trend.stopped_sources));
  }
  out << "</main></body></html>\n";
}

}  // namespace dmarc::report
