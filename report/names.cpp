#include "report/names.hpp"

#include <arpa/inet.h>
#include <libpsl.h>

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <set>

#include "parse/error.hpp"

namespace dmarc::report {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool is_ipv4(std::string_view ip) {
  std::array<unsigned char, 4> bytes{};
  return inet_pton(AF_INET, std::string(ip).c_str(), bytes.data()) == 1;
}

std::int64_t clamp_ttl(std::int64_t ttl) { return std::clamp(ttl, k_name_min_ttl, k_name_max_ttl); }

bool definite(dns::Status status) {
  return status == dns::Status::ok || status == dns::Status::nxdomain ||
         status == dns::Status::nodata;
}

// The PTR names of one address worth a forward check: valid host names,
// lower-case, without duplicates, at most k_max_names_checked.
std::vector<std::string> candidates(const dns::Answer& ptr) {
  std::vector<std::string> out;
  for (const std::string& value : ptr.values) {
    std::string name = lower(value);
    if (!is_host_name(name) || std::find(out.begin(), out.end(), name) != out.end()) continue;
    out.push_back(std::move(name));
    if (out.size() == k_max_names_checked) break;
  }
  return out;
}

// One fresh lookup turned into a cache row, or nullopt when nothing definite
// was learnt (the row is then not stored, but a name may still be shown).
struct Outcome {
  std::optional<store::IpName> row;
  std::optional<SourceName> shown;  // name for this run (without org domain yet)
};

Outcome judge(const std::string& ip, const dns::Answer& ptr, const std::vector<std::string>& names,
              const std::vector<const dns::Answer*>& forward, std::int64_t now) {
  Outcome outcome;
  store::IpName row;
  row.ip = ip;
  row.status = std::string(dns::to_string(ptr.status));
  row.resolved_at = now;
  switch (ptr.status) {
    case dns::Status::nxdomain:
    case dns::Status::nodata:
      row.ttl = k_name_negative_ttl;
      outcome.row = row;
      return outcome;
    case dns::Status::servfail:
      row.ttl = k_name_servfail_ttl;
      outcome.row = row;
      return outcome;
    case dns::Status::timeout:
    case dns::Status::error: return outcome;
    case dns::Status::ok: break;
  }
  std::int64_t ttl = ptr.ttl;
  bool all_definite = true;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const dns::Answer& answer = *forward[i];
    all_definite = all_definite && definite(answer.status);
    if (answer.status != dns::Status::ok) continue;
    const bool holds = std::any_of(answer.values.begin(), answer.values.end(),
                                   [&](const std::string& a) { return same_address(a, ip); });
    if (holds) {
      row.name = names[i];
      row.forward_confirmed = true;
      row.ttl = clamp_ttl(std::min<std::int64_t>(ttl, answer.ttl));
      outcome.row = row;
      outcome.shown = SourceName{names[i], "", true};
      return outcome;
    }
    ttl = std::min<std::int64_t>(ttl, answer.ttl);
  }
  // Not confirmed: show the first host name, else what the server sent.
  row.name = names.empty() ? (ptr.values.empty() ? "" : lower(ptr.values.front())) : names.front();
  if (row.name->empty()) row.name.reset();
  if (row.name) outcome.shown = SourceName{*row.name, "", false};
  if (all_definite) {
    row.forward_confirmed = row.name ? std::optional<bool>(false) : std::nullopt;
    row.ttl = clamp_ttl(ttl);
    outcome.row = row;
  }
  return outcome;
}

// Fresh lookups for ips: PTR first, then the forward records of the names.
std::vector<Outcome> look_up(dns::Resolver& resolver, const std::vector<std::string>& ips,
                             std::int64_t now) {
  const std::vector<dns::Answer> ptrs = dns::lookup_ptr_many(resolver, ips);
  std::vector<std::vector<std::string>> names(ips.size());
  std::vector<dns::Question> questions;
  for (std::size_t i = 0; i < ips.size() && i < ptrs.size(); ++i) {
    if (ptrs[i].status != dns::Status::ok) continue;
    names[i] = candidates(ptrs[i]);
    const dns::RecordType type = is_ipv4(ips[i]) ? dns::RecordType::a : dns::RecordType::aaaa;
    for (const std::string& name : names[i]) questions.push_back({name, type});
  }
  const std::vector<dns::Answer> answers = resolver.query_many(questions);
  std::vector<Outcome> outcomes;
  std::size_t next = 0;
  const dns::Answer unanswered{dns::Status::error, {}, 0, "no answer"};
  for (std::size_t i = 0; i < ips.size(); ++i) {
    const dns::Answer& ptr = i < ptrs.size() ? ptrs[i] : unanswered;
    std::vector<const dns::Answer*> forward;
    for (std::size_t j = 0; j < names[i].size(); ++j, ++next) {
      forward.push_back(next < answers.size() ? &answers[next] : &unanswered);
    }
    outcomes.push_back(judge(ips[i], ptr, names[i], forward, now));
  }
  return outcomes;
}

}  // namespace

void PublicSuffixList::Deleter::operator()(psl_ctx_st* psl) const { psl_free(psl); }

PublicSuffixList PublicSuffixList::from_file(const std::filesystem::path& path) {
  PublicSuffixList list;
  list.m_owned.reset(psl_load_file(path.c_str()));
  if (!list.m_owned) throw Fatal("cannot load the public suffix list " + path.string());
  list.m_psl = list.m_owned.get();
  list.m_origin = path.string();
  return list;
}

PublicSuffixList PublicSuffixList::system_default() {
  PublicSuffixList list;
  std::error_code ignored;
  if (std::filesystem::is_regular_file(k_system_psl_file, ignored)) {
    list.m_owned.reset(psl_load_file(k_system_psl_file));
  }
  if (list.m_owned) {
    list.m_psl = list.m_owned.get();
    list.m_origin = k_system_psl_file;
  } else if ((list.m_psl = psl_builtin()) != nullptr) {
    list.m_origin = "builtin";
  }
  return list;
}

std::string PublicSuffixList::organisational_domain(std::string_view host) const {
  if (m_psl == nullptr || !is_host_name(host)) return {};
  const std::string name = lower(host);
  const char* domain = psl_registrable_domain(m_psl, name.c_str());
  return domain == nullptr ? "" : std::string(domain);
}

bool is_host_name(std::string_view name) {
  constexpr std::size_t k_max_name = 253;
  constexpr std::size_t k_max_label = 63;
  if (name.empty() || name.size() > k_max_name) return false;
  std::size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!allowed || ++label > k_max_label) return false;
  }
  return label > 0;
}

bool same_address(std::string_view a, std::string_view b) {
  constexpr std::size_t k_max_text = 64;
  if (a.size() > k_max_text || b.size() > k_max_text) return false;
  std::array<unsigned char, 16> x{}, y{};
  const std::string sa(a), sb(b);
  for (int family : {AF_INET, AF_INET6}) {
    if (inet_pton(family, sa.c_str(), x.data()) == 1) {
      return inet_pton(family, sb.c_str(), y.data()) == 1 && x == y;
    }
  }
  return false;
}

FoundNames find_names(store::Store& store, dns::Resolver* resolver, const PublicSuffixList& psl,
                      const std::vector<std::string>& ips, std::int64_t now,
                      const NameOptions& options) {
  FoundNames found;
  std::vector<std::string> unique;
  std::set<std::string> seen;
  for (const std::string& ip : ips) {
    if (seen.insert(ip).second) unique.push_back(ip);
  }
  // Only a host name can be confirmed, whatever a (writable) cache row says.
  auto add = [&](const std::string& ip, const std::string& name, bool confirmed) {
    if (name.empty()) return;
    found.names[ip] =
        SourceName{name, psl.organisational_domain(name), confirmed && is_host_name(name)};
  };
  std::set<std::string> cached;
  for (const store::IpName& row : store.cached_ip_names(unique, now)) {
    cached.insert(row.ip);
    ++found.stats.cached;
    if (row.name) add(row.ip, *row.name, row.forward_confirmed.value_or(false));
  }
  std::vector<std::string> wanted;
  for (const std::string& ip : unique) {
    if (!cached.count(ip)) wanted.push_back(ip);
  }
  const std::size_t limit = resolver == nullptr ? 0 : std::min(wanted.size(), options.max_lookups);
  found.stats.skipped = wanted.size() - limit;
  wanted.resize(limit);
  if (wanted.empty()) return found;

  const std::vector<Outcome> outcomes = look_up(*resolver, wanted, now);
  std::vector<store::IpName> rows;
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    ++found.stats.looked_up;
    const Outcome& outcome = outcomes[i];
    if (outcome.row) {
      rows.push_back(*outcome.row);
    } else {
      ++found.stats.unanswered;
    }
    if (outcome.shown) add(wanted[i], outcome.shown->name, outcome.shown->confirmed);
  }
  if (!rows.empty()) store.save_ip_names(rows);
  return found;
}

}  // namespace dmarc::report
