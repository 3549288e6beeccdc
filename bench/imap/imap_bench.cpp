// imap_bench [MESSAGES]: starts a throw-away Dovecot on 127.0.0.1, delivers
// MESSAGES (default 1000) distinct aggregate-report e-mails (gzip attachment,
// 5 records each), then runs `dmarcdb ingest --imap` twice (all new, then
// nothing new) and prints wall time and peak RSS of each run.
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "tests/support/dovecot.hpp"
#include "tests/support/encode.hpp"

namespace {

std::string report_xml(int n) {
  std::string xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feedback>\n<report_metadata>"
      "<org_name>bench.example</org_name><email>noreply@bench.example</email>"
      "<report_id>bench-" + std::to_string(n) + "</report_id><date_range><begin>" +
      std::to_string(1794182400 + 86400 * (n % 365)) + "</begin><end>" +
      std::to_string(1794182400 + 86400 * (n % 365) + 86399) +
      "</end></date_range></report_metadata>\n<policy_published><domain>example.com</domain>"
      "<adkim>r</adkim><aspf>r</aspf><p>reject</p><sp>reject</sp><pct>100</pct>"
      "</policy_published>\n";
  for (int r = 0; r < 5; ++r) {
    xml += "<record><row><source_ip>192.0.2." + std::to_string((n + r) % 250 + 1) +
           "</source_ip><count>" + std::to_string(r + 1) +
           "</count><policy_evaluated><disposition>" + (r == 0 ? "reject" : "none") +
           "</disposition><dkim>" + (r == 0 ? "fail" : "pass") + "</dkim><spf>" +
           (r < 2 ? "fail" : "pass") +
           "</spf></policy_evaluated></row><identifiers><header_from>example.com</header_from>"
           "</identifiers><auth_results><dkim><domain>example.com</domain><result>pass</result>"
           "</dkim><spf><domain>example.com</domain><result>pass</result></spf></auth_results>"
           "</record>\n";
  }
  return xml + "</feedback>\n";
}

std::string message(int n) {
  const std::string name = "bench.example!example.com!" + std::to_string(n) + ".xml.gz";
  const std::string wrapped = dmarc::testing::base64(dmarc::testing::gzip(report_xml(n)), "\r\n");
  return "From: noreply@bench.example\r\nTo: dmarc@example.com\r\nSubject: Report domain: "
         "example.com Submitter: bench.example Report-ID: bench-" + std::to_string(n) +
         "\r\nMessage-ID: <bench-" + std::to_string(n) + "@bench.example>\r\n"
         "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
         "--b\r\nContent-Type: text/plain\r\n\r\nReport attached.\r\n"
         "--b\r\nContent-Type: application/gzip; name=\"" + name +
         "\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; "
         "filename=\"" + name + "\"\r\n\r\n" + wrapped + "--b--\r\n";
}

struct Run {
  int status;
  double seconds;
  long max_rss_kib;
  std::string output;
};

Run run(const std::string& command, const std::string& out_path) {
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    const std::string line = "exec " + command + " >" + out_path + " 2>&1";
    execl("/bin/sh", "sh", "-c", line.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::ifstream in(out_path);
  std::string output((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, seconds, usage.ru_maxrss, output};
}

}  // namespace

int main(int argc, char** argv) {
  const int messages = argc > 1 ? std::stoi(argv[1]) : 1000;
  auto started = dmarc::testing::DovecotServer::start();
  if (auto* error = std::get_if<std::string>(&started)) {
    std::cerr << "imap_bench: " << *error << "\n";
    return 1;
  }
  auto& server = *std::get<std::unique_ptr<dmarc::testing::DovecotServer>>(started);
  std::size_t bytes = 0;
  for (int i = 0; i < messages; ++i) {
    const std::string m = message(i);
    bytes += m.size();
    server.deliver(m);
  }
  const std::filesystem::path dir = server.directory() / "bench";
  std::filesystem::create_directories(dir);
  const std::string password = (dir / "password").string();
  std::ofstream(password) << dmarc::testing::DovecotServer::k_password << "\n";
  ::chmod(password.c_str(), 0600);
  const std::string command = std::string(DMARCDB_BINARY) + " ingest --db " +
                              (dir / "bench.db").string() + " --ca-file " + server.ca_file() +
                              " --password-file " + password + " --imap " + server.imaps_url();
  std::cout << "mailbox: " << messages << " messages, " << bytes / 1024 << " KiB\n";
  for (const char* label : {"first run (all new)", "second run (nothing new)"}) {
    Run r = run(command, (dir / "out").string());
    std::cout << label << ": " << r.seconds << " s, peak RSS " << r.max_rss_kib / 1024.0
              << " MiB, exit " << r.status << "\n  " << r.output;
    if (r.status != 0) return 1;
  }
  return 0;
}
