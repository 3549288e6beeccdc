#include "ingest/pipeline.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <fstream>
#include <istream>
#include <memory>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>
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

// A folder's inputs are committed together until one of these is reached:
// fewer commits (each rewrites the pages it touched into the WAL) without
// holding the write lock for long (another dmarcdb waits at most its busy
// timeout, store::k_busy_timeout_ms).
constexpr std::uint64_t k_batch_inputs = 500;
constexpr std::uint64_t k_batch_records = 50'000;
// ...or it has been open this long: the write lock is held from the batch's
// first input, also while the writer waits for parsed inputs, and a kill
// loses at most this much work.
constexpr std::chrono::milliseconds k_batch_time{250};
// Inputs read and parsed ahead of the writer, per worker thread: memory in
// flight is bounded by this many inputs (and each by Limits).
constexpr std::size_t k_inputs_ahead_per_worker = 2;
// Worker threads when the hardware does not say how many cores it has.
constexpr unsigned k_default_workers = 2;

}  // namespace

// What reading and parsing one input found, in the order the database
// receives it: the raw bytes first, then one action per report, failure or
// non-aggregate part.
struct Pipeline::Prepared {
  enum class Kind { report, failure, other };
  struct Action {
    Kind kind = Kind::failure;
    std::string part;
    Error error;                                   // failure
    store::OtherKind other = store::OtherKind::not_report;  // other
    std::string detail;                            // other
    std::optional<parse::AggregateReport> report;  // report
  };

  std::string origin;
  std::string bytes;         // freed once encoded and analysed
  store::EncodedRaw raw;     // what the database keeps of bytes
  // Set when the same bytes were stored before with no failure: the input
  // is not read again and nothing is written.
  std::optional<store::KnownRaw> known;
  bool unreadable = false;  // nothing to store: I/O error, warning in `problem`
  std::string problem;
  std::vector<Action> actions;

  void fail(std::string part, Error error) {
    actions.push_back({Kind::failure, std::move(part), std::move(error), {}, {}, {}});
  }
  void other_input(std::string part, store::OtherKind kind, std::string detail) {
    actions.push_back({Kind::other, std::move(part), {}, kind, std::move(detail), {}});
  }
};

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
    ingest_files(files);
    return;
  }
  ingest_files({path});
}

void Pipeline::ingest_files(const std::vector<std::filesystem::path>& files) {
  std::unique_ptr<store::Store::Batch> batch;
  std::uint64_t batch_inputs = 0;
  std::uint64_t batch_records = 0;
  std::chrono::steady_clock::time_point batch_started;
  auto store_one = [&](Prepared& input) {
    if (!batch) {
      batch = std::make_unique<store::Store::Batch>(m_store);
      batch_started = std::chrono::steady_clock::now();
    }
    const std::uint64_t records_before = m_stats.records;
    apply(input);
    batch_records += m_stats.records - records_before;
    if (++batch_inputs >= k_batch_inputs || batch_records >= k_batch_records ||
        std::chrono::steady_clock::now() - batch_started >= k_batch_time) {
      batch->commit();
      batch.reset();
      batch_inputs = batch_records = 0;
    }
  };

  const unsigned cores = std::thread::hardware_concurrency();
  const std::size_t workers =
      std::min<std::size_t>(cores == 0 ? k_default_workers : cores, files.size());
  if (workers <= 1) {
    for (const std::filesystem::path& file : files) {
      Prepared input = read_file(file);
      prepare(input, writer_lookup());
      store_one(input);
    }
    if (batch) batch->commit();
    return;
  }

  // Workers take the next file, read and parse it into its slot; this thread
  // stores the slots in file order. A worker never runs more than `window`
  // files ahead of the writer, so slot i % window is free when it takes i.
  struct Slot {
    bool ready = false;
    Prepared input;
    std::exception_ptr error;
  };
  const std::size_t window = workers * k_inputs_ahead_per_worker;
  std::vector<Slot> slots(window);
  std::mutex mutex;
  std::condition_variable ready_changed;
  std::condition_variable space_changed;
  std::size_t next = 0;
  std::size_t written = 0;
  bool stop = false;
  // Inputs the writer has stored, freed by the workers: a report's many
  // small strings were allocated by a worker, and freeing them from the
  // writer's thread costs the writer (glibc returns each to the worker's
  // arena under that arena's lock).
  std::vector<Prepared> spent;

  auto work = [&] {
    // The worker's own read-only connection finds inputs stored by earlier
    // runs. Without it (an in-memory database, or it cannot be opened) every
    // input is read, which gives the same result.
    std::unique_ptr<store::RawLookup> lookup;
    try {
      if (!m_reread) lookup = m_store.open_lookup();
    } catch (const Fatal&) {
    }
    const KnownLookup known = [&lookup](std::string_view sha256) {
      return lookup ? lookup->find(sha256) : std::nullopt;
    };
    std::unique_lock lock(mutex);
    for (;;) {
      space_changed.wait(lock, [&] { return stop || next >= files.size() || next < written + window; });
      if (stop || next >= files.size()) return;
      const std::size_t i = next++;
      std::vector<Prepared> to_free;
      to_free.swap(spent);
      lock.unlock();
      to_free.clear();
      Slot done;
      try {
        done.input = read_file(files[i]);
        prepare(done.input, known);
      } catch (...) {
        done.error = std::current_exception();
      }
      done.ready = true;
      lock.lock();
      slots[i % window] = std::move(done);
      ready_changed.notify_all();
    }
  };
  std::vector<std::thread> threads;
  // Stops and joins the workers however this function is left.
  struct Joiner {
    std::vector<std::thread>& threads;
    std::mutex& mutex;
    bool& stop;
    std::condition_variable& space_changed;
    ~Joiner() {
      {
        std::lock_guard lock(mutex);
        stop = true;
      }
      space_changed.notify_all();
      for (std::thread& t : threads) t.join();
    }
  } joiner{threads, mutex, stop, space_changed};
  for (std::size_t w = 0; w < workers; ++w) threads.emplace_back(work);

  for (std::size_t i = 0; i < files.size(); ++i) {
    Slot slot;
    {
      std::unique_lock lock(mutex);
      ready_changed.wait(lock, [&] { return slots[i % window].ready; });
      slot = std::move(slots[i % window]);
      slots[i % window].ready = false;
      written = i + 1;
    }
    space_changed.notify_all();
    if (slot.error) std::rethrow_exception(slot.error);
    store_one(slot.input);
    std::lock_guard lock(mutex);
    spent.push_back(std::move(slot.input));
  }
  if (batch) batch->commit();
}

Pipeline::Prepared Pipeline::read_file(const std::filesystem::path& path) const {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    Prepared input;
    input.origin = path.string();
    input.unreadable = true;
    input.problem = fmt::format("{}: cannot open", input.origin);
    return input;
  }
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  return read_stream(in, path.string(), ec ? 0 : size);
}

Pipeline::Prepared Pipeline::read_stream(std::istream& in, std::string_view origin,
                                         std::uint64_t size_hint) const {
  // Read at most max_input_bytes + 1 so that an oversized input is detected
  // without holding more than the limit.
  Prepared input;
  input.origin = std::string(origin);
  std::string& bytes = input.bytes;
  const std::uint64_t cap = m_limits.max_input_bytes;
  bytes.reserve(static_cast<std::size_t>(std::min(size_hint, cap) + 1));
  char buffer[1 << 16];
  while (in && bytes.size() <= cap) {
    in.read(buffer, sizeof buffer);
    bytes.append(buffer, static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) {
    input.unreadable = true;
    input.problem = fmt::format("{}: read error", origin);
    bytes.clear();
    return input;
  }
  if (bytes.size() > cap) {
    // The first max_input_bytes are kept so the input can be looked at.
    bytes.resize(cap);
    input.fail("", Error{Code::too_large,
                         fmt::format("input is larger than max_input_bytes ({}); only the first "
                                     "{} bytes were kept",
                                     cap, cap)});
  }
  return input;
}

void Pipeline::ingest_stream(std::istream& in, std::string_view origin) {
  Prepared input = read_stream(in, origin, 0);
  prepare(input, writer_lookup());
  apply(input);
}

void Pipeline::ingest_bytes(std::string_view bytes, std::string_view origin) {
  Prepared input;
  input.origin = std::string(origin);
  input.bytes = std::string(bytes);
  prepare(input, writer_lookup());
  apply(input);
}

Pipeline::KnownLookup Pipeline::writer_lookup() const {
  return [this](std::string_view sha256) { return m_store.known_raw(sha256); };
}

void Pipeline::prepare(Prepared& input, const KnownLookup& known) const {
  if (input.unreadable) return;
  input.raw = store::encode_raw(input.bytes, false);
  // Bytes stored before, and all that came of them: nothing new can come of
  // reading them again. Bytes with a recorded failure are read again, since a
  // newer version or higher limits may read them now.
  std::optional<store::KnownRaw> found;
  if (!m_reread) found = known(input.raw.sha256);
  if (found && found->failures == 0) {
    input.known = found;
  } else {
    store::compress_raw(input.raw, input.bytes);
    analyse(input);
  }
  std::string().swap(input.bytes);
}

void Pipeline::analyse(Prepared& input) const {
  // Unreadable, or already judged (too large): nothing to parse.
  if (input.unreadable || !input.actions.empty()) return;
  const std::string_view bytes = input.bytes;
  if (bytes.empty()) {
    input.fail("", Error{Code::malformed, "input is empty"});
    return;
  }
  if (parse::sniff(bytes) == parse::Container::other) {
    if (looks_like_mbox(bytes)) {
      Expected<std::vector<std::string>> messages = split_mbox(bytes, m_limits);
      if (!messages) {
        input.fail("", messages.error());
        return;
      }
      for (std::size_t i = 0; i < messages->size(); ++i) {
        analyse_mail(input, (*messages)[i], fmt::format("mbox:{}", i + 1));
      }
      return;
    }
    if (looks_like_mail(bytes)) {
      analyse_mail(input, bytes, "");
      return;
    }
  }
  analyse_payload(input, bytes, "", false);
}

void Pipeline::analyse_mail(Prepared& input, std::string_view bytes,
                            std::string_view part_prefix) const {
  Expected<Mail> mail = parse_mail(bytes, m_limits);
  if (!mail) {
    input.fail(std::string(part_prefix), mail.error());
    return;
  }
  if (mail->kind == MailKind::forensic || mail->kind == MailKind::smtp_tls) {
    store::OtherKind kind =
        mail->kind == MailKind::forensic ? store::OtherKind::forensic : store::OtherKind::smtp_tls;
    input.other_input(std::string(part_prefix), kind, mail->subject);
    return;
  }
  std::uint64_t candidates = 0;
  for (const MailPart& part : mail->parts) {
    if (!may_hold_report(part)) continue;
    ++candidates;
    analyse_payload(input, part.bytes, join_part(part_prefix, "mime:" + part.id), true);
  }
  if (candidates == 0) {
    std::string types;
    for (const std::string& t : mail->all_content_types) {
      if (!types.empty()) types += ", ";
      types += t;
    }
    input.other_input(std::string(part_prefix), store::OtherKind::other_mail,
                      fmt::format("no report in message \"{}\" (parts: {})", mail->subject,
                                  types.empty() ? "none" : types));
  }
}

void Pipeline::analyse_payload(Prepared& input, std::string_view bytes, std::string_view part,
                               bool from_mail) const {
  parse::Unpacked unpacked = parse::unpack(bytes, m_limits);
  if (unpacked.documents.empty() && unpacked.errors.empty()) {
    // Only an archive can unpack to nothing: an empty zip, or one holding
    // only skipped entries. It is recorded so that no input goes unnoticed.
    input.fail(std::string(part),
               Error{Code::not_aggregate,
                     "zip archive holds no member to read (it is empty or holds only folders, "
                     "__MACOSX/ and ._* entries)"});
    return;
  }
  for (const parse::PartError& e : unpacked.errors) {
    input.fail(join_part(part, unpacked_part(e.layers, e.member)), e.error);
  }
  for (parse::Document& doc : unpacked.documents) {
    std::string where = join_part(part, unpacked_part(doc.layers, doc.member));
    if (parse::sniff(doc.bytes) != parse::Container::xml) {
      if (looks_like_tls_report(doc.bytes)) {
        input.other_input(std::move(where), store::OtherKind::smtp_tls,
                          "SMTP TLS report (RFC 8460)");
      } else if (doc.layers == "other" && !from_mail) {
        input.other_input(std::move(where), store::OtherKind::not_report,
                          fmt::format("neither XML, JSON report, e-mail nor a known archive "
                                      "(starts with \"{}\")",
                                      describe_start(doc.bytes)));
      } else {
        input.fail(std::move(where),
                   Error{Code::unsupported,
                         fmt::format("{} holds no XML report (starts with \"{}\")", doc.layers,
                                     describe_start(doc.bytes))});
      }
      continue;
    }
    // Parsed in its own buffer, which the parse consumes: the text is not
    // copied, and is freed before the next document.
    Expected<parse::AggregateReport> report =
        parse::parse_aggregate_report(std::move(doc.bytes), m_limits);
    std::string().swap(doc.bytes);
    if (!report) {
      input.fail(std::move(where), report.error());
      continue;
    }
    Prepared::Action action;
    action.kind = Prepared::Kind::report;
    action.part = std::move(where);
    action.report = std::move(*report);
    input.actions.push_back(std::move(action));
  }
}

void Pipeline::apply(Prepared& input) {
  if (input.unreadable) {
    ++m_stats.unreadable;
    if (m_warn) m_warn(input.problem);
    return;
  }
  ++m_stats.inputs;
  if (input.known) {
    ++m_stats.unchanged;
    m_stats.unchanged_reports += input.known->reports;
    return;
  }
  // The raw bytes and all that comes of them are committed together (a
  // savepoint when a batch is already open).
  store::Store::Batch batch(m_store);
  const std::string_view origin = input.origin;
  const std::int64_t raw_id = m_store.save_raw(input.raw, origin).id;
  for (Prepared::Action& action : input.actions) {
    switch (action.kind) {
      case Prepared::Kind::failure:
        m_store.record_failure(raw_id, origin, action.part, action.error);
        ++m_stats.failures;
        if (m_warn) {
          m_warn(fmt::format("{}{}{}: {}: {}", origin, action.part.empty() ? "" : "#",
                             action.part, to_string(action.error.code), action.error.message));
        }
        break;
      case Prepared::Kind::other:
        m_store.record_other(raw_id, origin, action.part, action.other, action.detail);
        ++m_stats.other;
        break;
      case Prepared::Kind::report: {
        const std::string report_origin =
            action.part.empty() ? std::string(origin) : fmt::format("{}#{}", origin, action.part);
        if (m_store.save_report(*action.report, raw_id, report_origin) ==
            store::SaveResult::stored) {
          ++m_stats.reports_new;
          m_stats.records += action.report->records.size();
        } else {
          ++m_stats.duplicates;
        }
        break;
      }
    }
  }
  batch.commit();
}

}  // namespace dmarc::ingest
