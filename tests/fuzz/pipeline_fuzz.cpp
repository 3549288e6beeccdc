// Fuzz target: the whole path, bytes -> mail / unpack -> parse -> store, on a
// private in-memory SQLite database. Every input must end as reports,
// failures or non-aggregate inputs (or be recognised as bytes stored before),
// and the raw bytes must be kept.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "ingest/pipeline.hpp"
#include "store/store.hpp"
#include "tests/fuzz/fuzz_limits.hpp"

namespace {

// One database for many inputs (opening and migrating costs more than most
// inputs); replaced now and then so that it does not grow without bound.
dmarc::store::Store& database() {
  static std::unique_ptr<dmarc::store::Store> store;
  static unsigned uses = 0;
  if (!store || ++uses % 1000 == 0) {
    store.reset();
    store = std::make_unique<dmarc::store::Store>(":memory:");
  }
  return *store;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  dmarc::store::Store& store = database();
  dmarc::ingest::Pipeline pipeline(store, dmarc::fuzz::fuzz_limits());
  pipeline.ingest_bytes(input, "fuzz");
  const dmarc::ingest::IngestStats& stats = pipeline.stats();
  if (stats.inputs != 1) std::abort();
  // The same bytes again (libFuzzer runs an input more than once) are
  // recognised as stored before, with their whole outcome.
  if (stats.reports_new + stats.duplicates + stats.other + stats.failures + stats.unchanged == 0) {
    std::abort();
  }
  return 0;
}
