// The OpenSPF conformance suites (tests/spf/data) run against check_host():
// one test per suite test, each with an in-memory resolver built from its
// scenario's zone data. Any listed result is accepted; an expected
// explanation must match exactly ("DEFAULT" is the default explanation).
// The RFC 4408 suite runs too: every one of its tests has an answer that RFC
// 7208 still allows (its multi-valued results list both), so none is skipped.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <ostream>
#include <memory>
#include <string>
#include <vector>

#include "spf/check_host.hpp"
#include "tests/spf/zone_resolver.hpp"

namespace dmarc::spf {
namespace {

struct SuiteCase {
  std::string name;
  std::string scenario;
  std::shared_ptr<YAML::Node> zonedata;
  std::string host;
  std::string mail_from;
  std::string helo;
  std::vector<std::string> results;
  std::string explanation;  // "" when the test names none
};

void PrintTo(const SuiteCase& c, std::ostream* out) { *out << c.name; }

std::string data_path(const std::string& file) {
  return std::string(DMARCDB_SOURCE_DIR) + "/tests/spf/data/" + file;
}

std::vector<SuiteCase> load_suite(const std::string& file) {
  std::vector<SuiteCase> cases;
  for (const YAML::Node& doc : YAML::LoadAllFromFile(data_path(file))) {
    if (!doc || !doc.IsMap()) continue;
    auto zone = std::make_shared<YAML::Node>(doc["zonedata"]);
    for (const auto& test : doc["tests"]) {
      SuiteCase c;
      c.name = test.first.as<std::string>();
      c.scenario = doc["description"].as<std::string>();
      c.zonedata = zone;
      const YAML::Node& t = test.second;
      c.host = t["host"].as<std::string>();
      c.mail_from = t["mailfrom"].as<std::string>();
      c.helo = t["helo"].as<std::string>();
      if (t["result"].IsSequence()) {
        for (const auto& r : t["result"]) c.results.push_back(r.as<std::string>());
      } else {
        c.results.push_back(t["result"].as<std::string>());
      }
      if (t["explanation"]) c.explanation = t["explanation"].as<std::string>();
      cases.push_back(std::move(c));
    }
  }
  return cases;
}

std::string test_name(const ::testing::TestParamInfo<SuiteCase>& info) {
  std::string name = info.param.name;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

void run_case(const SuiteCase& c) {
  testing::ZoneResolver resolver(*c.zonedata);
  CheckOptions options;
  options.default_explanation = "DEFAULT";
  const Evaluation ev = check_mail_from(resolver, c.host, c.mail_from, c.helo, options);
  const std::string got = to_string(ev.result);
  std::string queried;
  for (const auto& q : ev.queries) {
    queried += " " + q.name + "/" + std::string(dns::to_string(q.type)) + "=" +
               std::string(dns::to_string(q.status));
  }
  EXPECT_NE(std::find(c.results.begin(), c.results.end(), got), c.results.end())
      << c.scenario << ": " << c.name << ": got " << got << " (" << ev.problem << ") mechanism \""
      << ev.mechanism << "\", lookups " << ev.lookups << ", queries:" << queried;
  if (!c.explanation.empty() && got == "fail") {
    EXPECT_EQ(ev.explanation, c.explanation) << c.name;
  }
}

class Rfc7208Suite : public ::testing::TestWithParam<SuiteCase> {};
TEST_P(Rfc7208Suite, GivesAListedResult) { run_case(GetParam()); }
INSTANTIATE_TEST_SUITE_P(Rfc7208, Rfc7208Suite, ::testing::ValuesIn(load_suite("rfc7208-tests.yml")),
                         test_name);

class Rfc4408Suite : public ::testing::TestWithParam<SuiteCase> {};
TEST_P(Rfc4408Suite, GivesAListedResult) { run_case(GetParam()); }
INSTANTIATE_TEST_SUITE_P(Rfc4408, Rfc4408Suite,
                         ::testing::ValuesIn(load_suite("rfc4408-tests.yml")),
                         test_name);

TEST(SuiteFiles, HoldAll203And191Tests) {
  EXPECT_EQ(load_suite("rfc7208-tests.yml").size(), 203u);
  EXPECT_EQ(load_suite("rfc4408-tests.yml").size(), 191u);
}

}  // namespace
}  // namespace dmarc::spf
