// A map-backed dns::Resolver for unit tests: answers (name, type) from a
// table; names it does not list are NXDOMAIN; a name listed with status
// servfail or timeout answers so. Counts queries.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "dns/resolver.hpp"

namespace dmarc::spf::testing {

class FakeResolver final : public dns::Resolver {
 public:
  void add(const std::string& name, dns::RecordType type, std::vector<std::string> values) {
    dns::Answer answer;
    answer.status = dns::Status::ok;
    answer.values = std::move(values);
    m_answers[{name, type}] = std::move(answer);
    m_names[name] = true;
  }
  void fail(const std::string& name, dns::RecordType type, dns::Status status) {
    dns::Answer answer;
    answer.status = status;
    m_answers[{name, type}] = answer;
    m_names[name] = true;
  }
  void txt(const std::string& name, std::string record) { add(name, dns::RecordType::txt, {std::move(record)}); }

  dns::Answer query(std::string_view name, dns::RecordType type) override {
    ++queries;
    const std::string key(name);
    if (const auto found = m_answers.find({key, type}); found != m_answers.end()) return found->second;
    dns::Answer answer;
    answer.status = m_names.count(key) ? dns::Status::nodata : dns::Status::nxdomain;
    return answer;
  }

  int queries = 0;

 private:
  std::map<std::pair<std::string, dns::RecordType>, dns::Answer> m_answers;
  std::map<std::string, bool> m_names;
};

}  // namespace dmarc::spf::testing
