// Runs the dmarcdb binary (DMARCDB_BINARY) through the shell and collects its
// standard output and exit status, for end-to-end tests.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace dmarc::test {

struct RunResult {
  int status = -1;  // exit code; -1 when killed by a signal
  std::string out;
};

// arguments is shell text appended to the binary's path; add "2>&1" to also
// collect standard error.
inline RunResult run_dmarcdb(const std::string& arguments) {
  const std::string command = std::string(DMARCDB_BINARY) + " " + arguments;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("popen failed: " + command);
  RunResult result;
  std::array<char, 4096> buffer;
  std::size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
    result.out.append(buffer.data(), n);
  }
  const int status = ::pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace dmarc::test
