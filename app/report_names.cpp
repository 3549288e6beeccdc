#include "app/report_names.hpp"

#include <chrono>
#include <memory>

#include "app/cli.hpp"
#include "dns/cares_resolver.hpp"
#include "report/names.hpp"
#include "report/spf_advice.hpp"
#include "spf/cached_resolver.hpp"
#include "spf/senders.hpp"

namespace dmarc::app {

void add_name_options(po::options_description& desc, NameSettings& settings) {
  // clang-format off
  desc.add_options()
      ("no-dns", po::bool_switch(&settings.no_dns),
       "no reverse DNS queries (names already in the database's cache are still shown)")
      ("dns-server", po::value(&settings.servers)->composing(),
       "resolver host:port for reverse DNS (repeatable or a comma list; default: "
       "/etc/resolv.conf)")
      ("dns-timeout",
       po::value(&settings.timeout_ms)
           ->default_value(settings.timeout_ms)
           ->notifier([](int ms) {
             if (ms < 1 || ms > k_max_dns_timeout_ms) {
               throw UsageError{"--dns-timeout takes 1 to " + std::to_string(k_max_dns_timeout_ms)};
             }
           }),
       "milliseconds to wait for one DNS try (2 tries)")
      ("psl-file", po::value(&settings.psl_file),
       "public suffix list file for organisational domains (default: the system's list, "
       "else libpsl's builtin one)")
      ("senders-file", po::value(&settings.senders_file),
       "extra lines for the table of sending services behind reverse DNS names (docs/spf.md)");
  // clang-format on
}

namespace {

dns::CaresOptions cares_options(const NameSettings& settings) {
  dns::CaresOptions dns_options;
  for (const std::string& server : settings.servers) {
    dns_options.servers += (dns_options.servers.empty() ? "" : ",") + server;
  }
  dns_options.timeout = std::chrono::milliseconds(settings.timeout_ms);
  dns_options.tries = k_dns_tries;
  return dns_options;
}

report::PublicSuffixList load_psl(const NameSettings& settings) {
  return settings.psl_file.empty() ? report::PublicSuffixList::system_default()
                                   : report::PublicSuffixList::from_file(settings.psl_file);
}

}  // namespace

void report_spf_advice(report::Summary& summary, const NameSettings& settings) {
  if (settings.no_dns) return;
  spf::SenderTable senders = spf::SenderTable::builtin();
  if (!settings.senders_file.empty()) {
    auto added = senders.add_file(settings.senders_file);
    if (!added) throw Fatal(added.error().message);
  }
  // One try, and the first timeout ends the step: a server that does not
  // answer costs one --dns-timeout, not one per domain; the sources then keep
  // the advice from the report data.
  dns::CaresOptions options = cares_options(settings);
  options.tries = 1;
  dns::CaresResolver cares(options);
  constexpr std::size_t k_give_up_after_timeouts = 1;
  spf::CachedResolver resolver(cares, spf::k_default_cache_entries, k_give_up_after_timeouts);
  const report::PublicSuffixList psl = load_psl(settings);
  report::annotate_spf(summary, resolver, senders, [&psl](std::string_view name) {
    return psl.organisational_domain(name);
  });
}

report::SourceNames report_names(store::Store& store,
                                 const std::vector<store::PeriodRecord>& current,
                                 const report::SummaryOptions& options,
                                 const NameSettings& settings, std::ostream& err) {
  const report::PublicSuffixList psl = load_psl(settings);
  std::unique_ptr<dns::Resolver> resolver;
  if (!settings.no_dns) {
    resolver = std::make_unique<dns::CaresResolver>(cares_options(settings));
  }
  const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  report::FoundNames found = report::find_names(store, resolver.get(), psl,
                                                report::sources_to_name(current, options), now);
  if (found.stats.unanswered > 0) {
    err << "dmarcdb: note: " << found.stats.unanswered << " of " << found.stats.looked_up
        << " reverse DNS lookups got no definite answer; those sources may show no name\n";
  }
  if (resolver && found.stats.skipped > 0) {
    err << "dmarcdb: note: " << found.stats.skipped << " sources were not looked up (at most "
        << report::k_default_max_lookups << " per run); the next run continues\n";
  }
  return std::move(found.names);
}

}  // namespace dmarc::app
