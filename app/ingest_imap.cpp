#include "app/ingest_imap.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <ostream>
#include <thread>

#include "report/terminal.hpp"

namespace dmarc::app {
namespace {

volatile std::sig_atomic_t g_stop = 0;

extern "C" void request_stop(int) { g_stop = 1; }

// SIGINT and SIGTERM ask the run to stop after the current message.
class StopSignals {
 public:
  StopSignals() {
    g_stop = 0;
    struct sigaction action {};
    action.sa_handler = request_stop;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &m_old_int);
    sigaction(SIGTERM, &action, &m_old_term);
    // A server that vanishes must not kill us with SIGPIPE.
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ignore, &m_old_pipe);
  }
  ~StopSignals() {
    sigaction(SIGINT, &m_old_int, nullptr);
    sigaction(SIGTERM, &m_old_term, nullptr);
    sigaction(SIGPIPE, &m_old_pipe, nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  struct sigaction m_old_int {}, m_old_term {}, m_old_pipe {};
};

bool stop_requested() { return g_stop != 0; }

// Sleeps up to duration, waking early when a stop is requested.
void interruptible_sleep(std::chrono::milliseconds duration) {
  const auto until = std::chrono::steady_clock::now() + duration;
  while (!stop_requested() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(std::chrono::milliseconds(100),
                                                      until - std::chrono::steady_clock::now()));
  }
}

int exit_code(ingest::ImapOutcome outcome) {
  switch (outcome) {
    case ingest::ImapOutcome::ok:
    case ingest::ImapOutcome::stopped: return 0;
    case ingest::ImapOutcome::login_failed: return k_exit_login_failed;
    case ingest::ImapOutcome::mailbox_missing: return k_exit_mailbox_missing;
    case ingest::ImapOutcome::network: return k_exit_network;
    case ingest::ImapOutcome::error: return 1;
  }
  return 1;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int ingest_imap(const ImapPlan& plan, store::Store& store, ingest::Pipeline& pipeline,
                const Limits& limits, Streams streams, bool quiet, const SummaryPrinter& summary) {
  StopSignals signals;
  const bool tty = !quiet && ::isatty(STDERR_FILENO) == 1;
  int code = 0;
  std::uint64_t too_large_total = 0;
  const auto run_start = std::chrono::steady_clock::now();

  for (;;) {
    const ingest::IngestStats poll_before = pipeline.stats();
    std::uint64_t poll_too_large = 0;
    std::uint64_t poll_messages = 0;
    const auto poll_start = std::chrono::steady_clock::now();
    bool fatal = false;
    for (const MailboxSettings& mailbox : plan.mailboxes) {
      if (stop_requested()) break;
      const std::string key = mailbox.source.settings.url.key();
      const auto start = std::chrono::steady_clock::now();
      const std::uint64_t reports_before = pipeline.stats().reports_new;
      bool progress_shown = false;
      ingest::ImapHooks hooks;
      hooks.stop_requested = stop_requested;
      hooks.sleep = interruptible_sleep;
      if (tty) {
        hooks.warn = [&](std::string_view line) {
          streams.err << (progress_shown ? "\n" : "") << "dmarcdb: "
                      << report::sanitize_for_terminal(line) << "\n";
          progress_shown = false;
        };
        hooks.progress = [&](const ingest::ImapProgress& p) {
          const double elapsed = seconds_since(start);
          streams.err << fmt::format("\r{}: {}/{} messages, {} new reports, {:.0f} msg/s   ", key,
                                     p.done, p.total, pipeline.stats().reports_new - reports_before,
                                     elapsed > 0 ? static_cast<double>(p.done) / elapsed : 0.0)
                      << std::flush;
          progress_shown = true;
        };
      }
      ingest::ImapRunResult result =
          ingest::ingest_mailbox(store, pipeline, limits, mailbox.source, hooks);
      if (progress_shown) streams.err << "\n";
      poll_too_large += result.too_large;
      poll_messages += result.messages;
      const int mailbox_code = exit_code(result.outcome);
      if (mailbox_code != 0) {
        streams.err << "dmarcdb: error: " << report::sanitize_for_terminal(result.message) << "\n";
        if (code == 0) code = mailbox_code;
        // In a watcher a network failure is worth another poll; wrong
        // credentials or a missing mailbox are not.
        if (result.outcome != ingest::ImapOutcome::network) fatal = true;
      }
    }
    too_large_total += poll_too_large;
    if (!plan.watch || fatal || stop_requested()) break;
    if (poll_messages > 0) {
      ingest::IngestStats delta = pipeline.stats();
      delta.inputs -= poll_before.inputs;
      delta.reports_new -= poll_before.reports_new;
      delta.duplicates -= poll_before.duplicates;
      delta.other -= poll_before.other;
      delta.failures -= poll_before.failures;
      delta.records -= poll_before.records;
      delta.unreadable -= poll_before.unreadable;
      delta.unchanged -= poll_before.unchanged;
      delta.unchanged_reports -= poll_before.unchanged_reports;
      summary(delta, poll_too_large, seconds_since(poll_start));
    }
    interruptible_sleep(plan.interval);
    if (stop_requested()) break;
    code = 0;  // a later successful poll clears an earlier network failure
  }
  summary(pipeline.stats(), too_large_total, seconds_since(run_start));
  return code;
}

}  // namespace dmarc::app
