// An in-memory dns::Resolver serving one scenario of the OpenSPF test suites
// (tests/spf/data/README.md), following the pyspf driver's rules: names are
// case-insensitive; SPF items are also TXT records unless the name has a TXT
// item ("TXT: NONE" included, never served); a TIMEOUT item makes queries for
// types not listed before it time out; a CNAME is followed (bounded) when the
// name has no record of the asked type; missing names are NXDOMAIN, or a DNS
// error when they start with "error.".
#pragma once

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "dns/resolver.hpp"

namespace dmarc::spf::testing {

struct ZoneItem {
  std::string type;  // "A", "AAAA", "MX", "PTR", "CNAME", "TXT", "SPF", "TIMEOUT"
  std::string value;
  bool none = false;  // TXT: NONE
};

inline std::string zone_key(std::string_view name) {
  std::string key(name);
  if (!key.empty() && key.back() == '.') key.pop_back();
  for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return key;
}

class ZoneResolver final : public dns::Resolver {
 public:
  explicit ZoneResolver(const YAML::Node& zonedata) {
    if (!zonedata || !zonedata.IsMap()) return;
    for (const auto& entry : zonedata) {
      auto& items = m_zone[zone_key(entry.first.as<std::string>())];
      for (const auto& item : entry.second) {
        if (item.IsScalar()) {
          items.push_back({item.as<std::string>(), "", false});  // TIMEOUT
          continue;
        }
        for (const auto& field : item) {
          ZoneItem z{field.first.as<std::string>(), "", false};
          const YAML::Node& value = field.second;
          if (z.type == "MX") {
            z.value = value[0].as<std::string>() + " " + value[1].as<std::string>();
          } else if (value.IsSequence()) {
            for (const auto& part : value) z.value += part.as<std::string>();
          } else {
            z.value = value.as<std::string>();
            z.none = z.type == "TXT" && z.value == "NONE";
          }
          items.push_back(std::move(z));
        }
      }
    }
  }

  dns::Answer query(std::string_view name, dns::RecordType type) override {
    return lookup(zone_key(name), type, 0);
  }

  std::vector<std::string> queried;  // every name asked, in order

 private:
  dns::Answer lookup(const std::string& key, dns::RecordType type, int depth) {
    queried.push_back(key);
    dns::Answer answer;
    const auto found = m_zone.find(key);
    if (found == m_zone.end()) {
      answer.status = key.rfind("error.", 0) == 0 ? dns::Status::servfail : dns::Status::nxdomain;
      return answer;
    }
    const auto& items = found->second;
    const std::string wanted(dns::to_string(type));
    const bool has_txt = std::any_of(items.begin(), items.end(),
                                     [](const ZoneItem& z) { return z.type == "TXT"; });
    std::string cname;
    for (const auto& item : items) {
      if (item.type == "TIMEOUT") {
        if (answer.values.empty()) {
          answer.status = dns::Status::timeout;
          return answer;
        }
        break;
      }
      const bool serves = item.type == wanted ||
                          (type == dns::RecordType::txt && item.type == "SPF" && !has_txt);
      if (serves && !item.none) answer.values.push_back(item.value);
      if (item.type == "CNAME") cname = item.value;
    }
    if (!answer.values.empty()) {
      answer.status = dns::Status::ok;
      return answer;
    }
    constexpr int k_max_cname_chain = 8;
    if (!cname.empty()) {
      if (depth >= k_max_cname_chain) {
        answer.status = dns::Status::servfail;  // a CNAME loop
        return answer;
      }
      return lookup(zone_key(cname), type, depth + 1);
    }
    answer.status = dns::Status::nodata;
    return answer;
  }

  std::map<std::string, std::vector<ZoneItem>> m_zone;
};

}  // namespace dmarc::spf::testing
