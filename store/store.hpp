// The SQLite database: schema (store/schema.sql, migrated with PRAGMA
// user_version), idempotent saving of reports with their raw bytes, failure
// and non-aggregate records, and the read queries other folders need. Every
// line of SQL of the project lives in store/. Only bound parameters.
// Opening problems throw dmarc::Fatal; a failed write of one report rolls back
// that report only and throws Fatal (the database is then unusable anyway).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parse/error.hpp"
#include "parse/report.hpp"

namespace dmarc::store {

// Current schema version (PRAGMA user_version after migration).
inline constexpr int k_schema_version = 3;

class Transaction;

// An IMAP checkpoint: the mailbox's UIDVALIDITY and the highest UID whose
// message is safely stored (and whose mailbox changes are done).
struct MailboxState {
  std::int64_t uidvalidity = 0;
  std::int64_t last_uid = 0;
  bool operator==(const MailboxState&) const = default;
};

struct RawInput {
  std::int64_t id = 0;
  bool is_new = false;  // false when the same bytes (sha256) were stored before
};

// An input's bytes as the database keeps them, made off the writer's thread
// (encode_raw needs no database and may run on any thread).
struct EncodedRaw {
  std::string sha256;                     // lower-case hex of the bytes
  std::uint64_t size = 0;                 // of the bytes
  std::optional<std::string> compressed;  // zlib stream; save_raw makes it if absent
};

// The SHA-256 of bytes, compressed too when compress is true. Throws Fatal
// if libcrypto or zlib fails (memory).
EncodedRaw encode_raw(std::string_view bytes, bool compress = true);
// Adds the compressed form of bytes (those raw was made of) to raw.
void compress_raw(EncodedRaw& raw, std::string_view bytes);

// What an earlier run stored of the same bytes (the raw row and all that
// came of it are committed together, so this is the whole outcome).
struct KnownRaw {
  std::int64_t id = 0;
  std::uint64_t reports = 0;   // reports stored from these bytes
  std::uint64_t others = 0;    // non-aggregate inputs recorded
  std::uint64_t failures = 0;  // failures recorded
};

class RawLookup;

enum class SaveResult { stored, duplicate };

// What non-aggregate input was recognised as.
enum class OtherKind { forensic, smtp_tls, other_mail, not_report };
const char* to_string(OtherKind kind);

struct ReportListRow {
  std::int64_t id = 0;
  std::optional<std::string> org_name;
  std::string report_id;
  std::optional<std::string> policy_domain;
  std::int64_t date_begin = 0;
  std::int64_t date_end = 0;
  std::string schema;  // "rfc7489" / "dmarcbis"
  std::int64_t records = 0;
  std::int64_t messages = 0;          // sum of record counts
  std::int64_t spf_fail_records = 0;  // policy_evaluated/spf = fail
  std::int64_t reject_records = 0;
  std::int64_t quarantine_records = 0;
  std::int64_t warnings = 0;
};

struct FailureRow {
  std::int64_t id = 0;
  std::string origin;
  std::string part;    // e.g. "zip:member.xml", "mime:2" ("" for the whole input)
  std::string code;    // dmarc::to_string(Code)
  std::string message;
  std::int64_t raw_id = 0;
  std::int64_t first_seen = 0;
};

struct OtherRow {
  std::int64_t id = 0;
  std::string origin;
  std::string part;
  std::string kind;  // to_string(OtherKind)
  std::string detail;
  std::int64_t raw_id = 0;
};

struct TableCounts {
  std::int64_t reports = 0, records = 0, dkim_results = 0, spf_results = 0,
               override_reasons = 0, raw_reports = 0, ingest_failures = 0,
               other_inputs = 0;
  bool operator==(const TableCounts&) const = default;
};

// One record of a report whose date range falls in a period, with what the
// weekly summary needs of its report and auth results ("" for absent text).
struct PeriodRecord {
  std::int64_t report_ref = 0;
  std::string org_name;
  std::string policy_domain;
  std::string policy_p;
  std::optional<std::int64_t> policy_pct;
  std::string policy_testing;
  std::int64_t date_begin = 0;
  std::int64_t date_end = 0;
  std::string source_ip;
  std::int64_t count = 0;
  std::string disposition;
  std::string dkim_aligned;
  std::string spf_aligned;
  std::string header_from;
  std::string envelope_from;
  std::string spf_domain;   // first SPF result, mfrom scope preferred
  std::string spf_result;
  std::string spf_results;  // every SPF result, "domain=result" separated by spaces
  std::string dkim_results;  // every DKIM result, "domain:selector=result" separated by spaces
  bool dkim_any_pass = false;
  std::string override_reasons;  // types separated by commas
};

// One row of the reverse DNS cache (table ip_names, docs/schema.md).
struct IpName {
  std::string ip;                   // as records.source_ip
  std::optional<std::string> name;  // PTR name; nullopt when there is none
  std::string status;               // dns::to_string of the PTR lookup: "ok", "nxdomain", ...
  std::int64_t resolved_at = 0;     // Unix time of the lookup
  std::int64_t ttl = 0;             // seconds the row may be reused from resolved_at
  // An A/AAAA record of name holds ip: true; checked and it does not: false;
  // not checked (no name, or a row written before schema version 2): nullopt.
  std::optional<bool> forward_confirmed;

  bool operator==(const IpName&) const = default;
};

// The verdict columns of a record, as stored ("" for absent).
struct RecordVerdict {
  std::string_view disposition;
  std::string_view dkim_aligned;
  std::string_view spf_aligned;
};

// Tells period_records which records the caller needs one by one.
using DetailFilter = std::function<bool(const RecordVerdict&)>;

class Store {
 public:
  // Opens or creates the database at path (":memory:" for a private in-memory
  // database), enables WAL and foreign keys, sets a busy timeout, and migrates
  // the schema to k_schema_version. Throws Fatal if the file cannot be opened,
  // is not a dmarcdb database, or has a newer schema than this build.
  explicit Store(const std::filesystem::path& path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Keeps the bytes of one input (a file, a mail message) zlib-compressed,
  // deduplicated by sha256. origin is where they came from (a path, a mailbox
  // URL with UID, "stdin"). One transaction.
  RawInput save_raw(std::string_view bytes, std::string_view origin);
  // The same for bytes encoded by encode_raw (on another thread, say).
  RawInput save_raw(const EncodedRaw& raw, std::string_view origin);

  // The outcome stored for the bytes with this SHA-256 (lower-case hex), if
  // they were stored before; seen by this connection, inside its open Batch.
  std::optional<KnownRaw> known_raw(std::string_view sha256) const;
  // A second, read-only connection to this database for another thread: it
  // sees committed data only. nullptr for an in-memory database.
  std::unique_ptr<RawLookup> open_lookup() const;

  // Saves one report and all its rows in one transaction. A report whose
  // identity (org_name, report_id, policy domain, date begin, date end)
  // is already stored is not written again: returns duplicate.
  SaveResult save_report(const parse::AggregateReport& report, std::int64_t raw_id,
                         std::string_view origin);

  // Records an input (or a part of one) that could not become a report.
  // Recording the same (raw_id, part, code) twice keeps one row.
  void record_failure(std::int64_t raw_id, std::string_view origin, std::string_view part,
                      const Error& error);

  // Records an input recognised as something other than an aggregate report.
  // Recording the same (raw_id, part) twice keeps one row.
  void record_other(std::int64_t raw_id, std::string_view origin, std::string_view part,
                    OtherKind kind, std::string_view detail);

  // Reads, newest date_begin last (ordered by date_begin, org, report_id).
  std::vector<ReportListRow> list_reports() const;
  std::vector<FailureRow> list_failures() const;
  std::vector<OtherRow> list_others() const;
  TableCounts counts() const;

  // Records of the reports that belong to [since, until): a report belongs to
  // the period that holds the midpoint of its date range, so reporters whose
  // day starts at local midnight still land in the right UTC week. Ordered
  // by report id, then position.
  std::vector<PeriodRecord> period_records(std::int64_t since, std::int64_t until) const;
  // The same, except that the records for which detailed returns false are
  // merged: per report, one row per (disposition, dkim_aligned, spf_aligned)
  // with the sum of their counts (saturating), the report's fields, and empty
  // record fields (source_ip, identifiers, auth results, override reasons).
  // A report's merged rows follow its detailed rows, in order of first
  // appearance. Totals over any report field or verdict stay the same while
  // memory follows the detailed records; an empty filter keeps every record.
  std::vector<PeriodRecord> period_records(std::int64_t since, std::int64_t until,
                                           const DetailFilter& detailed) const;

  // The cached reverse DNS rows of ips that are valid at now
  // (resolved_at <= now < resolved_at + ttl); ips without such a row are
  // left out. Order follows ips; duplicates in ips give one row.
  std::vector<IpName> cached_ip_names(const std::vector<std::string>& ips,
                                      std::int64_t now) const;

  // Inserts the rows, replacing the cached row of the same ip; one
  // transaction.
  void save_ip_names(const std::vector<IpName>& names);

  // The stored raw bytes, decompressed; nullopt if no such id.
  std::optional<std::string> raw_bytes(std::int64_t raw_id) const;

  // The checkpoint of a mailbox (key: a URL naming user, host and mailbox,
  // never a password); nullopt if the mailbox was never read.
  std::optional<MailboxState> mailbox_state(std::string_view mailbox) const;
  // Writes the checkpoint (inside the open Batch, if any).
  void set_mailbox_state(std::string_view mailbox, const MailboxState& state);

  // Groups every write made until commit() into one transaction, so that all
  // that comes of one input (raw bytes, reports, failures, a checkpoint) is
  // stored together or not at all; the writes' own transactions become
  // savepoints inside it. Destroyed uncommitted, it rolls everything back.
  // Throws Fatal if the transaction cannot be started or committed.
  // Foreign keys are not checked row by row inside a Batch: its writes come
  // from this class, whose references are right by construction (the
  // tests run PRAGMA foreign_key_check), and the checks cost a sixth of
  // ingestion's database time.
  class Batch {
   public:
    explicit Batch(Store& store);
    ~Batch();
    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;
    void commit();

   private:
    std::unique_ptr<Transaction> m_transaction;
    class Database* m_unchecked = nullptr;  // set while this Batch paused the checks
    void check_foreign_keys_again() noexcept;
  };

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;

  // bytes, when given, are compressed if raw holds no compressed form.
  RawInput save_raw(const EncodedRaw& raw, std::optional<std::string_view> bytes,
                    std::string_view origin);
};

// Looks up stored raw bytes from a thread other than the Store's (a worker
// that reads and parses inputs ahead of the writer). One thread at a time.
class RawLookup {
 public:
  explicit RawLookup(const std::filesystem::path& path);  // throws Fatal
  ~RawLookup();
  RawLookup(const RawLookup&) = delete;
  RawLookup& operator=(const RawLookup&) = delete;

  // As Store::known_raw, over what is committed.
  std::optional<KnownRaw> find(std::string_view sha256);

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace dmarc::store
