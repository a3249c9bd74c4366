// upgate::http::Router: maps (method, path) to a handler.
//
// Promises:
// - Exact routes win over prefix routes; among prefix routes the longest prefix wins.
//   Matching is on Request::path() (raw, query excluded), byte for byte.
// - A GET route also answers HEAD (the server sends the headers without the body).
// - A path that matches a route under other methods only gets 405 with an Allow header
//   listing them; a path matching nothing goes to the fallback handler, or 404.
// - The matched route's name is given to Exchange::set_route_name(), so the observer can
//   label metrics by route ("POST /v1/uploads") rather than by raw path, whose cardinality
//   the client controls. Unmatched requests are named "404"/"405" or "fallback".
// - Routes are fixed before the server starts; dispatch reads only, from any thread.
#pragma once

#include <upgate/http/exchange.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace upgate::http {

class Router {
 public:
  // name defaults to "<METHOD> <path>" (e.g. "GET /healthz").
  Router& exact(Method method, std::string path, Handler handler, std::string name = {});
  Router& prefix(Method method, std::string prefix, Handler handler, std::string name = {});
  Router& fallback(Handler handler, std::string name = "fallback");

  boost::asio::awaitable<void> dispatch(Exchange& exchange) const;

  // A Handler that dispatches through this router; the Router must outlive it (keep the
  // Router alive as long as the Server).
  Handler handler() const;

 private:
  struct Route {
    Method method;
    bool is_prefix;
    std::string path;
    std::string name;
    Handler handler;
  };
  Router& add(Method method, bool is_prefix, std::string path, Handler handler, std::string name);
  const Route* find(Method method, std::string_view path, std::string* allow) const;

  std::vector<Route> routes_;
  Handler fallback_;
  std::string fallback_name_;
};

}  // namespace upgate::http
