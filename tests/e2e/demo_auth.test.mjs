// The demo page under authentication, in Debian's chromium against a real `upgate serve`
// with its embedded store: JWT (ES256) from a cookie that a test login page sets, made by
// node's own crypto (not by upgate) from a key pair whose public half serve reads as a
// JWKS file. Two principals in two browser contexts: alice uploads and downloads her file,
// bob cannot get a download URL for it. Without the cookie the page is refused and shows
// its bearer-token field; a token pasted there works, and is kept nowhere but in memory.
// The page's Content-Security-Policy, ?api= for a listed and an unlisted origin, and a
// downloadUrl that is not http(s).
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";

import {
  freePort, readStoredObject, row, startStackAndBrowser, stopStackAndBrowser, testBytes,
} from "./harness.mjs";

const ISSUER = "https://login.e2e.test/";
const AUDIENCE = "upgate-e2e";
const KID = "e2e-es256";
// An origin the configuration lists for ?api= (nothing listens there: only the page's
// choice is looked at).
const LISTED_API = "http://127.0.0.1:1";

const { publicKey, privateKey } = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
const keysDir = fs.mkdtempSync(path.join(os.tmpdir(), "upgate-e2e-jwks-"));
const jwksFile = path.join(keysDir, "jwks.json");
fs.writeFileSync(jwksFile, JSON.stringify({
  keys: [{ ...publicKey.export({ format: "jwk" }), kid: KID, alg: "ES256", use: "sig" }],
}));

const CONFIG = `
[server]
demo_api_origins = ["${LISTED_API}"]

[auth.jwt]
issuer = "${ISSUER}"
audience = "${AUDIENCE}"
jwks_file = "${jwksFile}"
algorithms = ["ES256"]
cookie = "session"

[profiles.demo]
folder = "*"
key_template = "{folder}/{principal}/{id}-{name}"
max_size = "5 MiB"
`;

// An ES256 JWT for `sub`, signed here with node's crypto (JWS: r||s, not DER).
function jwt(sub) {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const input = `${part({ alg: "ES256", typ: "JWT", kid: KID })}.${part({
    iss: ISSUER, aud: AUDIENCE, sub, iat: now, exp: now + 600,
  })}`;
  const signature = crypto.sign("sha256", Buffer.from(input), { key: privateKey, dsaEncoding: "ieee-p1363" });
  return `${input}.${signature.toString("base64url")}`;
}

let stack;
let browser;
let login;      // the test login page: {url, close}
let unlisted;   // a server at an origin the configuration does not list: {origin, hits, close}

// The app's login page: /login?user=NAME sets the session cookie (HttpOnly, the JWT) and
// sends the browser on to the demo page. Cookies are per host, not per port, so the cookie
// it sets on 127.0.0.1 goes to the API on 127.0.0.1 too, as an app's would on its domain.
async function startLogin(apiUrl) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    const user = url.searchParams.get("user");
    if (url.pathname !== "/login" || !user) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(302, {
      "Set-Cookie": `session=${jwt(user)}; Path=/; HttpOnly; SameSite=Lax`,
      Location: `${apiUrl}/${url.searchParams.get("then") || ""}`,
    });
    res.end();
  });
  const port = await freePort();
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) };
}

async function startUnlisted() {
  const hits = [];
  const server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.writeHead(500).end();
  });
  const port = await freePort();
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { origin: `http://127.0.0.1:${port}`, hits, close: () => new Promise((r) => server.close(r)) };
}

before(async () => {
  ({ stack, browser } = await startStackAndBrowser({ toml: CONFIG }));
  login = await startLogin(stack.api);
  unlisted = await startUnlisted();
});

after(async () => {
  await stopStackAndBrowser({ stack, browser });
  await login?.close();
  await unlisted?.close();
  fs.rmSync(keysDir, { recursive: true, force: true });
});

// A fresh browser context (its own cookies) on the demo page; signed in as `user` through
// the login page when given. `then`: the demo page's path and query.
async function demoPage(user, then = "") {
  const context = await browser.newContext({ viewport: { width: 1180, height: 760 } });
  const page = await context.newPage();
  page.errors = [];
  page.on("pageerror", (e) => page.errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") page.errors.push(`console: ${m.text()}`); });
  page.requests = [];
  page.on("request", (r) => page.requests.push(r));
  if (user) {
    await page.goto(`${login.url}/login?user=${encodeURIComponent(user)}&then=${encodeURIComponent(then)}`);
  } else {
    await page.goto(`${stack.api}/${then}`);
  }
  await page.waitForSelector("html[data-ready]");
  return page;
}

async function waitForState(page, fileName, state, timeout = 20_000) {
  const r = row(page, fileName);
  try {
    await r.and(page.locator(`[data-state="${state}"]`)).waitFor({ timeout });
  } catch {
    const text = await r.innerText().catch(() => "(no row)");
    throw new Error(`${fileName} never reached "${state}". Row:\n${text}\nPage errors: ${page.errors.join("\n")}\n` +
      `Server log (tail):\n${stack.log().split("\n").slice(-15).join("\n")}`);
  }
  return r;
}

// The object `key` as the page's API grants it to this page's principal: {status, code}.
function downloadAs(page, key) {
  return page.evaluate(async (k) => {
    const { requestDownloadUrl } = await import("/upgate.js");
    try {
      const grant = await requestDownloadUrl(k);
      return { status: 200, url: grant.downloadUrl };
    } catch (e) {
      return { status: e.status, code: e.code };
    }
  }, key);
}

describe("the demo page under authentication", () => {
  let aliceKey;
  const aliceBytes = testBytes(300_000, 41);

  test("signed in by the login page's cookie, alice uploads and downloads her file", async () => {
    const page = await demoPage("alice");
    assert.equal(new URL(page.url()).origin, stack.api, "the login page sent the browser on to the demo page");
    assert.equal(await page.locator("#auth").isVisible(), true, "the page says how to pass a token");
    await page.setInputFiles("#file-input", { name: "report.pdf", mimeType: "application/pdf", buffer: aliceBytes });
    const r = await waitForState(page, "report.pdf", "done");
    aliceKey = await r.getAttribute("data-key");
    assert.match(aliceKey, /^demo\/alice\/[^/]+-report\.pdf$/);
    assert.deepEqual(await readStoredObject(stack, aliceKey), aliceBytes);

    // The cookie did it: no Authorization header went anywhere, and nothing to the store
    // carried the cookie's token.
    for (const request of page.requests) {
      const headers = await request.allHeaders();
      assert.equal(headers.authorization, undefined, request.url());
      if (request.url().startsWith(stack.store)) assert.equal(headers.cookie, undefined, request.url());
    }

    const link = r.locator("a.download");
    await link.waitFor({ state: "visible" });
    const href = await link.getAttribute("href");
    assert.ok(href.startsWith(`${stack.store}/${stack.bucket}/${aliceKey.split("/")[0]}/alice/`), href);
    assert.deepEqual(Buffer.from(await (await fetch(href)).arrayBuffer()), aliceBytes);
    assert.deepEqual(page.errors, [], "no CSP violation, no script error");
    await page.context().close();
  });

  test("bob, signed in too, cannot obtain a download URL for alice's key; nor can anyone anonymous", async () => {
    assert.ok(aliceKey, "the upload test ran first");
    const bob = await demoPage("bob");
    assert.deepEqual(await downloadAs(bob, aliceKey), { status: 404, code: "not_found" });
    // Bob's own uploads are his.
    await bob.setInputFiles("#file-input", { name: "bob.txt", mimeType: "text/plain", buffer: Buffer.from("bob\n") });
    const mine = await waitForState(bob, "bob.txt", "done");
    assert.match(await mine.getAttribute("data-key"), /^demo\/bob\//);
    await bob.context().close();

    const anonymous = await demoPage(null);
    assert.equal((await downloadAs(anonymous, aliceKey)).status, 401);
    await anonymous.context().close();
  });

  test("without the cookie the upload is refused; a bearer token pasted in the page works, kept in memory only", async () => {
    const page = await demoPage(null);
    assert.equal(await page.locator("#auth").isVisible(), true);
    await page.setInputFiles("#file-input", { name: "anon.txt", mimeType: "text/plain", buffer: Buffer.from("anon\n") });
    const refused = await waitForState(page, "anon.txt", "failed");
    assert.equal(await refused.getAttribute("data-error-code"), "authentication_required");
    assert.equal(await refused.locator(".stats").innerText(), "Refused before any byte was sent.");
    assert.equal(page.requests.filter((r) => r.method() === "PUT").length, 0, "no byte went to the store");

    const token = jwt("carol");
    await page.fill("#token", token);
    await refused.locator("button.retry").click();
    const done = await waitForState(page, "anon.txt", "done");
    assert.match(await done.getAttribute("data-key"), /^demo\/carol\//);
    const asks = page.requests.filter((r) => r.url().startsWith(`${stack.api}/api/s3/getPresignedUrl`));
    assert.equal((await asks.at(-1).allHeaders()).authorization, `Bearer ${token}`);
    for (const put of page.requests.filter((r) => r.method() === "PUT")) {
      assert.equal((await put.allHeaders()).authorization, undefined, "the token never goes to the store");
    }
    const stored = await page.evaluate(() => JSON.stringify([{ ...localStorage }, { ...sessionStorage }, document.cookie]));
    assert.equal(stored.includes(token), false, "the token is kept in memory only");
    assert.equal(stack.log().includes(token), false, "no token in serve's log");
    await page.context().close();
  });

  test("the page and its assets carry a Content-Security-Policy that lets it reach only its API and store", async () => {
    for (const asset of ["/", "/app.js", "/upgate.js", "/styles.css"]) {
      const response = await fetch(`${stack.api}${asset}`);
      assert.equal(response.status, 200, asset);
      const csp = response.headers.get("content-security-policy");
      assert.ok(csp, `${asset}: no Content-Security-Policy`);
      const directives = Object.fromEntries(csp.split(";").map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
      assert.deepEqual(directives["default-src"], ["'none'"], csp);
      assert.deepEqual(directives["script-src"], ["'self'"], csp);
      assert.deepEqual(directives["frame-ancestors"], ["'none'"], csp);
      assert.deepEqual(directives["connect-src"], ["'self'", stack.store, LISTED_API], csp);
      assert.equal(response.headers.get("x-content-type-options"), "nosniff", asset);
      assert.equal(response.headers.get("referrer-policy"), "no-referrer", asset);
    }
    const page = await (await fetch(`${stack.api}/`)).text();
    assert.ok(page.includes(`<meta name="upgate-api-origins" content="${LISTED_API}">`));
    assert.ok(page.includes('<meta name="upgate-auth" content="on">'));
  });

  test("?api= naming an unlisted origin is ignored with a note; a listed one is used", async () => {
    const page = await demoPage("alice", `?api=${encodeURIComponent(`${unlisted.origin}/`)}`);
    const note = page.locator("#api-note");
    assert.equal(await note.isVisible(), true);
    assert.match(await note.innerText(), new RegExp(`${unlisted.origin.replace(/[.:/]/g, "\\$&")} is not an API this server lists`));
    assert.equal(await page.locator("#api-target").innerText(), "this origin");
    await page.setInputFiles("#file-input", { name: "here.txt", mimeType: "text/plain", buffer: Buffer.from("here\n") });
    await waitForState(page, "here.txt", "done");
    assert.equal(page.requests.filter((r) => r.url().startsWith(unlisted.origin)).length, 0);
    assert.deepEqual(unlisted.hits, [], "the unlisted origin was never contacted");
    await page.context().close();

    const listed = await demoPage("alice", `?api=${encodeURIComponent(LISTED_API)}`);
    assert.equal(await listed.locator("#api-note").isVisible(), false);
    assert.equal(await listed.locator("#api-target").innerText(), LISTED_API);
    await listed.context().close();
  });

  test("a downloadUrl that is not http(s) is never made a link", async () => {
    const page = await demoPage("alice");
    await page.route((url) => url.pathname === "/v1/downloads", (route) => route.fulfill({
      contentType: "application/json",
      body: JSON.stringify({ ok: true, key: "x", downloadUrl: "javascript:alert(document.domain)", expiresAt: new Date(Date.now() + 60_000).toISOString() }),
    }));
    await page.setInputFiles("#file-input", { name: "link.txt", mimeType: "text/plain", buffer: Buffer.from("link\n") });
    const r = await waitForState(page, "link.txt", "done");
    await page.waitForFunction((el) => /not http\(s\)/.test(el.title), await r.locator(".result").elementHandle());
    assert.equal(await r.locator("a.download").isVisible(), false);
    assert.equal(await r.locator("a.download").getAttribute("href"), null);
    await page.context().close();
  });
});
