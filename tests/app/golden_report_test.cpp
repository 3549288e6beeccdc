// The weekly summary of the samples, byte for byte: `dmarcdb report --week
// 2026-W47` in every text format must equal the reviewed files in
// samples/expected/, whose numbers samples/README.md explains (the CRM
// service new and rejected, 424 + 246; the ticketing system quarantined, 170;
// the invoicing platform's broken SPF record, 102; the mailing list passing
// SPF unaligned, 7; the list and a forwarder at risk, 37 and 14).
// After an intended change of the output, regenerate them with
//   DMARCDB_UPDATE_EXPECTED=1 build/tests/app_golden_report_test
// and review the diff.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "tests/support/binary.hpp"

namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

class GoldenReport : public ::testing::TestWithParam<const char*> {
 protected:
  static void SetUpTestSuite() {
    s_dir = new fs::path(fs::temp_directory_path() /
                         ("dmarcdb-golden-" + std::to_string(::getpid())));
    fs::remove_all(*s_dir);
    fs::create_directories(*s_dir);
    const auto r = dmarc::test::run_dmarcdb("ingest --db " + db() + " " + DMARCDB_SOURCE_DIR +
                                            "/samples/reports 2>&1");
    ASSERT_EQ(r.status, 0) << r.out;
  }
  static void TearDownTestSuite() {
    fs::remove_all(*s_dir);
    delete s_dir;
  }
  static std::string db() { return (*s_dir / "samples.db").string(); }
  static fs::path* s_dir;
};

fs::path* GoldenReport::s_dir = nullptr;

TEST_P(GoldenReport, OutputEqualsTheReviewedFile) {
  const std::string format = GetParam();
  const auto r = dmarc::test::run_dmarcdb("report --week 2026-W47 --no-dns --format " + format +
                                          " --db " + db());
  ASSERT_EQ(r.status, 0) << r.out;
  const std::string extension = format == "markdown" ? "md" : format == "text" ? "txt" : format;
  const fs::path expected =
      fs::path(DMARCDB_SOURCE_DIR) / "samples/expected" / ("report-2026-W47." + extension);
  if (std::getenv("DMARCDB_UPDATE_EXPECTED") != nullptr) {
    std::ofstream(expected, std::ios::binary) << r.out;
  }
  ASSERT_TRUE(fs::exists(expected)) << expected;
  EXPECT_EQ(r.out, read_file(expected)) << "compare with " << expected;
}

INSTANTIATE_TEST_SUITE_P(EveryFormat, GoldenReport,
                         ::testing::Values("json", "text", "markdown", "csv", "html"));

}  // namespace
