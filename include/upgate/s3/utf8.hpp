// Transitional: S3's UTF-8 rule is upgate/text.hpp's strict RFC 3629 validation, and the
// s3 part itself calls text:: directly. Two store handlers still name s3::is_valid_utf8;
// this header forwards them and goes once the store includes upgate/text.hpp itself.
#pragma once

#include "upgate/text.hpp"

namespace upgate::s3 {

using text::first_invalid_utf8;
using text::is_valid_utf8;
using text::utf8_sequence_length;

}  // namespace upgate::s3
