// IMAP checkpoints (mailbox_state) and Store::Batch.
#include "store/database.hpp"
#include "store/store.hpp"
#include <sqlite3.h>

#include "store/store_impl.hpp"

namespace dmarc::store {

std::optional<MailboxState> Store::mailbox_state(std::string_view mailbox) const {
  Statement query(m_impl->db, "SELECT uidvalidity, last_uid FROM mailbox_state WHERE mailbox = ?1",
                  "reading a mailbox checkpoint");
  query.bind(1, mailbox);
  if (!query.step()) return std::nullopt;
  MailboxState state{query.column_int64(0), query.column_int64(1)};
  query.reset();
  return state;
}

void Store::set_mailbox_state(std::string_view mailbox, const MailboxState& state) {
  Transaction transaction(m_impl->db, Transaction::Mode::immediate);
  Statement upsert(m_impl->db,
                   "INSERT INTO mailbox_state (mailbox, uidvalidity, last_uid, updated_at) "
                   "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (mailbox) DO UPDATE SET "
                   "uidvalidity = excluded.uidvalidity, last_uid = excluded.last_uid, "
                   "updated_at = excluded.updated_at",
                   "writing a mailbox checkpoint");
  upsert.bind(1, mailbox).bind(2, state.uidvalidity).bind(3, state.last_uid).bind(4, unix_now());
  upsert.run();
  transaction.commit();
}

Store::Batch::Batch(Store& store) {
  Database& db = store.m_impl->db;
  if (!db.in_transaction()) {
    // The pragma is a no-op inside a transaction: set it before BEGIN.
    db.exec("PRAGMA foreign_keys = OFF", "pausing foreign key checks");
    m_unchecked = &db;
  }
  try {
    m_transaction = std::make_unique<Transaction>(db, Transaction::Mode::immediate);
  } catch (...) {
    check_foreign_keys_again();
    throw;
  }
}

Store::Batch::~Batch() {
  m_transaction.reset();  // rolls back unless committed
  check_foreign_keys_again();
}

void Store::Batch::commit() {
  m_transaction->commit();
  check_foreign_keys_again();
}

void Store::Batch::check_foreign_keys_again() noexcept {
  if (!m_unchecked) return;
  // Cannot fail outside a transaction; a destructor must not throw anyway.
  sqlite3_exec(m_unchecked->handle(), "PRAGMA foreign_keys = ON", nullptr, nullptr, nullptr);
  m_unchecked = nullptr;
}

}  // namespace dmarc::store
