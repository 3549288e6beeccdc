// Helpers for tests that run `dmarcdb ingest` as a separate process and
// compare databases: an input folder (the samples plus generated reports,
// some gzipped, some repeated), starting and killing the binary, database
// checks after a kill, and a canonical dump of every table that leaves out
// row ids and clock times (foreign keys are replaced by the natural keys
// they point at).
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "store/database.hpp"
#include "tests/support/encode.hpp"
#include "tests/support/temp_dir.hpp"

namespace dmarc::testing {

using ScratchDir = dmarc::test::TempDir;

inline void write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

// One generated aggregate report with `records` records.
inline std::string generated_report(int number, int records) {
  std::string xml =
      "<?xml version=\"1.0\"?><feedback><report_metadata><org_name>gen" +
      std::to_string(number % 7) + ".example</org_name><report_id>gen-" + std::to_string(number) +
      "</report_id><date_range><begin>" + std::to_string(1790000000 + number * 86400) +
      "</begin><end>" + std::to_string(1790000000 + number * 86400 + 86399) +
      "</end></date_range></report_metadata><policy_published><domain>example.com</domain>"
      "<p>reject</p></policy_published>";
  for (int r = 0; r < records; ++r) {
    xml += "<record><row><source_ip>198.51.100." + std::to_string(r % 250) + "</source_ip><count>" +
           std::to_string(r + number) +
           "</count><policy_evaluated><disposition>reject</disposition><dkim>fail</dkim><spf>"
           "fail</spf><reason><type>local_policy</type></reason></policy_evaluated></row>"
           "<identifiers><header_from>example.com</header_from></identifiers><auth_results>"
           "<dkim><domain>example.com</domain><selector>s" +
           std::to_string(r) +
           "</selector><result>fail</result></dkim><spf><domain>example.com</domain><result>"
           "fail</result></spf></auth_results></record>";
  }
  return xml + "</feedback>";
}

// The input folder: samples/reports, `generated` reports (every third one
// gzipped, every fifth one stored twice under another name) and a broken file.
inline void make_input_folder(const std::filesystem::path& folder, int generated, int records) {
  std::filesystem::create_directories(folder);
  std::filesystem::copy(std::filesystem::path(DMARCDB_SOURCE_DIR) / "samples" / "reports",
                        folder / "samples", std::filesystem::copy_options::recursive);
  for (int i = 0; i < generated; ++i) {
    const std::string xml = generated_report(i, records);
    const std::string name = "gen/" + std::to_string(1000 + i);
    if (i % 3 == 0) {
      write_file(folder / (name + ".xml.gz"), gzip(xml));
    } else {
      write_file(folder / (name + ".xml"), xml);
    }
    if (i % 5 == 0) write_file(folder / ("gen/copy-" + std::to_string(1000 + i) + ".xml"), xml);
  }
  write_file(folder / "gen/broken.xml", "<feedback><report_metadata>");
}

// Starts `dmarcdb arguments...`; stdout and stderr go to log.
inline pid_t start_dmarcdb(const std::vector<std::string>& arguments,
                           const std::filesystem::path& log) {
  std::vector<char*> argv{const_cast<char*>("dmarcdb")};
  for (const std::string& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    execv(DMARCDB_BINARY, argv.data());
    _exit(127);
  }
  return pid;
}

// Starts `dmarcdb ingest --quiet --db db folder`; stdout and stderr go to log.
inline pid_t start_ingest(const std::filesystem::path& db, const std::filesystem::path& folder,
                          const std::filesystem::path& log) {
  return start_dmarcdb({"ingest", "--quiet", "--db", db.string(), folder.string()}, log);
}

// Waits for pid; returns its exit code, or -signal when it was killed.
inline int wait_exit(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) throw std::runtime_error("waitpid failed");
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return WIFSIGNALED(status) ? -WTERMSIG(status) : -1000;
}

inline int run_ingest(const std::filesystem::path& db, const std::filesystem::path& folder,
                      const std::filesystem::path& log) {
  return wait_exit(start_ingest(db, folder, log));
}

inline std::vector<std::string> rows_of(store::Database& db, const char* sql) {
  store::Statement query(db, sql, "canonical dump");
  std::vector<std::string> rows;
  while (query.step()) {
    std::string row;
    for (int i = 0; i < query.column_count(); ++i) {
      row += i ? "|" : "";
      row += query.column_is_null(i) ? "NULL" : query.column_text(i);
    }
    rows.push_back(std::move(row));
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

// The rows a PRAGMA such as integrity_check returns for the database at path.
inline std::vector<std::string> pragma_rows(const std::filesystem::path& path, const char* pragma) {
  store::Database db(path);
  return rows_of(db, pragma);
}

// Every table's rows, without ids and times; each line starts with the table.
inline std::vector<std::string> canonical_dump(const std::filesystem::path& path) {
  store::Database db(path);
  // A report's identity, and a record's, as text.
  constexpr const char* report_key =
      "ifnull(rep.org_name,'') || '/' || rep.report_id || '/' || ifnull(rep.policy_domain,'') "
      "|| '/' || rep.date_begin || '/' || rep.date_end";
  const std::vector<std::pair<std::string, std::string>> tables = {
      {"raw_reports", "SELECT sha256, size, compression, origin FROM raw_reports"},
      {"reports",
       "SELECT rep.org_name, email, extra_contact_info, report_id, date_begin, date_end, "
       "generator, policy_domain, policy_adkim, policy_aspf, policy_p, policy_sp, policy_np, "
       "policy_pct, policy_fo, policy_testing, policy_discovery_method, schema_version, "
       "xml_version, extensions, record_count, message_count, raw.sha256, rep.origin "
       "FROM reports AS rep LEFT JOIN raw_reports AS raw ON raw.id = rep.raw_id"},
      {"report_errors", std::string("SELECT ") + report_key +
                            ", e.position, e.message FROM report_errors AS e "
                            "JOIN reports AS rep ON rep.id = e.report_ref"},
      {"report_warnings", std::string("SELECT ") + report_key +
                              ", w.position, w.message FROM report_warnings AS w "
                              "JOIN reports AS rep ON rep.id = w.report_ref"},
      {"records", std::string("SELECT ") + report_key +
                      ", rec.position, source_ip, count, disposition, dkim_aligned, spf_aligned, "
                      "header_from, envelope_from, envelope_to, rec.extensions FROM records AS "
                      "rec JOIN reports AS rep ON rep.id = rec.report_ref"},
      {"policy_override_reasons",
       std::string("SELECT ") + report_key +
           ", rec.position, x.position, x.type, x.comment FROM policy_override_reasons AS x "
           "JOIN records AS rec ON rec.id = x.record_ref JOIN reports AS rep ON rep.id = "
           "rec.report_ref"},
      {"dkim_results",
       std::string("SELECT ") + report_key +
           ", rec.position, x.position, x.domain, x.selector, x.result, x.human_result FROM "
           "dkim_results AS x JOIN records AS rec ON rec.id = x.record_ref JOIN reports AS rep "
           "ON rep.id = rec.report_ref"},
      {"spf_results",
       std::string("SELECT ") + report_key +
           ", rec.position, x.position, x.domain, x.scope, x.result, x.human_result FROM "
           "spf_results AS x JOIN records AS rec ON rec.id = x.record_ref JOIN reports AS rep "
           "ON rep.id = rec.report_ref"},
      {"ingest_failures",
       "SELECT raw.sha256, f.origin, f.part, f.code, f.message FROM ingest_failures AS f "
       "LEFT JOIN raw_reports AS raw ON raw.id = f.raw_id"},
      {"other_inputs",
       "SELECT raw.sha256, o.origin, o.part, o.kind, o.detail FROM other_inputs AS o "
       "LEFT JOIN raw_reports AS raw ON raw.id = o.raw_id"},
      {"mailbox_state", "SELECT mailbox, uidvalidity, last_uid FROM mailbox_state"},
      {"ip_names", "SELECT ip, name, status, ttl FROM ip_names"},
  };
  std::vector<std::string> dump;
  for (const auto& [table, sql] : tables) {
    for (std::string& row : rows_of(db, sql.c_str())) dump.push_back(table + ": " + row);
  }
  std::sort(dump.begin(), dump.end());
  return dump;
}

// Lines in a but not in b (at most limit), for readable failure messages.
inline std::string difference(const std::vector<std::string>& a, const std::vector<std::string>& b,
                              std::size_t limit = 5) {
  std::vector<std::string> only;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(only));
  std::string out;
  for (std::size_t i = 0; i < only.size() && i < limit; ++i) out += "  " + only[i] + "\n";
  if (only.size() > limit) out += "  ... " + std::to_string(only.size() - limit) + " more\n";
  return out;
}

}  // namespace dmarc::testing
