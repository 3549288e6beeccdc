// The ingest pipeline: source -> (mail extraction) -> unpack -> parse -> store,
// with the "nothing lost" rules: every input's bytes are kept, every report is
// saved atomically (a savepoint of its own), every input or part that does
// not become a report is recorded as a failure or as a non-aggregate input
// with a reason. An input's raw bytes and everything that comes of it are
// committed together; a folder's inputs are committed a batch of inputs at a
// time. Files of a folder are read and parsed on worker threads while one
// writer stores them in sorted path order: the database is the same as after
// a sequential run (same ids, same rows).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parse/limits.hpp"
#include "store/store.hpp"

namespace dmarc::ingest {

struct IngestStats {
  std::uint64_t inputs = 0;          // files, messages and stdin read
  std::uint64_t reports_new = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t other = 0;           // recognised non-aggregate inputs
  std::uint64_t failures = 0;        // failures recorded
  std::uint64_t records = 0;         // records in new reports
  std::uint64_t unreadable = 0;      // inputs that could not be read at all (I/O)
  // Inputs whose exact bytes were stored before with no failure: not read
  // again, so not counted in the fields above (except inputs).
  std::uint64_t unchanged = 0;
  std::uint64_t unchanged_reports = 0;  // reports stored from them by earlier runs
};

class Pipeline {
 public:
  // warn receives one line per problem worth telling the user (may be empty).
  Pipeline(store::Store& store, const Limits& limits,
           std::function<void(std::string_view)> warn = {});

  // Ingests a file, or every regular file below a folder (recursively, in
  // sorted path order). A path that cannot be read counts as unreadable.
  void ingest_path(const std::filesystem::path& path);

  // Ingests all of standard input as one input named "stdin".
  void ingest_stream(std::istream& in, std::string_view origin);

  // Ingests one input's bytes; origin names it in the database.
  void ingest_bytes(std::string_view bytes, std::string_view origin);

  const IngestStats& stats() const { return m_stats; }

  // When on, inputs whose exact bytes were stored before are read again
  // instead of being counted as unchanged (off by default).
  void set_reread(bool on) { m_reread = on; }

 private:
  struct Prepared;

  store::Store& m_store;
  Limits m_limits;
  std::function<void(std::string_view)> m_warn;
  IngestStats m_stats;
  bool m_reread = false;

  // Reading and parsing (no database access; safe on worker threads) make a
  // Prepared input; apply() writes it, in input order, on the calling thread.
  Prepared read_file(const std::filesystem::path& path) const;
  Prepared read_stream(std::istream& in, std::string_view origin,
                       std::uint64_t size_hint) const;
  // What the database already holds of some bytes, by SHA-256.
  using KnownLookup = std::function<std::optional<store::KnownRaw>(std::string_view sha256)>;
  // Encodes the input's raw bytes and, unless known finds them stored
  // before, analyses them; frees the bytes.
  void prepare(Prepared& input, const KnownLookup& known) const;
  KnownLookup writer_lookup() const;  // through the Store's own connection
  void analyse(Prepared& input) const;
  void analyse_mail(Prepared& input, std::string_view bytes, std::string_view part_prefix) const;
  void analyse_payload(Prepared& input, std::string_view bytes, std::string_view part,
                       bool from_mail) const;
  void apply(Prepared& input);
  void ingest_files(const std::vector<std::filesystem::path>& files);
};

}  // namespace dmarc::ingest
