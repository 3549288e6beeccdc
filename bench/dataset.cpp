#include "bench/dataset.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <string>

namespace dmarc::bench {
namespace {

// splitmix64: small, fast, and the same on every platform and library (the
// standard distributions are not).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : m_state(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (m_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // 0 .. n-1
  std::uint64_t below(std::uint64_t n) { return next() % n; }
  // 0 .. 1
  double unit() { return static_cast<double>(next() >> 11) / 9007199254740992.0; }
  bool chance(double p) { return unit() < p; }

 private:
  std::uint64_t m_state;
};

std::uint64_t mix(std::uint64_t seed, std::uint64_t a, std::uint64_t b, std::uint64_t c) {
  Rng rng(seed ^ (a * 0x100000001B3ull) ^ (b << 20) ^ (c << 40));
  return rng.next();
}

struct Reporter {
  const char* org;
  const char* email;
  double weight;        // share of all records
  std::int64_t offset;  // report day starts at this offset from 00:00 UTC
  bool envelope_from;   // reports identifiers/envelope_from
  bool envelope_to;     // reports identifiers/envelope_to
  bool helo;            // adds the HELO SPF result
};

constexpr std::array k_reporters{
    Reporter{"google.com", "noreply-dmarc-support@google.com", 34, 0, false, false, false},
    Reporter{"Outlook.com", "dmarcreport@microsoft.com", 12, 0, true, true, false},
    Reporter{"Enterprise Outlook", "dmarcreport@microsoft.com", 8, 0, true, true, false},
    Reporter{"Yahoo", "dmarchelp@yahooinc.com", 9, 0, false, false, true},
    Reporter{"AMAZON-SES", "postmaster@amazonses.com", 4, 0, true, false, false},
    Reporter{"Mail.Ru", "dmarc_support@corp.mail.ru", 3, -10800, true, false, true},
    Reporter{"Yandex", "dmarchelp@yandex.ru", 3, -10800, true, false, false},
    Reporter{"comcast.net", "dmarc_report@comcast.net", 3, -18000, true, false, false},
    Reporter{"AT&T", "dmarc-reports@att.net", 2, -18000, false, false, true},
    Reporter{"GMX", "noreply-dmarc@gmx.net", 2.5, 3600, true, true, false},
    Reporter{"WEB.DE", "noreply-dmarc@web.de", 2.5, 3600, true, true, false},
    Reporter{"Orange", "dmarc-report@orange.fr", 2, 3600, true, false, false},
    Reporter{"Fastmail Pty Ltd", "dmarc-reports@fastmail.com", 1.5, 0, true, true, true},
    Reporter{"Zoho Corporation", "noreply-dmarc@zoho.com", 1.5, 19800, true, false, false},
    Reporter{"Proton AG", "postmaster@proton.me", 1.5, 0, true, false, false},
    Reporter{"iCloud", "dmarc_agg@icloud.com", 2.5, -28800, false, false, false},
    Reporter{"Mimecast", "dmarc@mimecast.com", 2, 0, true, true, true},
    Reporter{"Cisco Secure Email", "dmarc@cisco.com", 1.5, -28800, true, false, true},
    Reporter{"t-online.de", "noreply-dmarc@t-online.de", 2, 3600, true, true, false},
    Reporter{"seznam.cz", "dmarc@seznam.cz", 1, 3600, true, false, false},
};

struct Domain {
  const char* name;
  double weight;
  const char* p;
  const char* p_later;  // policy from k_policy_change_day on
  std::int64_t pct;
};

static_assert(k_reporters.size() == k_reporter_count);

constexpr int k_policy_change_day = 200;

constexpr std::array k_domains{
    Domain{"example.com", 40, "reject", "reject", 100},
    Domain{"example.net", 25, "quarantine", "quarantine", 100},
    Domain{"example.org", 15, "none", "quarantine", 100},
    Domain{"shop.example", 12, "reject", "reject", 50},
    Domain{"news.example", 8, "quarantine", "reject", 100},
};

static_assert(k_domains.size() == k_domain_count);

constexpr std::array k_esp_domains{"sendgrid.net",     "mcsv.net",          "amazonses.com",
                                   "mailgun.org",      "sparkpostmail.com", "mktomail.com",
                                   "hubspotemail.net", "zendesk.com"};

// Source pools. The few hundred failing sources are fixed; each has one way
// of failing.
constexpr int k_own_sources = 40;  // per domain
constexpr int k_esp_sources = 8000;
constexpr int k_forwarder_sources = 3000;
constexpr int k_failing_sources = 400;

std::string own_ip(int domain, std::uint64_t i) {
  if (i % 4 == 3) return fmt::format("2001:db8:{:x}::{:x}", domain + 1, i + 1);
  return fmt::format("198.51.{}.{}", 100 + domain, 10 + i);
}

std::string esp_ip(std::uint64_t i) {
  static constexpr std::array<const char*, 5> k_v4{"209.85", "40.107", "167.89", "198.2", "54.240"};
  static constexpr std::array<const char*, 2> k_v6{"2607:f8b0:4864", "2a01:111:f400"};
  const std::uint64_t a = i / 250 % 250 + 1;
  const std::uint64_t b = i % 250 + 1;
  if (i % 4 == 0) return fmt::format("{}:{:x}::{:x}", k_v6[i / 4 % 2], a, b);
  return fmt::format("{}.{}.{}", k_v4[i % 5], a, b);
}

std::string forwarder_ip(std::uint64_t i) {
  if (i % 5 == 0) return fmt::format("2a00:1450:{:x}::{:x}", i / 200 + 1, i % 200 + 1);
  return fmt::format("{}.{}.{}.{}", 64 + i % 60, i / 60 % 250 + 1, i % 250 + 1, i % 7 + 2);
}

std::string failing_ip(std::uint64_t i) {
  if (i % 4 == 3) return fmt::format("2a02:6b8:{:x}::{:x}", i + 1, i % 7 + 1);
  return fmt::format("185.{}.{}.{}", 100 + i / 250, i % 250 + 1, i * 37 % 250 + 2);
}

std::uint64_t message_count(Rng& rng) {
  const double u = rng.unit();
  if (u < 0.70) return 1;
  if (u < 0.90) return 2 + rng.below(4);
  if (u < 0.99) return 6 + rng.below(45);
  return 51 + rng.below(2000);
}

parse::DkimAuthResult dkim(std::string domain, std::string selector, const char* result) {
  return {std::move(domain), std::move(selector), std::string(result), std::nullopt};
}

parse::SpfAuthResult spf(std::string domain, const char* scope, const char* result) {
  return {std::move(domain), std::string(scope), std::string(result), std::nullopt};
}

// The disposition of a record failing DMARC under policy p at pct; sampled-out
// and local-policy overrides are reported as reasons.
void apply_policy(parse::Record& r, const char* p, std::int64_t pct, Rng& rng) {
  r.disposition = p;
  if (std::string_view(p) == "none") return;
  if (pct < 100 && rng.below(100) >= static_cast<std::uint64_t>(pct)) {
    r.disposition = "none";
    r.reasons.push_back({"sampled_out", std::nullopt});
  } else if (rng.chance(0.04)) {
    r.disposition = "none";
    r.reasons.push_back({"local_policy", std::string("accepted by the receiver's policy")});
  }
}

parse::Record make_record(const Reporter& reporter, int domain_index, const Domain& domain,
                          const char* p, Rng& rng) {
  const std::string name = domain.name;
  parse::Record r;
  r.count = message_count(rng);
  r.header_from = name;
  std::string envelope = name;
  const double u = rng.unit();
  if (u < 0.55) {  // the domain's own servers
    r.source_ip = own_ip(domain_index, rng.below(k_own_sources));
    r.dkim = "pass";
    r.spf = "pass";
    r.disposition = "none";
    r.dkim_results.push_back(dkim(name, "s1", "pass"));
    if (rng.chance(0.3)) r.dkim_results.push_back(dkim(name, "s2", "pass"));
    r.spf_results.push_back(spf(name, "mfrom", "pass"));
  } else if (u < 0.80) {  // an ESP with a custom return-path
    const std::uint64_t i = rng.below(k_esp_sources);
    const std::string esp = k_esp_domains[i % k_esp_domains.size()];
    r.source_ip = esp_ip(i);
    envelope = "bounce." + name;
    r.dkim = "pass";
    r.spf = "pass";
    r.disposition = "none";
    r.dkim_results.push_back(dkim(name, "esp1", "pass"));
    r.dkim_results.push_back(dkim(esp, "s1", "pass"));
    if (rng.chance(0.2)) r.dkim_results.push_back(dkim(name, "esp2", "pass"));
    r.spf_results.push_back(spf(envelope, "mfrom", "pass"));
  } else if (u < 0.90) {  // an ESP without custom return-path: DKIM carries DMARC
    const std::uint64_t i = rng.below(k_esp_sources);
    const std::string esp = k_esp_domains[i % k_esp_domains.size()];
    r.source_ip = esp_ip(i);
    envelope = esp;
    r.dkim = "pass";
    r.spf = "fail";
    r.disposition = "none";
    r.dkim_results.push_back(dkim(name, "k1", "pass"));
    if (rng.chance(0.5)) r.dkim_results.push_back(dkim(esp, "s1", "pass"));
    r.spf_results.push_back(spf(esp, "mfrom", "pass"));
  } else if (u < 0.97) {  // forwarders and mailing lists
    const std::uint64_t i = rng.below(k_forwarder_sources);
    r.source_ip = forwarder_ip(i);
    r.spf = "fail";
    const bool dkim_survived = rng.chance(0.7);
    r.dkim = dkim_survived ? "pass" : "fail";
    r.dkim_results.push_back(dkim(name, "s1", dkim_survived ? "pass" : "fail"));
    if (rng.chance(0.4))
      r.dkim_results.push_back(dkim(fmt::format("lists{}.example", i % 50), "lists", "pass"));
    r.spf_results.push_back(spf(name, "mfrom", rng.chance(0.5) ? "softfail" : "fail"));
    if (dkim_survived) {
      r.disposition = "none";
    } else if (rng.chance(0.5)) {
      r.disposition = "none";
      r.reasons.push_back({rng.chance(0.5) ? "forwarded" : "mailing_list", std::nullopt});
    } else {
      apply_policy(r, p, domain.pct, rng);
    }
  } else {  // one of the few hundred failing sources
    const std::uint64_t i = rng.below(k_failing_sources);
    r.source_ip = failing_ip(i);
    r.dkim = "fail";
    r.spf = "fail";
    switch (i % 5) {
      case 0:
        r.spf_results.push_back(spf(name, "mfrom", "fail"));
        r.dkim_results.push_back(dkim(name, "s1", "fail"));
        break;
      case 1:
        r.spf_results.push_back(spf(name, "mfrom", "softfail"));
        r.dkim_results.push_back(dkim(fmt::format("bulk{}.example", i), "x", "none"));
        break;
      case 2:
        envelope = fmt::format("bounces.mailer{}.example", i % 20);
        r.spf_results.push_back(spf(envelope, "mfrom", "pass"));
        r.dkim_results.push_back(dkim(envelope, "m1", "pass"));
        break;
      case 3:
        r.spf_results.push_back(spf(name, "mfrom", "permerror"));
        r.dkim_results.push_back(dkim(name, "s1", "fail"));
        break;
      default:
        envelope = "news." + name;
        r.spf_results.push_back(spf(envelope, "mfrom", i % 2 ? "none" : "temperror"));
        r.dkim_results.push_back(dkim(name, "s2", "fail"));
        break;
    }
    apply_policy(r, p, domain.pct, rng);
  }
  if (reporter.helo) {
    r.spf_results.push_back(
        spf(fmt::format("mx{}.{}", rng.below(4) + 1, envelope), "helo", "pass"));
  }
  if (reporter.envelope_from) r.envelope_from = envelope;
  if (reporter.envelope_to) r.envelope_to = rng.chance(0.9) ? "example.net" : "example.de";
  return r;
}

}  // namespace

Dataset::Dataset(const DatasetOptions& options) : m_options(options) {
  std::vector<double> weights;
  double total = 0;
  for (int day = 0; day < k_days; ++day) {
    const bool weekend = day % 7 >= 5;  // day 0 is a Monday
    const double growth = 1.0 + 0.3 * day / k_days;
    for (int rep = 0; rep < static_cast<int>(k_reporters.size()); ++rep) {
      for (int dom = 0; dom < static_cast<int>(k_domains.size()); ++dom) {
        Rng rng(mix(options.seed, static_cast<std::uint64_t>(day), rep, dom));
        const double jitter = 0.8 + 0.4 * rng.unit();
        const double w = k_reporters[rep].weight * k_domains[dom].weight * (weekend ? 0.65 : 1.0) *
                         growth * jitter;
        m_plan.push_back({day, rep, dom, 0});
        weights.push_back(w);
        total += w;
      }
    }
  }
  std::int64_t assigned = 0;
  for (std::size_t i = 0; i < m_plan.size(); ++i) {
    m_plan[i].records = static_cast<std::int64_t>(
        std::floor(static_cast<double>(options.records) * weights[i] / total));
    assigned += m_plan[i].records;
  }
  // The rounding remainder goes to the largest reports, one each.
  for (std::size_t i = 0; assigned < options.records; i = (i + 1) % m_plan.size()) {
    if (m_plan[i].reporter != 0) continue;
    ++m_plan[i].records;
    ++assigned;
  }
  std::erase_if(m_plan, [](const ReportPlan& p) { return p.records == 0; });
}

parse::AggregateReport Dataset::report(const ReportPlan& entry) const {
  const Reporter& reporter = k_reporters[static_cast<std::size_t>(entry.reporter)];
  const Domain& domain = k_domains[static_cast<std::size_t>(entry.domain)];
  Rng rng(mix(m_options.seed ^ 0xD1B54A32D192ED03ull, static_cast<std::uint64_t>(entry.day),
              entry.reporter, entry.domain));
  const char* p = entry.day >= k_policy_change_day ? domain.p_later : domain.p;

  parse::AggregateReport report;
  report.version = "1.0";
  report.metadata.org_name = reporter.org;
  report.metadata.email = reporter.email;
  report.metadata.report_id = fmt::format("{:016x}", rng.next());
  const std::int64_t begin = k_first_day + entry.day * k_day_seconds + reporter.offset;
  report.metadata.date_range = {begin, begin + k_day_seconds - 1};
  report.policy.domain = domain.name;
  // emplace, not = "r": g++ 12 at -O3 warns falsely (-Wrestrict) on the assignment.
  report.policy.adkim.emplace(1, 'r');
  report.policy.aspf.emplace(1, 'r');
  report.policy.p = p;
  report.policy.sp = p;
  report.policy.pct = domain.pct;
  report.records.reserve(static_cast<std::size_t>(entry.records));
  for (std::int64_t i = 0; i < entry.records; ++i) {
    report.records.push_back(make_record(reporter, entry.domain, domain, p, rng));
  }
  return report;
}

}  // namespace dmarc::bench
