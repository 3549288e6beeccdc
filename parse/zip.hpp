// Reading zip archives from memory with libzip: every member in archive order,
// except directory entries, __MACOSX/ entries and AppleDouble `._*` files.
// Only stored and deflated members are read; an encrypted, differently
// compressed or corrupt member is an error for that member alone. Member
// bytes count against the shared InflateBudget while they are read.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "parse/error.hpp"
#include "parse/gzip.hpp"
#include "parse/limits.hpp"

namespace dmarc::parse {

struct ZipMember {
  std::string name;             // as stored, converted to UTF-8 ("" for a nameless member)
  Expected<std::string> bytes;  // the member's content, or why it could not be read
};

// True for members read_zip() passes over: directories ("x/"), anything under
// "__MACOSX/", and members whose base name starts with "._".
bool is_skipped_zip_member(std::string_view name);

// `zip member "<name>"`, with quotes, backslashes and control bytes escaped
// and very long names shortened, for use in messages.
std::string zip_member_subject(std::string_view name);

// Opens `archive` and hands each member that is not skipped to `on_member`,
// in archive order, while the budget lasts. Before any member is read the
// entry count is checked against limits.max_zip_members (the count declared
// in the end-of-central-directory records too, so that a forged Zip64 count
// cannot make libzip allocate a huge table) and members whose compressed
// extents add up to more than the archive (overlapping members, a zip bomb)
// are refused. Returns an error when the archive as a whole is unreadable or
// over a limit; errors of single members go to `on_member`.
[[nodiscard]] Expected<void> read_zip(std::string_view archive, const Limits& limits,
                                      InflateBudget& budget,
                                      const std::function<void(ZipMember&&)>& on_member);

}  // namespace dmarc::parse
