#include "app/imap_config.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sys/wait.h>

#include "app/cli.hpp"
#include "parse/error.hpp"

namespace dmarc::app {
namespace {

namespace fs = std::filesystem;

// Keys a mailbox takes (in its section, at the file's top level as defaults,
// or as flags). "password" exists only in the file.
const std::vector<std::string> k_mailbox_keys = {
    "url",      "user",          "password-file",   "password",     "token-file",
    "token-command", "auth",     "ca-file",         "insecure",     "allow-plaintext",
    "mark-seen", "move-to",      "failed-folder",   "connect-timeout", "read-timeout",
    "retries"};
const std::vector<std::string> k_run_keys = {"db", "watch", "interval"};
const std::vector<std::string> k_flag_keys = {"insecure", "allow-plaintext", "mark-seen", "watch"};
const std::vector<std::string> k_limit_keys = {
    "max-input-bytes", "max-unpacked-bytes", "max-zip-members", "max-archive-depth",
    "max-xml-bytes",   "max-xml-depth",      "max-records",     "max-mime-parts"};

// Bytes of a password or token file or of a token command's output.
constexpr std::size_t k_max_secret_bytes = 64 * 1024;

bool contains(const std::vector<std::string>& keys, const std::string& key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

std::string trim(std::string text) {
  auto space = [](unsigned char c) { return std::isspace(c) != 0; };
  while (!text.empty() && space(static_cast<unsigned char>(text.back()))) text.pop_back();
  std::size_t start = 0;
  while (start < text.size() && space(static_cast<unsigned char>(text[start]))) ++start;
  return text.substr(start);
}

bool parse_bool(const std::string& key, const std::string& value) {
  std::string v = value;
  for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (v == "true" || v == "yes" || v == "on" || v == "1") return true;
  if (v == "false" || v == "no" || v == "off" || v == "0") return false;
  throw UsageError{fmt::format("{} must be true or false, not \"{}\"", key, value)};
}

std::uint64_t parse_number(const std::string& key, const std::string& value, std::uint64_t max) {
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || end != value.data() + value.size() || value.empty() || n > max) {
    throw UsageError{fmt::format("{} must be a number up to {}, not \"{}\"", key, max, value)};
  }
  return n;
}

// Refuses files with secrets that anyone on the machine can read.
void check_private(const std::string& path, std::string_view what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw Fatal(fmt::format("cannot read {} {}", what, path));
  }
  if (st.st_mode & S_IROTH) {
    throw Fatal(fmt::format("{} {} is readable by every user: chmod o-r {} (or 600)", what, path,
                            path));
  }
}

tl::expected<std::string, std::string> read_secret_file(const std::string& path,
                                                        std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return tl::unexpected(fmt::format("cannot read {} {}", what, path));
  std::string text(k_max_secret_bytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > k_max_secret_bytes) {
    return tl::unexpected(fmt::format("{} {} is larger than {} bytes", what, path,
                                      k_max_secret_bytes));
  }
  // The secret is the first line.
  text = text.substr(0, text.find('\n'));
  if (!text.empty() && text.back() == '\r') text.pop_back();
  if (text.empty()) return tl::unexpected(fmt::format("{} {} is empty", what, path));
  return text;
}

tl::expected<std::string, std::string> run_token_command(const std::string& command) {
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return tl::unexpected(std::string("cannot run the token command"));
  std::string out;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0 && out.size() <= k_max_secret_bytes) {
    out.append(buffer, n);
  }
  const int status = ::pclose(pipe);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return tl::unexpected(fmt::format("the token command failed (exit status {})",
                                      WIFEXITED(status) ? WEXITSTATUS(status) : -1));
  }
  out = trim(std::move(out));
  if (out.empty() || out.size() > k_max_secret_bytes) {
    return tl::unexpected(std::string("the token command printed no usable token"));
  }
  return out;
}

std::string get(const OptionMap& map, const std::string& key, std::string fallback = "") {
  auto it = map.find(key);
  return it == map.end() ? fallback : it->second;
}

std::optional<std::string> default_config_path() {
  if (const char* env = std::getenv("DMARCDB_CONFIG"); env && *env) return std::string(env);
  fs::path base;
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) {
    base = xdg;
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    base = fs::path(home) / ".config";
  } else {
    return std::nullopt;
  }
  const fs::path path = base / "dmarcdb" / "config";
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) return path.string();
  return std::nullopt;
}

// Builds the options of one mailbox from merged settings.
MailboxSettings make_mailbox(const std::string& name, const std::string& url_text,
                             const OptionMap& merged, const OptionMap& flags,
                             const ConfigFile& config) {
  MailboxSettings m;
  m.name = name;
  Expected<ingest::ImapUrl> url = ingest::parse_imap_url(url_text);
  if (!url) throw UsageError{fmt::format("mailbox {}: {}", name, url.error().message)};
  ingest::ImapSourceOptions& o = m.source;
  o.settings.url = *url;
  if (o.settings.url.user.empty()) o.settings.url.user = get(merged, "user");
  if (o.settings.url.user.empty()) {
    throw UsageError{fmt::format("mailbox {}: no user name (user@ in the URL, --user, or user = "
                                 "in the config file)",
                                 name)};
  }
  o.settings.ca_file = get(merged, "ca-file");
  o.settings.insecure = parse_bool("insecure", get(merged, "insecure", "false"));
  o.settings.allow_plaintext = parse_bool("allow-plaintext", get(merged, "allow-plaintext", "false"));
  o.mark_seen = parse_bool("mark-seen", get(merged, "mark-seen", "false"));
  o.move_to = get(merged, "move-to");
  o.failed_folder = get(merged, "failed-folder");
  for (const std::string* folder : {&o.move_to, &o.failed_folder}) {
    if (!folder->empty()) {
      if (auto quoted = ingest::imap_quoted(*folder); !quoted) {
        throw UsageError{fmt::format("mailbox {}: folder: {}", name, quoted.error().message)};
      }
    }
  }
  o.settings.connect_timeout =
      std::chrono::seconds(parse_number("connect-timeout", get(merged, "connect-timeout", "30"), 3600));
  o.settings.read_timeout =
      std::chrono::seconds(parse_number("read-timeout", get(merged, "read-timeout", "60"), 3600));
  o.max_retries = static_cast<int>(parse_number("retries", get(merged, "retries", "5"), 100));

  std::string auth = get(merged, "auth");
  for (char& c : auth) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (!auth.empty() && auth != "XOAUTH2" && auth != "OAUTHBEARER" && auth != "PLAIN" &&
      auth != "LOGIN") {
    throw UsageError{fmt::format("mailbox {}: auth must be xoauth2, oauthbearer, plain or login",
                                 name)};
  }
  o.settings.sasl_mechanism = auth;

  // Where the secret comes from, first match wins: a token (file or command),
  // --password-file, $DMARCDB_IMAP_PASSWORD, the file's password-file, the
  // file's password.
  const std::string token_command = get(merged, "token-command");
  const std::string token_file = get(merged, "token-file");
  const char* env_password = std::getenv("DMARCDB_IMAP_PASSWORD");
  if (!token_command.empty()) {
    o.settings.oauth2 = true;
    o.settings.secret = [token_command] { return run_token_command(token_command); };
  } else if (!token_file.empty()) {
    check_private(token_file, "token file");
    o.settings.oauth2 = true;
    o.settings.secret = [token_file] { return read_secret_file(token_file, "token file"); };
  } else if (flags.count("password-file")) {
    const std::string file = flags.at("password-file");
    check_private(file, "password file");
    o.settings.secret = [file] { return read_secret_file(file, "password file"); };
  } else if (env_password && *env_password) {
    const std::string password = env_password;
    o.settings.secret = [password] { return tl::expected<std::string, std::string>(password); };
  } else if (merged.count("password-file")) {
    const std::string file = merged.at("password-file");
    check_private(file, "password file");
    o.settings.secret = [file] { return read_secret_file(file, "password file"); };
  } else if (merged.count("password")) {
    const std::string password = merged.at("password");
    o.settings.secret = [password] { return tl::expected<std::string, std::string>(password); };
  } else {
    throw UsageError{fmt::format(
        "mailbox {}: no password or token: give --password-file, $DMARCDB_IMAP_PASSWORD, "
        "--token-file or --token-command (or the same in {})",
        name, config.path.empty() ? "a config file" : config.path)};
  }
  return m;
}

}  // namespace

void add_imap_options(po::options_description& desc) {
  auto text = [] { return po::value<std::string>(); };
  desc.add_options()
      ("imap", po::value<std::vector<std::string>>()->composing(),
       "read a mailbox: imaps://user@host[:port]/MAILBOX (TLS), imap://... (STARTTLS), or the "
       "NAME of an [imap.NAME] section of the config file; repeat for several")
      ("config", text(), "config file (default: $DMARCDB_CONFIG, else "
                         "$XDG_CONFIG_HOME/dmarcdb/config if it exists)")
      ("user", text(), "IMAP user name (if not in the URL)")
      ("password-file", text(), "file whose first line is the password "
                                "(else $DMARCDB_IMAP_PASSWORD, else the config file)")
      ("token-file", text(), "OAuth2 bearer token file (XOAUTH2 / OAUTHBEARER), read at each "
                             "connection")
      ("token-command", text(), "command that prints a fresh OAuth2 token; run for each connection")
      ("auth", text(), "SASL mechanism: xoauth2, oauthbearer, plain, login (default: libcurl chooses)")
      ("ca-file", text(), "trust this CA (PEM) for the server certificate")
      ("insecure", po::bool_switch(), "do not verify the server certificate (unsafe)")
      ("allow-plaintext", po::bool_switch(), "imap:// without STARTTLS (unsafe)")
      ("mark-seen", po::bool_switch(), "set \\Seen on each message once stored")
      ("move-to", text(), "move each message to FOLDER once stored (created if missing)")
      ("failed-folder", text(), "move messages without a readable report to FOLDER instead")
      ("watch", po::bool_switch(), "keep polling until SIGINT or SIGTERM")
      ("interval", text(), "seconds between polls with --watch (default 300)")
      ("connect-timeout", text(), "seconds to wait for a connection (default 30)")
      ("read-timeout", text(), "seconds without data before a connection counts as dead "
                               "(default 60)")
      ("retries", text(), "reconnects after network errors, with exponential backoff (default 5)");
}

ConfigFile load_config(const po::variables_map& vm) {
  ConfigFile config;
  std::optional<std::string> path;
  if (vm.count("config")) {
    path = vm["config"].as<std::string>();
  } else {
    path = default_config_path();
  }
  if (!path) return config;
  config.path = *path;
  std::ifstream in(config.path);
  if (!in) throw Fatal(fmt::format("cannot read config file {}", config.path));

  po::options_description known;
  for (const auto* keys : {&k_mailbox_keys, &k_run_keys, &k_limit_keys}) {
    for (const std::string& key : *keys) known.add_options()(key.c_str(), po::value<std::string>());
  }
  po::parsed_options parsed(nullptr);
  try {
    parsed = po::parse_config_file(in, known, true);
  } catch (const po::error& e) {
    throw Fatal(fmt::format("config file {}: {}", config.path, e.what()));
  }
  bool has_password = false;
  for (const po::option& option : parsed.options) {
    const std::string value = option.value.empty() ? "" : option.value.front();
    const std::string& key = option.string_key;
    if (!option.unregistered) {
      config.top[key] = value;
      has_password |= key == "password";
      continue;
    }
    const std::size_t dot = key.rfind('.');
    if (key.rfind("imap.", 0) != 0 || dot <= 5) {
      throw Fatal(fmt::format("config file {}: unknown option \"{}\"", config.path, key));
    }
    const std::string name = key.substr(5, dot - 5);
    const std::string setting = key.substr(dot + 1);
    if (!contains(k_mailbox_keys, setting)) {
      throw Fatal(fmt::format("config file {}: [imap.{}]: unknown option \"{}\"", config.path, name,
                              setting));
    }
    config.mailboxes[name][setting] = value;
    has_password |= setting == "password";
  }
  if (has_password) check_private(config.path, "config file with a password");
  return config;
}

OptionMap explicit_flags(const po::variables_map& vm) {
  OptionMap flags;
  for (const auto* keys : {&k_mailbox_keys, &k_run_keys}) {
    for (const std::string& key : *keys) {
      if (!vm.count(key) || vm[key].defaulted() || key == "db") continue;
      if (contains(k_flag_keys, key)) {
        if (vm[key].as<bool>()) flags[key] = "true";
      } else {
        flags[key] = vm[key].as<std::string>();
      }
    }
  }
  return flags;
}

ImapPlan make_imap_plan(const po::variables_map& vm, const ConfigFile& config) {
  const OptionMap flags = explicit_flags(vm);
  ImapPlan plan;
  OptionMap run = config.top;
  for (const auto& [key, value] : flags) run[key] = value;
  plan.watch = parse_bool("watch", get(run, "watch", "false"));
  plan.interval = std::chrono::seconds(
      std::max<std::uint64_t>(1, parse_number("interval", get(run, "interval", "300"), 86400 * 7)));

  auto mailbox_for = [&](const std::string& name, const OptionMap* section,
                         const std::string& url) {
    OptionMap merged;
    for (const auto& [key, value] : config.top) {
      if (contains(k_mailbox_keys, key) && key != "url") merged[key] = value;
    }
    if (section) {
      for (const auto& [key, value] : *section) merged[key] = value;
    }
    for (const auto& [key, value] : flags) merged[key] = value;
    const std::string where = section ? get(*section, "url") : url;
    if (where.empty()) {
      throw UsageError{fmt::format("[imap.{}] in {} has no url", name, config.path)};
    }
    return make_mailbox(name, where, merged, flags, config);
  };

  std::vector<std::string> wanted;
  if (vm.count("imap")) wanted = vm["imap"].as<std::vector<std::string>>();
  if (wanted.empty()) {
    for (const auto& [name, section] : config.mailboxes) {
      plan.mailboxes.push_back(mailbox_for(name, &section, ""));
    }
    return plan;
  }
  for (const std::string& value : wanted) {
    if (value.find("://") != std::string::npos) {
      plan.mailboxes.push_back(mailbox_for(value, nullptr, value));
      continue;
    }
    auto section = config.mailboxes.find(value);
    if (section == config.mailboxes.end()) {
      throw UsageError{fmt::format("--imap {}: not a URL, and no [imap.{}] section in {}", value,
                                   value, config.path.empty() ? "a config file" : config.path)};
    }
    plan.mailboxes.push_back(mailbox_for(value, &section->second, ""));
  }
  return plan;
}

void apply_file_defaults(const po::variables_map& vm, const ConfigFile& config,
                         std::string& db_path, Limits& limits) {
  const char* env_db = std::getenv("DMARCDB_DB");
  if (vm["db"].defaulted() && !(env_db && *env_db) && config.top.count("db")) {
    db_path = config.top.at("db");
  }
  const std::map<std::string, std::function<void(std::uint64_t)>> setters = {
      {"max-input-bytes", [&](std::uint64_t v) { limits.max_input_bytes = v; }},
      {"max-unpacked-bytes", [&](std::uint64_t v) { limits.max_unpacked_bytes = v; }},
      {"max-zip-members", [&](std::uint64_t v) { limits.max_zip_members = static_cast<std::uint32_t>(v); }},
      {"max-archive-depth", [&](std::uint64_t v) { limits.max_archive_depth = static_cast<std::uint32_t>(v); }},
      {"max-xml-bytes", [&](std::uint64_t v) { limits.max_xml_bytes = v; }},
      {"max-xml-depth", [&](std::uint64_t v) { limits.max_xml_depth = static_cast<std::uint32_t>(v); }},
      {"max-records", [&](std::uint64_t v) { limits.max_records = v; }},
      {"max-mime-parts", [&](std::uint64_t v) { limits.max_mime_parts = static_cast<std::uint32_t>(v); }},
  };
  for (const auto& [key, set] : setters) {
    auto it = config.top.find(key);
    if (it == config.top.end() || !vm[key].defaulted()) continue;
    const bool narrow = key == "max-zip-members" || key == "max-archive-depth" ||
                        key == "max-xml-depth" || key == "max-mime-parts";
    set(parse_number(key, it->second, narrow ? UINT32_MAX : UINT64_MAX));
  }
}

}  // namespace dmarc::app
