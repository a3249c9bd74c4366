// Real Uppy 6 (the npm `uppy` package's dist/uppy.min.mjs, @uppy/aws-s3 inside) in Debian's
// chromium, with `companionEndpoint` pointing at `upgate serve` and its embedded store:
// a 3 MiB file as a POST-policy form, a 120 MiB file as multipart, paused and resumed, an
// upload the profile refuses (the error shown on the page), and the same through an upload
// session minted by POST /v1/sessions, with no cookie. Bytes are compared via the store.
//
// The page runs on the API's own origin, as an app that hosts Uppy beside its API would:
// its JWT cookie is same-origin.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import {
  readStoredObject, startStackAndBrowser, stopStackAndBrowser, testBytes,
} from "./harness.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const UPPY_BUNDLE = path.join(here, "node_modules", "uppy", "dist", "uppy.min.mjs");
const MiB = 1024 * 1024;
const JWT_SECRET = "an HS256 secret of thirty-two+ bytes, e2e only";
const PROFILES = `
[auth.jwt]
issuer = "https://login.e2e.test/"
audience = "upgate-e2e"
secret_env = "UPGATE_E2E_JWT_SECRET"
algorithms = ["HS256"]
cookie = "session"

[uppy]
profile = "media"

[profiles.media]
folder = "media"
key_template = "{folder}/{principal}/{id}-{name}"
max_size = "200 MiB"
allowed_types = ["application/octet-stream", "image/*"]
`;

// The test page: Uppy with AwsS3 only (no UI plugin needed to drive it), and the page's own
// display of what Uppy reports.
const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Uppy on upgate</title></head>
<body>
<input type="file" id="files" multiple>
<p id="error" role="alert"></p>
<ul id="done"></ul>
<script type="module">
import { Uppy, AwsS3 } from "/e2e-uppy/uppy.min.mjs";
window.startUppy = (companionEndpoint) => {
  const uppy = new Uppy({ id: "e2e" });
  uppy.use(AwsS3, { companionEndpoint, shouldUseMultipart: (file) => file.size > 100 * 1024 * 1024 });
  window.results = [];
  window.partsUploaded = 0;
  uppy.on("upload-success", (file, response) => {
    results.push({ ok: true, name: file.name, key: response.body.key, location: response.body.location });
    const li = document.createElement("li");
    li.textContent = file.name + " uploaded";
    document.getElementById("done").append(li);
  });
  uppy.on("upload-error", (file, error) => {
    results.push({ ok: false, name: file.name, message: error.message });
    document.getElementById("error").textContent = file.name + ": " + error.message;
  });
  uppy.on("s3-multipart:part-uploaded", () => { window.partsUploaded += 1; });
  window.uppy = uppy;
};
window.addChosenFiles = () => {
  const ids = [];
  for (const f of document.getElementById("files").files) {
    ids.push(uppy.addFile({ name: f.name, type: f.type || "application/octet-stream", data: f }));
  }
  return ids;
};
document.documentElement.dataset.ready = "1";
</script>
</body></html>`;

let stack;
let browser;
let files;

function jwt(sub) {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const input = `${part({ alg: "HS256", typ: "JWT" })}.${part({
    iss: "https://login.e2e.test/", aud: "upgate-e2e", sub, iat: now, exp: now + 600,
  })}`;
  return `${input}.${crypto.createHmac("sha256", JWT_SECRET).update(input).digest("base64url")}`;
}

before(async () => {
  ({ stack, browser } = await startStackAndBrowser({
    toml: PROFILES, env: { UPGATE_E2E_JWT_SECRET: JWT_SECRET },
  }));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "upgate-uppy-"));
  files = { dir };
  for (const [name, size, seed] of [["small.bin", 3 * MiB, 3], ["large.bin", 120 * MiB, 120],
    ["notes.pdf", 64 * 1024, 7]]) {
    files[name] = { path: path.join(dir, name), bytes: testBytes(size, seed) };
    fs.writeFileSync(files[name].path, files[name].bytes);
  }
});

after(async () => {
  await stopStackAndBrowser({ stack, browser });
  if (files) fs.rmSync(files.dir, { recursive: true, force: true });
});

// A page on the API's origin with Uppy started on `endpoint`; `cookieFor`: a principal
// whose JWT the page's cookie carries (none: no cookie).
async function uppyPage(endpoint, cookieFor) {
  const context = await browser.newContext();
  if (cookieFor) {
    await context.addCookies([{ name: "session", value: jwt(cookieFor), url: stack.api }]);
  }
  await context.route(`${stack.api}/e2e-uppy/uppy.min.mjs`, (route) =>
    route.fulfill({ contentType: "text/javascript", body: fs.readFileSync(UPPY_BUNDLE) }));
  const page = await context.newPage();
  page.errors = [];
  page.on("pageerror", (e) => page.errors.push(e.message));
  // A document upgate really served (a browser-fulfilled one counts as public, and
  // Chromium's Local Network Access then blocks its requests to the loopback store), its
  // content replaced by the test page: same origin as the API, so the cookie goes along.
  await page.goto(`${stack.api}/healthz`);
  await page.setContent(PAGE);
  await page.waitForSelector("html[data-ready]");
  await page.evaluate((e) => window.startUppy(e), endpoint);
  return page;
}

async function choose(page, ...names) {
  await page.setInputFiles("#files", names.map((n) => files[n].path));
  return page.evaluate(() => window.addChosenFiles());
}

async function uploadAll(page) {
  return page.evaluate(async () => {
    await window.uppy.upload();
    return window.results;
  });
}

async function assertStored(result, name, principal) {
  assert.equal(result.ok, true, JSON.stringify(result));
  assert.ok(result.key.startsWith(`media/${principal}/`), result.key);
  const stored = await readStoredObject(stack, result.key);
  assert.equal(stored.length, files[name].bytes.length);
  assert.ok(stored.equals(files[name].bytes), `${name}: the stored bytes differ`);
}

test("a 3 MiB file goes up as a form POST and a 120 MiB file as multipart, paused and resumed",
  { timeout: 240_000 }, async () => {
    const page = await uppyPage(stack.api, "alice");
    try {
      const [smallId, largeId] = await choose(page, "small.bin", "large.bin");
      const done = page.evaluate(() => window.uppy.upload().then(() => window.results));
      // Pause the multipart upload once two parts are in, then resume it.
      await page.waitForFunction(() => window.partsUploaded >= 2, null, { timeout: 120_000 });
      await page.evaluate((id) => window.uppy.pauseResume(id), largeId);
      assert.equal(await page.evaluate((id) => window.uppy.getFile(id).isPaused, largeId), true);
      await page.waitForTimeout(300); // the part in flight is aborted, not finished
      const atPause = await page.evaluate(() => window.partsUploaded);
      await page.waitForTimeout(1000);
      assert.equal(await page.evaluate(() => window.partsUploaded), atPause,
        "no part goes up while paused");
      const total = Math.ceil((120 * MiB) / (5 * MiB));
      assert.ok(atPause < total, `paused after ${atPause} of ${total} parts`);
      await page.evaluate((id) => window.uppy.pauseResume(id), largeId);
      const results = await done;
      assert.deepEqual(page.errors, []);
      assert.equal(results.length, 2, JSON.stringify(results));
      const byName = Object.fromEntries(results.map((r) => [r.name, r]));
      await assertStored(byName["small.bin"], "small.bin", "alice");
      await assertStored(byName["large.bin"], "large.bin", "alice");
      assert.ok(byName["large.bin"].location.includes(byName["large.bin"].key.split("/").pop()));
      assert.ok(await page.evaluate(() => window.partsUploaded) >= total);
      assert.ok(smallId && largeId);
    } finally {
      await page.context().close();
    }
  });

test("an upload the profile refuses, and one without credentials, show their error",
  { timeout: 60_000 }, async () => {
    let page = await uppyPage(stack.api, "alice");
    try {
      await choose(page, "notes.pdf");
      const results = await uploadAll(page);
      assert.equal(results.length, 1);
      assert.equal(results[0].ok, false, JSON.stringify(results));
      // Uppy 6 shows Companion's status text; upgate answered 400 content_type_not_allowed.
      assert.match(await page.textContent("#error"), /notes\.pdf: .*Bad Request/);
    } finally {
      await page.context().close();
    }
    page = await uppyPage(stack.api, null);
    try {
      await choose(page, "small.bin");
      const results = await uploadAll(page);
      assert.equal(results[0].ok, false, JSON.stringify(results));
      assert.match(await page.textContent("#error"), /small\.bin: .*Unauthorized/);
    } finally {
      await page.context().close();
    }
  });

test("the same uploads through an upload session, with no cookie", { timeout: 240_000 }, async () => {
  const minted = await fetch(`${stack.api}/v1/sessions`, {
    method: "POST",
    headers: { Authorization: `Bearer ${jwt("bob")}`, "Content-Type": "application/json" },
    body: JSON.stringify({ profile: "media" }),
  });
  assert.equal(minted.status, 200, await minted.clone().text());
  const session = await minted.json();
  const page = await uppyPage(`${stack.api}${session.companionEndpoint}`, null);
  try {
    await choose(page, "small.bin", "large.bin");
    const results = await uploadAll(page);
    assert.deepEqual(page.errors, []);
    const byName = Object.fromEntries(results.map((r) => [r.name, r]));
    await assertStored(byName["small.bin"], "small.bin", "bob");
    await assertStored(byName["large.bin"], "large.bin", "bob");

    // The profile still refuses what it refuses, and an altered session is refused.
    await page.evaluate(() => { window.results = []; window.uppy.clear(); });
    await choose(page, "notes.pdf");
    const refused = await uploadAll(page);
    assert.equal(refused[0].ok, false, JSON.stringify(refused));
    assert.match(await page.textContent("#error"), /notes\.pdf: .*Bad Request/);
  } finally {
    await page.context().close();
  }
  const altered = session.companionEndpoint.slice(0, -3) + "AAA";
  const other = await uppyPage(`${stack.api}${altered}`, null);
  try {
    await choose(other, "small.bin");
    const results = await uploadAll(other);
    assert.equal(results[0].ok, false, JSON.stringify(results));
    assert.match(await other.textContent("#error"), /Unauthorized/);
  } finally {
    await other.context().close();
  }
});
