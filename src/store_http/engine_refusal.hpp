// Internal: the engine's refusals (StoreError) in S3's words, with the details S3
// adds (BucketName, Key, ...). An InternalError's message may name files, so it goes
// to the log (S3Error::reason) and S3's generic text goes to the client.
#pragma once

#include <string_view>

#include "store/store_error.hpp"
#include "upgate/s3/errors.hpp"

namespace upgate::store {

s3::S3Error to_s3_error(const StoreError& error, std::string_view bucket = {},
                        std::string_view key = {});

}  // namespace upgate::store
