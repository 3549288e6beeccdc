// IMAP checkpoints and Store::Batch: everything that comes of one input is
// committed together, or not at all.
#include <gtest/gtest.h>

#include "store/store.hpp"
#include "test_support.hpp"

namespace dmarc::store {
namespace {

using test::TempDir;

TEST(MailboxState, AbsentForAMailboxNeverRead) {
  Store store(":memory:");
  EXPECT_EQ(store.mailbox_state("imaps://u@h:993/INBOX"), std::nullopt);
}

TEST(MailboxState, LastWriteWinsPerMailbox) {
  TempDir dir;
  {
    Store store(dir.file("db"));
    store.set_mailbox_state("imaps://u@h:993/INBOX", {7, 10});
    store.set_mailbox_state("imaps://u@h:993/INBOX", {7, 12});
    store.set_mailbox_state("imaps://v@h:993/INBOX", {9, 1});
  }
  Store store(dir.file("db"));
  EXPECT_EQ(store.mailbox_state("imaps://u@h:993/INBOX"), (MailboxState{7, 12}));
  EXPECT_EQ(store.mailbox_state("imaps://v@h:993/INBOX"), (MailboxState{9, 1}));
  EXPECT_EQ(test::query_int(dir.file("db"), "SELECT count(*) FROM mailbox_state"), 2);
}

TEST(StoreBatch, UncommittedBatchLeavesNothingOfTheInput) {
  TempDir dir;
  Store store(dir.file("db"));
  {
    Store::Batch batch(store);
    RawInput raw = store.save_raw("bytes", "imap://x");
    EXPECT_EQ(store.save_report(test::sample_report(), raw.id, "imap://x"), SaveResult::stored);
    store.record_failure(raw.id, "imap://x", "mime:2", Error{Code::malformed, "bad"});
    store.set_mailbox_state("imap://x", {1, 5});
  }
  EXPECT_EQ(store.counts(), TableCounts{});
  EXPECT_EQ(store.mailbox_state("imap://x"), std::nullopt);
}

TEST(StoreBatch, CommittedBatchKeepsEveryWrite) {
  TempDir dir;
  Store store(dir.file("db"));
  {
    Store::Batch batch(store);
    RawInput raw = store.save_raw("bytes", "imap://x");
    EXPECT_EQ(store.save_report(test::sample_report(), raw.id, "imap://x"), SaveResult::stored);
    store.set_mailbox_state("imap://x", {1, 5});
    batch.commit();
  }
  Store reopened(dir.file("db"));
  EXPECT_EQ(reopened.counts().reports, 1);
  EXPECT_EQ(reopened.counts().raw_reports, 1);
  EXPECT_EQ(reopened.mailbox_state("imap://x"), (MailboxState{1, 5}));
}

TEST(StoreBatch, DuplicateInsideABatchIsStillRecognised) {
  Store store(":memory:");
  Store::Batch batch(store);
  RawInput raw = store.save_raw("bytes", "a");
  EXPECT_EQ(store.save_report(test::sample_report(), raw.id, "a"), SaveResult::stored);
  EXPECT_EQ(store.save_report(test::sample_report(), raw.id, "a"), SaveResult::duplicate);
  batch.commit();
  EXPECT_EQ(store.counts().reports, 1);
}

TEST(StoreBatch, ForeignKeysAreCheckedAgainAfterTheBatch) {
  test::TempDir dir;
  Store store(dir.file("b.db"));
  {
    Store::Batch batch(store);
    const RawInput raw = store.save_raw("<feedback/>", "a.xml");
    store.save_report(test::sample_report(), raw.id, "a.xml");
    batch.commit();
  }
  EXPECT_TRUE(test::query_rows(dir.file("b.db"), "PRAGMA foreign_key_check").empty());
  // Outside a batch an unknown raw id is refused again, also after a rollback.
  test::expect_fatal([&] { store.record_failure(999, "x", "", Error{Code::io, "e"}); },
                     {"FOREIGN KEY"});
  { Store::Batch rolled_back(store); }
  test::expect_fatal([&] { store.record_failure(998, "x", "", Error{Code::io, "e"}); },
                     {"FOREIGN KEY"});
}

}  // namespace
}  // namespace dmarc::store
