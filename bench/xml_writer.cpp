#include "bench/xml_writer.hpp"

#include <fmt/format.h>

#include <iterator>

namespace dmarc::bench {
namespace {

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

void element(std::string& out, const char* indent, const char* name,
             const std::optional<std::string>& value) {
  if (!value) return;
  fmt::format_to(std::back_inserter(out), "{}<{}>{}</{}>\n", indent, name, escape(*value), name);
}

void write_record(std::string& out, const parse::Record& r) {
  out += "  <record>\n    <row>\n";
  element(out, "      ", "source_ip", r.source_ip);
  fmt::format_to(std::back_inserter(out), "      <count>{}</count>\n", r.count);
  out += "      <policy_evaluated>\n";
  element(out, "        ", "disposition", r.disposition);
  element(out, "        ", "dkim", r.dkim);
  element(out, "        ", "spf", r.spf);
  for (const parse::PolicyOverrideReason& reason : r.reasons) {
    out += "        <reason>\n";
    element(out, "          ", "type", reason.type);
    element(out, "          ", "comment", reason.comment);
    out += "        </reason>\n";
  }
  out += "      </policy_evaluated>\n    </row>\n    <identifiers>\n";
  element(out, "      ", "envelope_to", r.envelope_to);
  element(out, "      ", "envelope_from", r.envelope_from);
  element(out, "      ", "header_from", r.header_from);
  out += "    </identifiers>\n    <auth_results>\n";
  for (const parse::DkimAuthResult& d : r.dkim_results) {
    out += "      <dkim>\n";
    element(out, "        ", "domain", d.domain);
    element(out, "        ", "selector", d.selector);
    element(out, "        ", "result", d.result);
    element(out, "        ", "human_result", d.human_result);
    out += "      </dkim>\n";
  }
  for (const parse::SpfAuthResult& s : r.spf_results) {
    out += "      <spf>\n";
    element(out, "        ", "domain", s.domain);
    element(out, "        ", "scope", s.scope);
    element(out, "        ", "result", s.result);
    out += "      </spf>\n";
  }
  out += "    </auth_results>\n  </record>\n";
}

}  // namespace

std::string to_xml(const parse::AggregateReport& report) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feedback>\n";
  element(out, "  ", "version", report.version);
  out += "  <report_metadata>\n";
  element(out, "    ", "org_name", report.metadata.org_name);
  element(out, "    ", "email", report.metadata.email);
  element(out, "    ", "report_id", report.metadata.report_id);
  fmt::format_to(std::back_inserter(out),
                 "    <date_range>\n      <begin>{}</begin>\n      <end>{}</end>\n"
                 "    </date_range>\n  </report_metadata>\n  <policy_published>\n",
                 report.metadata.date_range.begin, report.metadata.date_range.end);
  const parse::PolicyPublished& p = report.policy;
  element(out, "    ", "domain", p.domain);
  element(out, "    ", "adkim", p.adkim);
  element(out, "    ", "aspf", p.aspf);
  element(out, "    ", "p", p.p);
  element(out, "    ", "sp", p.sp);
  if (p.pct) fmt::format_to(std::back_inserter(out), "    <pct>{}</pct>\n", *p.pct);
  out += "  </policy_published>\n";
  for (const parse::Record& r : report.records) write_record(out, r);
  out += "</feedback>\n";
  return out;
}

}  // namespace dmarc::bench
