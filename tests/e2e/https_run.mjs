// The HTTPS run of a browser e2e file: `node https_run.mjs demo_page.test.mjs`.
//
// Makes a test CA and two pairs in a temp dir (tests/support/test_ca.py, the openssl command;
// the pairs name localhost, *.s3.localhost, 127.0.0.1 and OTHER_HOST), then runs the file
// under `node --test` with UPGATE_E2E_TLS set to test_ca.py's JSON. The harness then starts
// `upgate serve` with the API and the embedded store on TLS, and Chromium trusting the CA
// through an NSS database in a HOME of its own (harness.mjs, launchBrowser).
//
// The CA must be known before node starts for node's own fetch() to trust it
// (NODE_EXTRA_CA_CERTS is read once, at start-up): hence a second node process. The machine
// points AWS_CA_BUNDLE, REQUESTS_CA_BUNDLE, SSL_CERT_FILE and CURL_CA_BUNDLE at the system
// bundle; the child gets the test CA in each, so nothing trusts the stack by accident of the
// machine's bundle and nothing the machine trusts is trusted by accident here.
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { CA_VARIABLES, OTHER_HOST } from "./harness.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const script = process.argv[2];
if (!script) {
  console.error("usage: node https_run.mjs FILE.test.mjs");
  process.exit(2);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "upgate-e2e-ca-"));
let code = 1;
try {
  const made = execFileSync("/usr/bin/python3", [
    path.join(here, "..", "support", "test_ca.py"), dir, "api", "store", "--dns", OTHER_HOST,
  ], { encoding: "utf8" });
  const tls = JSON.parse(made.trim().split("\n").at(-1));
  const env = { ...process.env, UPGATE_E2E_TLS: JSON.stringify(tls), NODE_EXTRA_CA_CERTS: tls.ca };
  for (const name of CA_VARIABLES) env[name] = tls.ca;
  const child = spawn(process.execPath, ["--test", path.resolve(here, script)], {
    env, stdio: "inherit",
  });
  code = await new Promise((resolve) => child.on("exit", (c, signal) => resolve(c ?? (signal ? 1 : 0))));
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
process.exit(code);
