// The table of hostile inputs, end to end: each input is built in the test,
// ingested by the Pipeline into a real SQLite file in a child process, and
// must end as a recorded failure with the expected code and a message naming
// the field or limit, or as a stored report flagged with a warning. The child
// is a hang guard (killed after a generous time) and its peak memory is
// checked against the limits. Limits are scaled down from the defaults so
// that bombs stay cheap; the code paths are the same.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ingest/pipeline.hpp"
#include "store/database.hpp"
#include "store/store.hpp"
#include "tests/support/bombs.hpp"
#include "tests/support/encode.hpp"
#include "tests/support/temp_dir.hpp"

namespace dmarc::ingest {
namespace {

using namespace dmarc::testing;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool k_sanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool k_sanitized = true;
#else
constexpr bool k_sanitized = false;
#endif
#else
constexpr bool k_sanitized = false;
#endif

constexpr std::uint64_t k_mib = 1 << 20;

Limits table_limits() {
  Limits limits;
  limits.max_unpacked_bytes = 64 * k_mib;
  limits.max_xml_bytes = 16 * k_mib;
  return limits;
}

// Peak resident memory allowed to one child: a few times what the limits let
// the pipeline hold at once, plus the process itself (not checked under
// ASan, whose shadow memory and quarantine dominate).
constexpr std::uint64_t k_max_child_rss = 4 * 64 * k_mib + 160 * k_mib;

std::string report_xml(std::string_view metadata_extra, std::string_view records,
                       std::string_view begin = "1700000000", std::string_view end = "1700086399",
                       std::string_view org = "receiver.example") {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><feedback><report_metadata><org_name>" +
         std::string(org) + "</org_name><report_id>h-1</report_id><date_range><begin>" +
         std::string(begin) + "</begin><end>" + std::string(end) + "</end></date_range>" +
         std::string(metadata_extra) +
         "</report_metadata><policy_published><domain>example.com</domain><p>reject</p>"
         "</policy_published>" +
         std::string(records) + "</feedback>";
}

std::string record(std::string_view ip = "192.0.2.1", std::string_view count = "3") {
  return "<record><row><source_ip>" + std::string(ip) + "</source_ip><count>" + std::string(count) +
         "</count><policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>fail"
         "</spf></policy_evaluated></row><identifiers><header_from>example.com</header_from>"
         "</identifiers><auth_results><spf><domain>example.com</domain><result>fail</result>"
         "</spf></auth_results></record>";
}

std::string nested_gzip(std::string bytes, int layers) {
  for (int i = 0; i < layers; ++i) bytes = gzip(bytes);
  return bytes;
}

std::string many_member_zip(std::uint32_t members) {
  std::vector<ZipEntry> entries;
  entries.reserve(members);
  for (std::uint32_t i = 0; i < members; ++i) {
    ZipEntry e;
    e.name = "m" + std::to_string(i) + ".xml";
    e.method = 0;
    entries.push_back(std::move(e));
  }
  return zip_of(entries);
}

std::string zip_bomb(std::uint64_t bytes) {
  const Deflated d = deflate_bomb("", '\0', bytes);
  ZipEntry e;
  e.name = "bomb.xml";
  e.data = d.raw;
  e.crc = d.crc;
  e.size = static_cast<std::uint32_t>(d.size & 0xffffffffu);
  return zip_of({e});
}

std::string overlapping_zip() {
  const Deflated d = deflate_bomb("<feedback>", ' ', 8 * k_mib, "</feedback>");
  ZipEntry e;
  e.name = "kernel.xml";
  e.data = d.raw;
  e.crc = d.crc;
  e.size = static_cast<std::uint32_t>(d.size);
  return zip_of({e}, ZipOptions{200});
}

std::string nested_zip(int layers) {
  std::string bytes = report_xml("", record());
  for (int i = 0; i < layers; ++i)
    bytes = zip_of({deflated_entry("inner" + std::to_string(i), bytes)});
  return bytes;
}

std::string billion_laughs() {
  std::string dtd = "<!DOCTYPE feedback [<!ENTITY lol \"lol\">";
  std::string prev = "lol";
  for (int i = 1; i <= 9; ++i) {
    std::string name = "lol" + std::to_string(i);
    dtd += "<!ENTITY " + name + " \"";
    for (int j = 0; j < 10; ++j) dtd += "&" + prev + ";";
    dtd += "\">";
    prev = name;
  }
  dtd += "]>";
  return "<?xml version=\"1.0\"?>" + dtd +
         report_xml("", record(), "1700000000", "1700086399", "&lol9;")
             .substr(std::string("<?xml version=\"1.0\" "
                                 "encoding=\"UTF-8\"?>")
                         .size());
}

std::string deep_nesting(int depth) {
  std::string xml = "<feedback>";
  for (int i = 0; i < depth; ++i) xml += "<a>";
  for (int i = 0; i < depth; ++i) xml += "</a>";
  return xml + "</feedback>";
}

std::string one_gigabyte_element() {
  return gzip_of(deflate_bomb("<?xml version=\"1.0\"?><feedback><report_metadata><org_name>", 'a',
                              1024 * k_mib, "</org_name></report_metadata></feedback>"));
}

std::string large_plain_element() {
  return "<feedback><report_metadata><org_name>" + std::string(17 * k_mib, 'a') +
         "</org_name></report_metadata></feedback>";
}

// What one row of the table expects.
struct Expect {
  // A failure with this code and message fragment; no report stored.
  std::optional<Code> code;
  std::string fragment;
  // Otherwise one stored report, with a warning holding fragment (if not
  // empty) and whatever check adds.
  std::function<void(store::Database&)> check = {};
};

struct HostileCase {
  const char* name;
  std::function<std::string()> input;
  Expect expect;
};

void PrintTo(const HostileCase& c, std::ostream* out) { *out << c.name; }

Expect failure(Code code, std::string fragment) { return Expect{code, std::move(fragment)}; }
Expect flagged(std::string warning, std::function<void(store::Database&)> check = {}) {
  return Expect{std::nullopt, std::move(warning), std::move(check)};
}

std::vector<std::string> column(store::Database& db, const char* sql) {
  store::Statement query(db, sql, "test query");
  std::vector<std::string> values;
  while (query.step()) values.push_back(query.column_optional_text(0).value_or("NULL"));
  return values;
}

const std::vector<HostileCase>& hostile_cases() {
  static const std::vector<HostileCase> cases = {
      {"gzip bomb (1 GiB of zeros in 1 MiB)",
       [] { return gzip_of(deflate_bomb("", '\0', 1024 * k_mib)); },
       failure(Code::too_large, "gzip stream inflates past max_unpacked_bytes (67108864)")},
      {"zip bomb, high ratio (1 GiB member)", [] { return zip_bomb(1024 * k_mib); },
       failure(Code::too_large, "zip member \"bomb.xml\" inflates past max_unpacked_bytes")},
      {"zip bomb, 200 overlapping members", overlapping_zip,
       failure(Code::malformed, "zip members overlap")},
      {"zip with 100,000 members", [] { return many_member_zip(100'000); },
       failure(Code::too_large, "zip has 100000 members, over max_zip_members (1000)")},
      {"gzip nested 6 deep", [] { return nested_gzip(report_xml("", record()), 6); },
       failure(Code::too_large, "deeper than max_archive_depth (4)")},
      {"zip nested 6 deep", [] { return nested_zip(6); },
       failure(Code::too_large, "deeper than max_archive_depth (4)")},
      {"empty zip archive", [] { return zip_of({}); },
       failure(Code::not_aggregate, "zip archive holds no member")},
      {"zip holding only __MACOSX entries",
       [] { return zip_of({deflated_entry("__MACOSX/._r.xml", "junk")}); },
       failure(Code::not_aggregate, "zip archive holds no member")},
      {"billion laughs", billion_laughs, failure(Code::malformed, "DOCTYPE declares entities")},
      {"external entity",
       [] {
         return "<?xml version=\"1.0\"?><!DOCTYPE feedback [<!ENTITY x SYSTEM "
                "\"file:///etc/passwd\">]>" +
                report_xml("", record()).substr(38);
       },
       failure(Code::malformed, "DOCTYPE declares entities")},
      {"10,000-deep nesting", [] { return deep_nesting(10'000); },
       failure(Code::too_large, "max_xml_depth (256)")},
      {"1 GiB single element (gzip)", one_gigabyte_element,
       failure(Code::too_large, "max_unpacked_bytes (67108864)")},
      {"17 MiB single element (plain)", large_plain_element,
       failure(Code::too_large, "over max_xml_bytes (16777216)")},
      {"count beyond 64 bits",
       [] { return report_xml("", record("192.0.2.1", "18446744073709551616")); },
       failure(Code::malformed,
               "feedback/record[1]/row/count \"18446744073709551616\" is out of range")},
      {"count beyond signed 64 bits",
       [] { return report_xml("", record("192.0.2.1", "9223372036854775808")); },
       failure(Code::malformed, "is out of range (max 9223372036854775807)")},
      {"negative count", [] { return report_xml("", record("192.0.2.1", "-5")); },
       failure(Code::malformed, "feedback/record[1]/row/count \"-5\" is not an unsigned integer")},
      {"invalid IPv6 address", [] { return report_xml("", record("2001:db8::g1")); },
       flagged("source_ip \"2001:db8::g1\" is not an IP address",
               [](store::Database& db) {
                 EXPECT_EQ(column(db, "SELECT source_ip FROM records"),
                           std::vector<std::string>{"NULL"});
               })},
      {"IPv4-mapped IPv6 address", [] { return report_xml("", record("::ffff:192.0.2.7")); },
       flagged("",
               [](store::Database& db) {
                 EXPECT_EQ(column(db, "SELECT source_ip FROM records"),
                           std::vector<std::string>{"192.0.2.7"});
               })},
      {"begin after end", [] { return report_xml("", record(), "1700086399", "1700000000"); },
       flagged("date_range begins (1700086399) after it ends (1700000000)")},
      {"dates in 2999", [] { return report_xml("", record(), "32503593600", "32503679999"); },
       flagged("date_range/end (32503679999, 2999-12-31T23:59:59Z) is in the future")},
      {"dates beyond year 9999",
       [] { return report_xml("", record(), "1700000000", "9223372036854775807"); },
       failure(Code::malformed,
               "date_range/end \"9223372036854775807\" is out of range (max 253402300799, "
               "9999-12-31T23:59:59Z)")},
      {"invalid UTF-8",
       [] { return report_xml("", record(), "1700000000", "1700086399", "M\xFCller"); },
       failure(Code::malformed, "invalid UTF-8 at byte offset 76")},
      {"NUL byte in a text field",
       [] { return report_xml("", record(), "1700000000", "1700086399", std::string("a\0b", 3)); },
       failure(Code::malformed, "NUL byte at offset 76; XML does not allow it")},
      {"report with 0 records", [] { return report_xml("", ""); },
       flagged("report has no <record>")},
      {"duplicate record rows", [] { return report_xml("", record() + record()); },
       flagged("feedback/record[2] repeats feedback/record[1]",
               [](store::Database& db) {
                 EXPECT_EQ(column(db, "SELECT count FROM records ORDER BY position"),
                           (std::vector<std::string>{"3", "3"}));
               })},
  };
  return cases;
}

using TempDir = dmarc::test::TempDir;

struct ChildResult {
  int status = 0;
  std::uint64_t max_rss_bytes = 0;
  bool timed_out = false;
};

// Runs body in a child process, killed after timeout.
ChildResult run_child(const std::function<void()>& body, std::chrono::seconds timeout) {
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    try {
      body();
    } catch (...) {
      _exit(3);
    }
    _exit(0);
  }
  ChildResult result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    rusage usage{};
    const pid_t done = wait4(pid, &result.status, WNOHANG, &usage);
    if (done == pid) {
      result.max_rss_bytes = static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;
      return result;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &result.status, 0);
      result.timed_out = true;
      return result;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

class HostileInput : public ::testing::TestWithParam<HostileCase> {};

TEST_P(HostileInput, EndsAsRecordedFailureOrFlaggedReportWithinLimits) {
  const HostileCase& c = GetParam();
  TempDir dir;
  const std::filesystem::path db_path = dir.path() / "hostile.db";
  const ChildResult child = run_child(
      [&] {
        const std::string bytes = c.input();
        store::Store store(db_path);
        Pipeline pipeline(store, table_limits());
        pipeline.ingest_bytes(bytes, c.name);
      },
      std::chrono::seconds(k_sanitized ? 600 : 120));
  ASSERT_FALSE(child.timed_out) << c.name;
  ASSERT_TRUE(WIFEXITED(child.status) && WEXITSTATUS(child.status) == 0)
      << c.name << ": child status " << child.status;
  if (!k_sanitized) {
    EXPECT_LE(child.max_rss_bytes, k_max_child_rss) << c.name;
  }

  store::Store store(db_path);
  EXPECT_EQ(store.counts().raw_reports, 1) << "the input's bytes are kept";
  if (c.expect.code) {
    EXPECT_EQ(store.counts().reports, 0);
    const auto failures = store.list_failures();
    ASSERT_FALSE(failures.empty()) << c.name;
    bool matched = false;
    for (const store::FailureRow& f : failures) {
      matched |= f.code == to_string(*c.expect.code) &&
                 f.message.find(c.expect.fragment) != std::string::npos;
    }
    EXPECT_TRUE(matched) << c.name << ": first failure is " << failures.front().code << ": "
                         << failures.front().message;
    return;
  }
  EXPECT_EQ(store.counts().ingest_failures, 0);
  ASSERT_EQ(store.counts().reports, 1) << c.name;
  store::Database db(db_path);
  if (!c.expect.fragment.empty()) {
    const auto warnings = column(db, "SELECT message FROM report_warnings");
    bool matched = false;
    for (const std::string& w : warnings) matched |= w.find(c.expect.fragment) != std::string::npos;
    EXPECT_TRUE(matched) << c.name << ": " << warnings.size() << " warnings"
                         << (warnings.empty() ? "" : ", first: " + warnings.front());
  }
  if (c.expect.check) c.expect.check(db);
}

std::string case_name(const ::testing::TestParamInfo<HostileCase>& param) {
  std::string name;
  for (const char* p = param.param.name; *p; ++p) {
    name += std::isalnum(static_cast<unsigned char>(*p)) ? *p : '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Table, HostileInput, ::testing::ValuesIn(hostile_cases()), case_name);

// An external DTD or entity must never be fetched: a listening socket named
// in the DOCTYPE sees no connection.
TEST(HostileXml, ExternalDtdAndEntityAreNeverFetched) {
  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(listen(listener, 4), 0);
  socklen_t length = sizeof address;
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const std::string url = "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/x";
  const std::string body = report_xml("", record()).substr(38);

  store::Store store(":memory:");
  Pipeline pipeline(store, table_limits());
  pipeline.ingest_bytes(
      "<?xml version=\"1.0\"?><!DOCTYPE feedback SYSTEM \"" + url + ".dtd\">" + body, "dtd.xml");
  pipeline.ingest_bytes("<?xml version=\"1.0\"?><!DOCTYPE feedback [<!ENTITY e SYSTEM \"" + url +
                            "\">]>" + body.substr(0, body.size() - 11) + "&e;</feedback>",
                        "entity.xml");
  EXPECT_EQ(store.counts().reports, 1) << "an external DTD is ignored";
  EXPECT_EQ(store.counts().ingest_failures, 1) << "an entity declaration is refused";
  EXPECT_LT(accept(listener, nullptr, nullptr), 0) << "nothing connected";
  close(listener);
}

}  // namespace
}  // namespace dmarc::ingest
