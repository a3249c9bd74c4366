// JSON for people to read: two-space indentation, one member or element per line, keys in
// the order they were inserted. For documents a user reviews before applying them (IAM
// policies); the bytes differ from boost::json::serialize only in whitespace.
#pragma once

#include <boost/json/value.hpp>

#include <string>

namespace upgate::cli {

std::string pretty_json(const boost::json::value& value);

}  // namespace upgate::cli
