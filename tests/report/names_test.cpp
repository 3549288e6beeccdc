// Names for source addresses against a real NSD on 127.0.0.1 serving PTR
// zones for the samples' addresses (tests/support/sample_names.hpp): forward
// confirmation, the cache and its TTLs, odd names, the public suffix list.
#include "report/names.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <variant>

#include "dns/cares_resolver.hpp"
#include "parse/error.hpp"
#include "report/render.hpp"
#include "tests/support/nsd.hpp"
#include "tests/support/sample_names.hpp"

namespace dmarc::report {
namespace {

using testing::NsdServer;

constexpr std::int64_t k_now = 1'795'000'000;

// Passes queries on to a real resolver and counts them; can make every
// forward (A/AAAA) query time out.
class CountingResolver final : public dns::Resolver {
 public:
  explicit CountingResolver(dns::Resolver& inner) : m_inner(inner) {}
  dns::Answer query(std::string_view name, dns::RecordType type) override {
    return query_many({{std::string(name), type}}).front();
  }
  std::vector<dns::Answer> query_many(const std::vector<dns::Question>& questions) override {
    m_queries += questions.size();
    std::vector<dns::Answer> answers = m_inner.query_many(questions);
    for (std::size_t i = 0; i < questions.size() && m_forward_times_out; ++i) {
      if (questions[i].type != dns::RecordType::ptr) {
        answers[i] = dns::Answer{dns::Status::timeout, {}, 0, "timed out"};
      }
    }
    return answers;
  }
  std::size_t queries() const { return m_queries; }
  void make_forward_time_out() { m_forward_times_out = true; }

 private:
  dns::Resolver& m_inner;
  std::size_t m_queries = 0;
  bool m_forward_times_out = false;
};

class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    char pattern[] = "/tmp/dmarcdb-psl-XXXXXX";
    const int fd = mkstemp(pattern);
    if (fd >= 0) close(fd);
    m_path = pattern;
    std::ofstream(m_path) << text;
  }
  ~TempFile() { std::filesystem::remove(m_path); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::filesystem::path& path() const { return m_path; }

 private:
  std::filesystem::path m_path;
};

dns::CaresOptions options_for(const std::string& address) {
  dns::CaresOptions options;
  options.servers = address;
  options.timeout = std::chrono::milliseconds(500);
  options.tries = 1;
  return options;
}

class Names : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto started = NsdServer::start(testing::sample_name_zones());
    if (auto* server = std::get_if<std::unique_ptr<NsdServer>>(&started)) {
      s_server = std::move(*server);
    } else {
      s_error = std::get<std::string>(started);
    }
    s_psl_file = std::make_unique<TempFile>(testing::k_test_psl);
  }
  static void TearDownTestSuite() {
    s_server.reset();
    s_psl_file.reset();
  }
  void SetUp() override {
    ASSERT_TRUE(s_server) << "cannot start NSD: " << s_error;
    m_cares = std::make_unique<dns::CaresResolver>(options_for(s_server->address()));
    m_resolver = std::make_unique<CountingResolver>(*m_cares);
  }

  FoundNames find(const std::vector<std::string>& ips, std::int64_t now = k_now,
                  bool use_dns = true) {
    return find_names(m_store, use_dns ? m_resolver.get() : nullptr, m_psl, ips, now);
  }
  std::optional<store::IpName> cached(const std::string& ip, std::int64_t now = k_now) {
    auto rows = m_store.cached_ip_names({ip}, now);
    if (rows.empty()) return std::nullopt;
    return rows.front();
  }

  static inline std::unique_ptr<NsdServer> s_server;
  static inline std::string s_error;
  static inline std::unique_ptr<TempFile> s_psl_file;
  store::Store m_store{":memory:"};
  PublicSuffixList m_psl = PublicSuffixList::from_file(s_psl_file->path());
  std::unique_ptr<dns::CaresResolver> m_cares;
  std::unique_ptr<CountingResolver> m_resolver;
};

TEST_F(Names, SampleAddressesGetConfirmedNamesAndOrganisations) {
  const FoundNames found = find({"203.0.113.50", "203.0.113.51", "198.51.100.77", "203.0.113.90",
                                 "203.0.113.25", "198.51.100.140"});
  const SourceNames expected{
      {"203.0.113.50", {"out1.crm-mailer.co.test", "crm-mailer.co.test", true}},
      {"203.0.113.51", {"out2.crm-mailer.co.test", "crm-mailer.co.test", true}},
      {"198.51.100.77", {"smtp.helpdesk.test", "helpdesk.test", true}},
      {"203.0.113.90", {"relay.invoicer.test", "invoicer.test", false}},
      {"198.51.100.140", {"mx.alumni.test", "alumni.test", true}},
  };
  EXPECT_EQ(found.names, expected);
  EXPECT_EQ(found.stats.looked_up, 6u);
  EXPECT_EQ(found.stats.cached, 0u);
  EXPECT_EQ(found.stats.unanswered, 0u);
}

TEST_F(Names, Ipv6PtrIsConfirmedByItsAaaaRecord) {
  const FoundNames found = find({"2001:db8:5c::25"});
  EXPECT_EQ(found.names.at("2001:db8:5c::25"), (SourceName{"mx.ours.test", "ours.test", true}));
  EXPECT_EQ(cached("2001:db8:5c::25")->forward_confirmed, true);
}

TEST_F(Names, NameWhoseAddressRecordIsAnotherAddressIsStoredUnconfirmed) {
  find({"203.0.113.90"});
  const auto row = cached("203.0.113.90");
  ASSERT_TRUE(row);
  EXPECT_EQ(row->name, "relay.invoicer.test");
  EXPECT_EQ(row->status, "ok");
  EXPECT_EQ(row->forward_confirmed, false);
  EXPECT_EQ(row->ttl, k_name_min_ttl);  // PTR and A TTL 300, raised to the floor
}

TEST_F(Names, OfSeveralPtrNamesTheConfirmedOneIsChosen) {
  const FoundNames found = find({"192.0.2.200"});
  EXPECT_EQ(found.names.at("192.0.2.200"), (SourceName{"second.test", "second.test", true}));
}

TEST_F(Names, NxdomainGivesNoNameAndIsCachedForTheNegativeTtl) {
  const FoundNames found = find({"203.0.113.25"});
  EXPECT_TRUE(found.names.empty());
  const auto row = cached("203.0.113.25");
  ASSERT_TRUE(row);
  EXPECT_EQ(row->status, "nxdomain");
  EXPECT_EQ(row->name, std::nullopt);
  EXPECT_EQ(row->forward_confirmed, std::nullopt);
  EXPECT_EQ(row->ttl, k_name_negative_ttl);
  EXPECT_EQ(row->resolved_at, k_now);
}

TEST_F(Names, TtlIsTheSmallerOfPtrAndAddressTtlWithinFloorAndCap) {
  find({"203.0.113.50", "203.0.113.51", "192.0.2.70"});
  EXPECT_EQ(cached("203.0.113.50")->ttl, 7200);            // PTR 7200, A 86400
  EXPECT_EQ(cached("203.0.113.51")->ttl, k_name_min_ttl);  // PTR 300
  EXPECT_EQ(cached("192.0.2.70")->ttl, k_name_max_ttl);    // both 14 days
}

TEST_F(Names, CachedNamesAreUsedWithTheServerStopped) {
  auto started = NsdServer::start(testing::sample_name_zones());
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<NsdServer>>(started));
  auto server = std::move(std::get<std::unique_ptr<NsdServer>>(started));
  const std::string address = server->address();
  const std::vector<std::string> ips{"203.0.113.50", "203.0.113.90", "203.0.113.25"};
  dns::CaresResolver first(options_for(address));
  const FoundNames before = find_names(m_store, &first, m_psl, ips, k_now);
  ASSERT_EQ(before.names.size(), 2u);
  server.reset();  // stopped: nothing answers at address any more

  dns::CaresResolver dead(options_for(address));
  CountingResolver counting(dead);
  const FoundNames after = find_names(m_store, &counting, m_psl, ips, k_now + 60);
  EXPECT_EQ(after.names, before.names);
  EXPECT_EQ(after.stats.cached, 3u);
  EXPECT_EQ(counting.queries(), 0u);
}

TEST_F(Names, ExpiredRowIsQueriedAgain) {
  find({"203.0.113.50"});
  const std::size_t first = m_resolver->queries();
  EXPECT_EQ(first, 2u);  // PTR, then A
  find({"203.0.113.50"}, k_now + 7199);
  EXPECT_EQ(m_resolver->queries(), first);
  const FoundNames again = find({"203.0.113.50"}, k_now + 7200);
  EXPECT_EQ(m_resolver->queries(), 2 * first);
  EXPECT_EQ(again.stats.looked_up, 1u);
  EXPECT_EQ(cached("203.0.113.50", k_now + 7200)->resolved_at, k_now + 7200);
}

TEST_F(Names, WithoutResolverOnlyTheCacheIsReadAndNothingIsAsked) {
  find({"198.51.100.77"});
  const std::size_t asked = m_resolver->queries();
  const FoundNames found = find({"198.51.100.77", "198.51.100.140"}, k_now, false);
  EXPECT_EQ(m_resolver->queries(), asked);
  EXPECT_EQ(found.names.size(), 1u);
  EXPECT_EQ(found.names.at("198.51.100.77").name, "smtp.helpdesk.test");
  EXPECT_EQ(found.stats.skipped, 1u);
  EXPECT_FALSE(cached("198.51.100.140"));
}

TEST_F(Names, LookupsPastTheLimitWaitForTheNextRun) {
  NameOptions options;
  options.max_lookups = 1;
  const FoundNames found = find_names(m_store, m_resolver.get(), m_psl,
                                      {"198.51.100.77", "198.51.100.140"}, k_now, options);
  EXPECT_EQ(found.stats.looked_up, 1u);
  EXPECT_EQ(found.stats.skipped, 1u);
  EXPECT_EQ(found.names.size(), 1u);
}

TEST_F(Names, ForwardTimeoutShowsTheNameUnconfirmedAndStoresNothing) {
  m_resolver->make_forward_time_out();
  const FoundNames found = find({"198.51.100.77"});
  EXPECT_EQ(found.names.at("198.51.100.77"),
            (SourceName{"smtp.helpdesk.test", "helpdesk.test", false}));
  EXPECT_EQ(found.stats.unanswered, 1u);
  EXPECT_FALSE(cached("198.51.100.77"));
}

TEST_F(Names, UnansweredPtrIsNotCached) {
  std::string address;
  {
    auto port = NsdServer::free_port();
    ASSERT_TRUE(port);
    address = "127.0.0.1:" + std::to_string(*port);  // nobody listens there
  }
  dns::CaresResolver nobody(options_for(address));
  const FoundNames found = find_names(m_store, &nobody, m_psl, {"203.0.113.50"}, k_now);
  EXPECT_TRUE(found.names.empty());
  EXPECT_EQ(found.stats.unanswered, 1u);
  EXPECT_FALSE(cached("203.0.113.50"));
}

// c-ares 1.18 refuses PTR names with bytes outside host name characters
// (the reply counts as malformed), but lets "/" through.
TEST_F(Names, OddPtrNamesAreRefusedOrKeptUnconfirmed) {
  const FoundNames found = find({"192.0.2.66", "192.0.2.67", "192.0.2.68"});
  EXPECT_EQ(found.names.count("192.0.2.66"), 0u);  // bad\027name: malformed reply
  EXPECT_FALSE(cached("192.0.2.66"));
  EXPECT_EQ(found.names.at("192.0.2.67"), (SourceName{"a/b.evil.test", "", false}));
  EXPECT_EQ(cached("192.0.2.67")->forward_confirmed, false);
  EXPECT_EQ(found.names.at("192.0.2.68"), (SourceName{"-x.evil.test", "evil.test", true}));
}

Summary summary_with(const SourceNames& names) {
  Summary summary;
  summary.period = *parse_iso_week("2026-W47");
  summary.previous = previous(summary.period);
  DomainSummary d;
  d.domain = "example.com";
  d.messages = 10;
  for (const auto& [ip, name] : names) {
    SourceSummary s;
    s.source_ip = ip;
    s.messages = s.rejected = 1;
    s.ptr_name = name.name;
    s.name_confirmed = name.confirmed;
    s.org_domain = name.confirmed ? name.org_domain : "";
    d.flagged.push_back(s);
    d.organisations.push_back(
        {name.confirmed ? name.org_domain : ip, name.confirmed, {ip}, 1, 1, 0, 0.1});
  }
  summary.domains.push_back(d);
  return summary;
}

TEST_F(Names, NamesFromDnsAreNeutralisedInEveryRenderer) {
  const FoundNames found = find({"192.0.2.67", "192.0.2.68"});
  const Summary summary = summary_with(found.names);
  std::ostringstream csv, markdown, json;
  render_csv(csv, summary);
  render_markdown(markdown, summary);
  render_json(json, summary);
  EXPECT_NE(csv.str().find(",\"'-x.evil.test\",\"evil.test\",yes\r\n"), std::string::npos)
      << csv.str();
  EXPECT_NE(markdown.str().find("192.0.2.68 (\\-x.evil.test)"), std::string::npos)
      << markdown.str();
  EXPECT_NE(json.str().find("\"ptr_name\": \"a/b.evil.test\", \"org_domain\": null, "
                            "\"name_confirmed\": false"),
            std::string::npos)
      << json.str();
}

// The cache is a table anyone with the file can write: names read from it
// are as untrusted as names from DNS.
TEST_F(Names, HostileCachedNameIsNeitherTrustedNorRenderedRaw) {
  const std::string hostile = "<script>alert(1)</script>\x1b[2J|=cmd()";
  store::IpName row;
  row.ip = "192.0.2.99";
  row.name = hostile;
  row.status = "ok";
  row.resolved_at = k_now;
  row.ttl = 3600;
  row.forward_confirmed = true;
  m_store.save_ip_names({row});
  const FoundNames found = find({"192.0.2.99"}, k_now, false);
  const SourceName& name = found.names.at("192.0.2.99");
  EXPECT_FALSE(name.confirmed);
  EXPECT_EQ(name.org_domain, "");

  const Summary summary = summary_with(found.names);
  std::ostringstream text, markdown, html, json;
  render_text(text, summary);
  render_markdown(markdown, summary);
  render_html(html, summary);
  render_json(json, summary);
  for (const std::string& out : {text.str(), markdown.str(), html.str(), json.str()}) {
    EXPECT_EQ(out.find('\x1b'), std::string::npos) << out;
  }
  EXPECT_NE(json.str().find(R"x("ptr_name": "<script>alert(1)</script>\u001b[2J|=cmd()")x"),
            std::string::npos)
      << json.str();
  EXPECT_NE(html.str().find("&lt;script&gt;alert(1)&lt;/script&gt;[2J|=cmd() (unconfirmed)"),
            std::string::npos)
      << html.str();
  EXPECT_NE(markdown.str().find("\\<script\\>alert\\(1\\)\\</script\\>\\[2J\\|=cmd\\(\\)"),
            std::string::npos)
      << markdown.str();
  EXPECT_NE(text.str().find("reverse DNS: <script>alert(1)</script>[2J|=cmd() (unconfirmed)"),
            std::string::npos)
      << text.str();
}

TEST(PublicSuffix, FixedListFileGivesOrganisationalDomains) {
  TempFile file(testing::k_test_psl);
  const PublicSuffixList psl = PublicSuffixList::from_file(file.path());
  EXPECT_EQ(psl.origin(), file.path().string());
  struct Case {
    const char* host;
    const char* org;
  };
  for (const Case& c :
       {Case{"out1.crm-mailer.co.test", "crm-mailer.co.test"},
        Case{"crm-mailer.co.test", "crm-mailer.co.test"},
        Case{"SMTP.Helpdesk.TEST", "helpdesk.test"}, Case{"mail.example.net", "example.net"},
        Case{"co.test", ""}, Case{"test", ""}, Case{"a/b.evil.test", ""}, Case{"", ""},
        Case{"trailing.dot.test.", ""}}) {
    EXPECT_EQ(psl.organisational_domain(c.host), c.org) << c.host;
  }
}

TEST(PublicSuffix, SystemListKnowsRealSuffixes) {
  const PublicSuffixList psl = PublicSuffixList::system_default();
  EXPECT_NE(psl.origin(), "none");
  EXPECT_EQ(psl.organisational_domain("mail-ot1-f50.google.com"), "google.com");
  EXPECT_EQ(psl.organisational_domain("smtp.mail.example.co.uk"), "example.co.uk");
  EXPECT_EQ(psl.organisational_domain("co.uk"), "");
}

TEST(PublicSuffix, MissingListFileIsFatalNamingIt) {
  try {
    (void)PublicSuffixList::from_file("/nonexistent/psl.dat");
    ADD_FAILURE() << "no Fatal";
  } catch (const Fatal& error) {
    EXPECT_NE(std::string(error.what()).find("/nonexistent/psl.dat"), std::string::npos);
  }
}

TEST(HostName, AcceptsLabelsOfLettersDigitsHyphenUnderscore) {
  EXPECT_TRUE(is_host_name("mail.example.net"));
  EXPECT_TRUE(is_host_name("MX-1.Example.NET"));
  EXPECT_TRUE(is_host_name("_dmarc.example.net"));
  EXPECT_TRUE(is_host_name(std::string(63, 'a') + ".test"));
  for (const std::string& bad :
       {std::string(""), std::string("."), std::string("a..b"), std::string("a.b."),
        std::string(".a"), std::string("a/b.test"), std::string("a b.test"),
        std::string("a\\027b.test"), std::string("caf\xc3\xa9.test"), std::string("a\0b", 3),
        std::string(64, 'a') + ".test", std::string(254, 'a')}) {
    EXPECT_FALSE(is_host_name(bad)) << bad;
  }
}

TEST(SameAddress, ComparesAddressBytesNotText) {
  EXPECT_TRUE(same_address("192.0.2.1", "192.0.2.1"));
  EXPECT_TRUE(same_address("2001:db8::1", "2001:DB8:0:0::1"));
  EXPECT_FALSE(same_address("192.0.2.1", "192.0.2.10"));
  EXPECT_FALSE(same_address("::ffff:192.0.2.1", "192.0.2.1"));
  EXPECT_FALSE(same_address("not an ip", "not an ip"));
  EXPECT_FALSE(same_address("", ""));
}

}  // namespace
}  // namespace dmarc::report
