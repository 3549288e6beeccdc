// Store's reverse DNS cache (table ip_names): reading the rows still valid at
// a time and saving fresh lookups.
#include <set>

#include "store/store_impl.hpp"

namespace dmarc::store {

std::vector<IpName> Store::cached_ip_names(const std::vector<std::string>& ips,
                                           std::int64_t now) const {
  Statement query(m_impl->db, R"sql(
SELECT ip, name, status, resolved_at, ttl, forward_confirmed
FROM ip_names
WHERE ip = ?1 AND ttl IS NOT NULL AND resolved_at <= ?2 AND ?2 < resolved_at + ttl)sql",
                  "reading cached reverse DNS names");
  Transaction transaction(m_impl->db, Transaction::Mode::deferred);
  std::vector<IpName> rows;
  std::set<std::string> seen;
  for (const std::string& ip : ips) {
    if (!seen.insert(ip).second) continue;
    query.bind(1, ip).bind(2, now);
    if (!query.step()) continue;
    IpName& row = rows.emplace_back();
    row.ip = query.column_text(0);
    row.name = query.column_optional_text(1);
    row.status = query.column_text(2);
    row.resolved_at = query.column_int64(3);
    row.ttl = query.column_int64(4);
    if (!query.column_is_null(5)) row.forward_confirmed = query.column_int64(5) != 0;
    query.reset();
  }
  transaction.commit();
  return rows;
}

void Store::save_ip_names(const std::vector<IpName>& names) {
  Statement insert(m_impl->db, R"sql(
INSERT INTO ip_names (ip, name, status, resolved_at, ttl, forward_confirmed)
VALUES (?1, ?2, ?3, ?4, ?5, ?6)
ON CONFLICT (ip) DO UPDATE SET name = excluded.name, status = excluded.status,
  resolved_at = excluded.resolved_at, ttl = excluded.ttl,
  forward_confirmed = excluded.forward_confirmed)sql",
                   "saving reverse DNS names");
  Transaction transaction(m_impl->db, Transaction::Mode::immediate);
  for (const IpName& row : names) {
    std::optional<std::int64_t> confirmed;
    if (row.forward_confirmed) confirmed = *row.forward_confirmed ? 1 : 0;
    insert.bind(1, row.ip)
        .bind(2, row.name)
        .bind(3, row.status)
        .bind(4, row.resolved_at)
        .bind(5, row.ttl)
        .bind(6, confirmed)
        .run();
  }
  transaction.commit();
}

}  // namespace dmarc::store
