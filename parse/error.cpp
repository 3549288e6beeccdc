#include "parse/error.hpp"

namespace dmarc {

std::string_view to_string(Code code) {
  switch (code) {
    case Code::malformed: return "malformed";
    case Code::too_large: return "too_large";
    case Code::unsupported: return "unsupported";
    case Code::not_aggregate: return "not_aggregate";
    case Code::missing_field: return "missing_field";
    case Code::io: return "io";
    case Code::network: return "network";
    case Code::timeout: return "timeout";
  }
  return "unknown";
}

}  // namespace dmarc
