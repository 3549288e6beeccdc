// Store's private state, shared by the files that implement Store. Members
// are destroyed in reverse order: statements before the connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "store/database.hpp"
#include "store/raw_codec.hpp"
#include "store/report_writer.hpp"
#include "store/store.hpp"

namespace dmarc::store {

struct Store::Impl {
  explicit Impl(const std::filesystem::path& path);

  Database db;
  ReportWriter writer;
  Statement find_raw;
  Statement insert_raw;
  Statement insert_failure;
  Statement insert_other;
  Statement known_raw;
};

// store/raw_lookup.cpp: the query behind Store::known_raw and RawLookup.
extern const char* const k_known_raw_sql;
std::optional<KnownRaw> find_known_raw(Statement& statement, std::string_view sha256);

// Seconds since the Unix epoch, UTC.
inline std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// raw ids are positive; 0 (or less) means "no stored bytes" and is kept as NULL.
inline std::optional<std::int64_t> raw_ref(std::int64_t raw_id) {
  if (raw_id <= 0) return std::nullopt;
  return raw_id;
}

}  // namespace dmarc::store
