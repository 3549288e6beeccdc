// dmarcdb reports, dmarcdb failures: what the database holds.
#include <ostream>

#include "app/cli.hpp"
#include "app/options.hpp"
#include "report/overview.hpp"
#include "store/store.hpp"

namespace dmarc::app {

int cmd_reports(const std::vector<std::string>& args, Streams streams) {
  std::string db_path;
  po::options_description desc(
      "usage: dmarcdb reports [OPTIONS]\n\n"
      "Lists the stored reports, oldest first: period, reporter, policy domain,\n"
      "records, messages, and how many records failed SPF alignment or were\n"
      "rejected or quarantined.\n\nOptions");
  add_common_options(desc, db_path);
  po::variables_map vm = parse_options(args, desc);
  if (vm.count("help")) {
    streams.out << desc << "\n";
    return 0;
  }
  store::Store store(db_path);
  report::print_report_list(streams.out, store.list_reports());
  return 0;
}

int cmd_failures(const std::vector<std::string>& args, Streams streams) {
  std::string db_path;
  po::options_description desc(
      "usage: dmarcdb failures [OPTIONS]\n\n"
      "Lists the inputs that did not become reports: failures with their reason\n"
      "code and message, and inputs recognised as something else (forensic and\n"
      "SMTP TLS reports, mail without a report). Their bytes are kept in the\n"
      "database (raw_reports).\n\nOptions");
  add_common_options(desc, db_path);
  po::variables_map vm = parse_options(args, desc);
  if (vm.count("help")) {
    streams.out << desc << "\n";
    return 0;
  }
  store::Store store(db_path);
  report::print_failures(streams.out, store.list_failures(), store.list_others());
  return 0;
}

}  // namespace dmarc::app
