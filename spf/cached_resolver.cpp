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
  if (m_give_up_after > 0 && m_timeouts >= m_give_up_after) {
    dns::Answer gave_up;
    gave_up.status = dns::Status::timeout;
    gave_up.error = "not asked: " + std::to_string(m_timeouts) + " earlier queries timed out";
    return gave_up;
  }
  dns::Answer answer = m_inner.query(name, type);
  if (answer.status == dns::Status::timeout) ++m_timeouts;
  if (m_answers.size() < m_max_entries) m_answers.emplace(std::make_pair(std::move(key), type), answer);
  return answer;
}

}  // namespace dmarc::spf
