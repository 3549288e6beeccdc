// dmarcdb: DMARC aggregate reports into one SQLite database, and the weekly
// answer to which senders fail SPF alignment and get rejected.
#include <curl/curl.h>
#include <malloc.h>

#include <iostream>
#include <string>
#include <vector>

#include "app/cli.hpp"

namespace {

// glibc returns freed memory above the trim threshold to the kernel and maps
// blocks above the mmap threshold afresh; ingestion frees and allocates
// buffers of up to a few MiB per input, so by default it pays a page fault
// for every page of every input again (expensive in virtual machines).
// Blocks up to this size are reused instead; larger ones (a huge report)
// still go back to the kernel when freed.
constexpr int k_malloc_keep_bytes = 32 << 20;

}  // namespace

int main(int argc, char** argv) {
  mallopt(M_MMAP_THRESHOLD, k_malloc_keep_bytes);
  mallopt(M_TRIM_THRESHOLD, 2 * k_malloc_keep_bytes);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  std::vector<std::string> args(argv + 1, argv + argc);
  int rc = dmarc::app::run(args, {std::cout, std::cerr});
  curl_global_cleanup();
  return rc;
}
