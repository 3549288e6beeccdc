#include "ingest/pipeline.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <istream>
#include <system_error>
#include <vector>

#include "ingest/mail.hpp"
#include "parse/aggregate_xml.hpp"
#include "parse/unpack.hpp"

namespace dmarc::ingest {
namespace {

std::string join_part(std::string_view prefix, std::string_view part) {
  if (prefix.empty()) return std::string(part);
  if (part.empty()) return std::string(prefix);
  return fmt::format("{}/{}", prefix, part);
}

// Whether a layer chain such as "gzip>zip>xml" passes through a zip.
bool through_zip(std::string_view layers) {
  std::size_t start = 0;
  while (start <= layers.size()) {
    std::size_t end = layers.find('>', start);
    if (end == std::string_view::npos) end = layers.size();
    if (layers.substr(start, end - start) == "zip") return true;
    start = end + 1;
  }
  return false;
}

// The part name of something unpacked: "zip:member.xml" inside a zip.
std::string unpacked_part(std::string_view layers, std::string_view member) {
  return through_zip(layers) ? fmt::format("zip:{}", member) : std::string();
}

std::string_view skip_space(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) ++i;
  return s.substr(i);
}

// An SMTP TLS report (RFC 8460) is a JSON object with "policies" and an
// "organization-name" or "report-id".
bool looks_like_tls_report(std::string_view bytes) {
  std::string_view s = skip_space(bytes);
  if (s.empty() || s.front() != '{') return false;
  std::string_view head = s.substr(0, 4096);
  bool has_policies = s.find("\"policies\"") != std::string_view::npos;
  bool has_id = head.find("\"organization-name\"") != std::string_view::npos ||
                head.find("\"report-id\"") != std::string_view::npos;
  return has_policies && has_id;
}

// First bytes of an input, printable, for messages about unknown content.
std::string describe_start(std::string_view bytes) {
  std::string out;
  for (char c : bytes.substr(0, 16)) {
    unsigned char u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f) ? std::string(1, c) : fmt::format("\\x{:02x}", u);
  }
  return out;
}

// Whether a mail part is worth unpacking: any archive or XML, except prose
// (text/plain, text/html bodies) that is not an XML document or <feedback>.
bool may_hold_report(const MailPart& part) {
  parse::Container c = parse::sniff(part.bytes);
  if (c == parse::Container::other) return false;
  if (c == parse::Container::xml &&
      (part.content_type == "text/html" || part.content_type == "text/plain")) {
    std::string_view s = skip_space(part.bytes);
    if (s.substr(0, 3) == "\xEF\xBB\xBF") s = skip_space(s.substr(3));
    if (s.substr(0, 5) == "<?xml") return true;
    std::size_t end = s.find_first_of(" \t\r\n/>");
    std::string_view tag = s.substr(1, end == std::string_view::npos ? s.size() : end - 1);
    return tag.size() >= 8 && tag.substr(tag.size() - 8) == "feedback";
  }
  return true;
}

}  // namespace

Pipeline::Pipeline(store::Store& store, const Limits& limits,
                   std::function<void(std::string_view)> warn)
    : m_store(store), m_limits(limits), m_warn(std::move(warn)) {}

void Pipeline::ingest_path(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::file_status status = fs::status(path, ec);
  if (ec) {
    ++m_stats.unreadable;
    if (m_warn) m_warn(fmt::format("{}: cannot read: {}", path.string(), ec.message()));
    return;
  }
  if (fs::is_directory(status)) {
    std::vector<fs::path> files;
    fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_regular_file(ec)) files.push_back(it->path());
    }
    if (ec) {
      ++m_stats.unreadable;
      if (m_warn) m_warn(fmt::format("{}: cannot list: {}", path.string(), ec.message()));
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) ingest_path(file);
    return;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ++m_stats.unreadable;
    if (m_warn) m_warn(fmt::format("{}: cannot open", path.string()));
    return;
  }
  ingest_stream(in, path.string());
}

void Pipeline::ingest_stream(std::istream& in, std::string_view origin) {
  // Read at most max_input_bytes + 1 so that an oversized input is detected
  // without holding more than the limit.
  std::string bytes;
  const std::uint64_t cap = m_limits.max_input_bytes;
  char buffer[1 << 16];
  while (in && bytes.size() <= cap) {
    in.read(buffer, sizeof buffer);
    bytes.append(buffer, static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) {
    ++m_stats.unreadable;
    if (m_warn) m_warn(fmt::format("{}: read error", origin));
    return;
  }
  if (bytes.size() > cap) {
    // The first max_input_bytes are kept so the input can be looked at.
    bytes.resize(cap);
    ++m_stats.inputs;
    store::RawInput raw = m_store.save_raw(bytes, origin);
    failure(raw.id, origin, "",
            Error{Code::too_large,
                  fmt::format("input is larger than max_input_bytes ({}); only the first {} "
                              "bytes were kept",
                              cap, cap)});
    return;
  }
  ingest_bytes(bytes, origin);
}

void Pipeline::ingest_bytes(std::string_view bytes, std::string_view origin) {
  ++m_stats.inputs;
  store::RawInput raw = m_store.save_raw(bytes, origin);
  if (bytes.empty()) {
    failure(raw.id, origin, "", Error{Code::malformed, "input is empty"});
    return;
  }
  if (parse::sniff(bytes) == parse::Container::other) {
    if (looks_like_mbox(bytes)) {
      Expected<std::vector<std::string>> messages = split_mbox(bytes, m_limits);
      if (!messages) {
        failure(raw.id, origin, "", messages.error());
        return;
      }
      for (std::size_t i = 0; i < messages->size(); ++i) {
        ingest_mail((*messages)[i], raw.id, origin, fmt::format("mbox:{}", i + 1));
      }
      return;
    }
    if (looks_like_mail(bytes)) {
      ingest_mail(bytes, raw.id, origin, "");
      return;
    }
  }
  std::uint64_t found = 0;
  ingest_payload(bytes, raw.id, origin, "", false, found);
}

void Pipeline::ingest_mail(std::string_view bytes, std::int64_t raw_id, std::string_view origin,
                           std::string_view part_prefix) {
  Expected<Mail> mail = parse_mail(bytes, m_limits);
  if (!mail) {
    failure(raw_id, origin, part_prefix, mail.error());
    return;
  }
  if (mail->kind == MailKind::forensic || mail->kind == MailKind::smtp_tls) {
    store::OtherKind kind =
        mail->kind == MailKind::forensic ? store::OtherKind::forensic : store::OtherKind::smtp_tls;
    m_store.record_other(raw_id, origin, part_prefix, kind, mail->subject);
    ++m_stats.other;
    return;
  }
  std::uint64_t found = 0;
  std::uint64_t candidates = 0;
  for (const MailPart& part : mail->parts) {
    if (!may_hold_report(part)) continue;
    ++candidates;
    ingest_payload(part.bytes, raw_id, origin, join_part(part_prefix, "mime:" + part.id), true,
                   found);
  }
  if (candidates == 0) {
    std::string types;
    for (const std::string& t : mail->all_content_types) {
      if (!types.empty()) types += ", ";
      types += t;
    }
    m_store.record_other(raw_id, origin, part_prefix, store::OtherKind::other_mail,
                         fmt::format("no report in message \"{}\" (parts: {})", mail->subject,
                                     types.empty() ? "none" : types));
    ++m_stats.other;
  }
}

void Pipeline::ingest_payload(std::string_view bytes, std::int64_t raw_id,
                              std::string_view origin, std::string_view part, bool from_mail,
                              std::uint64_t& reports_found) {
  parse::Unpacked unpacked = parse::unpack(bytes, m_limits);
  if (unpacked.documents.empty() && unpacked.errors.empty()) {
    // Only an archive can unpack to nothing: an empty zip, or one holding
    // only skipped entries. It is recorded so that no input goes unnoticed.
    failure(raw_id, origin, part,
            Error{Code::not_aggregate,
                  "zip archive holds no member to read (it is empty or holds only folders, "
                  "__MACOSX/ and ._* entries)"});
    return;
  }
  for (const parse::PartError& e : unpacked.errors) {
    std::string where = join_part(part, unpacked_part(e.layers, e.member));
    failure(raw_id, origin, where, e.error);
  }
  for (const parse::Document& doc : unpacked.documents) {
    std::string where = join_part(part, unpacked_part(doc.layers, doc.member));
    if (parse::sniff(doc.bytes) != parse::Container::xml) {
      if (looks_like_tls_report(doc.bytes)) {
        m_store.record_other(raw_id, origin, where, store::OtherKind::smtp_tls,
                             "SMTP TLS report (RFC 8460)");
        ++m_stats.other;
      } else if (doc.layers == "other" && !from_mail) {
        m_store.record_other(raw_id, origin, where, store::OtherKind::not_report,
                             fmt::format("neither XML, JSON report, e-mail nor a known archive "
                                         "(starts with \"{}\")",
                                         describe_start(doc.bytes)));
        ++m_stats.other;
      } else {
        failure(raw_id, origin, where,
                Error{Code::unsupported,
                      fmt::format("{} holds no XML report (starts with \"{}\")", doc.layers,
                                  describe_start(doc.bytes))});
      }
      continue;
    }
    Expected<parse::AggregateReport> report = parse::parse_aggregate_report(doc.bytes, m_limits);
    if (!report) {
      failure(raw_id, origin, where, report.error());
      continue;
    }
    ++reports_found;
    std::string report_origin = where.empty() ? std::string(origin)
                                              : fmt::format("{}#{}", origin, where);
    if (m_store.save_report(*report, raw_id, report_origin) == store::SaveResult::stored) {
      ++m_stats.reports_new;
      m_stats.records += report->records.size();
    } else {
      ++m_stats.duplicates;
    }
  }
}

void Pipeline::failure(std::int64_t raw_id, std::string_view origin, std::string_view part,
                       const Error& error) {
  m_store.record_failure(raw_id, origin, part, error);
  ++m_stats.failures;
  if (m_warn) {
    m_warn(fmt::format("{}{}{}: {}: {}", origin, part.empty() ? "" : "#", part,
                       to_string(error.code), error.message));
  }
}

}  // namespace dmarc::ingest
