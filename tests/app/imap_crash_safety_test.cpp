// Crash safety of `dmarcdb ingest --imap`: the binary is killed with SIGKILL
// at seeded random moments while it ingests a mailbox on a real Dovecot;
// after every kill the database passes PRAGMA integrity_check and
// foreign_key_check and the mailbox has lost nothing; a final uninterrupted
// run leaves exactly the rows (checkpoint included) of a run that was never
// killed, and the mailbox ends as that run leaves it: flags untouched by
// default, every message in the --move-to folder exactly once with it.
//
// Every series reads its own copy of one seeded folder (same messages, same
// UIDs, same UIDVALIDITY), so the rows of two series differ only in the
// folder's name inside origins and checkpoint keys; dumps replace it.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "ingest/mail.hpp"
#include "tests/app/ingest_runs.hpp"
#include "tests/ingest/imap_test_support.hpp"

namespace dmarc::testing {
namespace {

namespace fs = std::filesystem;

constexpr int k_generated_mails = 120;
constexpr int k_records_per_report = 40;
constexpr std::uint64_t k_uidvalidity = 1'790'000'123;
constexpr int k_series_per_mode = 2;
constexpr int k_kills_per_series = 5;
constexpr const char* k_seed = "Seed";

// An e-mail like a reporter's: the generated report gzipped and attached.
std::string generated_mail(int number) {
  const std::string id = "imap-gen-" + std::to_string(number);
  const std::string xml = generated_report(number, k_records_per_report);
  return "From: DMARC Reports <dmarc@gen.example>\n"
         "To: dmarc-reports@example.com\n"
         "Subject: Report Domain: example.com Submitter: gen.example Report-ID: " +
         id +
         "\n"
         "Date: Mon, 23 Nov 2026 02:00:00 +0000\n"
         "Message-ID: <" +
         id +
         "@gen.example>\n"
         "MIME-Version: 1.0\n"
         "Content-Type: multipart/mixed; boundary=\"part\"\n\n"
         "--part\nContent-Type: text/plain\n\nAn aggregate report.\n"
         "--part\nContent-Type: application/gzip; name=\"" +
         id + ".xml.gz\"\nContent-Disposition: attachment; filename=\"" + id +
         ".xml.gz\"\nContent-Transfer-Encoding: base64\n\n" + base64(gzip(xml)) + "\n--part--\n";
}

// The sample e-mails, the messages of the sample mbox, then generated ones.
std::vector<std::string> seed_messages() {
  std::vector<std::string> out;
  for (const fs::path& path : sample_mail_paths()) out.push_back(read_bytes(path));
  const std::string mbox = read_bytes(fs::path(DMARCDB_SOURCE_DIR) / "samples/reports/rua-inbox.mbox");
  Expected<std::vector<std::string>> split = ingest::split_mbox(mbox, Limits{});
  if (split) out.insert(out.end(), split->begin(), split->end());
  for (int i = 0; i < k_generated_mails; ++i) out.push_back(generated_mail(i));
  return out;
}

// One message as doveadm shows it; \Recent (a session's, not the message's) left out.
struct MessageView {
  std::uint64_t uid = 0;
  std::string message_id;
  std::string flags;
  bool seen() const { return flags.find("\\Seen") != std::string::npos; }
  auto operator<=>(const MessageView&) const = default;
};

// flags (as doveadm prints them) without one flag.
std::string without(std::string flags, const std::string& flag) {
  for (std::size_t at; (at = flags.find(flag)) != std::string::npos;) {
    flags.erase(at, flag.size());
    if (at < flags.size() && flags[at] == ' ') flags.erase(at, 1);
  }
  while (!flags.empty() && flags.back() == ' ') flags.pop_back();
  return flags;
}

std::vector<MessageView> messages_of(const DovecotServer& server, const std::string& mailbox) {
  std::stringstream lines(server.doveadm(std::string("fetch -u ") + DovecotServer::k_user +
                                         " 'uid flags hdr.message-id' mailbox '" + mailbox +
                                         "' all"));
  std::vector<MessageView> out;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("uid: ", 0) == 0) {
      out.push_back({});
      out.back().uid = std::stoull(line.substr(5));
    } else if (out.empty()) {
      continue;
    } else if (line.rfind("flags:", 0) == 0) {
      out.back().flags = without(line.size() > 7 ? line.substr(7) : "", "\\Recent");
    } else if (line.rfind("hdr.message-id: ", 0) == 0) {
      out.back().message_id = line.substr(16);
    }
  }
  return out;
}

// Message-ID -> flags of every message in the mailboxes; a message found
// twice makes its id appear twice in `duplicates`.
std::map<std::string, std::string> flags_by_id(const DovecotServer& server,
                                               const std::vector<std::string>& mailboxes,
                                               std::vector<std::string>& duplicates) {
  std::map<std::string, std::string> out;
  for (const std::string& mailbox : mailboxes) {
    for (const MessageView& m : messages_of(server, mailbox)) {
      if (!out.emplace(m.message_id, m.flags).second) duplicates.push_back(m.message_id);
    }
  }
  return out;
}

class ImapCrashSafety : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = DovecotServer::start();
    if (auto* error = std::get_if<std::string>(&started)) FAIL() << *error;
    m_server = std::move(std::get<std::unique_ptr<DovecotServer>>(started));
    m_password_file = m_dir.path() / "password";
    write_file(m_password_file, std::string(DovecotServer::k_password) + "\n");
    fs::permissions(m_password_file, fs::perms::owner_read | fs::perms::owner_write);
    m_log = m_dir.path() / "ingest.log";

    const std::vector<std::string> messages = seed_messages();
    ASSERT_GT(messages.size(), 120u);
    // Some messages were read before, some are flagged: both must stay so.
    for (std::size_t i = 0; i < messages.size(); ++i) {
      m_server->deliver(messages[i], k_seed, i % 4 == 1);
    }
    m_seed = messages_of(*m_server, k_seed);
    ASSERT_EQ(m_seed.size(), messages.size());
    std::string flagged;
    for (const MessageView& m : m_seed) {
      if (m.uid % 5 == 2) flagged += (flagged.empty() ? "" : ",") + std::to_string(m.uid);
    }
    m_server->doveadm(std::string("flags add -u ") + DovecotServer::k_user +
                      " '\\Flagged' mailbox Seed uid " + flagged);
    m_seed = messages_of(*m_server, k_seed);
    ASSERT_NE(m_seed[1].flags.find("\\Flagged"), std::string::npos) << m_seed[1].flags;
    std::set<std::string> ids;
    for (const MessageView& m : m_seed) ids.insert(m.message_id);
    ASSERT_EQ(ids.size(), m_seed.size()) << "every seeded message needs its own Message-ID";
  }

  // A new folder with the seeded messages under the same UIDs and UIDVALIDITY.
  void copy_seed(const std::string& folder) {
    const std::string user = DovecotServer::k_user;
    m_server->doveadm("mailbox create -u " + user + " '" + folder + "'");
    m_server->doveadm("copy -u " + user + " '" + folder + "' mailbox Seed all");
    m_server->set_uidvalidity(folder, k_uidvalidity);
    std::vector<MessageView> copied = messages_of(*m_server, folder);
    ASSERT_EQ(copied, m_seed) << folder;
  }

  std::string key(const std::string& folder) const {
    return std::string("imaps://") + DovecotServer::k_user +
           "@127.0.0.1:" + std::to_string(m_server->imaps_port()) + "/" + folder;
  }

  std::vector<std::string> arguments(const fs::path& db, const std::string& folder,
                                     const std::string& move_to) const {
    std::vector<std::string> out = {"ingest",
                                    "--quiet",
                                    "--db",
                                    db.string(),
                                    "--imap",
                                    m_server->imaps_url(folder),
                                    "--password-file",
                                    m_password_file.string(),
                                    "--ca-file",
                                    m_server->ca_file()};
    if (!move_to.empty()) out.insert(out.end(), {"--move-to", move_to});
    return out;
  }

  // The canonical dump, with the folder's checkpoint key written as MAILBOX.
  std::vector<std::string> dump(const fs::path& db, const std::string& folder) const {
    const std::string name = key(folder);
    std::vector<std::string> rows = canonical_dump(db);
    for (std::string& row : rows) {
      for (std::size_t at; (at = row.find(name)) != std::string::npos;) {
        row.replace(at, name.size(), "MAILBOX");
      }
    }
    std::sort(rows.begin(), rows.end());
    return rows;
  }

  // The folder's checkpoint: the last UID whose message is done (0: none).
  std::uint64_t last_uid(const fs::path& db, const std::string& folder) const {
    if (!fs::exists(db)) return 0;
    store::Database database(db);
    // Killed before the schema was made: nothing is done.
    if (rows_of(database, "SELECT name FROM sqlite_master WHERE name = 'mailbox_state'").empty()) {
      return 0;
    }
    const std::string sql =
        "SELECT last_uid FROM mailbox_state WHERE mailbox = '" + key(folder) + "'";
    const std::vector<std::string> rows = rows_of(database, sql.c_str());
    return rows.empty() ? 0 : std::stoull(rows.front());
  }

  std::chrono::microseconds timed_run(const fs::path& db, const std::string& folder,
                                      const std::string& move_to) {
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(wait_exit(start_dmarcdb(arguments(db, folder, move_to), m_log)), 0)
        << read_bytes(m_log);
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                                 start);
  }

  ScratchDir m_dir;
  std::unique_ptr<DovecotServer> m_server;
  fs::path m_password_file;
  fs::path m_log;
  std::vector<MessageView> m_seed;
};

// The next kill's delay: drawn from a third of the time an uninterrupted run
// takes for the messages still to do, so that every kill of a series is
// likely to land while the binary still has work, even when the machine is
// busier or idler than it was during the uninterrupted run.
std::chrono::microseconds kill_delay(std::mt19937& random, std::chrono::microseconds full_run,
                                     std::size_t remaining, std::size_t total) {
  const long long bound =
      full_run.count() * static_cast<long long>(remaining) / static_cast<long long>(total) / 3;
  return std::chrono::microseconds(std::uniform_int_distribution<long long>(0, bound)(random));
}

// Kills the run pid after delay and checks the database it leaves. Returns
// whether the binary was still running when it was killed.
bool kill_once(pid_t pid, std::chrono::microseconds delay, const fs::path& db,
               const std::string& where) {
  std::this_thread::sleep_for(delay);
  kill(pid, SIGKILL);
  const int exit = wait_exit(pid);
  EXPECT_TRUE(exit == -SIGKILL || exit == 0) << where << ": exit " << exit;
  if (fs::exists(db)) {  // not killed before the file was created
    EXPECT_EQ(pragma_rows(db, "PRAGMA integrity_check"), std::vector<std::string>{"ok"}) << where;
    EXPECT_TRUE(pragma_rows(db, "PRAGMA foreign_key_check").empty()) << where;
  }
  return exit == -SIGKILL;
}

TEST_F(ImapCrashSafety, KilledMailboxIngestKeepsFlagsAndRerunMatchesUninterruptedRun) {
  ASSERT_TRUE(m_server);
  ASSERT_NO_FATAL_FAILURE(copy_seed("Reference"));
  const fs::path reference = m_dir.path() / "reference.db";
  const std::chrono::microseconds full_run = timed_run(reference, "Reference", "");
  const std::vector<std::string> expected = dump(reference, "Reference");
  ASSERT_GT(expected.size(), 10'000u) << read_bytes(m_log);
  ASSERT_EQ(last_uid(reference, "Reference"), m_seed.back().uid);
  ASSERT_EQ(messages_of(*m_server, "Reference"), m_seed) << "an uninterrupted run changes no flag";

  std::mt19937 random(20261128);
  int killed_while_running = 0;
  for (int series = 0; series < k_series_per_mode; ++series) {
    const std::string folder = "Keep" + std::to_string(series);
    ASSERT_NO_FATAL_FAILURE(copy_seed(folder));
    const fs::path db = m_dir.path() / (folder + ".db");
    // The messages a kill may have caught between the fetch (which sets
    // \Seen, see below) and putting the flag back: the one after the
    // checkpoint.
    std::set<std::uint64_t> in_flight;
    for (int kill_number = 0; kill_number < k_kills_per_series; ++kill_number) {
      const std::string where = folder + ", kill " + std::to_string(kill_number);
      const std::uint64_t checkpoint = last_uid(db, folder);
      const auto remaining = std::count_if(m_seed.begin(), m_seed.end(), [&](const MessageView& m) {
        return m.uid > checkpoint;
      });
      const pid_t pid = start_dmarcdb(arguments(db, folder, ""), m_log);
      const auto delay = kill_delay(random, full_run, static_cast<std::size_t>(remaining), m_seed.size());
      if (kill_once(pid, delay, db, where)) ++killed_while_running;
      in_flight.insert(last_uid(db, folder) + 1);
    }
    ASSERT_EQ(wait_exit(start_dmarcdb(arguments(db, folder, ""), m_log)), 0) << read_bytes(m_log);
    const std::vector<std::string> actual = dump(db, folder);
    EXPECT_EQ(actual.size(), expected.size()) << folder;
    EXPECT_TRUE(actual == expected) << folder << ": missing after the kills:\n"
                                    << difference(expected, actual) << "extra:\n"
                                    << difference(actual, expected);

    // libcurl fetches by URL, which sets \Seen; the run puts it back before
    // it stores the message and moves the checkpoint past it. A kill between
    // the fetch and the restore leaves that one message \Seen, and the next
    // run, finding it \Seen, cannot tell it was not. So each kill may leak
    // \Seen to at most the message after the checkpoint it left, and no
    // other flag changes.
    const std::vector<MessageView> after = messages_of(*m_server, folder);
    ASSERT_EQ(after.size(), m_seed.size()) << folder;
    int leaked = 0;
    for (std::size_t i = 0; i < after.size(); ++i) {
      const MessageView& was = m_seed[i];
      const MessageView& is = after[i];
      EXPECT_EQ(is.uid, was.uid);
      EXPECT_EQ(is.message_id, was.message_id);
      if (is.flags == was.flags) continue;
      ++leaked;
      EXPECT_TRUE(is.seen() && !was.seen() && in_flight.count(is.uid))
          << folder << ": UID " << is.uid << " flags \"" << was.flags << "\" became \"" << is.flags
          << "\"";
      EXPECT_EQ(without(is.flags, "\\Seen"), was.flags) << folder << ": UID " << is.uid;
    }
    EXPECT_LE(leaked, k_kills_per_series) << folder;
    RecordProperty(folder + "_seen_leaked", leaked);
  }
  RecordProperty("kills_while_running", killed_while_running);
  // Most kills must land while the binary runs, or the test proves little.
  EXPECT_GE(killed_while_running, k_series_per_mode * k_kills_per_series * 4 / 5);
}

TEST_F(ImapCrashSafety, KilledMoveToIngestMovesEveryMessageExactlyOnceAndMatchesUninterruptedRun) {
  ASSERT_TRUE(m_server);
  ASSERT_NO_FATAL_FAILURE(copy_seed("Reference"));
  const fs::path reference = m_dir.path() / "reference.db";
  const std::chrono::microseconds full_run = timed_run(reference, "Reference", "ReferenceDone");
  const std::vector<std::string> expected = dump(reference, "Reference");
  ASSERT_GT(expected.size(), 10'000u) << read_bytes(m_log);
  ASSERT_EQ(last_uid(reference, "Reference"), m_seed.back().uid);
  ASSERT_EQ(m_server->count("Reference"), 0);

  std::map<std::string, std::string> seeded;
  for (const MessageView& m : m_seed) seeded[m.message_id] = m.flags;

  std::mt19937 random(20261129);
  int killed_while_running = 0;
  for (int series = 0; series < k_series_per_mode; ++series) {
    const std::string folder = "Move" + std::to_string(series);
    const std::string done = folder + "Done";
    ASSERT_NO_FATAL_FAILURE(copy_seed(folder));
    const fs::path db = m_dir.path() / (folder + ".db");
    int leaked_before = 0;
    for (int kill_number = 0; kill_number < k_kills_per_series; ++kill_number) {
      const std::string where = folder + ", kill " + std::to_string(kill_number);
      const auto remaining = static_cast<std::size_t>(std::max(0L, m_server->count(folder)));
      const pid_t pid = start_dmarcdb(arguments(db, folder, done), m_log);
      if (kill_once(pid, kill_delay(random, full_run, remaining, m_seed.size()), db, where)) {
        ++killed_while_running;
      }
      // What the checkpoint says is done has left the folder.
      const std::uint64_t checkpoint = last_uid(db, folder);
      for (const MessageView& m : messages_of(*m_server, folder)) {
        EXPECT_GT(m.uid, checkpoint) << where << ": UID " << m.uid << " is done but not moved";
      }
      // Between the two folders every message is there exactly once, and
      // this kill left \Seen on at most one more (see the first test).
      std::vector<std::string> duplicates;
      const std::map<std::string, std::string> now = flags_by_id(*m_server, {folder, done}, duplicates);
      EXPECT_TRUE(duplicates.empty()) << where << ": " << duplicates.front();
      EXPECT_EQ(now.size(), seeded.size()) << where;
      int leaked = 0;
      for (const auto& [id, flags] : now) leaked += flags != seeded[id];
      EXPECT_LE(leaked, leaked_before + 1) << where;
      leaked_before = leaked;
    }
    ASSERT_EQ(wait_exit(start_dmarcdb(arguments(db, folder, done), m_log)), 0) << read_bytes(m_log);
    const std::vector<std::string> actual = dump(db, folder);
    EXPECT_EQ(actual.size(), expected.size()) << folder;
    EXPECT_TRUE(actual == expected) << folder << ": missing after the kills:\n"
                                    << difference(expected, actual) << "extra:\n"
                                    << difference(actual, expected);

    EXPECT_EQ(m_server->count(folder), 0) << folder << ": messages left behind";
    std::vector<std::string> duplicates;
    const std::map<std::string, std::string> moved = flags_by_id(*m_server, {done}, duplicates);
    EXPECT_TRUE(duplicates.empty()) << folder << ": moved twice: " << duplicates.front();
    EXPECT_EQ(moved.size(), seeded.size()) << folder;
    int leaked = 0;
    for (const auto& [id, flags] : seeded) {
      const auto found = moved.find(id);
      if (found == moved.end()) {
        ADD_FAILURE() << done << ": " << id << " is missing";
      } else if (found->second != flags) {
        ++leaked;
        EXPECT_NE(found->second.find("\\Seen"), std::string::npos) << id;
        EXPECT_EQ(without(found->second, "\\Seen"), flags) << id;
      }
    }
    EXPECT_LE(leaked, k_kills_per_series) << folder;
    RecordProperty(folder + "_seen_leaked", leaked);
  }
  RecordProperty("kills_while_running", killed_while_running);
  EXPECT_GE(killed_while_running, k_series_per_mode * k_kills_per_series * 4 / 5);
}

}  // namespace
}  // namespace dmarc::testing
