#include "app/cli.hpp"

#include <cstdlib>
#include <exception>
#include <ostream>

#include "parse/error.hpp"

#ifndef DMARCDB_VERSION
#define DMARCDB_VERSION "0.0.0"
#endif

namespace dmarc::app {
namespace {

constexpr const char* k_usage = R"(usage: dmarcdb COMMAND [OPTIONS]

DMARC aggregate reports into one SQLite database.

Commands:
  ingest PATH...   read reports from files, folders, e-mails, mbox files or - (stdin)
  reports          list the stored reports
  failures         list inputs that did not become reports, with the reason
  report           the weekly failure summary: who fails SPF alignment and gets rejected, why
  spf-check DOMAIN the domain's SPF, DMARC and MX records from DNS, their problems, results per --ip

Options for every command:
  --db PATH        database file (default: $DMARCDB_DB, else dmarc.db)
  -h, --help       help for the command

dmarcdb --version prints the version. `dmarcdb COMMAND --help` explains a command.
)";

}  // namespace

std::string default_db_path() {
  const char* env = std::getenv("DMARCDB_DB");
  return env && *env ? env : "dmarc.db";
}

int run(const std::vector<std::string>& args, Streams streams) {
  if (args.empty()) {
    streams.err << k_usage;
    return 2;
  }
  const std::string& command = args.front();
  std::vector<std::string> rest(args.begin() + 1, args.end());
  try {
    if (command == "-h" || command == "--help" || command == "help") {
      if (command == "help" && !rest.empty()) return run({rest.front(), "--help"}, streams);
      streams.out << k_usage;
      return 0;
    }
    if (command == "--version" || command == "-V") {
      streams.out << "dmarcdb " << DMARCDB_VERSION << "\n";
      return 0;
    }
    if (command == "ingest") return cmd_ingest(rest, streams);
    if (command == "reports") return cmd_reports(rest, streams);
    if (command == "failures") return cmd_failures(rest, streams);
    if (command == "report") return cmd_report(rest, streams);
    if (command == "spf-check") return cmd_spf_check(rest, streams);
    throw UsageError{"unknown command \"" + command + "\""};
  } catch (const UsageError& e) {
    streams.err << "dmarcdb: " << e.message << "\n(see dmarcdb --help)\n";
    return 2;
  } catch (const Fatal& e) {
    streams.err << "dmarcdb: error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    streams.err << "dmarcdb: error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace dmarc::app
