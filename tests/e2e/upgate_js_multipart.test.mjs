// web/upgate.js's multipart uploads in Debian's chromium against a real `upgate serve`:
// the page's requests to the store go through a forward proxy of the test's own
// (cutting_proxy.mjs) that counts the part PUTs, holds some, or cuts every connection
// mid-way. The files are made in the page from a deterministic pattern (nothing big is
// written to disk but the store's own copy), and compared by SHA-256.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import crypto from "node:crypto";
import { promisify } from "node:util";
import { after, before, describe, test } from "node:test";

import { awsEnv, startStackAndBrowser, stopStackAndBrowser } from "./harness.mjs";
import { startCuttingProxy } from "./cutting_proxy.mjs";

const MiB = 1024 * 1024;
const PROFILES = `
[profiles.big]
folder = "big"
max_size = "1 GiB"

[profiles.short]
folder = "short"
max_size = "64 MiB"
url_lifetime = 4        # seconds: the tests wait longer than half of it, or all of it
`;
const execFileAsync = promisify(execFile);

let stack;
let browser;

before(async () => ({ stack, browser } = await startStackAndBrowser({ toml: PROFILES })));

after(() => stopStackAndBrowser({ stack, browser }));

// A page on the API's origin whose requests to the store go through a cutting proxy of
// its own; both end with the test `t`.
async function proxiedPage(t) {
  const proxy = await startCuttingProxy();
  const context = await browser.newContext({
    proxy: { server: proxy.url, bypass: new URL(stack.api).host },
  });
  const page = await context.newPage();
  page.errors = [];
  page.on("pageerror", (e) => page.errors.push(`pageerror: ${e.message}`));
  page.apiRequests = [];
  page.on("request", (r) => { if (r.url().startsWith(`${stack.api}/v1/`)) page.apiRequests.push(new URL(r.url()).pathname); });
  page.storeAnswers = [];
  page.on("response", (r) => {
    if (r.url().startsWith(stack.store) && r.request().method() === "PUT") page.storeAnswers.push(r.status());
  });
  t.after(async () => {
    await context.close();
    await proxy.stop();
  });
  await page.goto(`${stack.api}/`);
  await page.waitForSelector("html[data-ready]");
  return { page, proxy };
}

// Starts createUpload() in the page on a file of `size` pattern bytes; window.__job is the
// upload, window.__result its outcome once settled, window.__progress what it reported.
// Resolves with the file's SHA-256 (hex).
function startInPage(page, { size, seed = 1, name = "pattern.bin", type = "application/octet-stream",
  lastModified = 1_700_000_000_000, options = {} }) {
  return page.evaluate(async ({ size, seed, name, type, lastModified, options }) => {
    const { createUpload } = await import("/upgate.js");
    const words = new Uint32Array(size / 4);
    let x = seed >>> 0 || 1;
    for (let i = 0; i < words.length; i++) {
      x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
      words[i] = x;
    }
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", words));
    const file = new File([words], name, { type, lastModified });
    window.__progress = [];
    window.__result = null;
    const job = createUpload(file, { ...options, retryDelayMs: 50, onProgress: (p) => window.__progress.push(p) });
    window.__job = job;
    job.start().then(
      (r) => { window.__result = { ok: true, ...r }; },
      (e) => { window.__result = { ok: false, name: e.name, message: e.message, code: e.code ?? null,
        status: e.status ?? null, stage: e.stage ?? null }; });
    return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  }, { size, seed, name, type, lastModified, options });
}

async function resultOf(page, timeout = 120_000) {
  await page.waitForFunction(() => window.__result !== null, null, { timeout, polling: 100 });
  return page.evaluate(() => window.__result);
}

// The parts done in the page's saved state (localStorage), or null when there is none.
function savedParts(page) {
  return page.evaluate(() => {
    const id = Object.keys(localStorage).find((k) => k.startsWith("upgate.multipart:"));
    return id ? JSON.parse(localStorage.getItem(id)).parts : null;
  });
}

async function until(what, probe, timeout = 60_000) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

// SHA-256 of the stored object, streamed from the store through a presigned GET.
async function storedSha256(key) {
  const grant = await (await fetch(`${stack.api}/v1/downloads?key=${encodeURIComponent(key)}`)).json();
  assert.equal(grant.ok, true, JSON.stringify(grant));
  const response = await fetch(grant.downloadUrl);
  assert.equal(response.status, 200);
  const hash = crypto.createHash("sha256");
  for await (const chunk of response.body) hash.update(chunk);
  return hash.digest("hex");
}

async function s3api(...args) {
  const { stdout } = await execFileAsync("/usr/bin/aws", [
    "s3api", ...args, "--bucket", stack.bucket, "--endpoint-url", stack.store, "--output", "json",
  ], { env: awsEnv(stack) });
  return stdout.trim() ? JSON.parse(stdout) : {};
}

const sorted = (list) => [...list].sort((a, b) => a - b);

describe("upgate.js multipart", () => {
  test("200 MiB with every connection cut mid-way: the parts cut short are sent again, the bytes arrive whole", async (t) => {
    const { page, proxy } = await proxiedPage(t);
    // Chromium itself sends a request again once when a reused connection breaks; a
    // request on a fresh connection fails to the page, and upgate.js sends it again.
    proxy.cutAfter(50 * MiB, 100 * MiB, 150 * MiB);
    const sha256 = await startInPage(page, { size: 200 * MiB, seed: 7, name: "film.bin", options: { folder: "big" } });
    const result = await resultOf(page);
    assert.equal(result.ok, true, `${result.message}\n${page.errors.join("\n")}`);
    assert.equal(proxy.cuts, 3, "the proxy cut the connections three times");

    const parts = proxy.parts();
    assert.deepEqual([...new Set(parts)].sort((a, b) => a - b), Array.from({ length: 13 }, (_, i) => i + 1),
      "13 parts of 16 MiB");
    assert.ok(parts.length > 13, `the parts cut short were sent again (${parts.length} PUTs)`);
    assert.equal(await storedSha256(result.key), sha256);

    const progress = await page.evaluate(() => window.__progress);
    for (const p of progress) {
      assert.equal(p.total, 200 * MiB);
      assert.ok(p.loaded >= 0 && p.loaded <= p.total, `loaded ${p.loaded}`);
    }
    assert.deepEqual(progress.at(-1), { ...progress.at(-1), phase: "done", loaded: 200 * MiB, percent: 100 });
    assert.deepEqual(progress.at(-1).parts, { done: 13, total: 13 });
    assert.equal(await savedParts(page), null, "the saved state is gone once complete");
    assert.deepEqual(page.errors, []);
  });

  test("a part whose connection resets and one the store answers 503 are retried with backoff", async (t) => {
    const { page, proxy } = await proxiedPage(t);
    const tries = new Map();
    // Faults at the network layer of the page, where Chromium does not retry by itself.
    await page.route(`${stack.store}/**`, async (route) => {
      const request = route.request();
      if (request.method() !== "PUT") return route.continue();
      const part = Number(new URL(request.url()).searchParams.get("partNumber"));
      tries.set(part, (tries.get(part) || 0) + 1);
      if (part === 2 && tries.get(part) === 1) return route.abort("connectionreset");
      if (part === 3 && tries.get(part) === 1) {
        return route.fulfill({
          status: 503,
          headers: { "Content-Type": "application/xml", "Access-Control-Allow-Origin": stack.api },
          body: "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>",
        });
      }
      return route.continue();
    });
    const sha256 = await startInPage(page, {
      size: 36 * MiB, seed: 17, name: "faults.bin", options: { folder: "big", multipartThreshold: MiB },
    });
    const result = await resultOf(page);
    assert.equal(result.ok, true, result.message);
    assert.deepEqual([...tries.entries()].sort(), [[1, 1], [2, 2], [3, 2]]);
    const progress = await page.evaluate(() => window.__progress);
    assert.ok(progress.some((p) => p.phase === "retrying"), "the retries were reported");
    assert.equal(await storedSha256(result.key), sha256);
  });

  test("a reload mid-upload: the same file picked again resumes, and the parts done are not sent again", async (t) => {
    const { page, proxy } = await proxiedPage(t);
    const file = { size: 100 * MiB, seed: 11, name: "backup.tar", options: { folder: "big" } }; // 7 parts
    // Parts 1 and 2 go through; the others wait at the proxy until the page is gone.
    proxy.hold((r) => r.method === "PUT" && r.partNumber >= 3);
    const sha256 = await startInPage(page, file);
    await until("parts 1 and 2 saved as done", async () => (await savedParts(page))?.length === 2);
    assert.deepEqual(await savedParts(page), [1, 2]);

    await page.reload();
    await page.waitForSelector("html[data-ready]");
    proxy.dropHeld();
    const pending = await page.evaluate(async () => (await import("/upgate.js")).pendingUploads());
    assert.equal(pending.length, 1);
    const { id, key, expiresAt, savedAt, ...described } = pending[0];
    assert.ok(Date.parse(expiresAt) > Date.now(), `the token lives on: ${expiresAt}`);
    assert.deepEqual(described, {
      name: "backup.tar", size: 100 * MiB, lastModified: 1_700_000_000_000, folder: "big", api: "",
      partsDone: 2, partCount: 7,
    });
    // The server's view before the resume: the two parts, nothing of the ones cut off.
    const listedUploads = await s3api("list-multipart-uploads");
    const stored = listedUploads.Uploads.find((u) => u.Key === key);
    assert.ok(stored, `${key} is an open upload`);
    const listedParts = await s3api("list-parts", "--key", key, "--upload-id", stored.UploadId);
    assert.deepEqual(listedParts.Parts.map((p) => p.PartNumber), [1, 2]);

    const mark = proxy.requests.length;
    const apiMark = page.apiRequests.length;
    assert.equal(await startInPage(page, file), sha256);
    const result = await resultOf(page);
    assert.equal(result.ok, true, result.message);
    assert.equal(result.key, key, "the same upload, resumed");
    assert.deepEqual(sorted(proxy.parts(mark)), [3, 4, 5, 6, 7], "only the parts not done went up");
    assert.ok(page.apiRequests.slice(apiMark).includes("/v1/multipart/list"), "the resume asked the server");
    assert.ok(!page.apiRequests.slice(apiMark).includes("/v1/multipart"), "no new upload was created");
    assert.equal(await storedSha256(key), sha256);
    const first = (await page.evaluate(() => window.__progress)).find((p) => p.phase === "uploading");
    assert.equal(first.loaded >= 32 * MiB, true, "progress starts from the parts done");
  });

  test("pause ends the part PUTs in flight, resume sends them again with URLs signed anew", async (t) => {
    const { page, proxy } = await proxiedPage(t);
    proxy.hold((r) => r.method === "PUT" && r.partNumber >= 2);
    const sha256 = await startInPage(page, {
      size: 40 * MiB, seed: 3, name: "pause.bin", options: { folder: "short", multipartThreshold: MiB },
    }); // 16 + 16 + 8 MiB
    await until("part 1 done, parts 2 and 3 in flight", async () =>
      (await savedParts(page))?.length === 1 && proxy.held === 2);

    assert.equal(await page.evaluate(() => window.__job.pause()), true);
    assert.equal(await page.evaluate(() => window.__job.state), "paused");
    const paused = await page.evaluate(() => window.__progress.at(-1));
    assert.equal(paused.phase, "paused");
    assert.equal(paused.loaded, 16 * MiB, "only the part done counts once paused");
    proxy.dropHeld();
    // The URLs of parts 2 and 3 (4 s of life) pass half their life while paused.
    await new Promise((r) => setTimeout(r, 2500));
    const mark = proxy.requests.length;
    const apiMark = page.apiRequests.length;
    assert.equal(await page.evaluate(() => window.__job.resume()), true);
    const result = await resultOf(page);
    assert.equal(result.ok, true, result.message);
    assert.deepEqual(sorted(proxy.parts(mark)), [2, 3]);
    assert.ok(page.apiRequests.slice(apiMark).includes("/v1/multipart/sign"), "URLs near their end were signed again");
    assert.ok(!page.storeAnswers.includes(403), `no PUT was refused: ${page.storeAnswers}`);
    assert.equal(await storedSha256(result.key), sha256);
  });

  test("a file below the threshold is one PUT, which pause ends and resume sends again whole", async (t) => {
    const { page, proxy } = await proxiedPage(t);
    let held = null;
    proxy.hold((r) => {
      if (r.method === "PUT") held = r;
      return r.method === "PUT";
    });
    const sha256 = await startInPage(page, { size: 3 * MiB, seed: 19, name: "small.bin", options: { folder: "big" } });
    await until("the PUT held", async () => proxy.held === 1);
    assert.equal(await page.evaluate(() => window.__job.multipart), false);
    assert.equal(await page.evaluate(() => window.__job.pause()), true);
    proxy.dropHeld();
    assert.equal(await page.evaluate(() => window.__job.resume()), true);
    const result = await resultOf(page);
    assert.equal(result.ok, true, result.message);
    // The held PUT never reached the store. Chromium may send it once more by itself: when a
    // reused connection is reset before the page's cancel reaches the network service, it
    // resends the request (seen once in CI). Either way every PUT is the one URL, still fresh.
    const puts = proxy.requests.filter((r) => r.method === "PUT");
    assert.ok(puts.length >= 1 && puts.length <= 2, `PUTs: ${puts.length}`);
    for (const put of puts) assert.equal(put.query, held.query, "the same URL again, still fresh");
    assert.ok(!page.apiRequests.some((p) => p.startsWith("/v1/multipart")));
    assert.equal(await storedSha256(result.key), sha256);
  });

  test("a part URL that expired before its PUT: S3's \"Request has expired\", signed again, sent again", async (t) => {
    const { page, proxy } = await proxiedPage(t);
    let held = null;
    proxy.hold((r) => {
      if (r.method !== "PUT" || held) return false;
      held = r;
      return true;
    });
    const sha256 = await startInPage(page, {
      size: 256 * 1024, seed: 5, name: "late.bin", options: { folder: "short", multipartThreshold: 64 * 1024 },
    }); // one part
    await until("the PUT held", async () => proxy.held === 1);
    // Past the URL's 4 s of life as the store counts it: whole seconds after X-Amz-Date.
    const query = new URLSearchParams(held.query);
    const signed = query.get("X-Amz-Date").replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, "$1-$2-$3T$4:$5:$6Z");
    const expired = Date.parse(signed) + (Number(query.get("X-Amz-Expires")) + 1) * 1000 + 300;
    await new Promise((r) => setTimeout(r, Math.max(0, expired - Date.now())));
    proxy.release();
    const result = await resultOf(page);
    assert.equal(result.ok, true, result.message);
    assert.deepEqual(proxy.parts(), [1, 1]);
    assert.deepEqual(page.storeAnswers, [403, 200]);
    assert.equal(page.apiRequests.filter((p) => p === "/v1/multipart/sign").length, 2);
    assert.equal(await storedSha256(result.key), sha256);
  });

  test("cancel: upgate aborts the upload, the store drops it, the saved state is forgotten", async (t) => {
    const { page, proxy } = await proxiedPage(t);
    proxy.hold((r) => r.method === "PUT");
    await startInPage(page, { size: 64 * MiB, seed: 9, name: "cancel.bin", options: { folder: "big" } });
    await until("the parts in flight", async () => proxy.held === 4);
    const key = await page.evaluate(() => window.__job.key);
    assert.ok((await s3api("list-multipart-uploads")).Uploads.some((u) => u.Key === key));

    await page.evaluate(() => window.__job.cancel());
    const result = await resultOf(page);
    assert.equal(result.ok, false);
    assert.equal(result.name, "AbortError");
    assert.ok(!((await s3api("list-multipart-uploads")).Uploads || []).some((u) => u.Key === key),
      "gone from ListMultipartUploads");
    assert.equal(await savedParts(page), null);
    assert.ok(page.apiRequests.includes("/v1/multipart/abort"));
  });

  test("completion refused by upgate (422 content_mismatch) is an UploadError in the API's words", async (t) => {
    const { page, proxy } = await proxiedPage(t);
    await startInPage(page, {
      size: 2 * MiB, seed: 13, name: "photo.png", type: "image/png", options: { folder: "big", multipartThreshold: MiB },
    });
    const result = await resultOf(page);
    assert.equal(result.ok, false);
    assert.equal(result.name, "UploadError");
    assert.equal(result.code, "content_mismatch");
    assert.equal(result.status, 422);
    assert.equal(result.stage, "complete");
    assert.match(result.message, /image\/png/);
    assert.equal(await savedParts(page), null, "nothing left to resume");
  });
});
