// Precompiled header of every unit-test program: GoogleTest (included by all 145 test
// sources) and the standard headers most of them use. Third-party and standard headers
// only, so a change to upgate's headers never rebuilds it.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>
