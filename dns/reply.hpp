// Turns a DNS reply message (as c-ares hands it over) into an Answer: values
// as text via ares_parse_*_reply, TTL from the answer records. A reply that
// does not parse gives Status::error; one without records of the asked type
// gives Status::nodata.
#pragma once

#include <cstdint>
#include <optional>

#include "dns/resolver.hpp"

namespace dmarc::dns {

Answer parse_reply(RecordType type, const unsigned char* message, int length);

// The smallest TTL among the answer-section records of message; nullopt if
// the message is malformed or has no answer record.
std::optional<std::uint32_t> min_answer_ttl(const unsigned char* message, int length);

}  // namespace dmarc::dns
