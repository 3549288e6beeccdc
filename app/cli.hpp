// The command line: `dmarcdb [COMMAND] [OPTIONS]`, Boost.Program_options.
// run() returns the process exit code: 0 success, 1 an error that stopped the
// run (or an ingest input that could not be read at all), 2 usage errors.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace dmarc::app {

struct Streams {
  std::ostream& out;
  std::ostream& err;
};

int run(const std::vector<std::string>& args, Streams streams);

// Subcommands; each parses its own options from args (command name removed).
int cmd_ingest(const std::vector<std::string>& args, Streams streams);
int cmd_reports(const std::vector<std::string>& args, Streams streams);
int cmd_failures(const std::vector<std::string>& args, Streams streams);
int cmd_report(const std::vector<std::string>& args, Streams streams);
int cmd_spf_check(const std::vector<std::string>& args, Streams streams);

// The database path: --db if given, else $DMARCDB_DB, else "dmarc.db".
std::string default_db_path();

// Thrown for command-line mistakes; printed with a hint and exit code 2.
struct UsageError {
  std::string message;
};

}  // namespace dmarc::app
