// Precompiled header of the `upgate` program: CLI11, which every command's header pulls in
// and which costs some ten seconds a source file to parse, plus the JSON and logging
// headers most commands share. Only third-party and standard headers: a change to
// upgate's own headers never rebuilds it.
#pragma once

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
