#include <upgate/http/router.hpp>

#include <algorithm>

namespace upgate::http {

namespace {
constexpr std::string_view kNotFoundName = "404";
constexpr std::string_view kNotAllowedName = "405";

bool answers(Method route, Method request) noexcept {
  return route == request || (route == Method::get && request == Method::head);
}
}  // namespace

Router& Router::add(Method method, bool is_prefix, std::string path, Handler handler,
                    std::string name) {
  if (name.empty()) {
    name = std::string(to_string(method)) + " " + path + (is_prefix ? "*" : "");
  }
  routes_.push_back(Route{method, is_prefix, std::move(path), std::move(name), std::move(handler)});
  return *this;
}

Router& Router::exact(Method method, std::string path, Handler handler, std::string name) {
  return add(method, false, std::move(path), std::move(handler), std::move(name));
}

Router& Router::prefix(Method method, std::string prefix, Handler handler, std::string name) {
  return add(method, true, std::move(prefix), std::move(handler), std::move(name));
}

Router& Router::fallback(Handler handler, std::string name) {
  fallback_ = std::move(handler);
  fallback_name_ = std::move(name);
  return *this;
}

const Router::Route* Router::find(Method method, std::string_view path, std::string* allow) const {
  // Exact routes first; then the longest matching prefix. Methods seen on a matching path
  // go into Allow, in case nothing answers this method.
  const Route* best = nullptr;
  bool path_known = false;
  auto note_allowed = [&](const Route& r) {
    path_known = true;
    const std::string_view m = to_string(r.method);
    if (allow->find(m) == std::string::npos) {
      if (!allow->empty()) *allow += ", ";
      *allow += m;
      if (r.method == Method::get && allow->find("HEAD") == std::string::npos) *allow += ", HEAD";
    }
  };
  for (const Route& r : routes_) {
    if (r.is_prefix || r.path != path) continue;
    if (answers(r.method, method)) return &r;
    note_allowed(r);
  }
  if (path_known) return nullptr;
  std::size_t best_length = 0;
  for (const Route& r : routes_) {
    if (!r.is_prefix || !path.starts_with(r.path)) continue;
    if (answers(r.method, method)) {
      if (!best || r.path.size() > best_length) {
        best = &r;
        best_length = r.path.size();
      }
    } else if (r.path.size() >= best_length) {
      note_allowed(r);
    }
  }
  if (best) allow->clear();
  return best;
}

boost::asio::awaitable<void> Router::dispatch(Exchange& exchange) const {
  const Request& request = exchange.request();
  std::string allow;
  if (const Route* route = find(request.method(), request.path(), &allow)) {
    exchange.set_route_name(route->name);
    co_await route->handler(exchange);
    co_return;
  }
  if (!allow.empty()) {
    exchange.set_route_name(kNotAllowedName);
    Response response = Response::status_only(405);
    response.add_header("Allow", allow);
    co_await exchange.respond(response);
    co_return;
  }
  if (fallback_) {
    exchange.set_route_name(fallback_name_);
    co_await fallback_(exchange);
    co_return;
  }
  exchange.set_route_name(kNotFoundName);
  co_await exchange.respond(Response::status_only(404));
}

Handler Router::handler() const {
  return [this](Exchange& exchange) { return dispatch(exchange); };
}

}  // namespace upgate::http
