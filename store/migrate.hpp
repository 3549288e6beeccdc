// Opening a dmarcdb database: connection settings (foreign keys, WAL,
// synchronous=NORMAL) and the schema migrations keyed by PRAGMA user_version.
// Throws Fatal for a file that is not SQLite, a SQLite database that is not
// dmarcdb's, or a schema newer than this build.
#pragma once

#include <cstdint>

#include "store/database.hpp"

namespace dmarc::store {

// PRAGMA application_id of a dmarcdb database: "DMDB".
inline constexpr std::int64_t k_application_id = 0x444D4442;

// Configures the connection and migrates the schema to k_schema_version,
// all steps in one BEGIN IMMEDIATE transaction.
void prepare_database(Database& db);

}  // namespace dmarc::store
