#include "ingest/imap_source.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <thread>

namespace dmarc::ingest {
namespace {

class MailboxRun {
 public:
  MailboxRun(store::Store& store, Pipeline& pipeline, const Limits& limits,
             const ImapSourceOptions& options, const ImapHooks& hooks)
      : m_store(store),
        m_pipeline(pipeline),
        m_limits(limits),
        m_options(options),
        m_hooks(hooks),
        m_url(options.settings.url),
        m_key(m_url.key()) {}

  ImapRunResult run() {
    int failures = 0;
    for (;;) {
      const std::uint64_t handled_before = m_result.messages;
      ImapExpected<void> pass = run_pass();
      if (pass) return m_result;
      if (m_result.messages > handled_before) failures = 0;  // progress was made
      const ImapError& error = pass.error();
      m_result.message = error.message;
      switch (error.kind) {
        case ImapFailure::login: m_result.outcome = ImapOutcome::login_failed; return m_result;
        case ImapFailure::mailbox_missing:
          m_result.outcome = ImapOutcome::mailbox_missing;
          return m_result;
        case ImapFailure::network: break;
        default: m_result.outcome = ImapOutcome::error; return m_result;
      }
      if (++failures > m_options.max_retries) {
        m_result.outcome = ImapOutcome::network;
        m_result.message = fmt::format("{} (gave up after {} retries)", error.message,
                                       m_options.max_retries);
        return m_result;
      }
      const std::chrono::milliseconds wait = backoff(failures);
      if (m_hooks.warn) {
        m_hooks.warn(fmt::format("{}; retrying in {:.1f} s ({} of {})", error.message,
                                 static_cast<double>(wait.count()) / 1000.0, failures,
                                 m_options.max_retries));
      }
      if (stop_requested()) break;
      if (m_hooks.sleep) {
        m_hooks.sleep(wait);
      } else {
        std::this_thread::sleep_for(wait);
      }
      if (stop_requested()) break;
      m_session.reset();  // a new connection, with a fresh secret
      ++m_result.reconnects;
    }
    m_result.outcome = ImapOutcome::stopped;
    return m_result;
  }

 private:
  store::Store& m_store;
  Pipeline& m_pipeline;
  const Limits& m_limits;
  const ImapSourceOptions& m_options;
  const ImapHooks& m_hooks;
  const ImapUrl& m_url;
  const std::string m_key;
  std::unique_ptr<ImapSession> m_session;
  ImapRunResult m_result;
  bool m_folders_ready = false;

  bool stop_requested() const { return m_hooks.stop_requested && m_hooks.stop_requested(); }

  std::chrono::milliseconds backoff(int failures) const {
    std::chrono::milliseconds wait = m_options.first_backoff;
    for (int i = 1; i < failures && wait < m_options.max_backoff; ++i) wait *= 2;
    return std::min(wait, m_options.max_backoff);
  }

  static tl::unexpected<ImapError> error(ImapFailure kind, std::string message) {
    return tl::unexpected(ImapError{kind, std::move(message)});
  }

  ImapExpected<void> ensure_folders() {
    if (m_folders_ready) return {};
    for (const std::string* folder : {&m_options.move_to, &m_options.failed_folder}) {
      if (folder->empty()) continue;
      ImapExpected<bool> exists = m_session->mailbox_exists(*folder);
      if (!exists) return tl::unexpected(exists.error());
      if (*exists) continue;
      if (ImapExpected<void> created = m_session->create(*folder); !created) {
        return tl::unexpected(created.error());
      }
      if (m_hooks.warn) m_hooks.warn(fmt::format("{}: created folder \"{}\"", m_url.server(), *folder));
    }
    m_folders_ready = true;
    return {};
  }

  ImapExpected<void> run_pass() {
    if (!m_session) m_session = std::make_unique<ImapSession>(m_options.settings);
    ImapExpected<bool> exists = m_session->mailbox_exists(m_url.mailbox);
    if (!exists) return tl::unexpected(exists.error());
    if (!*exists) {
      return error(ImapFailure::mailbox_missing,
                   fmt::format("{}: mailbox \"{}\" does not exist", m_url.server(), m_url.mailbox));
    }
    if (ImapExpected<void> ready = ensure_folders(); !ready) return ready;
    ImapExpected<MailboxStatus> status = m_session->status(m_url.mailbox);
    if (!status) return tl::unexpected(status.error());
    const std::uint64_t validity = status->uidvalidity;

    std::optional<store::MailboxState> checkpoint = m_store.mailbox_state(m_key);
    std::uint64_t last = 0;
    if (checkpoint && static_cast<std::uint64_t>(checkpoint->uidvalidity) == validity) {
      last = static_cast<std::uint64_t>(checkpoint->last_uid);
    } else if (checkpoint && !m_result.uidvalidity_changed) {
      m_result.uidvalidity_changed = true;
      if (m_hooks.warn) {
        m_hooks.warn(fmt::format("{}: UIDVALIDITY changed ({} -> {}): reading the whole mailbox "
                                 "again; stored reports are recognised",
                                 m_key, checkpoint->uidvalidity, validity));
      }
    }
    if (status->uidnext <= last + 1) return {};
    if (status->messages == 0) {
      // Nothing below UIDNEXT is left (e.g. everything was moved, and a run
      // was killed before its last checkpoint): the checkpoint catches up.
      m_store.set_mailbox_state(m_key, {static_cast<std::int64_t>(validity),
                                        static_cast<std::int64_t>(status->uidnext - 1)});
      return {};
    }

    ImapExpected<std::optional<std::uint64_t>> count = m_session->count_from(m_url.mailbox, last + 1);
    if (!count) return tl::unexpected(count.error());
    const std::uint64_t total = count->value_or(status->messages);
    std::uint64_t done = 0;
    const std::uint64_t window = ImapSession::k_uid_window;
    for (std::uint64_t first = last + 1; first < status->uidnext; first += window) {
      const std::uint64_t until = std::min(first + window - 1, status->uidnext - 1);
      ImapExpected<std::vector<MessageInfo>> messages =
          m_session->messages_in(m_url.mailbox, first, until);
      if (!messages) return tl::unexpected(messages.error());
      for (const MessageInfo& message : *messages) {
        if (stop_requested()) {
          m_result.outcome = ImapOutcome::stopped;
          return {};
        }
        ImapExpected<void> handled = handle(message, validity);
        if (!handled) {
          if (handled.error().kind != ImapFailure::vanished) return handled;
          ImapExpected<MailboxStatus> again = m_session->status(m_url.mailbox);
          if (!again) return tl::unexpected(again.error());
          if (again->uidvalidity != validity) {
            return error(ImapFailure::network,
                         fmt::format("{}: UIDVALIDITY changed during the run", m_key));
          }
          // Expunged by someone else meanwhile: nothing to keep.
          m_store.set_mailbox_state(m_key, {static_cast<std::int64_t>(validity),
                                            static_cast<std::int64_t>(message.uid)});
        }
        ++done;
        if (m_hooks.progress) m_hooks.progress({m_key, done, std::max(done, total)});
      }
    }
    return {};
  }

  ImapExpected<std::string> download(const MessageInfo& message, std::uint64_t validity,
                                     bool& oversize) {
    const std::uint64_t cap = m_limits.max_input_bytes;
    oversize = message.size > cap;
    if (!oversize) {
      ImapExpected<std::string> bytes = m_session->fetch(validity, message.uid, cap);
      if (bytes || bytes.error().kind != ImapFailure::too_large) return bytes;
      oversize = true;  // the declared size was wrong
    }
    return m_session->fetch_header(validity, message.uid, cap);
  }

  ImapExpected<void> handle(const MessageInfo& message, std::uint64_t validity) {
    const std::string origin = m_url.origin(validity, message.uid);
    bool oversize = false;
    ImapExpected<std::string> bytes = download(message, validity, oversize);
    if (!bytes) return tl::unexpected(bytes.error());
    if (!message.seen) {
      // The fetch marked it \Seen; the mailbox changes only when asked to.
      ImapExpected<void> restored = m_session->set_seen(m_url.mailbox, message.uid, false);
      if (!restored) return restored;
    }

    bool readable = false;
    bool changes = false;
    const store::MailboxState done{static_cast<std::int64_t>(validity),
                                   static_cast<std::int64_t>(message.uid)};
    {
      store::Store::Batch batch(m_store);
      if (oversize) {
        store::RawInput raw = m_store.save_raw(*bytes, origin);
        m_store.record_failure(
            raw.id, origin, "",
            Error{Code::too_large,
                  fmt::format("message is {} bytes, over max_input_bytes ({}); it was not "
                              "downloaded, only its header was kept",
                              message.size, m_limits.max_input_bytes)});
        if (m_hooks.warn) {
          m_hooks.warn(fmt::format("{}: too_large: message is {} bytes, over max_input_bytes ({})",
                                   origin, message.size, m_limits.max_input_bytes));
        }
      } else {
        const IngestStats before = m_pipeline.stats();
        m_pipeline.ingest_bytes(*bytes, origin);
        const IngestStats& after = m_pipeline.stats();
        readable = after.reports_new + after.duplicates + after.unchanged_reports >
                   before.reports_new + before.duplicates + before.unchanged_reports;
      }
      changes = m_options.mark_seen || !m_options.move_to.empty() ||
                (!readable && !m_options.failed_folder.empty());
      // With nothing to change in the mailbox, the checkpoint commits with the data.
      if (!changes) m_store.set_mailbox_state(m_key, done);
      batch.commit();
    }
    if (changes) {
      if (m_options.mark_seen) {
        if (ImapExpected<void> r = m_session->set_seen(m_url.mailbox, message.uid, true); !r) {
          return r;
        }
      }
      const std::string& target =
          !readable && !m_options.failed_folder.empty() ? m_options.failed_folder : m_options.move_to;
      if (!target.empty()) {
        if (ImapExpected<void> r = m_session->move(m_url.mailbox, message.uid, target); !r) {
          return r;
        }
        ++m_result.moved;
      }
      m_store.set_mailbox_state(m_key, done);
    }
    ++m_result.messages;
    if (oversize) ++m_result.too_large;
    if (!readable) ++m_result.unreadable;
    return {};
  }
};

}  // namespace

ImapRunResult ingest_mailbox(store::Store& store, Pipeline& pipeline, const Limits& limits,
                             const ImapSourceOptions& options, const ImapHooks& hooks) {
  return MailboxRun(store, pipeline, limits, options, hooks).run();
}

}  // namespace dmarc::ingest
