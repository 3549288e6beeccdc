// dmarcdb ingest PATH... | --imap URL...
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <ostream>

#include "app/cli.hpp"
#include "app/imap_config.hpp"
#include "app/ingest_imap.hpp"
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
  bool reread = false;
  po::options_description desc(
      "usage: dmarcdb ingest [OPTIONS] PATH...\n"
      "       dmarcdb ingest [OPTIONS] --imap imaps://user@host/MAILBOX [--imap ...]\n"
      "       dmarcdb ingest --config FILE    (every [imap.NAME] mailbox of the file)\n\n"
      "Reads DMARC aggregate reports from files, folders (recursively), e-mails\n"
      "(.eml or any RFC 822 file), mbox files, or - for standard input, and stores\n"
      "them. Containers are recognised by their bytes, not their names: gzip, zip,\n"
      "zlib, XML. A report already stored is counted as a duplicate. Inputs that\n"
      "hold no report are recorded (see dmarcdb failures). An input whose exact\n"
      "bytes were stored before without a failure is not read again (counted as\n"
      "already stored) unless --reread is given.\n\n"
      "With --imap, only messages newer than the last run are fetched; flags are\n"
      "left as they were unless --mark-seen or --move-to is given.\n\n"
      "Exit status: 0, also when some inputs failed to parse; 1 when an input could\n"
      "not be read at all or the database failed; 2 for usage errors; 3 IMAP login\n"
      "failed; 4 IMAP mailbox missing; 5 IMAP network failure after retries.\n\nOptions");
  add_common_options(desc, db_path);
  desc.add_options()("quiet,q", po::bool_switch(&quiet), "print only the summary line")(
      "reread", po::bool_switch(&reread),
      "read inputs again even when their exact bytes were stored before (e.g. after an "
      "upgrade that reads some inputs differently); nothing stored is changed, new reports "
      "are added");
  po::options_description limit_desc("Limits for untrusted input (see docs/limits.md)");
  add_limit_options(limit_desc, limits);
  desc.add(limit_desc);
  po::options_description imap_desc("IMAP (see README: config file, cron, systemd)");
  add_imap_options(imap_desc);
  desc.add(imap_desc);
  po::options_description hidden;
  hidden.add_options()("path", po::value(&paths));
  po::options_description all;
  all.add(desc).add(hidden);
  po::positional_options_description positional;
  positional.add("path", -1);

  po::variables_map vm = parse_options(args, all, &positional, false);
  if (vm.count("help")) {
    streams.out << desc << "\n";
    return 0;
  }
  const ConfigFile config = load_config(vm);
  apply_file_defaults(vm, config, db_path, limits);
  const ImapPlan plan = make_imap_plan(vm, config);
  const bool imap = vm.count("imap") || (paths.empty() && !plan.mailboxes.empty());
  if (paths.empty() && !imap) {
    throw UsageError{"ingest needs at least one PATH (or - for stdin), --imap URL, or a config "
                     "file with [imap.NAME] sections"};
  }

  store::Store store(db_path);
  // Per-input warnings: always for files; for IMAP (often run from cron) only
  // on a terminal, where progress is shown too.
  bool show_warnings = !quiet;
  auto warn = [&](std::string_view line) {
    if (show_warnings) streams.err << "dmarcdb: " << report::sanitize_for_terminal(line) << "\n";
  };
  ingest::Pipeline pipeline(store, limits, warn);
  pipeline.set_reread(reread);
  auto summary = [&](const ingest::IngestStats& s, std::uint64_t too_large, double elapsed) {
    streams.out << fmt::format(
        "ingested {} inputs: {} new reports, {} duplicates, {} other, {} failures, {} records, "
        "{} unreadable, {} already stored, {:.2f} s\n",
        s.inputs + too_large, s.reports_new, s.duplicates, s.other, s.failures + too_large,
        s.records, s.unreadable, s.unchanged, elapsed);
    streams.out.flush();
  };
  auto start = std::chrono::steady_clock::now();
  for (const std::string& path : paths) {
    if (path == "-") {
      pipeline.ingest_stream(std::cin, "stdin");
    } else {
      pipeline.ingest_path(path);
    }
  }
  const int files_code = pipeline.stats().unreadable > 0 ? 1 : 0;
  if (imap) {
    show_warnings = !quiet && ::isatty(STDERR_FILENO) == 1;
    const int imap_code = ingest_imap(plan, store, pipeline, limits, streams, quiet, summary);
    return imap_code != 0 ? imap_code : files_code;
  }
  double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  summary(pipeline.stats(), 0, elapsed);
  return files_code;
}

}  // namespace dmarc::app
