// Debian's Chromium, headless, driven by chromedriver over W3C WebDriver on
// 127.0.0.1 (libcurl). start() launches chromedriver on a free port (it picks
// one with --port=0 and prints it) in its own process group, with a scratch
// folder as HOME and browser profile. stop() ends the session and
// chromedriver and makes sure none of their processes is left. Should the
// test itself be killed, chromedriver gets SIGTERM and the browser SIGKILL
// from the kernel (parent-death signals). Commands throw std::runtime_error
// with the driver's message when they fail.
#pragma once

#include <curl/curl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "report/render.hpp"  // json_string
#include "tests/browser/json.hpp"

extern char** environ;

namespace dmarc::testing {

struct LogEntry {
  std::string level;   // "SEVERE", "WARNING", "INFO"...
  std::string source;  // "security" for CSP violations, "console-api", "javascript"...
  std::string message;
};

class HeadlessChromium {
 public:
  static constexpr const char* k_browser = "/usr/lib/chromium/chromium";
  static constexpr const char* k_driver = "/usr/bin/chromedriver";
  static constexpr const char* k_setpriv = "/usr/bin/setpriv";

  // What is missing to run a browser, naming the Debian packages; empty if
  // both are installed.
  static std::string missing() {
    std::string out;
    if (access(k_browser, X_OK) != 0) out += std::string(k_browser) + " (Debian package chromium)";
    if (access(k_driver, X_OK) != 0) {
      out +=
          (out.empty() ? "" : ", ") + std::string(k_driver) + " (Debian package chromium-driver)";
    }
    return out.empty() ? out : "not installed: " + out + "; scripts/install-deps.sh installs it";
  }

  // chromedriver plus one headless browser session, or what went wrong.
  static std::variant<std::unique_ptr<HeadlessChromium>, std::string> start() {
    std::unique_ptr<HeadlessChromium> browser(new HeadlessChromium());
    std::string error = browser->launch();
    if (!error.empty()) {
      const std::string leftovers = browser->stop();
      return error + (leftovers.empty() ? "" : "; " + leftovers);
    }
    return browser;
  }

  ~HeadlessChromium() { stop(); }
  HeadlessChromium(const HeadlessChromium&) = delete;
  HeadlessChromium& operator=(const HeadlessChromium&) = delete;

  const std::filesystem::path& scratch() const { return m_scratch; }
  // The process group chromedriver leads; the browser runs in it too.
  pid_t group() const { return m_group; }

  // Ends the session (the browser quits), stops chromedriver and waits for
  // every process it started (leftovers()) to end; stragglers are killed.
  // Returns "" when everything ended by itself, else which PIDs were killed.
  std::string stop() {
    if (!m_session.empty()) {
      try {
        command("DELETE", "", "");
      } catch (const std::exception&) {
        // The browser is gone already; chromedriver and the sweep below clean up.
      }
      m_session.clear();
    }
    if (m_driver > 0) {
      kill(m_driver, SIGTERM);
      wait_for_exit(m_driver, k_stop_limit);
      m_driver = -1;
    }
    std::string killed;
    if (!m_scratch.empty()) {
      const auto deadline = std::chrono::steady_clock::now() + k_stop_limit;
      auto left = leftovers();
      while (!left.empty() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        left = leftovers();
      }
      for (pid_t pid : left) {
        kill(pid, SIGKILL);
        killed += (killed.empty() ? "left running and killed: " : ", ") + std::to_string(pid);
      }
      std::error_code ignored;
      std::filesystem::remove_all(m_scratch, ignored);
      m_scratch.clear();
    }
    return killed;
  }

  // The processes this object started that still run: those in the process
  // group chromedriver leads (it and the browser) and those naming the
  // scratch folder (the crash handler runs in a session of its own).
  std::vector<pid_t> leftovers() const { return processes(m_scratch.string(), m_group); }

  // Live processes whose command line contains text (like pgrep -f) or, if
  // group > 0, that belong to that process group.
  static std::vector<pid_t> processes(const std::string& text, pid_t group) {
    std::vector<pid_t> out;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
      const std::string name = entry.path().filename().string();
      if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
      const pid_t pid = std::stoi(name);
      // stat: "pid (comm) state ppid pgrp ..."; comm may hold spaces and parentheses.
      const std::string stat = read_all(entry.path() / "stat");
      const auto close = stat.rfind(')');
      if (pid == getpid() || close == std::string::npos) continue;
      std::istringstream fields(stat.substr(close + 1));
      std::string state;
      pid_t ppid = 0, pgrp = -1;
      fields >> state >> ppid >> pgrp;
      if (state == "Z" || state == "X") continue;  // ended, not yet reaped
      const bool named =
          !text.empty() && read_all(entry.path() / "cmdline").find(text) != std::string::npos;
      if (named || (group > 0 && pgrp == group)) out.push_back(pid);
    }
    return out;
  }

  void navigate(const std::string& url) {
    command("POST", "/url", "{\"url\":" + report::json_string(url) + "}");
  }

  // Runs a function body in the page (return ... gives the result).
  Json execute(const std::string& script) {
    return command("POST", "/execute/sync",
                   "{\"script\":" + report::json_string(script) + ",\"args\":[]}");
  }

  // The browser's log since the last call: console messages, uncaught
  // errors, CSP violations (source "security").
  std::vector<LogEntry> take_log() {
    std::vector<LogEntry> out;
    const Json entries = command("POST", "/se/log", "{\"type\":\"browser\"}");
    for (const Json& e : entries.array()) {
      out.push_back({e["level"].str(), e["source"].str(), e["message"].str()});
    }
    return out;
  }

  // A viewport of width x height CSS pixels; mobile makes the page's
  // viewport meta tag count, as on a phone.
  void set_viewport(int width, int height, bool mobile) {
    cdp("Emulation.setDeviceMetricsOverride",
        "{\"width\":" + std::to_string(width) + ",\"height\":" + std::to_string(height) +
            ",\"deviceScaleFactor\":1,\"mobile\":" + (mobile ? "true" : "false") + "}");
  }

  // A PNG of the whole page at the current viewport width.
  void save_full_page_png(const std::filesystem::path& file) {
    const Json size = execute(
        "return [document.documentElement.scrollWidth, document.documentElement.scrollHeight]");
    const std::string clip =
        "{\"x\":0,\"y\":0,\"width\":" + std::to_string(static_cast<int>(size[0].number())) +
        ",\"height\":" + std::to_string(static_cast<int>(size[1].number())) + ",\"scale\":1}";
    const Json shot =
        cdp("Page.captureScreenshot",
            "{\"format\":\"png\",\"captureBeyondViewport\":true,\"clip\":" + clip + "}");
    std::ofstream(file, std::ios::binary) << base64_decode(shot["data"].str());
  }

 private:
  static constexpr auto k_start_limit = std::chrono::seconds(15);
  static constexpr auto k_stop_limit = std::chrono::seconds(5);
  static constexpr long k_request_timeout_seconds = 60;

  HeadlessChromium() = default;

  std::string launch() {
    char pattern[] = "/tmp/dmarcdb-chromium-XXXXXX";
    if (mkdtemp(pattern) == nullptr) return "mkdtemp failed";
    m_scratch = pattern;
    const std::string scratch = m_scratch.string();
    std::filesystem::create_directories(m_scratch / "profile");

    // Everything the child needs is built before fork.
    std::vector<std::string> env_strings{"HOME=" + scratch, "XDG_CONFIG_HOME=" + scratch,
                                         "XDG_CACHE_HOME=" + scratch};
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string_view var(*e);
      if (!var.starts_with("HOME=") && !var.starts_with("XDG_CONFIG_HOME=") &&
          !var.starts_with("XDG_CACHE_HOME=")) {
        env_strings.emplace_back(var);
      }
    }
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    const std::string output = scratch + "/chromedriver.out";
    const std::string log_arg = "--log-path=" + scratch + "/chromedriver.log";
    const pid_t parent = getpid();

    const pid_t pid = fork();
    if (pid < 0) return "fork failed";
    if (pid == 0) {
      setpgid(0, 0);
      prctl(PR_SET_PDEATHSIG, SIGTERM);  // a test killed by a timeout takes chromedriver along
      if (getppid() != parent) _exit(127);
      if (FILE* out = std::freopen(output.c_str(), "w", stdout)) dup2(fileno(out), 2);
      execle(k_driver, "chromedriver", "--port=0", log_arg.c_str(), static_cast<char*>(nullptr),
             envp.data());
      _exit(127);
    }
    m_driver = pid;
    m_group = pid;

    const std::string error = wait_for_port(output);
    if (!error.empty()) return error;
    return create_session();
  }

  // chromedriver prints "... started successfully on port N." when listening.
  std::string wait_for_port(const std::string& output) {
    const auto deadline = std::chrono::steady_clock::now() + k_start_limit;
    const std::string marker = "started successfully on port ";
    std::string text;
    while (std::chrono::steady_clock::now() < deadline) {
      std::ifstream in(output);
      std::stringstream all;
      all << in.rdbuf();
      text = all.str();
      if (const auto at = text.find(marker); at != std::string::npos) {
        const auto end = text.find('.', at + marker.size());
        if (end != std::string::npos) {
          m_base = "http://127.0.0.1:" + text.substr(at + marker.size(), end - at - marker.size());
          return {};
        }
      }
      int status = 0;
      if (waitpid(m_driver, &status, WNOHANG) == m_driver) {
        m_driver = -1;
        return "chromedriver exited at start: " + text;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return "chromedriver did not report its port within 15 s: " + text;
  }

  // The browser, started through a script that makes the kernel kill it
  // when chromedriver dies (setpriv from util-linux, where present).
  std::string browser_launcher() {
    const std::string launcher = (m_scratch / "chromium").string();
    const bool setpriv = access(k_setpriv, X_OK) == 0;
    std::ofstream(launcher) << "#!/bin/sh\nexec "
                            << (setpriv ? std::string(k_setpriv) + " --pdeathsig KILL " : "")
                            << k_browser << " \"$@\"\n";
    std::filesystem::permissions(launcher, std::filesystem::perms::owner_all);
    return launcher;
  }

  std::string create_session() {
    const std::string profile = (m_scratch / "profile").string();
    std::string args;
    for (const std::string& a :
         {std::string("--headless"), std::string("--no-sandbox"), std::string("--disable-gpu"),
          std::string("--disable-quic"), std::string("--no-first-run"),
          std::string("--disable-background-networking"), std::string("--disable-component-update"),
          std::string("--disable-sync"), std::string("--disable-extensions"),
          std::string("--hide-scrollbars"), "--user-data-dir=" + profile}) {
      args += (args.empty() ? "" : ",") + report::json_string(a);
    }
    const std::string capabilities =
        "{\"capabilities\":{\"alwaysMatch\":{\"browserName\":\"chrome\","
        "\"timeouts\":{\"pageLoad\":30000,\"script\":30000},"
        "\"goog:chromeOptions\":{\"binary\":" +
        report::json_string(browser_launcher()) + ",\"args\":[" + args +
        "]},\"goog:loggingPrefs\":{\"browser\":\"ALL\"}}}}";
    try {
      const Json value = request("POST", m_base + "/session", capabilities);
      m_session = value["sessionId"].str();
    } catch (const std::exception& e) {
      return std::string("no browser session: ") + e.what();
    }
    return m_session.empty() ? "no session id from chromedriver" : "";
  }

  Json cdp(const std::string& method, const std::string& params) {
    return command("POST", "/goog/cdp/execute",
                   "{\"cmd\":" + report::json_string(method) + ",\"params\":" + params + "}");
  }

  Json command(const std::string& method, const std::string& path, const std::string& body) {
    return request(method, m_base + "/session/" + m_session + path, body);
  }

  // One WebDriver request; returns the answer's "value" or throws.
  static Json request(const std::string& method, const std::string& url, const std::string& body) {
    static const bool initialised = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
    if (!initialised) throw std::runtime_error("curl_global_init failed");
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(
        curl_slist_append(nullptr, "Content-Type: application/json; charset=utf-8"),
        curl_slist_free_all);
    if (!curl || !headers) throw std::runtime_error("curl_easy_init failed");
    std::string answer;
    curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_NOPROXY, "*");
    curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, k_request_timeout_seconds);
    curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(curl.get(), CURLOPT_CUSTOMREQUEST, method.c_str());
    if (method == "POST") {
      curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, body.c_str());
      curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    }
    curl_easy_setopt(
        curl.get(), CURLOPT_WRITEFUNCTION, +[](char* data, size_t size, size_t count, void* out) {
          static_cast<std::string*>(out)->append(data, size * count);
          return size * count;
        });
    curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &answer);
    const CURLcode code = curl_easy_perform(curl.get());
    if (code != CURLE_OK) {
      throw std::runtime_error(method + " " + url + ": " + curl_easy_strerror(code));
    }
    const auto json = parse_json(answer);
    if (!json)
      throw std::runtime_error(method + " " + url + ": not JSON: " + answer.substr(0, 500));
    const Json& value = (*json)["value"];
    if (!value["error"].is_null()) {
      throw std::runtime_error(method + " " + url + ": " + value["error"].str() + ": " +
                               value["message"].str());
    }
    return value;
  }

  static bool wait_for_exit(pid_t pid, std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid, &status, WNOHANG) == pid) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    return false;
  }

  static std::string read_all(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  static std::string base64_decode(const std::string& text) {
    std::string out;
    std::uint32_t bits = 0;
    int count = 0;
    for (char c : text) {
      int v = -1;
      if (c >= 'A' && c <= 'Z')
        v = c - 'A';
      else if (c >= 'a' && c <= 'z')
        v = c - 'a' + 26;
      else if (c >= '0' && c <= '9')
        v = c - '0' + 52;
      else if (c == '+')
        v = 62;
      else if (c == '/')
        v = 63;
      if (v < 0) continue;
      bits = (bits << 6) | static_cast<std::uint32_t>(v);
      count += 6;
      if (count >= 8) {
        count -= 8;
        out += static_cast<char>((bits >> count) & 0xFF);
      }
    }
    return out;
  }

  std::filesystem::path m_scratch;
  pid_t m_driver = -1;
  pid_t m_group = -1;
  std::string m_base;  // http://127.0.0.1:<port>
  std::string m_session;
};

}  // namespace dmarc::testing
