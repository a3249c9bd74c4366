// Shared pieces of the end-to-end tests: a real upgate stack on free ports, Debian's
// chromium driven by playwright-core, and ways to look into the store behind the page.
//
// startStack() runs `upgate serve` (the upload API, the demo page, and the embedded store)
// on free ports in a private temp dir with a known root key, and resolves once both answer.
// The store's bucket CORS allows the demo page's origin only (serve sets it). stop() ends the processes (SIGTERM, then
// SIGKILL) and removes the temp dir; every stack still running when node exits is killed.
//
// The binary is $UPGATE_BIN (ctest passes it), else build/upgate.
//
// HTTPS runs (https_run.mjs sets UPGATE_E2E_TLS to a test CA's JSON): serve gets the API and
// the store each on a pair of that CA, stack.api and stack.store are https://, and
// launchBrowser() gives Chromium a HOME whose NSS database trusts the CA as a root (certutil,
// Debian's libnss3-tools), with no certificate-error flag. The test files use TLS to say
// which run they are in.
import { spawn, execFile, execFileSync } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, "..", "..");
export const UPGATE_BIN = process.env.UPGATE_BIN || path.join(ROOT, "build", "upgate");
export const ARTIFACTS = path.join(ROOT, "test-artifacts", "e2e");
export const CHROMIUM = process.env.UPGATE_CHROMIUM || "/usr/bin/chromium";
// A second name for the loopback address, so the same page can be opened from an origin the
// bucket's CORS rules do not list.
export const OTHER_HOST = "upgate-other.test";

// {ca, pairs: {api: {cert, key}, store: {cert, key}}} in an HTTPS run, else null.
export const TLS = process.env.UPGATE_E2E_TLS ? JSON.parse(process.env.UPGATE_E2E_TLS) : null;
// What the machine sets to its own bundle: a child gets the test CA in each, or none.
export const CA_VARIABLES = ["AWS_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE"];
const SCHEME = TLS ? "https" : "http";

const ACCESS_KEY_ID = "AKIAUPGATEE2ETEST0001";
const SECRET_ACCESS_KEY = "e2e/secret+key/for/browser/tests/only00";
const REGION = "us-east-1";
const BUCKET = "uploads";
const READY_TIMEOUT_MS = 20_000;
const execFileAsync = promisify(execFile);

const running = new Set();
process.on("exit", () => {
  for (const child of running) {
    try { child.kill("SIGKILL"); } catch { /* already gone */ }
  }
});

export async function freePort() {
  const server = net.createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address();
  server.close();
  await once(server, "close");
  return port;
}

function spawnLogged(args, env, logPath) {
  const log = fs.openSync(logPath, "w");
  const child = spawn(UPGATE_BIN, args, { env, stdio: ["ignore", log, log] });
  fs.closeSync(log);
  running.add(child);
  child.on("exit", () => running.delete(child));
  return child;
}

async function waitFor(what, probe, child, logPath) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n` +
        tail(logPath));
    }
    try {
      if (await probe()) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} was not ready after ${READY_TIMEOUT_MS} ms:\n${tail(logPath)}`);
}

function tail(file, lines = 30) {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await once(child, "exit");
  clearTimeout(timer);
}

// The "upgate serve started" log line, once serve has written it.
function startedLine(logPath) {
  let text = "";
  try { text = fs.readFileSync(logPath, "utf8"); } catch { return null; }
  for (const line of text.split("\n")) {
    if (!line.includes('"upgate serve started"')) continue;
    try { return JSON.parse(line); } catch { return null; }
  }
  return null;
}

/**
 * Starts `upgate serve` with the embedded store, both on ports the kernel picks.
 *   toml   upgate.toml text (upload profiles), or null for the defaults
 *   env    more environment variables for serve (a JWT secret, a token secret)
 */
export async function startStack({ toml = null, env: extraEnv = {} } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "upgate-e2e-"));
  const env = {
    PATH: process.env.PATH || "/usr/bin:/bin",
    HOME: dir, // no ~/.aws files of the machine leak in
    AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY,
    AWS_REGION: REGION,
    ...(TLS ? Object.fromEntries(CA_VARIABLES.map((name) => [name, TLS.ca])) : {}),
    ...extraEnv,
  };
  const args = ["serve", "--listen", "127.0.0.1:0", "--store-listen", "127.0.0.1:0",
    "--data-dir", path.join(dir, "data")];
  if (TLS) {
    args.push("--tls-cert", TLS.pairs.api.cert, "--tls-key", TLS.pairs.api.key,
      "--store-tls-cert", TLS.pairs.store.cert, "--store-tls-key", TLS.pairs.store.key);
  }
  if (toml !== null) {
    fs.writeFileSync(path.join(dir, "upgate.toml"), toml);
    args.push("--config", path.join(dir, "upgate.toml"));
  }

  const logPath = path.join(dir, "serve.log");
  const child = spawnLogged(args, env, logPath);
  const stack = {
    api: null, store: null, dir, bucket: BUCKET, region: REGION, accessKeyId: ACCESS_KEY_ID,
    log: () => tail(logPath, 200),
    async stop() {
      await stopChild(child);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitFor("upgate serve", async () => {
      const started = startedLine(logPath);
      if (!started) return false;
      if (started.embedded_store !== "true") throw new Error("serve did not start the embedded store");
      stack.api = `${SCHEME}://${started.listen}`;
      stack.store = started.endpoint;
      return (await fetch(`${stack.api}/readyz`)).ok;
    }, child, logPath);
    await waitFor("the embedded store", async () => { await fetch(`${stack.store}/`); return true; }, child, logPath);
  } catch (e) {
    await stack.stop().catch(() => {});
    throw e;
  }
  return stack;
}

// The object's bytes, read back from the store through a presigned GET from the API.
export async function readObject(stack, key) {
  const grant = await (await fetch(`${stack.api}/v1/downloads?key=${encodeURIComponent(key)}`)).json();
  if (!grant.ok) throw new Error(`no download URL for ${key}: ${JSON.stringify(grant)}`);
  const response = await fetch(grant.downloadUrl);
  if (!response.ok) throw new Error(`GET ${key}: HTTP ${response.status} ${await response.text()}`);
  return Buffer.from(await response.arrayBuffer());
}

// The object's bytes, read straight from the store by the aws CLI with the store's root key
// (for stacks whose downloads need a principal).
export async function readStoredObject(stack, key) {
  const out = path.join(stack.dir, `object-${Date.now()}-${Math.random().toString(16).slice(2)}`);
  try {
    await execFileAsync("/usr/bin/aws", [
      "s3api", "get-object", "--bucket", stack.bucket, "--key", key, "--endpoint-url", stack.store,
      "--output", "json", out,
    ], { env: awsEnv(stack), maxBuffer: 1 << 20 });
    return fs.readFileSync(out);
  } finally {
    fs.rmSync(out, { force: true });
  }
}

export function awsEnv(stack) {
  return {
    PATH: process.env.PATH, HOME: stack.dir, AWS_ACCESS_KEY_ID: stack.accessKeyId,
    AWS_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY, AWS_DEFAULT_REGION: stack.region,
    AWS_EC2_METADATA_DISABLED: "true", AWS_PAGER: "",
    ...(TLS ? { AWS_CA_BUNDLE: TLS.ca } : {}),
  };
}

// Every key in the bucket, listed by the aws CLI with the store's root key.
export async function listKeys(stack) {
  const { stdout } = await execFileAsync("/usr/bin/aws", [
    "s3api", "list-objects-v2", "--bucket", stack.bucket, "--endpoint-url", stack.store,
    "--output", "json",
  ], { env: awsEnv(stack) });
  if (!stdout.trim()) return [];
  return (JSON.parse(stdout).Contents || []).map((o) => o.Key);
}

// A HOME for Chromium whose NSS database (~/.pki/nssdb, where Chromium on Linux keeps the
// user's trust settings) holds `caFile` as a trusted root for servers; with no caFile, an
// empty database: the machine's roots only.
export function nssHome(caFile = null) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "upgate-e2e-nss-"));
  process.on("exit", () => fs.rmSync(home, { recursive: true, force: true }));
  const db = path.join(home, ".pki", "nssdb");
  fs.mkdirSync(db, { recursive: true });
  const certutil = (...args) => execFileSync("certutil", ["-d", `sql:${db}`, ...args], { stdio: "pipe" });
  try {
    certutil("-N", "--empty-password");
    if (caFile) certutil("-A", "-n", "upgate e2e test CA", "-t", "C,,", "-i", caFile);
  } catch (e) {
    throw new Error(`certutil failed (libnss3-tools, scripts/setup.sh): ${e.stderr || e.message}`);
  }
  return home;
}

// Debian's chromium, headless, with a fresh profile (launch() makes a temp user-data dir).
// In an HTTPS run it trusts the test CA through its NSS database only (nssHome); `home`
// chooses another HOME (a database without the CA, to see a refusal).
export async function launchBrowser({ home = TLS ? nssHome(TLS.ca) : null } = {}) {
  let chromium;
  try {
    ({ chromium } = await import("playwright-core"));
  } catch (e) {
    throw new Error(`playwright-core is not installed in tests/e2e (run scripts/setup.sh): ${e.message}`);
  }
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found (run scripts/setup.sh)`);
  const env = { ...process.env };
  if (home) {
    env.HOME = home;
    for (const name of CA_VARIABLES) delete env[name];  // the NSS database decides, nothing else
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    env,
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--no-first-run", "--disable-sync",
      `--host-resolver-rules=MAP ${OTHER_HOST} 127.0.0.1`,
    ],
  });
}

// What a browser suite starts in its before() hook and ends in its after() hook: a stack
// (startStack's options) and a browser; when the browser cannot start, the stack is stopped.
//   before(async () => ({ stack, browser } = await startStackAndBrowser({ toml: PROFILES })));
//   after(() => stopStackAndBrowser({ stack, browser }));
export async function startStackAndBrowser(stackOptions = {}) {
  const stack = await startStack(stackOptions);
  try {
    return { stack, browser: await launchBrowser() };
  } catch (e) {
    await stack.stop();
    throw e;
  }
}

// Either may be missing (its start failed); the browser closes first.
export async function stopStackAndBrowser({ stack, browser }) {
  await browser?.close();
  await stack?.stop();
}

// A page whose console errors and uncaught exceptions are kept for assertion messages.
export async function openPage(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1180, height: 760 } });
  const page = await context.newPage();
  page.errors = [];
  page.on("pageerror", (e) => page.errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") page.errors.push(`console: ${m.text()}`); });
  await page.goto(url);
  await page.waitForSelector("html[data-ready]");
  return page;
}

// Deterministic bytes of any size (every byte position matters when compared).
export function testBytes(size, seed = 1) {
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

export function artifactPath(name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  return path.join(ARTIFACTS, name);
}

// The upload row of the file with this name.
export function row(page, fileName) {
  return page.locator("li.upload", { has: page.locator(".file-name", { hasText: fileName }) });
}
