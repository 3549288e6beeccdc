#include "parse/report.hpp"

namespace dmarc::parse {

const char* to_string(SchemaVersion v) {
  switch (v) {
    case SchemaVersion::rfc7489: return "rfc7489";
    case SchemaVersion::dmarcbis: return "dmarcbis";
  }
  return "unknown";
}

}  // namespace dmarc::parse
