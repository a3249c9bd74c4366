// upgate::auth::parse_strict_json: JSON from an untrusted party (a token's header and
// claims, a JWKS from the network, a hook's answer, a keys file line).
//
// Strict RFC 8259: no comments, no trailing commas, valid UTF-8 only, one value with
// nothing after it. Bounded: the text's size and the nesting depth by JsonLimits, and any
// one object or array at 4096 members, a key at 1 KiB, a string at 64 KiB. An object that
// names a member twice is refused: Boost.JSON (like most parsers) keeps the last one
// silently, so {"sub":"alice","sub":"bob"} would mean whatever the reader's parser
// chose; here it means nothing. Error messages describe the position and the rule, never
// the text itself.
#pragma once

#include <boost/json/value.hpp>
#include <cstddef>
#include <string>
#include <string_view>

#include "upgate/expected.hpp"

namespace upgate::auth {

struct JsonLimits {
  std::size_t max_bytes = 64 * 1024;
  std::size_t max_depth = 16;
};

Expected<boost::json::value, std::string> parse_strict_json(std::string_view text,
                                                            const JsonLimits& limits = {});

}  // namespace upgate::auth
