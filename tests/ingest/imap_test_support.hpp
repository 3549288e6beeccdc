// Shared by the IMAP tests: the sample e-mails, and source options that talk
// to a test Dovecot with its CA and password, retrying quickly.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "ingest/imap_source.hpp"
#include "tests/support/dovecot.hpp"

namespace dmarc::testing {

inline std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The e-mails among samples/reports: 5 with aggregate reports, a forensic
// report and an SMTP TLS report, in name order.
inline std::vector<std::filesystem::path> sample_mail_paths() {
  const std::filesystem::path dir = std::filesystem::path(DMARCDB_SOURCE_DIR) / "samples/reports";
  std::vector<std::filesystem::path> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with(".eml") || name.rfind("maildir-", 0) == 0) out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}
inline constexpr std::size_t k_sample_mails = 7;
inline constexpr std::size_t k_sample_mail_reports = 5;

inline ingest::ImapSourceOptions source_options(const DovecotServer& server, const std::string& url) {
  ingest::ImapSourceOptions options;
  auto parsed = ingest::parse_imap_url(url);
  EXPECT_TRUE(parsed) << url;
  options.settings.url = *parsed;
  options.settings.ca_file = server.ca_file();
  options.settings.secret = [] {
    return tl::expected<std::string, std::string>(DovecotServer::k_password);
  };
  options.settings.connect_timeout = std::chrono::seconds(5);
  options.settings.read_timeout = std::chrono::seconds(5);
  options.max_retries = 2;
  options.first_backoff = std::chrono::milliseconds(10);
  return options;
}

#define START_DOVECOT(var, ...)                                                      \
  auto var##_started = dmarc::testing::DovecotServer::start(__VA_ARGS__);            \
  if (auto* error = std::get_if<std::string>(&var##_started)) FAIL() << *error;      \
  dmarc::testing::DovecotServer& var =                                               \
      *std::get<std::unique_ptr<dmarc::testing::DovecotServer>>(var##_started)

}  // namespace dmarc::testing
