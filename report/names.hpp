// Names for the summary's source addresses: valid rows of the store's reverse
// DNS cache, fresh PTR lookups for the rest (run concurrently through
// dns::Resolver and saved with a TTL), forward confirmation (an A/AAAA record
// of the name holds the address) and the organisational domain from the
// public suffix list. DNS answers are untrusted text: a name that is not a
// host name is kept for display but never confirmed, so never grouped.
// Lookup failures are never thrown: such an address simply has no name.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dns/resolver.hpp"
#include "report/summary.hpp"
#include "store/store.hpp"

struct psl_ctx_st;

namespace dmarc::report {

// How long a looked-up name is reused (docs/schema.md, table ip_names).
inline constexpr std::int64_t k_name_min_ttl = 3600;       // floor for the PTR/A TTL
inline constexpr std::int64_t k_name_max_ttl = 7 * 86400;  // cap for the PTR/A TTL
inline constexpr std::int64_t k_name_negative_ttl = 1800;  // nxdomain, nodata
inline constexpr std::int64_t k_name_servfail_ttl = 300;   // servfail
// PTR names per address whose forward records are checked.
inline constexpr std::size_t k_max_names_checked = 4;
// Fresh PTR lookups per run; addresses past it stay unnamed this time.
inline constexpr std::size_t k_default_max_lookups = 1000;

inline constexpr const char* k_system_psl_file = "/usr/share/publicsuffix/public_suffix_list.dat";

// The public suffix list (libpsl). Move-only.
class PublicSuffixList {
 public:
  // Loads the list file at path; throws Fatal naming it if it cannot be loaded.
  static PublicSuffixList from_file(const std::filesystem::path& path);
  // The system's list (k_system_psl_file) when it loads, else libpsl's
  // builtin list, else none (then no name has an organisational domain).
  static PublicSuffixList system_default();

  // The registrable domain of host ("mail.example.co.uk" -> "example.co.uk"),
  // lower-case; "" when host is not a host name or is itself a public suffix.
  std::string organisational_domain(std::string_view host) const;
  // Where the list came from: its path, "builtin" or "none".
  const std::string& origin() const { return m_origin; }

 private:
  struct Deleter {
    void operator()(psl_ctx_st* psl) const;
  };
  PublicSuffixList() = default;

  std::unique_ptr<psl_ctx_st, Deleter> m_owned;
  const psl_ctx_st* m_psl = nullptr;
  std::string m_origin = "none";
};

struct NameOptions {
  std::size_t max_lookups = k_default_max_lookups;
};

struct NameStats {
  std::size_t cached = 0;      // taken from valid cache rows
  std::size_t looked_up = 0;   // PTR queries sent now
  std::size_t unanswered = 0;  // of those: timeout or error, nothing stored
  std::size_t skipped = 0;     // neither cached nor looked up (no resolver, or over max_lookups)
};

struct FoundNames {
  SourceNames names;  // only addresses with a PTR name
  NameStats stats;
};

// Names for ips at time now (Unix seconds). With resolver == nullptr only
// the cache is read and no query is made. Fresh answers are saved in store
// (one transaction) as docs/schema.md describes. Throws only what Store
// throws.
FoundNames find_names(store::Store& store, dns::Resolver* resolver, const PublicSuffixList& psl,
                      const std::vector<std::string>& ips, std::int64_t now,
                      const NameOptions& options = {});

// True for a host name: dot-separated labels of 1 to 63 characters from
// a-z A-Z 0-9 - _, at most 253 characters in all, no trailing dot.
bool is_host_name(std::string_view name);

// True when both texts are IP addresses of one family with the same bytes
// ("2001:db8::1" and "2001:DB8:0:0::1").
bool same_address(std::string_view a, std::string_view b);

}  // namespace dmarc::report
