// dmarcdb: DMARC aggregate reports into one SQLite database, and the weekly
// answer to which senders fail SPF alignment and get rejected.
#include <curl/curl.h>

#include <iostream>
#include <string>
#include <vector>

#include "app/cli.hpp"

int main(int argc, char** argv) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  std::vector<std::string> args(argv + 1, argv + argc);
  int rc = dmarc::app::run(args, {std::cout, std::cerr});
  curl_global_cleanup();
  return rc;
}
