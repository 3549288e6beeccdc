// The reverse DNS options of `dmarcdb report` (--no-dns, --dns-server,
// --dns-timeout, --psl-file) and the lookups they ask for.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "app/options.hpp"
#include "report/summary.hpp"
#include "store/store.hpp"

namespace dmarc::app {

// Per try at one server; with two tries c-ares waits at most about three
// times this for an address whose server does not answer.
inline constexpr int k_default_dns_timeout_ms = 1000;
inline constexpr int k_max_dns_timeout_ms = 60'000;
inline constexpr int k_dns_tries = 2;

struct NameSettings {
  bool no_dns = false;
  std::vector<std::string> servers;  // "host:port" entries, each may be a comma list
  int timeout_ms = k_default_dns_timeout_ms;
  std::string psl_file;  // empty: the system's list, else libpsl's builtin one
  std::string senders_file;  // extra sending-service lines (spf/senders.hpp); "" for none
};

// Adds the options; a --dns-timeout out of range is a UsageError when parsed.
void add_name_options(po::options_description& desc, NameSettings& settings);

// Names for the sources the summary of current will show: from the cache,
// and unless no_dns from DNS (saved to the cache). Writes a note to err when
// lookups went unanswered. Throws Fatal for a bad server list or an
// unreadable --psl-file.
report::SourceNames report_names(store::Store& store,
                                 const std::vector<store::PeriodRecord>& current,
                                 const report::SummaryOptions& options,
                                 const NameSettings& settings, std::ostream& err);

// Unless no_dns: checks the SPF records of the flagged sources' envelope and
// header domains in DNS now and rewrites their advice (report/spf_advice.hpp).
// Throws Fatal for a bad server list or an unreadable --senders-file.
void report_spf_advice(report::Summary& summary, const NameSettings& settings);

}  // namespace dmarc::app
