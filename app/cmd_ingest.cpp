// dmarcdb ingest PATH...
#include <fmt/format.h>

#include <chrono>
#include <iostream>
#include <ostream>

#include "app/cli.hpp"
#include "app/options.hpp"
#include "ingest/pipeline.hpp"
#include "report/terminal.hpp"
#include "store/store.hpp"

namespace dmarc::app {

int cmd_ingest(const std::vector<std::string>& args, Streams streams) {
  std::string db_path;
  Limits limits;
  std::vector<std::string> paths;
  bool quiet = false;
  po::options_description desc(
      "usage: dmarcdb ingest [OPTIONS] PATH...\n\n"
      "Reads DMARC aggregate reports from files, folders (recursively), e-mails\n"
      "(.eml or any RFC 822 file), mbox files, or - for standard input, and stores\n"
      "them. Containers are recognised by their bytes, not their names: gzip, zip,\n"
      "zlib, XML. A report already stored is counted as a duplicate. Inputs that\n"
      "hold no report are recorded (see dmarcdb failures).\n\n"
      "Exit status: 0, also when some inputs failed to parse; 1 when an input could\n"
      "not be read at all or the database failed; 2 for usage errors.\n\nOptions");
  add_common_options(desc, db_path);
  desc.add_options()("quiet,q", po::bool_switch(&quiet), "print only the summary line");
  po::options_description limit_desc("Limits for untrusted input (see docs/limits.md)");
  add_limit_options(limit_desc, limits);
  desc.add(limit_desc);
  po::options_description hidden;
  hidden.add_options()("path", po::value(&paths));
  po::options_description all;
  all.add(desc).add(hidden);
  po::positional_options_description positional;
  positional.add("path", -1);

  po::variables_map vm = parse_options(args, all, &positional);
  if (vm.count("help")) {
    streams.out << desc << "\n";
    return 0;
  }
  if (paths.empty()) throw UsageError{"ingest needs at least one PATH (or - for stdin)"};

  store::Store store(db_path);
  auto warn = [&](std::string_view line) {
    if (!quiet) streams.err << "dmarcdb: " << report::sanitize_for_terminal(line) << "\n";
  };
  ingest::Pipeline pipeline(store, limits, warn);
  auto start = std::chrono::steady_clock::now();
  for (const std::string& path : paths) {
    if (path == "-") {
      pipeline.ingest_stream(std::cin, "stdin");
    } else {
      pipeline.ingest_path(path);
    }
  }
  double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const ingest::IngestStats& s = pipeline.stats();
  streams.out << fmt::format(
      "ingested {} inputs: {} new reports, {} duplicates, {} other, {} failures, {} records, "
      "{} unreadable, {:.2f} s\n",
      s.inputs, s.reports_new, s.duplicates, s.other, s.failures, s.records, s.unreadable,
      elapsed);
  return s.unreadable > 0 ? 1 : 0;
}

}  // namespace dmarc::app
