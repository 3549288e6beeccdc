// The reverse DNS cache: rows valid at a time, replacing rows, hostile text
// kept as data, and the migration from schema version 1.
#include <gtest/gtest.h>

#include "store/store.hpp"
#include "test_support.hpp"

namespace dmarc::store {
namespace {

using test::query_int;
using test::query_rows;
using test::row;
using test::TempDir;

IpName name_row(std::string ip, std::optional<std::string> name, std::int64_t resolved_at,
                std::int64_t ttl, std::optional<bool> confirmed) {
  IpName row;
  row.ip = std::move(ip);
  row.name = std::move(name);
  row.status = row.name ? "ok" : "nxdomain";
  row.resolved_at = resolved_at;
  row.ttl = ttl;
  row.forward_confirmed = confirmed;
  return row;
}

TEST(IpNames, SavedRowsComeBackWhileValid) {
  Store store(":memory:");
  const std::vector<IpName> rows{
      name_row("192.0.2.1", "mail.example.net", 1000, 3600, true),
      name_row("2001:db8::1", "v6.example.net", 1000, 600, false),
      name_row("192.0.2.2", std::nullopt, 1000, 900, std::nullopt),
  };
  store.save_ip_names(rows);
  EXPECT_EQ(store.cached_ip_names({"192.0.2.1", "2001:db8::1", "192.0.2.2"}, 1000), rows);
  EXPECT_EQ(store.cached_ip_names({"192.0.2.2", "192.0.2.1"}, 1899),
            (std::vector<IpName>{rows[2], rows[0]}));
}

TEST(IpNames, RowIsInvalidFromResolvedAtPlusTtlAndBeforeResolvedAt) {
  Store store(":memory:");
  store.save_ip_names({name_row("192.0.2.1", "a.example.net", 1000, 600, true)});
  EXPECT_EQ(store.cached_ip_names({"192.0.2.1"}, 1599).size(), 1u);
  EXPECT_TRUE(store.cached_ip_names({"192.0.2.1"}, 1600).empty());
  EXPECT_TRUE(store.cached_ip_names({"192.0.2.1"}, 999).empty());
}

TEST(IpNames, UnknownAndDuplicateIpsGiveNoExtraRows) {
  Store store(":memory:");
  store.save_ip_names({name_row("192.0.2.1", "a.example.net", 1000, 600, true)});
  EXPECT_EQ(store.cached_ip_names({"192.0.2.1", "192.0.2.1", "198.51.100.1"}, 1000).size(), 1u);
  EXPECT_TRUE(store.cached_ip_names({}, 1000).empty());
}

TEST(IpNames, SavingAgainReplacesTheRow) {
  Store store(":memory:");
  store.save_ip_names({name_row("192.0.2.1", "old.example.net", 1000, 600, true)});
  const IpName fresh = name_row("192.0.2.1", std::nullopt, 5000, 300, std::nullopt);
  store.save_ip_names({fresh});
  EXPECT_EQ(store.cached_ip_names({"192.0.2.1"}, 5000), std::vector<IpName>{fresh});
}

TEST(IpNames, HostileTextIsStoredAsData) {
  Store store(":memory:");
  const IpName hostile = name_row("192.0.2.1'); DROP TABLE ip_names; --",
                                  "x'); DELETE FROM ip_names; --", 1, 60, false);
  store.save_ip_names({hostile, name_row("192.0.2.2", "b.example.net", 1, 60, true)});
  EXPECT_EQ(store.cached_ip_names({hostile.ip}, 2), std::vector<IpName>{hostile});
  EXPECT_EQ(store.cached_ip_names({"192.0.2.2"}, 2).size(), 1u);
}

TEST(IpNames, ConfirmationOutsideZeroAndOneIsRefusedByTheSchema) {
  TempDir dir;
  const auto path = dir.file("dmarc.db");
  { Store store(path); }
  EXPECT_THROW(test::exec(path,
                          "INSERT INTO ip_names (ip, status, resolved_at, ttl, "
                          "forward_confirmed) VALUES ('192.0.2.1', 'ok', 1, 1, 2)"),
               Fatal);
}

TEST(IpNames, VersionOneDatabaseGainsTheConfirmationColumnAndKeepsItsRows) {
  TempDir dir;
  const auto path = dir.file("dmarc.db");
  { Store store(path); }
  // Turn the fresh database back into what version 1 wrote.
  test::downgrade_to_version_one(path);
  test::exec(path,
             "INSERT INTO ip_names (ip, name, status, resolved_at, ttl) "
             "VALUES ('192.0.2.9', 'old.example.net', 'ok', 100, 1000)");
  Store store(path);
  EXPECT_EQ(query_int(path, "PRAGMA user_version"), k_schema_version);
  EXPECT_EQ(query_rows(path, "SELECT ip, name, forward_confirmed FROM ip_names"),
            std::vector<test::Row>{row({"192.0.2.9", "old.example.net", std::nullopt})});
  EXPECT_EQ(store.cached_ip_names({"192.0.2.9"}, 500),
            std::vector<IpName>{name_row("192.0.2.9", "old.example.net", 100, 1000, std::nullopt)});
}

}  // namespace
}  // namespace dmarc::store
