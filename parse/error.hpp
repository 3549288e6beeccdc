// Error values shared by every library: a small closed set of codes plus a
// message that names the thing and the limit. Skippable input problems travel
// as tl::expected<T, Error>; a run that cannot go on throws dmarc::Fatal,
// caught once in app/.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace dmarc {

enum class Code {
  malformed,      // bytes are not what they claim (broken gzip, bad XML, bad number)
  too_large,      // a named limit was hit
  unsupported,    // understood but not handled (unknown container, non-XML member)
  not_aggregate,  // a valid input that is not a DMARC aggregate report
  missing_field,  // a required element is absent
  io,             // reading a file or stream failed
  network,
  timeout,
};

// Stable lower-case name of a code, as stored in the database ("too_large").
std::string_view to_string(Code code);

struct Error {
  Code code;
  std::string message;
  bool operator==(const Error&) const = default;
};

template <class T>
using Expected = tl::expected<T, Error>;

inline tl::unexpected<Error> fail(Code code, std::string message) {
  return tl::unexpected<Error>(Error{code, std::move(message)});
}

// A condition that stops the whole run (database unopenable, bad config).
class Fatal : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace dmarc
