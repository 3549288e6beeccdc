#include "dns/resolver.hpp"

#include <arpa/inet.h>

#include <array>
#include <cstddef>

namespace dmarc::dns {

Resolver::~Resolver() = default;

std::vector<Answer> Resolver::query_many(const std::vector<Question>& questions) {
  std::vector<Answer> answers;
  answers.reserve(questions.size());
  for (const auto& question : questions) answers.push_back(query(question.name, question.type));
  return answers;
}

std::string_view to_string(Status status) {
  switch (status) {
    case Status::ok: return "ok";
    case Status::nxdomain: return "nxdomain";
    case Status::nodata: return "nodata";
    case Status::servfail: return "servfail";
    case Status::timeout: return "timeout";
    case Status::error: return "error";
  }
  return "error";
}

std::string_view to_string(RecordType type) {
  switch (type) {
    case RecordType::a: return "A";
    case RecordType::aaaa: return "AAAA";
    case RecordType::mx: return "MX";
    case RecordType::txt: return "TXT";
    case RecordType::ptr: return "PTR";
  }
  return "?";
}

std::string reverse_name(std::string_view ip) {
  constexpr std::size_t k_max_address_text = 64;
  if (ip.empty() || ip.size() > k_max_address_text) return {};
  const std::string text(ip);
  std::array<unsigned char, 16> bytes{};
  if (inet_pton(AF_INET, text.c_str(), bytes.data()) == 1) {
    std::string name;
    for (int i = 3; i >= 0; --i) name += std::to_string(bytes[static_cast<std::size_t>(i)]) + ".";
    return name + "in-addr.arpa";
  }
  if (inet_pton(AF_INET6, text.c_str(), bytes.data()) == 1) {
    constexpr std::string_view k_hex = "0123456789abcdef";
    std::string name;
    for (std::size_t i = bytes.size(); i-- > 0;) {
      name += k_hex[bytes[i] & 0x0f];
      name += '.';
      name += k_hex[bytes[i] >> 4];
      name += '.';
    }
    return name + "ip6.arpa";
  }
  return {};
}

std::vector<Answer> lookup_ptr_many(Resolver& resolver, const std::vector<std::string>& ips) {
  std::vector<Answer> answers(ips.size());
  std::vector<Question> questions;
  std::vector<std::size_t> asked;  // index into ips of each question
  for (std::size_t i = 0; i < ips.size(); ++i) {
    std::string name = reverse_name(ips[i]);
    if (name.empty()) {
      answers[i].status = Status::error;
      answers[i].error = "\"" + ips[i] + "\" is not an IP address";
      continue;
    }
    questions.push_back(Question{std::move(name), RecordType::ptr});
    asked.push_back(i);
  }
  std::vector<Answer> replies = resolver.query_many(questions);
  for (std::size_t j = 0; j < asked.size() && j < replies.size(); ++j) {
    answers[asked[j]] = std::move(replies[j]);
  }
  return answers;
}

}  // namespace dmarc::dns
