// Settings of `dmarcdb ingest --imap`: command-line flags, the config file
// (Boost.Program_options INI: top-level defaults plus one [imap.NAME] section
// per mailbox) and the environment, merged per mailbox: a flag given on the
// command line wins over the section, which wins over the file's top level.
// Secrets (passwords, tokens) never come from argv: from a file, the
// environment ($DMARCDB_IMAP_PASSWORD) or the config file, which must then
// not be readable by others. Mistakes throw UsageError or Fatal.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "app/options.hpp"
#include "ingest/imap_source.hpp"

namespace dmarc::app {

struct MailboxSettings {
  std::string name;  // section name, or the URL for --imap URL
  ingest::ImapSourceOptions source;
};

struct ImapPlan {
  std::vector<MailboxSettings> mailboxes;
  bool watch = false;
  std::chrono::seconds interval{300};
};

// Values as text, by option name ("mark-seen" -> "true").
using OptionMap = std::map<std::string, std::string>;

struct ConfigFile {
  std::string path;           // "" when no file is used
  OptionMap top;              // keys before any section
  std::map<std::string, OptionMap> mailboxes;  // [imap.NAME] sections in file order of names
};

// Adds the IMAP flags to desc.
void add_imap_options(po::options_description& desc);

// The config file: --config, else $DMARCDB_CONFIG, else
// $XDG_CONFIG_HOME/dmarcdb/config (or ~/.config/dmarcdb/config) if it exists.
// A file that holds a password must not be readable by group or others.
ConfigFile load_config(const po::variables_map& vm);

// The flags given explicitly on the command line, as text.
OptionMap explicit_flags(const po::variables_map& vm);

// The mailboxes to read: --imap URL|NAME values, else every [imap.NAME]
// section; empty when there are none. Throws UsageError for bad values.
ImapPlan make_imap_plan(const po::variables_map& vm, const ConfigFile& config);

// Applies the file's top-level values for db and the max-* limits where the
// command line left the default.
void apply_file_defaults(const po::variables_map& vm, const ConfigFile& config,
                         std::string& db_path, Limits& limits);

}  // namespace dmarc::app
