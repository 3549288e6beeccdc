// Parsing one e-mail message with GMime: the message is tidied first (leading
// whitespace, an mbox "From " line and bare parameter lines in MIME headers),
// then the whole MIME tree is walked, nested messages included.
#include "ingest/mail.hpp"

#include <fmt/format.h>

#include <cstdint>

#include "ingest/gmime_handles.hpp"
#include "ingest/mail_text.hpp"

namespace dmarc::ingest {
namespace {

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

bool istarts_with(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

std::string_view trim_right(std::string_view text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// `name="value"` alone on a line: a parameter whose header line lost its
// folding whitespace (some Exchange servers write parts like that).
bool is_bare_parameter(std::string_view line) {
  std::size_t eq = line.find('=');
  if (eq == 0 || eq == std::string_view::npos) return false;
  auto c0 = static_cast<unsigned char>(line.front());
  if (!((c0 >= 'a' && c0 <= 'z') || (c0 >= 'A' && c0 <= 'Z'))) return false;
  for (char c : line.substr(0, eq)) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '*' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// Where the header block starts: after leading whitespace and an mbox "From "
// line.
std::size_t header_start(std::string_view message) {
  std::size_t start = leading_whitespace(message);
  if (Line first = line_at(message, start); is_mbox_from_line(first.text)) start = first.next;
  return start;
}

// Copies the message for GMime from start on, turning bare parameter lines
// that follow a Content-* header ending in ';' into folded continuations so
// their parameter is kept.
OwnedByteArray prepare(std::string_view message, std::size_t start) {
  OwnedByteArray out(g_byte_array_sized_new(static_cast<guint>(message.size() - start)));
  auto append = [&](std::size_t from, std::size_t to) {
    if (to > from) {
      g_byte_array_append(out.get(), reinterpret_cast<const guint8*>(message.data() + from),
                          static_cast<guint>(to - from));
    }
  };
  bool in_headers = true;
  bool content_field = false;    // the header field being read is Content-*
  bool wants_parameter = false;  // and its last line ended with ';'
  std::size_t copied = start;
  for (std::size_t pos = start; pos < message.size();) {
    Line line = line_at(message, pos);
    if (!in_headers) {
      in_headers = line.text.starts_with("--");  // a boundary: part headers follow
      content_field = wants_parameter = false;
    } else if (line.text.empty()) {
      in_headers = content_field = wants_parameter = false;
    } else if (is_header_field_line(line.text)) {
      content_field = istarts_with(line.text, "content-");
      wants_parameter = content_field && trim_right(line.text).ends_with(';');
    } else if (is_continuation_line(line.text)) {
      wants_parameter = content_field && trim_right(line.text).ends_with(';');
    } else if (wants_parameter && is_bare_parameter(line.text)) {
      append(copied, pos);
      g_byte_array_append(out.get(), reinterpret_cast<const guint8*>("\t"), 1);
      copied = pos;
      wants_parameter = trim_right(line.text).ends_with(';');
    } else {
      content_field = wants_parameter = false;
    }
    pos = line.next;
  }
  append(copied, message.size());
  return out;
}

std::string decoded_content(GMimePart* part) {
  GMimeDataWrapper* content = g_mime_part_get_content(part);  // borrowed
  if (content == nullptr) return {};
  Owned<GMimeStream> sink(g_mime_stream_mem_new());
  g_mime_data_wrapper_write_to_stream(content, sink.get());
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(sink.get()));
  return std::string(reinterpret_cast<const char*>(bytes->data), bytes->len);
}

// After an optional byte order mark and whitespace, the bytes begin with '<'.
bool starts_like_xml(std::string_view bytes) {
  for (std::string_view bom : {"\xEF\xBB\xBF", "\xFF\xFE", "\xFE\xFF"}) {
    if (bytes.starts_with(bom)) {
      bytes.remove_prefix(bom.size());
      break;
    }
  }
  std::size_t i = bytes.find_first_not_of(std::string_view(" \t\r\n\0", 5));
  return i != std::string_view::npos && bytes[i] == '<';
}

std::string type_of(GMimeObject* object) {
  GMimeContentType* type = g_mime_object_get_content_type(object);  // borrowed
  const char* media = type ? g_mime_content_type_get_media_type(type) : nullptr;
  const char* sub = type ? g_mime_content_type_get_media_subtype(type) : nullptr;
  return ascii_lower(
      fmt::format("{}/{}", media ? media : "application", sub ? sub : "octet-stream"));
}

std::string report_type_of(GMimeObject* object) {
  GMimeContentType* type = g_mime_object_get_content_type(object);
  const char* value = type ? g_mime_content_type_get_parameter(type, "report-type") : nullptr;
  return value ? ascii_lower(value) : std::string();
}

std::string child_id(const std::string& parent, int index) {
  return parent.empty() ? std::to_string(index + 1) : fmt::format("{}.{}", parent, index + 1);
}

// Walks a MIME tree depth first, in order. GMime caps the nesting depth it
// builds, which bounds the recursion here.
class TreeWalker {
 public:
  TreeWalker(const Limits& limits, Mail& mail) : m_limits(limits), m_mail(mail) {}

  // False once the tree has more than max_mime_parts entities.
  bool walk(GMimeObject* object, const std::string& id) {
    if (++m_entities > m_limits.max_mime_parts) return false;
    std::string type = type_of(object);
    if (GMIME_IS_MULTIPART(object)) {
      note_report_type(type, object);
      auto* multipart = GMIME_MULTIPART(object);
      int count = g_mime_multipart_get_count(multipart);
      for (int i = 0; i < count; ++i) {
        if (!walk(g_mime_multipart_get_part(multipart, i), child_id(id, i))) return false;
      }
      return true;
    }
    if (GMIME_IS_MESSAGE_PART(object)) {
      GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(object));
      GMimeObject* body = inner ? g_mime_message_get_mime_part(inner) : nullptr;
      if (body == nullptr) return true;
      return walk(body, GMIME_IS_MULTIPART(body) ? id : child_id(id, 0));
    }
    if (GMIME_IS_PART(object)) leaf(GMIME_PART(object), id.empty() ? "1" : id, std::move(type));
    return true;
  }

  MailKind kind() const {
    if (m_forensic) return MailKind::forensic;
    if (m_smtp_tls) return MailKind::smtp_tls;
    return MailKind::aggregate_candidate;
  }

 private:
  const Limits& m_limits;
  Mail& m_mail;
  std::uint64_t m_entities = 0;
  bool m_forensic = false;
  bool m_smtp_tls = false;

  void note_report_type(const std::string& type, GMimeObject* object) {
    if (type != "multipart/report") return;
    std::string report_type = report_type_of(object);
    if (report_type == "feedback-report") m_forensic = true;
    if (report_type == "tlsrpt") m_smtp_tls = true;
  }

  void leaf(GMimePart* part, std::string id, std::string type) {
    if (type == "message/feedback-report") m_forensic = true;
    if (type == "application/tlsrpt+gzip" || type == "application/tlsrpt+json") m_smtp_tls = true;
    m_mail.all_content_types.push_back(type);
    std::string bytes = decoded_content(part);
    if ((type == "text/plain" || type == "text/html") && !starts_like_xml(bytes)) return;
    const char* filename = g_mime_part_get_filename(part);
    m_mail.parts.push_back(
        MailPart{std::move(id), std::move(type), filename ? filename : "", std::move(bytes)});
  }
};

}  // namespace

Expected<Mail> parse_mail(std::string_view message, const Limits& limits) {
  if (message.size() > limits.max_input_bytes || message.size() > k_max_stream_bytes) {
    return fail(Code::too_large, fmt::format("message of {} bytes exceeds max_input_bytes ({})",
                                             message.size(), limits.max_input_bytes));
  }
  // GMime would take any printable text before a colon as a header name, JSON too.
  std::size_t start = header_start(message);
  if (!is_header_field_line(line_at(message, start).text)) {
    return fail(Code::malformed, "not an e-mail message: the first line is not a header field");
  }
  ensure_gmime();
  Owned<GMimeStream> stream = memory_stream(prepare(message, start));
  Owned<GMimeParser> parser = make_parser(stream.get(), GMIME_FORMAT_MESSAGE);
  Owned<GMimeMessage> parsed(g_mime_parser_construct_message(parser.get(), nullptr));
  if (!parsed) return fail(Code::malformed, "not an e-mail message: GMime found no header block");

  Mail mail;
  const char* subject = g_mime_message_get_subject(parsed.get());
  const char* message_id = g_mime_message_get_message_id(parsed.get());
  mail.subject = subject ? subject : "";
  mail.message_id = message_id ? message_id : "";

  GMimeObject* body = g_mime_message_get_mime_part(parsed.get());  // borrowed
  if (body != nullptr) {
    TreeWalker walker(limits, mail);
    if (!walker.walk(body, "")) {
      return fail(Code::too_large,
                  fmt::format("message has more than max_mime_parts ({}) MIME parts",
                              limits.max_mime_parts));
    }
    mail.kind = walker.kind();
  }
  return mail;
}

}  // namespace dmarc::ingest
