-- dmarcdb schema version 1 (PRAGMA user_version = 1).
-- This is a public interface: docs/schema.md describes every table, column
-- and view. Times are UTC seconds since the Unix epoch (INTEGER); the views
-- add ISO-8601 text. Text from reports is stored as the reporter wrote it
-- (trimmed); absent elements are NULL, never ''.
-- Applied once, inside one transaction, to an empty database.

PRAGMA application_id = 1145914434;  -- 0x444D4442, "DMDB"

-- The original bytes of every input (a file, a mail message), zlib-compressed,
-- one row per distinct content.
CREATE TABLE raw_reports (
  id          INTEGER PRIMARY KEY,
  sha256      TEXT    NOT NULL UNIQUE,   -- lower-case hex of the uncompressed bytes
  size        INTEGER NOT NULL,          -- uncompressed size in bytes
  compression TEXT    NOT NULL,          -- 'zlib'
  data        BLOB    NOT NULL,          -- the compressed bytes
  origin      TEXT    NOT NULL,          -- where the bytes were first seen
  first_seen  INTEGER NOT NULL           -- when they were first stored
);

-- One row per aggregate report (<feedback>).
CREATE TABLE reports (
  id                      INTEGER PRIMARY KEY,
  org_name                TEXT,              -- report_metadata/org_name
  email                   TEXT,              -- report_metadata/email
  extra_contact_info      TEXT,              -- report_metadata/extra_contact_info
  report_id               TEXT    NOT NULL,  -- report_metadata/report_id
  date_begin              INTEGER NOT NULL,  -- report_metadata/date_range/begin
  date_end                INTEGER NOT NULL,  -- report_metadata/date_range/end
  generator               TEXT,              -- report_metadata/generator (DMARCbis)
  policy_domain           TEXT,              -- policy_published/domain
  policy_adkim            TEXT,              -- 'r' / 's'
  policy_aspf             TEXT,              -- 'r' / 's'
  policy_p                TEXT,              -- 'none' / 'quarantine' / 'reject'
  policy_sp               TEXT,
  policy_np               TEXT,              -- DMARCbis
  policy_pct              INTEGER,           -- RFC 7489, 0..100
  policy_fo               TEXT,
  policy_testing          TEXT,              -- DMARCbis 'y' / 'n'
  policy_discovery_method TEXT,              -- DMARCbis 'psl' / 'treewalk'
  schema_version          TEXT    NOT NULL
                          CHECK (schema_version IN ('rfc7489', 'dmarcbis')),
  xml_version             TEXT,              -- <version> text
  extensions              TEXT,              -- feedback-level <extension> XML
  record_count            INTEGER NOT NULL,  -- rows in records for this report
  message_count           INTEGER NOT NULL,  -- sum of records.count
  raw_id                  INTEGER REFERENCES raw_reports (id),
  origin                  TEXT    NOT NULL,  -- where this copy came from
  ingested_at             INTEGER NOT NULL   -- when it was stored
);
-- A report's identity: a second copy is a duplicate, never a second row.
CREATE UNIQUE INDEX reports_identity ON reports (
  ifnull(org_name, ''), report_id, ifnull(policy_domain, ''), date_begin, date_end);
CREATE INDEX reports_date_begin ON reports (date_begin);
CREATE INDEX reports_raw_id ON reports (raw_id);

-- The report's own <error> elements (report_metadata/error).
CREATE TABLE report_errors (
  report_ref INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
  position   INTEGER NOT NULL,  -- 1-based order in the report
  message    TEXT    NOT NULL,
  PRIMARY KEY (report_ref, position)
) WITHOUT ROWID;

-- What dmarcdb repaired or dropped while reading the report.
CREATE TABLE report_warnings (
  report_ref INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
  position   INTEGER NOT NULL,  -- 1-based
  message    TEXT    NOT NULL,
  PRIMARY KEY (report_ref, position)
) WITHOUT ROWID;

-- One row per <record>: a sending source and what the receiver did.
CREATE TABLE records (
  id            INTEGER PRIMARY KEY,
  report_ref    INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
  position      INTEGER NOT NULL,  -- 1-based order in the report
  source_ip     TEXT,              -- row/source_ip, normalised; NULL if missing or invalid
  count         INTEGER NOT NULL,  -- row/count: messages
  disposition   TEXT,              -- policy_evaluated/disposition
  dkim_aligned  TEXT,              -- policy_evaluated/dkim: 'pass' / 'fail'
  spf_aligned   TEXT,              -- policy_evaluated/spf: 'pass' / 'fail'
  header_from   TEXT,              -- identifiers/header_from
  envelope_from TEXT,              -- identifiers/envelope_from
  envelope_to   TEXT,              -- identifiers/envelope_to
  extensions    TEXT,              -- record-level <extension> XML
  UNIQUE (report_ref, position)     -- also the index for report_ref
);
-- No index on source_ip by default: random addresses would make every report's
-- commit rewrite many index pages (ingestion 2-3x slower). docs/schema.md shows
-- how to add one for ad-hoc queries by address.

-- policy_evaluated/reason elements of a record.
CREATE TABLE policy_override_reasons (
  record_ref INTEGER NOT NULL REFERENCES records (id) ON DELETE CASCADE,
  position   INTEGER NOT NULL,  -- 1-based
  type       TEXT    NOT NULL,  -- forwarded, sampled_out, trusted_forwarder, mailing_list, local_policy, other
  comment    TEXT,
  PRIMARY KEY (record_ref, position)
) WITHOUT ROWID;

-- auth_results/dkim elements of a record.
CREATE TABLE dkim_results (
  record_ref   INTEGER NOT NULL REFERENCES records (id) ON DELETE CASCADE,
  position     INTEGER NOT NULL,  -- 1-based
  domain       TEXT,              -- d=
  selector     TEXT,              -- s=
  result       TEXT,              -- none, pass, fail, policy, neutral, temperror, permerror
  human_result TEXT,
  PRIMARY KEY (record_ref, position)
) WITHOUT ROWID;

-- auth_results/spf elements of a record.
CREATE TABLE spf_results (
  record_ref   INTEGER NOT NULL REFERENCES records (id) ON DELETE CASCADE,
  position     INTEGER NOT NULL,  -- 1-based
  domain       TEXT,              -- the checked domain
  scope        TEXT,              -- 'mfrom' / 'helo'
  result       TEXT,              -- none, neutral, pass, fail, softfail, temperror, permerror
  human_result TEXT,
  PRIMARY KEY (record_ref, position)
) WITHOUT ROWID;

-- Inputs, or parts of inputs, that could not become a report.
CREATE TABLE ingest_failures (
  id         INTEGER PRIMARY KEY,
  raw_id     INTEGER REFERENCES raw_reports (id),  -- NULL if the bytes could not be read
  origin     TEXT    NOT NULL,
  part       TEXT    NOT NULL,  -- e.g. 'zip:member.xml', 'mime:2'; '' for the whole input
  code       TEXT    NOT NULL,  -- malformed, too_large, unsupported, not_aggregate, ...
  message    TEXT    NOT NULL,
  first_seen INTEGER NOT NULL,
  UNIQUE (raw_id, part, code)
);

-- Inputs recognised as something other than an aggregate report.
CREATE TABLE other_inputs (
  id         INTEGER PRIMARY KEY,
  raw_id     INTEGER REFERENCES raw_reports (id),
  origin     TEXT    NOT NULL,
  part       TEXT    NOT NULL,
  kind       TEXT    NOT NULL,  -- forensic, smtp_tls, other_mail, not_report
  detail     TEXT    NOT NULL,
  first_seen INTEGER NOT NULL,
  UNIQUE (raw_id, part)
);

-- IMAP checkpoints: the last message handled per mailbox.
CREATE TABLE mailbox_state (
  mailbox     TEXT    PRIMARY KEY,  -- mailbox URL, e.g. 'imaps://mail.example.com/INBOX'
  uidvalidity INTEGER NOT NULL,
  last_uid    INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);

-- Reverse DNS cache for source addresses.
CREATE TABLE ip_names (
  ip          TEXT    PRIMARY KEY,  -- same form as records.source_ip
  name        TEXT,                 -- PTR name; NULL when there is none
  status      TEXT    NOT NULL,     -- 'ok', 'nxdomain', 'servfail', 'timeout', ...
  resolved_at INTEGER NOT NULL,
  ttl         INTEGER               -- seconds the answer may be reused
);

-- One flat row per record with its report's identity and dates, and the
-- first SPF and DKIM results.
CREATE VIEW record_rows AS
SELECT
  rec.id                                                   AS record_id,
  rep.id                                                   AS report_ref,
  rep.org_name                                             AS org_name,
  rep.report_id                                            AS report_id,
  rep.policy_domain                                        AS policy_domain,
  rep.policy_p                                             AS policy_p,
  rep.date_begin                                           AS date_begin,
  rep.date_end                                             AS date_end,
  strftime('%Y-%m-%dT%H:%M:%SZ', rep.date_begin, 'unixepoch') AS begin_utc,
  strftime('%Y-%m-%dT%H:%M:%SZ', rep.date_end, 'unixepoch')   AS end_utc,
  rec.position                                             AS position,
  rec.source_ip                                            AS source_ip,
  rec.count                                                AS count,
  rec.disposition                                          AS disposition,
  rec.dkim_aligned                                         AS dkim_aligned,
  rec.spf_aligned                                          AS spf_aligned,
  rec.header_from                                          AS header_from,
  rec.envelope_from                                        AS envelope_from,
  rec.envelope_to                                          AS envelope_to,
  spf.domain                                               AS spf_domain,
  spf.scope                                                AS spf_scope,
  spf.result                                               AS spf_result,
  dkim.domain                                              AS dkim_domain,
  dkim.selector                                            AS dkim_selector,
  dkim.result                                              AS dkim_result,
  reason.type                                              AS override_reason
FROM records AS rec
JOIN reports AS rep ON rep.id = rec.report_ref
LEFT JOIN spf_results AS spf ON spf.record_ref = rec.id AND spf.position = 1
LEFT JOIN dkim_results AS dkim ON dkim.record_ref = rec.id AND dkim.position = 1
LEFT JOIN policy_override_reasons AS reason
  ON reason.record_ref = rec.id AND reason.position = 1;

-- The records whose SPF verdict did not align (policy_evaluated/spf = fail).
CREATE VIEW spf_alignment_failures AS
SELECT * FROM record_rows WHERE spf_aligned = 'fail';

-- One row per report with its totals. Grouped by every report column shown
-- (all fixed by id) so that a WHERE on any of them is applied before the
-- records are read.
CREATE VIEW reports_overview AS
SELECT
  rep.id                                                      AS id,
  rep.org_name                                                AS org_name,
  rep.report_id                                               AS report_id,
  rep.policy_domain                                           AS policy_domain,
  rep.policy_p                                                AS policy_p,
  rep.date_begin                                              AS date_begin,
  rep.date_end                                                AS date_end,
  strftime('%Y-%m-%dT%H:%M:%SZ', rep.date_begin, 'unixepoch') AS begin_utc,
  strftime('%Y-%m-%dT%H:%M:%SZ', rep.date_end, 'unixepoch')   AS end_utc,
  rep.schema_version                                          AS schema_version,
  count(rec.id)                                               AS records,
  -- total() (a REAL sum, cast back) rather than sum(): absurd counts in a
  -- hostile report saturate instead of failing the whole query.
  CAST(total(rec.count) AS INTEGER)                           AS messages,
  count(CASE WHEN rec.spf_aligned = 'fail' THEN 1 END)        AS spf_fail_records,
  CAST(total(CASE WHEN rec.spf_aligned = 'fail' THEN rec.count END) AS INTEGER)
                                                              AS spf_fail_messages,
  count(CASE WHEN rec.dkim_aligned = 'fail' THEN 1 END)       AS dkim_fail_records,
  count(CASE WHEN rec.disposition = 'reject' THEN 1 END)      AS reject_records,
  CAST(total(CASE WHEN rec.disposition = 'reject' THEN rec.count END) AS INTEGER)
                                                              AS reject_messages,
  count(CASE WHEN rec.disposition = 'quarantine' THEN 1 END)  AS quarantine_records,
  CAST(total(CASE WHEN rec.disposition = 'quarantine' THEN rec.count END) AS INTEGER)
                                                              AS quarantine_messages,
  (SELECT count(*) FROM report_errors AS e WHERE e.report_ref = rep.id)   AS errors,
  (SELECT count(*) FROM report_warnings AS w WHERE w.report_ref = rep.id) AS warnings,
  rep.origin                                                  AS origin,
  rep.ingested_at                                             AS ingested_at
FROM reports AS rep
LEFT JOIN records AS rec ON rec.report_ref = rep.id
GROUP BY rep.id, rep.org_name, rep.report_id, rep.policy_domain, rep.policy_p,
         rep.date_begin, rep.date_end, rep.schema_version, rep.origin, rep.ingested_at;
