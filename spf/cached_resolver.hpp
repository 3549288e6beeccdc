// A dns::Resolver that remembers answers for the life of one run, so a
// weekly summary that checks many sources against the same SPF records asks
// each question once. Bounded: past max_entries it stops storing new answers.
// Failed answers (timeout, servfail, error) are kept too, so one dead server
// costs one timeout per question, not one per source; with give_up_after > 0,
// once that many questions timed out every new question answers timeout at
// once (a silent server then costs give_up_after timeouts in all).
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <utility>

#include "dns/resolver.hpp"

namespace dmarc::spf {

inline constexpr std::size_t k_default_cache_entries = 20'000;

class CachedResolver final : public dns::Resolver {
 public:
  explicit CachedResolver(dns::Resolver& inner, std::size_t max_entries = k_default_cache_entries,
                          std::size_t give_up_after = 0)
      : m_inner(inner), m_max_entries(max_entries), m_give_up_after(give_up_after) {}

  dns::Answer query(std::string_view name, dns::RecordType type) override;

  std::size_t hits() const { return m_hits; }
  std::size_t misses() const { return m_misses; }

 private:
  dns::Resolver& m_inner;
  std::size_t m_max_entries;
  std::size_t m_give_up_after;
  std::size_t m_timeouts = 0;
  std::map<std::pair<std::string, dns::RecordType>, dns::Answer> m_answers;
  std::size_t m_hits = 0;
  std::size_t m_misses = 0;
};

}  // namespace dmarc::spf
