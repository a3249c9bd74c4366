// The fetcher behind [auth.jwt] jwks_url: one GET with s3client's libcurl transport
// (TLS verified against the system's trust store, redirects not followed), bounded by
// `timeout` as a whole and by the JWK Set's size limit (auth::JwksLimits, 256 KiB), for
// an answer 200 only. It blocks: the JWKS cache calls it on its own thread or on the
// blocking pool, never on an I/O thread (auth/jwks_cache.hpp). Its error messages name
// the URL's scheme, host and path, never a query string or user information.
#pragma once

#include <chrono>
#include <string>

#include "upgate/auth/jwks_cache.hpp"

namespace upgate::api {

auth::JwksFetcher make_jwks_fetcher(std::string url,
                                    std::chrono::seconds timeout = std::chrono::seconds(5));

// "https://host/path" of a URL: what log lines may say about it.
std::string loggable_url(std::string_view url);

}  // namespace upgate::api
