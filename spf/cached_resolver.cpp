#include "spf/cached_resolver.hpp"

#include <cctype>

namespace dmarc::spf {

dns::Answer CachedResolver::query(std::string_view name, dns::RecordType type) {
  std::string key(name);
  if (!key.empty() && key.back() == '.') key.pop_back();
  for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto found = m_answers.find({key, type});
  if (found != m_answers.end()) {
    ++m_hits;
    return found->second;
  }
  ++m_misses;
  dns::Answer answer = m_inner.query(name, type);
  if (m_answers.size() < m_max_entries) m_answers.emplace(std::make_pair(std::move(key), type), answer);
  return answer;
}

}  // namespace dmarc::spf
