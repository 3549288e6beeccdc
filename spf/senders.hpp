// Well-known sending services, recognised by the organisational domain of a
// host name (a source's reverse DNS name, an MX host), with the SPF include
// each one asks its customers to publish. A built-in table covers the common
// ones; users add or override entries with a file of lines
//   ORG_DOMAIN  include:SPF_DOMAIN  SERVICE NAME...
// ('#' starts a comment; docs/spf.md). Later lines win over earlier ones and
// over the built-in table.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "parse/error.hpp"

namespace dmarc::spf {

struct KnownSender {
  std::string org_domain;   // "sendgrid.net": matches it and every name under it
  std::string spf_include;  // "sendgrid.net": the include: domain
  std::string service;      // "SendGrid"

  bool operator==(const KnownSender&) const = default;
};

inline constexpr std::size_t k_max_sender_entries = 10'000;

class SenderTable {
 public:
  static SenderTable builtin();

  // Adds the entries of text (the file format above). Errors name the line;
  // entries before it stay added.
  [[nodiscard]] Expected<std::size_t> add_text(std::string_view text);
  [[nodiscard]] Expected<std::size_t> add_file(const std::filesystem::path& path);
  void add(KnownSender sender);

  // The entry whose org_domain is host or a parent of it (the longest such);
  // nullptr when none.
  const KnownSender* find(std::string_view host) const;
  const std::vector<KnownSender>& entries() const { return m_entries; }

 private:
  std::vector<KnownSender> m_entries;
};

}  // namespace dmarc::spf
