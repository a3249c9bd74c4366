// The fixture of the suites that read the AWS shared files: a TempDir that holds
// "credentials" and "config" (when a test writes them), env() naming them through
// AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE, and script() for the programs a
// credential_process runs.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <functional>
#include <map>
#include <string>

#include "support/temp_dir.hpp"
#include "upgate/config/environment.hpp"

namespace upgate::testing {

class AwsFilesFixture : public ::testing::Test {
 protected:
  // `vars`, and the two files' paths in the test's directory.
  config::Environment env(std::map<std::string, std::string, std::less<>> vars = {}) {
    vars["AWS_SHARED_CREDENTIALS_FILE"] = dir.file("credentials");
    vars["AWS_CONFIG_FILE"] = dir.file("config");
    return config::Environment::from(std::move(vars));
  }
  // An executable shell script in the test's directory; returns its path.
  std::string script(const std::string& name, const std::string& body) {
    const std::string path = dir.write(name, "#!/bin/sh\n" + body);
    ::chmod(path.c_str(), 0700);
    return path;
  }

  TempDir dir;
};

}  // namespace upgate::testing
