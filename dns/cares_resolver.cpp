#include "dns/cares_resolver.hpp"

#include <arpa/inet.h>
#include <ares.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <mutex>
#include <optional>

#include "dns/reply.hpp"
#include "parse/error.hpp"

namespace dmarc::dns {
namespace {

struct Batch;

// What one c-ares callback needs: its batch and the question's index.
struct Slot {
  Batch* batch = nullptr;
  std::size_t index = 0;
};

struct Batch {
  ares_channel channel = nullptr;
  const std::vector<Question>* questions = nullptr;
  std::vector<Answer> answers;
  std::vector<Slot> slots;
  std::size_t next = 0;
  std::size_t pending = 0;
  std::size_t max_in_flight = 1;
};

int wire_type(RecordType type) {
  switch (type) {
    case RecordType::a: return 1;
    case RecordType::aaaa: return 28;
    case RecordType::mx: return 15;
    case RecordType::txt: return 16;
    case RecordType::ptr: return 12;
  }
  return 0;
}

Answer failure(Status status, std::string message) {
  Answer answer;
  answer.status = status;
  answer.error = std::move(message);
  return answer;
}

Status status_of(int ares_status) {
  switch (ares_status) {
    case ARES_SUCCESS: return Status::ok;
    case ARES_ENOTFOUND: return Status::nxdomain;
    case ARES_ENODATA: return Status::nodata;
    case ARES_ESERVFAIL: return Status::servfail;
    case ARES_ETIMEOUT: return Status::timeout;
    case ARES_ECONNREFUSED: return Status::timeout;  // no server listens: none answered
    default: return Status::error;
  }
}

void fill(Batch& batch);

void on_reply(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
  auto* slot = static_cast<Slot*>(arg);
  Batch& batch = *slot->batch;
  const Question& question = (*batch.questions)[slot->index];
  Answer& answer = batch.answers[slot->index];
  if (status == ARES_SUCCESS) {
    answer = parse_reply(question.type, abuf, alen);
  } else {
    answer = failure(status_of(status), question.name + " " + std::string(to_string(question.type)) +
                                            ": " + ares_strerror(status));
  }
  --batch.pending;
  if (status != ARES_EDESTRUCTION) fill(batch);
}

// Starts queued questions until max_in_flight are pending or none are left.
void fill(Batch& batch) {
  constexpr std::size_t k_max_name_length = 253;
  while (batch.next < batch.questions->size() && batch.pending < batch.max_in_flight) {
    const std::size_t index = batch.next++;
    const Question& question = (*batch.questions)[index];
    if (question.name.empty() || question.name.size() > k_max_name_length + 1 ||
        question.name.find('\0') != std::string::npos) {
      batch.answers[index] = failure(Status::error, "\"" + question.name + "\" is not a DNS name");
      continue;
    }
    batch.slots[index] = Slot{&batch, index};
    ++batch.pending;  // before ares_query: it may call back at once
    ares_query(batch.channel, question.name.c_str(), 1 /* C_IN */, wire_type(question.type),
               on_reply, &batch.slots[index]);
  }
}

}  // namespace

void CaresResolver::ChannelDeleter::operator()(ares_channeldata* channel) const {
  ares_destroy(channel);
}

CaresResolver::CaresResolver(CaresOptions options) : m_options(std::move(options)) {
  static std::once_flag library_once;
  static int library_status = ARES_SUCCESS;
  std::call_once(library_once, [] { library_status = ares_library_init(ARES_LIB_INIT_ALL); });
  if (library_status != ARES_SUCCESS) {
    throw Fatal(std::string("c-ares library init failed: ") + ares_strerror(library_status));
  }
  if (m_options.timeout.count() <= 0 || m_options.timeout.count() > 3'600'000) {
    throw Fatal("DNS timeout must be between 1 ms and 1 hour, not " +
                std::to_string(m_options.timeout.count()) + " ms");
  }
  if (m_options.tries < 1 || m_options.tries > 100) {
    throw Fatal("DNS tries must be between 1 and 100, not " + std::to_string(m_options.tries));
  }
  if (m_options.max_in_flight == 0) throw Fatal("DNS max_in_flight must be at least 1");

  ares_options ares_opts{};
  ares_opts.timeout = static_cast<int>(m_options.timeout.count());
  ares_opts.tries = m_options.tries;
  ares_channel channel = nullptr;
  const int status = ares_init_options(&channel, &ares_opts, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES);
  if (status != ARES_SUCCESS) {
    throw Fatal(std::string("c-ares channel init failed: ") + ares_strerror(status));
  }
  m_channel.reset(channel);
  if (!m_options.servers.empty()) {
    const int set = ares_set_servers_ports_csv(channel, m_options.servers.c_str());
    if (set != ARES_SUCCESS) {
      throw Fatal("DNS server list \"" + m_options.servers + "\" is not valid: " +
                  ares_strerror(set));
    }
  }
}

CaresResolver::~CaresResolver() = default;

Answer CaresResolver::query(std::string_view name, RecordType type) {
  std::vector<Answer> answers = query_many({Question{std::string(name), type}});
  return std::move(answers.front());
}

std::vector<Answer> CaresResolver::query_many(const std::vector<Question>& questions) {
  Batch batch;
  batch.channel = m_channel.get();
  batch.questions = &questions;
  batch.answers.resize(questions.size());
  batch.slots.resize(questions.size());
  batch.max_in_flight = m_options.max_in_flight;
  fill(batch);
  run_until_done(batch.pending);
  return std::move(batch.answers);
}

// Waits on the channel's sockets and lets c-ares process them (and its
// timeouts) until no query of the batch is pending.
void CaresResolver::run_until_done(const std::size_t& pending) {
  constexpr int k_idle_poll_ms = 1000;
  ares_channel channel = m_channel.get();
  while (pending > 0) {
    ares_socket_t sockets[ARES_GETSOCK_MAXNUM];
    const int mask = ares_getsock(channel, sockets, ARES_GETSOCK_MAXNUM);
    std::vector<pollfd> fds;
    for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
      short events = 0;
      if (ARES_GETSOCK_READABLE(mask, i)) events |= POLLIN;
      if (ARES_GETSOCK_WRITABLE(mask, i)) events |= POLLOUT;
      if (events != 0) fds.push_back(pollfd{sockets[i], events, 0});
    }
    timeval wait{};
    const timeval* limit = ares_timeout(channel, nullptr, &wait);
    const int wait_ms = limit == nullptr
                            ? k_idle_poll_ms
                            : static_cast<int>(limit->tv_sec * 1000 + (limit->tv_usec + 999) / 1000);
    const int ready = poll(fds.data(), fds.size(), wait_ms);
    if (ready < 0 && errno != EINTR) {
      ares_cancel(channel);  // calls back every pending query with ARES_ECANCELLED
      break;
    }
    if (ready <= 0) {
      ares_process_fd(channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
      continue;
    }
    for (const pollfd& fd : fds) {
      const bool readable = (fd.revents & (POLLIN | POLLERR | POLLHUP)) != 0;
      const bool writable = (fd.revents & POLLOUT) != 0;
      ares_process_fd(channel, readable ? fd.fd : ARES_SOCKET_BAD,
                      writable ? fd.fd : ARES_SOCKET_BAD);
    }
  }
}

}  // namespace dmarc::dns
