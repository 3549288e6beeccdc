// Incremental, non-destructive ingestion of one IMAP mailbox. A run reads
// the checkpoint (UIDVALIDITY, last UID) from the database, lists only the
// messages above it, and for each: fetches it (a message over
// max_input_bytes is never downloaded: its header is kept with a too_large
// failure), puts back the \Seen flag the fetch set, stores everything that
// came of it in one transaction, and only then changes the mailbox (mark
// seen, move) and advances the checkpoint. A UIDVALIDITY change reads the
// whole mailbox again; the store recognises what it already has. Network
// errors reconnect with exponential backoff and resume from the checkpoint.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "ingest/imap_client.hpp"
#include "ingest/pipeline.hpp"
#include "store/store.hpp"

namespace dmarc::ingest {

struct ImapSourceOptions {
  ImapSettings settings;
  bool mark_seen = false;     // set \Seen on every message handled
  std::string move_to;        // "" keeps messages where they are
  std::string failed_folder;  // for messages without a readable report ("" = like the others)
  int max_retries = 5;        // consecutive network failures before giving up
  std::chrono::milliseconds first_backoff{1000};
  std::chrono::milliseconds max_backoff{60'000};
};

struct ImapProgress {
  std::string_view mailbox;  // the checkpoint key
  std::uint64_t done = 0;
  std::uint64_t total = 0;
};

struct ImapHooks {
  std::function<bool()> stop_requested;                      // checked between messages
  std::function<void(const ImapProgress&)> progress;         // after each message
  std::function<void(std::chrono::milliseconds)> sleep;      // backoff (default: sleep)
  std::function<void(std::string_view)> warn;                // retries and the like
};

enum class ImapOutcome { ok, stopped, login_failed, mailbox_missing, network, error };

struct ImapRunResult {
  ImapOutcome outcome = ImapOutcome::ok;
  std::string message;           // for every outcome but ok and stopped
  std::uint64_t messages = 0;    // messages handled (stored, checkpoint advanced)
  std::uint64_t too_large = 0;   // of which over max_input_bytes
  std::uint64_t unreadable = 0;  // of which without a readable report
  std::uint64_t moved = 0;
  std::uint64_t reconnects = 0;
  bool uidvalidity_changed = false;
};

// Ingests new messages of options.settings.url's mailbox through pipeline
// (which must write to store). Never throws for IMAP problems: they are in
// the result; database failures throw Fatal.
ImapRunResult ingest_mailbox(store::Store& store, Pipeline& pipeline, const Limits& limits,
                             const ImapSourceOptions& options, const ImapHooks& hooks = {});

}  // namespace dmarc::ingest
