// The demo page (web/) as `upgate serve` serves it: its files, with the settings the page
// reads filled into index.html, and the headers every one of them is served with.
//
// index.html carries two meta elements the server fills in:
//   <meta name="upgate-api-origins" content="...">  config.demo_api_origins, space-separated:
//       the only origins `?api=` may name (app.js ignores any other, with a note)
//   <meta name="upgate-auth" content="on">            when [auth] configures a mode: the page
//       shows its bearer-token field from the start (it also does after any 401)
// Origins are checked by the configuration (scheme://host[:port] of letters, digits, '.',
// '-', ':', '[', ']'), so they need no escaping in an attribute or in the policy.
//
// Every file is served with
//   Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self';
//     img-src 'self'; connect-src 'self' STORE API...; base-uri 'none';
//     form-action 'none'; frame-ancestors 'none'
//   X-Content-Type-Options: nosniff, Referrer-Policy: no-referrer, X-Frame-Options: DENY
// where STORE is the origin of the URLs this server signs (the bucket's URL: virtual-hosted
// or path style, the embedded store's bound port) and API... are config.demo_api_origins.
// The page can therefore send bytes only to its own API, its store, and the listed origins.
#pragma once

#include <map>
#include <string>

#include "upgate/api/api_config.hpp"
#include "upgate/http/static_files.hpp"

namespace upgate::api {

// The origin of the URLs signed for config.s3 ("http://127.0.0.1:9000",
// "https://uploads.s3.eu-west-1.amazonaws.com"); empty when the endpoint is not usable.
std::string signed_url_origin(const ApiConfig& config);

std::string demo_content_security_policy(const ApiConfig& config);

// The embedded web/ files (a minimal index.html when web/ has none), index.html filled in.
std::map<std::string, http::StaticAsset> demo_page_files(const ApiConfig& config);

// Cache-Control and the headers above.
http::StaticFilesOptions demo_page_options(const ApiConfig& config);

}  // namespace upgate::api
