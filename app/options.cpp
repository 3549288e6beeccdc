#include "app/options.hpp"

#include "app/cli.hpp"

namespace dmarc::app {

void add_common_options(po::options_description& desc, std::string& db_path) {
  desc.add_options()
      ("db", po::value(&db_path)->default_value(default_db_path()),
       "database file ($DMARCDB_DB, else dmarc.db)")
      ("help,h", "show this help");
}

void add_limit_options(po::options_description& desc, Limits& limits) {
  desc.add_options()
      ("max-input-bytes", po::value(&limits.max_input_bytes)->default_value(limits.max_input_bytes),
       "bytes of one input (file, message, stdin)")
      ("max-unpacked-bytes",
       po::value(&limits.max_unpacked_bytes)->default_value(limits.max_unpacked_bytes),
       "bytes produced by decompressing one input")
      ("max-zip-members", po::value(&limits.max_zip_members)->default_value(limits.max_zip_members),
       "members of one zip archive")
      ("max-archive-depth",
       po::value(&limits.max_archive_depth)->default_value(limits.max_archive_depth),
       "nested compression layers")
      ("max-xml-bytes", po::value(&limits.max_xml_bytes)->default_value(limits.max_xml_bytes),
       "bytes of one XML document")
      ("max-xml-depth", po::value(&limits.max_xml_depth)->default_value(limits.max_xml_depth),
       "element nesting depth of one XML document")
      ("max-records", po::value(&limits.max_records)->default_value(limits.max_records),
       "records in one report")
      ("max-mime-parts", po::value(&limits.max_mime_parts)->default_value(limits.max_mime_parts),
       "MIME parts of one e-mail");
}

po::variables_map parse_options(const std::vector<std::string>& args,
                                const po::options_description& desc,
                                const po::positional_options_description* positional,
                                bool allow_abbreviations) {
  po::variables_map vm;
  try {
    po::command_line_parser parser(args);
    parser.options(desc);
    if (!allow_abbreviations) {
      parser.style(po::command_line_style::default_style &
                   ~po::command_line_style::allow_guessing);
    }
    if (positional) parser.positional(*positional);
    po::store(parser.run(), vm);
    if (!vm.count("help")) po::notify(vm);
  } catch (const po::unknown_option& e) {
    // Only the name: the value of a mistyped option may be a secret.
    const std::string name = e.get_option_name();
    throw UsageError{"unrecognised option '" + name.substr(0, name.find_first_of("= ")) + "'"};
  } catch (const po::error& e) {
    throw UsageError{e.what()};
  }
  return vm;
}

}  // namespace dmarc::app
