// Store's read side for the weekly summary: records of a period with their
// reports' policy and their auth results.
#include "store/store_impl.hpp"

namespace dmarc::store {

std::vector<PeriodRecord> Store::period_records(std::int64_t since, std::int64_t until) const {
  Statement query(m_impl->db, R"sql(
SELECT rep.id, ifnull(rep.org_name, ''), ifnull(rep.policy_domain, ''), ifnull(rep.policy_p, ''),
       rep.policy_pct, ifnull(rep.policy_testing, ''), rep.date_begin, rep.date_end,
       ifnull(rec.source_ip, ''), rec.count, ifnull(rec.disposition, ''),
       ifnull(rec.dkim_aligned, ''), ifnull(rec.spf_aligned, ''), ifnull(rec.header_from, ''),
       ifnull(rec.envelope_from, ''),
       ifnull((SELECT domain FROM spf_results WHERE record_ref = rec.id
               ORDER BY scope = 'helo', position LIMIT 1), ''),
       ifnull((SELECT result FROM spf_results WHERE record_ref = rec.id
               ORDER BY scope = 'helo', position LIMIT 1), ''),
       ifnull((SELECT group_concat(item, ' ') FROM
               (SELECT ifnull(domain, '') || '=' || ifnull(result, '') AS item
                FROM spf_results WHERE record_ref = rec.id ORDER BY position)), ''),
       ifnull((SELECT group_concat(item, ' ') FROM
               (SELECT ifnull(domain, '') || ':' || ifnull(selector, '') || '=' ||
                       ifnull(result, '') AS item
                FROM dkim_results WHERE record_ref = rec.id ORDER BY position)), ''),
       EXISTS (SELECT 1 FROM dkim_results WHERE record_ref = rec.id AND result = 'pass'),
       ifnull((SELECT group_concat(type, ',') FROM
               (SELECT type FROM policy_override_reasons WHERE record_ref = rec.id
                ORDER BY position)), '')
FROM reports AS rep
JOIN records AS rec ON rec.report_ref = rep.id
WHERE rep.date_begin + (rep.date_end - rep.date_begin) / 2 >= ?1
  AND rep.date_begin + (rep.date_end - rep.date_begin) / 2 < ?2
ORDER BY rep.id, rec.position)sql",
                  "reading the records of a period");
  query.bind(1, since).bind(2, until);
  std::vector<PeriodRecord> rows;
  while (query.step()) {
    PeriodRecord& r = rows.emplace_back();
    r.report_ref = query.column_int64(0);
    r.org_name = query.column_text(1);
    r.policy_domain = query.column_text(2);
    r.policy_p = query.column_text(3);
    if (!query.column_is_null(4)) r.policy_pct = query.column_int64(4);
    r.policy_testing = query.column_text(5);
    r.date_begin = query.column_int64(6);
    r.date_end = query.column_int64(7);
    r.source_ip = query.column_text(8);
    r.count = query.column_int64(9);
    r.disposition = query.column_text(10);
    r.dkim_aligned = query.column_text(11);
    r.spf_aligned = query.column_text(12);
    r.header_from = query.column_text(13);
    r.envelope_from = query.column_text(14);
    r.spf_domain = query.column_text(15);
    r.spf_result = query.column_text(16);
    r.spf_results = query.column_text(17);
    r.dkim_results = query.column_text(18);
    r.dkim_any_pass = query.column_int64(19) != 0;
    r.override_reasons = query.column_text(20);
  }
  return rows;
}

}  // namespace dmarc::store
