// Shared Boost.Program_options plumbing for the subcommands.
#pragma once

#include <boost/program_options.hpp>
#include <string>
#include <vector>

#include "parse/limits.hpp"

namespace dmarc::app {

namespace po = boost::program_options;

// Adds --db and --help to desc.
void add_common_options(po::options_description& desc, std::string& db_path);

// Adds one --max-* flag per field of Limits, defaulting to its current value.
void add_limit_options(po::options_description& desc, Limits& limits);

// Parses args into a variables_map; mistakes become UsageError. Without
// abbreviations, a flag must be spelled out (so that "--password x" is an
// error, not --password-file).
po::variables_map parse_options(const std::vector<std::string>& args,
                                const po::options_description& desc,
                                const po::positional_options_description* positional = nullptr,
                                bool allow_abbreviations = true);

}  // namespace dmarc::app
