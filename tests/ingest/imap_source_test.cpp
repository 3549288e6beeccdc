// Incremental, non-destructive IMAP ingestion against a real Dovecot.
#include "ingest/imap_source.hpp"

#include <gtest/gtest.h>

#include "imap_test_support.hpp"

namespace dmarc::ingest {
namespace {

using testing::DovecotServer;
using testing::source_options;

struct Ingester {
  store::Store store{":memory:"};
  Limits limits;
  Pipeline pipeline{store, limits};

  ImapRunResult run(const ImapSourceOptions& options, const ImapHooks& hooks = {}) {
    return ingest_mailbox(store, pipeline, limits, options, hooks);
  }
};

void deliver_samples(DovecotServer& server, std::size_t seen_index = SIZE_MAX) {
  std::size_t i = 0;
  for (const auto& path : testing::sample_mail_paths()) {
    server.deliver(testing::read_bytes(path), "INBOX", i++ == seen_index);
  }
}

std::string google_mail() {
  return testing::read_bytes(std::filesystem::path(DMARCDB_SOURCE_DIR) /
                             "samples/reports/mail-google-gzip-attachment-crlf.eml");
}

bool seen(const std::string& flags) { return flags.find("\\Seen") != std::string::npos; }

std::string key_of(const std::string& url) { return parse_imap_url(url)->key(); }

std::string big_message(std::size_t bytes) {
  std::string body = "From: a@example.org\r\nTo: b@example.com\r\nSubject: huge\r\n\r\n";
  while (body.size() < bytes) body += "BODY-LINE-FOR-A-VERY-LARGE-MESSAGE......................\r\n";
  return body;
}

TEST(ImapSource, ImapsIngestsEveryMessageAndLeavesFlagsAsTheyWere) {
  START_DOVECOT(server);
  deliver_samples(server, 2);
  Ingester ingester;
  ImapRunResult result = ingester.run(source_options(server, server.imaps_url()));
  ASSERT_EQ(result.outcome, ImapOutcome::ok) << result.message;
  EXPECT_EQ(result.messages, testing::k_sample_mails);
  EXPECT_EQ(result.unreadable, 2u);  // the forensic and the SMTP TLS report
  EXPECT_EQ(ingester.store.counts().reports, 5);
  EXPECT_EQ(ingester.store.counts().other_inputs, 2);
  std::map<std::uint64_t, std::string> flags = server.flags();
  ASSERT_EQ(flags.size(), testing::k_sample_mails);
  for (const auto& [uid, flag] : flags) EXPECT_EQ(seen(flag), uid == 3) << "UID " << uid;
  auto checkpoint = ingester.store.mailbox_state(key_of(server.imaps_url()));
  ASSERT_TRUE(checkpoint);
  EXPECT_EQ(checkpoint->last_uid, 7);
  EXPECT_EQ(server.count(), 7);
}

TEST(ImapSource, StartTlsIngestsEveryMessage) {
  START_DOVECOT(server);
  deliver_samples(server);
  Ingester ingester;
  ImapRunResult result = ingester.run(source_options(server, server.imap_url()));
  ASSERT_EQ(result.outcome, ImapOutcome::ok) << result.message;
  EXPECT_EQ(ingester.store.counts().reports, 5);
  // The checkpoint names user, host, port and mailbox, never a password.
  auto checkpoint = ingester.store.mailbox_state(
      "imap://dmarc@127.0.0.1:" + std::to_string(server.imap_port()) + "/INBOX");
  ASSERT_TRUE(checkpoint);
  EXPECT_EQ(checkpoint->last_uid, 7);
}

TEST(ImapSource, SecondRunFetchesNothingAndThirdOnlyTheNewMessage) {
  START_DOVECOT(server);
  deliver_samples(server);
  Ingester ingester;
  const ImapSourceOptions options = source_options(server, server.imaps_url());
  ASSERT_EQ(ingester.run(options).outcome, ImapOutcome::ok);
  const store::TableCounts after_first = ingester.store.counts();
  const IngestStats stats_first = ingester.pipeline.stats();

  ImapRunResult second = ingester.run(options);
  ASSERT_EQ(second.outcome, ImapOutcome::ok) << second.message;
  EXPECT_EQ(second.messages, 0u);
  EXPECT_EQ(ingester.pipeline.stats().inputs, stats_first.inputs);
  EXPECT_EQ(ingester.store.counts(), after_first);

  server.deliver(google_mail());  // a resent copy
  ImapRunResult third = ingester.run(options);
  ASSERT_EQ(third.outcome, ImapOutcome::ok) << third.message;
  EXPECT_EQ(third.messages, 1u);
  EXPECT_EQ(ingester.pipeline.stats().inputs, stats_first.inputs + 1);
  // The same bytes again: recognised by their SHA-256, not read again.
  EXPECT_EQ(ingester.pipeline.stats().unchanged, stats_first.unchanged + 1);
  EXPECT_EQ(ingester.pipeline.stats().unchanged_reports, stats_first.unchanged_reports + 1);
  EXPECT_EQ(ingester.store.counts(), after_first);
}

TEST(ImapSource, WrongPasswordIsLoginFailedWithoutRetrying) {
  START_DOVECOT(server);
  Ingester ingester;
  ImapSourceOptions options = source_options(server, server.imaps_url());
  options.settings.secret = [] { return tl::expected<std::string, std::string>("wrong"); };
  ImapRunResult result = ingester.run(options);
  EXPECT_EQ(result.outcome, ImapOutcome::login_failed);
  EXPECT_EQ(result.reconnects, 0u);
  EXPECT_NE(result.message.find("login"), std::string::npos) << result.message;
  EXPECT_EQ(result.message.find("wrong"), std::string::npos) << "secret in " << result.message;
}

TEST(ImapSource, MissingMailboxIsMailboxMissing) {
  START_DOVECOT(server);
  Ingester ingester;
  ImapRunResult result = ingester.run(source_options(server, server.imaps_url("Nope")));
  EXPECT_EQ(result.outcome, ImapOutcome::mailbox_missing);
  EXPECT_NE(result.message.find("\"Nope\" does not exist"), std::string::npos) << result.message;
}

TEST(ImapSource, UntrustedCertificateIsRefusedUnlessInsecure) {
  START_DOVECOT(server);
  deliver_samples(server);
  Ingester ingester;
  ImapSourceOptions options = source_options(server, server.imaps_url());
  options.settings.ca_file.clear();
  ImapRunResult refused = ingester.run(options);
  EXPECT_EQ(refused.outcome, ImapOutcome::error);
  EXPECT_NE(refused.message.find("TLS"), std::string::npos) << refused.message;
  EXPECT_EQ(ingester.store.counts().raw_reports, 0);
  options.settings.insecure = true;
  EXPECT_EQ(ingester.run(options).outcome, ImapOutcome::ok);
  EXPECT_EQ(ingester.store.counts().reports, 5);
}

TEST(ImapSource, UidvalidityChangeReadsEverythingAgainWithoutDuplicateRows) {
  START_DOVECOT(server);
  deliver_samples(server);
  Ingester ingester;
  const ImapSourceOptions options = source_options(server, server.imaps_url());
  ASSERT_EQ(ingester.run(options).outcome, ImapOutcome::ok);
  const store::TableCounts before = ingester.store.counts();
  server.set_uidvalidity("INBOX", 4242);
  ImapRunResult again = ingester.run(options);
  ASSERT_EQ(again.outcome, ImapOutcome::ok) << again.message;
  EXPECT_TRUE(again.uidvalidity_changed);
  EXPECT_EQ(again.messages, testing::k_sample_mails);
  EXPECT_EQ(ingester.pipeline.stats().unchanged, testing::k_sample_mails);
  EXPECT_EQ(ingester.pipeline.stats().unchanged_reports, 5u);
  EXPECT_EQ(ingester.store.counts(), before);
  EXPECT_EQ(ingester.store.mailbox_state(key_of(server.imaps_url())),
            (store::MailboxState{4242, 7}));
}

TEST(ImapSource, MarkSeenSetsSeenOnEveryMessage) {
  START_DOVECOT(server);
  deliver_samples(server);
  Ingester ingester;
  ImapSourceOptions options = source_options(server, server.imaps_url());
  options.mark_seen = true;
  ASSERT_EQ(ingester.run(options).outcome, ImapOutcome::ok);
  for (const auto& [uid, flag] : server.flags()) EXPECT_TRUE(seen(flag)) << "UID " << uid;
}

TEST(ImapSource, MoveToCreatesFoldersAndSortsOutMessagesWithoutReport) {
  START_DOVECOT(server);
  deliver_samples(server);
  Ingester ingester;
  ImapSourceOptions options = source_options(server, server.imaps_url());
  options.move_to = "Processed";
  options.failed_folder = "Failed";
  ImapRunResult result = ingester.run(options);
  ASSERT_EQ(result.outcome, ImapOutcome::ok) << result.message;
  EXPECT_EQ(result.moved, testing::k_sample_mails);
  EXPECT_EQ(server.count("INBOX"), 0);
  EXPECT_EQ(server.count("Processed"), 5);
  EXPECT_EQ(server.count("Failed"), 2);
  // Moving does not mark anything read.
  for (const auto& [uid, flag] : server.flags("Processed")) EXPECT_FALSE(seen(flag)) << uid;
  EXPECT_EQ(ingester.store.counts().reports, 5);
  EXPECT_EQ(ingester.run(options).messages, 0u);
}

TEST(ImapSource, CheckpointBehindAnEmptiedMailboxCatchesUp) {
  START_DOVECOT(server);
  deliver_samples(server);
  Ingester ingester;
  ImapSourceOptions options = source_options(server, server.imaps_url());
  options.move_to = "Processed";
  ASSERT_EQ(ingester.run(options).outcome, ImapOutcome::ok);
  const std::string key = key_of(server.imaps_url());
  const auto done = ingester.store.mailbox_state(key);
  ASSERT_TRUE(done);
  // A run killed after its last move, before its last checkpoint.
  ingester.store.set_mailbox_state(key, {done->uidvalidity, done->last_uid - 1});
  ImapRunResult again = ingester.run(options);
  ASSERT_EQ(again.outcome, ImapOutcome::ok) << again.message;
  EXPECT_EQ(again.messages, 0u);
  EXPECT_EQ(ingester.store.mailbox_state(key), done);
}

TEST(ImapSource, MessageOverTheSizeLimitIsRecordedAsFailureWithoutDownload) {
  START_DOVECOT(server);
  server.deliver(big_message(200'000));
  server.deliver(google_mail());
  Ingester ingester;
  ingester.limits.max_input_bytes = 100'000;
  ImapSourceOptions options = source_options(server, server.imaps_url());
  options.failed_folder = "Failed";
  ImapRunResult result = ingester.run(options);
  ASSERT_EQ(result.outcome, ImapOutcome::ok) << result.message;
  EXPECT_EQ(result.too_large, 1u);
  std::vector<store::FailureRow> failures = ingester.store.list_failures();
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].code, "too_large");
  EXPECT_NE(failures[0].message.find("over max_input_bytes (100000)"), std::string::npos)
      << failures[0].message;
  EXPECT_NE(failures[0].origin.find(";UID=1"), std::string::npos) << failures[0].origin;
  const std::string kept = *ingester.store.raw_bytes(failures[0].raw_id);
  EXPECT_NE(kept.find("Subject: huge"), std::string::npos);
  EXPECT_EQ(kept.find("BODY-LINE"), std::string::npos) << "the body was downloaded";
  EXPECT_EQ(server.count("Failed"), 1);
  EXPECT_EQ(ingester.store.counts().reports, 1);
}

TEST(ImapSource, ServerKilledMidRunLosesNothingAndNextRunAddsNoDuplicates) {
  START_DOVECOT(server);
  deliver_samples(server);
  Ingester ingester;
  const ImapSourceOptions options = source_options(server, server.imaps_url());
  ImapHooks hooks;
  hooks.progress = [&](const ImapProgress& p) {
    if (p.done == 3) server.kill_hard();
  };
  ImapRunResult broken = ingester.run(options, hooks);
  EXPECT_EQ(broken.outcome, ImapOutcome::network) << broken.message;
  EXPECT_EQ(broken.messages, 3u);
  EXPECT_EQ(broken.reconnects, 2u);
  EXPECT_EQ(ingester.store.mailbox_state(key_of(server.imaps_url()))->last_uid, 3);

  ASSERT_EQ(server.restart(), "");
  ImapRunResult resumed = ingester.run(options);
  ASSERT_EQ(resumed.outcome, ImapOutcome::ok) << resumed.message;
  EXPECT_EQ(resumed.messages, 4u);
  EXPECT_EQ(ingester.pipeline.stats().duplicates, 0u);
  EXPECT_EQ(ingester.pipeline.stats().inputs, testing::k_sample_mails);
  EXPECT_EQ(ingester.store.counts().reports, 5);
  EXPECT_EQ(ingester.store.counts().other_inputs, 2);
}

TEST(ImapSource, ServerBackDuringBackoffLetsTheSameRunFinish) {
  START_DOVECOT(server);
  deliver_samples(server);
  Ingester ingester;
  ImapSourceOptions options = source_options(server, server.imaps_url());
  int secrets = 0;
  options.settings.secret = [&] {
    ++secrets;
    return tl::expected<std::string, std::string>(DovecotServer::k_password);
  };
  ImapHooks hooks;
  hooks.progress = [&](const ImapProgress& p) {
    if (p.done == 2 && secrets == 1) server.kill_hard();
  };
  std::string restart_error = "not restarted";
  hooks.sleep = [&](std::chrono::milliseconds) { restart_error = server.restart(); };
  ImapRunResult result = ingester.run(options, hooks);
  EXPECT_EQ(restart_error, "");
  ASSERT_EQ(result.outcome, ImapOutcome::ok) << result.message;
  EXPECT_EQ(result.reconnects, 1u);
  EXPECT_EQ(secrets, 2);  // asked again for the new connection
  EXPECT_EQ(result.messages, testing::k_sample_mails);
  EXPECT_EQ(ingester.pipeline.stats().duplicates, 0u);
  EXPECT_EQ(ingester.store.counts().reports, 5);
}

TEST(ImapSource, StopRequestFinishesTheCurrentMessageAndKeepsTheCheckpoint) {
  START_DOVECOT(server);
  deliver_samples(server);
  Ingester ingester;
  ImapHooks hooks;
  std::uint64_t done = 0;
  hooks.progress = [&](const ImapProgress& p) { done = p.done; };
  hooks.stop_requested = [&] { return done >= 4; };
  ImapRunResult result = ingester.run(source_options(server, server.imaps_url()), hooks);
  EXPECT_EQ(result.outcome, ImapOutcome::stopped);
  EXPECT_EQ(result.messages, 4u);
  EXPECT_EQ(ingester.store.mailbox_state(key_of(server.imaps_url()))->last_uid, 4);
}

TEST(ImapSource, MailboxLargerThanOneUidWindowIsReadWhole) {
  START_DOVECOT(server);
  const std::size_t count = ImapSession::k_uid_window + 10;
  for (std::size_t i = 0; i < count; ++i) {
    server.deliver("From: a@example.org\r\nSubject: note " + std::to_string(i) + "\r\n\r\nhello\r\n");
  }
  Ingester ingester;
  std::uint64_t last_total = 0;
  ImapHooks hooks;
  hooks.progress = [&](const ImapProgress& p) { last_total = p.total; };
  ImapRunResult result = ingester.run(source_options(server, server.imaps_url()), hooks);
  ASSERT_EQ(result.outcome, ImapOutcome::ok) << result.message;
  EXPECT_EQ(result.messages, count);
  EXPECT_EQ(last_total, count);
  EXPECT_EQ(ingester.store.counts().other_inputs, static_cast<std::int64_t>(count));
}

class ImapOAuth2 : public ::testing::TestWithParam<const char*> {};

TEST_P(ImapOAuth2, BearerTokenLogsInAndABadTokenIsLoginFailed) {
  START_DOVECOT(server, testing::DovecotOptions{GetParam()});
  std::ofstream(server.tokens_file()) << "token-A1\n";
  deliver_samples(server);
  Ingester ingester;
  ImapSourceOptions options = source_options(server, server.imaps_url());
  options.settings.oauth2 = true;
  options.settings.secret = [] { return tl::expected<std::string, std::string>("token-B2"); };
  ImapRunResult refused = ingester.run(options);
  EXPECT_EQ(refused.outcome, ImapOutcome::login_failed) << refused.message;

  options.settings.secret = [] { return tl::expected<std::string, std::string>("token-A1"); };
  ImapRunResult result = ingester.run(options);
  ASSERT_EQ(result.outcome, ImapOutcome::ok) << result.message;
  EXPECT_EQ(ingester.store.counts().reports, 5);
}

INSTANTIATE_TEST_SUITE_P(Mechanisms, ImapOAuth2, ::testing::Values("xoauth2", "oauthbearer"));

}  // namespace
}  // namespace dmarc::ingest
