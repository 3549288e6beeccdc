// The IMAP side of `dmarcdb ingest`: runs every mailbox of a plan once, or
// with --watch until SIGINT/SIGTERM (the current message is finished first),
// shows progress on a terminal, and maps outcomes to exit codes:
// 0 done, 1 another IMAP error (TLS, refused command), 3 login failed,
// 4 mailbox missing, 5 network failure after retries. With several mailboxes
// every one is read and the first failure's code is returned.
#pragma once

#include <cstdint>
#include <functional>

#include "app/cli.hpp"
#include "app/imap_config.hpp"
#include "ingest/pipeline.hpp"
#include "store/store.hpp"

namespace dmarc::app {

inline constexpr int k_exit_login_failed = 3;
inline constexpr int k_exit_mailbox_missing = 4;
inline constexpr int k_exit_network = 5;

// summary(stats, too_large, seconds) prints one summary line; it is called
// once at the end, and with --watch after each poll that handled messages.
using SummaryPrinter =
    std::function<void(const ingest::IngestStats&, std::uint64_t too_large, double seconds)>;

int ingest_imap(const ImapPlan& plan, store::Store& store, ingest::Pipeline& pipeline,
                const Limits& limits, Streams streams, bool quiet, const SummaryPrinter& summary);

}  // namespace dmarc::app
