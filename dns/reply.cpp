#include "dns/reply.hpp"

#include <arpa/inet.h>
#include <ares.h>
#include <netdb.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <memory>
#include <string>

namespace dmarc::dns {
namespace {

// More addresses than fit in a 64 KiB TCP reply cannot occur.
constexpr int k_max_addresses = 4096;
constexpr std::size_t k_header_size = 12;

struct HostentDeleter {
  void operator()(hostent* host) const { ares_free_hostent(host); }
};
struct DataDeleter {
  void operator()(void* data) const { ares_free_data(data); }
};

std::uint16_t read16(const unsigned char* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

// Moves p past a (possibly compressed) name; false if it runs past end.
bool skip_name(const unsigned char*& p, const unsigned char* end) {
  while (p < end) {
    const unsigned char length = *p;
    if ((length & 0xC0) == 0xC0) {
      p += 2;
      return p <= end;
    }
    if ((length & 0xC0) != 0) return false;
    p += 1 + length;
    if (length == 0) return p <= end;
  }
  return false;
}

std::string without_trailing_dot(std::string name) {
  if (!name.empty() && name.back() == '.') name.pop_back();
  return name;
}

Answer malformed(int status) {
  Answer answer;
  answer.status = status == ARES_ENODATA ? Status::nodata : Status::error;
  answer.error = std::string("reply: ") + ares_strerror(status);
  return answer;
}

template <class AddrTtl, int family>
Answer parse_addresses(const unsigned char* message, int length) {
  std::vector<AddrTtl> entries(k_max_addresses);
  int count = k_max_addresses;
  int status;
  if constexpr (family == AF_INET) {
    status = ares_parse_a_reply(message, length, nullptr, entries.data(), &count);
  } else {
    status = ares_parse_aaaa_reply(message, length, nullptr, entries.data(), &count);
  }
  if (status != ARES_SUCCESS) return malformed(status);
  if (count <= 0) return malformed(ARES_ENODATA);
  Answer answer;
  answer.status = Status::ok;
  answer.ttl = UINT32_MAX;
  for (int i = 0; i < count; ++i) {
    std::array<char, INET6_ADDRSTRLEN> text{};
    const AddrTtl& entry = entries[static_cast<std::size_t>(i)];
    if constexpr (family == AF_INET) {
      inet_ntop(family, &entry.ipaddr, text.data(), text.size());
    } else {
      inet_ntop(family, &entry.ip6addr, text.data(), text.size());
    }
    answer.values.emplace_back(text.data());
    answer.ttl = std::min(answer.ttl, static_cast<std::uint32_t>(std::max(0, entry.ttl)));
  }
  return answer;
}

Answer parse_mx(const unsigned char* message, int length) {
  ares_mx_reply* head = nullptr;
  const int status = ares_parse_mx_reply(message, length, &head);
  std::unique_ptr<void, DataDeleter> owner(head);
  if (status != ARES_SUCCESS) return malformed(status);
  Answer answer;
  for (const ares_mx_reply* mx = head; mx != nullptr; mx = mx->next) {
    answer.values.push_back(std::to_string(mx->priority) + " " + without_trailing_dot(mx->host));
  }
  return answer;
}

Answer parse_txt(const unsigned char* message, int length) {
  ares_txt_ext* head = nullptr;
  const int status = ares_parse_txt_reply_ext(message, length, &head);
  std::unique_ptr<void, DataDeleter> owner(head);
  if (status != ARES_SUCCESS) return malformed(status);
  Answer answer;
  for (const ares_txt_ext* txt = head; txt != nullptr; txt = txt->next) {
    if (txt->record_start || answer.values.empty()) answer.values.emplace_back();
    answer.values.back().append(reinterpret_cast<const char*>(txt->txt), txt->length);
  }
  return answer;
}

Answer parse_ptr(const unsigned char* message, int length) {
  hostent* raw = nullptr;
  const int status = ares_parse_ptr_reply(message, length, nullptr, 0, AF_INET, &raw);
  std::unique_ptr<hostent, HostentDeleter> host(raw);
  if (status != ARES_SUCCESS) return malformed(status);
  Answer answer;
  // c-ares lists every PTR name among the aliases, h_name is one of them.
  for (char** alias = host->h_aliases; alias != nullptr && *alias != nullptr; ++alias) {
    answer.values.push_back(without_trailing_dot(*alias));
  }
  if (answer.values.empty() && host->h_name != nullptr) {
    answer.values.push_back(without_trailing_dot(host->h_name));
  }
  return answer;
}

}  // namespace

std::optional<std::uint32_t> min_answer_ttl(const unsigned char* message, int length) {
  if (message == nullptr || length < static_cast<int>(k_header_size)) return std::nullopt;
  const unsigned char* end = message + length;
  const unsigned question_count = read16(message + 4);
  const unsigned answer_count = read16(message + 6);
  const unsigned char* p = message + k_header_size;
  for (unsigned i = 0; i < question_count; ++i) {
    if (!skip_name(p, end) || end - p < 4) return std::nullopt;
    p += 4;
  }
  std::optional<std::uint32_t> smallest;
  for (unsigned i = 0; i < answer_count; ++i) {
    if (!skip_name(p, end) || end - p < 10) return std::nullopt;
    const std::uint32_t ttl = (std::uint32_t{read16(p + 4)} << 16) | read16(p + 6);
    const std::uint16_t data_length = read16(p + 8);
    p += 10;
    if (end - p < data_length) return std::nullopt;
    p += data_length;
    smallest = std::min(smallest.value_or(ttl), ttl);
  }
  return smallest;
}

Answer parse_reply(RecordType type, const unsigned char* message, int length) {
  Answer answer;
  switch (type) {
    case RecordType::a: return parse_addresses<ares_addrttl, AF_INET>(message, length);
    case RecordType::aaaa: return parse_addresses<ares_addr6ttl, AF_INET6>(message, length);
    case RecordType::mx: answer = parse_mx(message, length); break;
    case RecordType::txt: answer = parse_txt(message, length); break;
    case RecordType::ptr: answer = parse_ptr(message, length); break;
  }
  if (!answer.error.empty()) return answer;
  if (answer.values.empty()) return malformed(ARES_ENODATA);
  answer.status = Status::ok;
  // TTLs over 2^31 - 1 count as 0 (RFC 2181 section 8).
  const std::uint32_t ttl = min_answer_ttl(message, length).value_or(0);
  answer.ttl = ttl > 0x7fffffffU ? 0 : ttl;
  return answer;
}

}  // namespace dmarc::dns
