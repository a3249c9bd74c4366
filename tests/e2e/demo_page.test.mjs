// The demo page (web/index.html, web/app.js) in Debian's chromium against a real
// `upgate serve` with its embedded store: what a new user sees first. Run twice: over plain
// HTTP, and over HTTPS with both listeners on TLS (e2e.demo_page.https, https_run.mjs).
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";

import {
  artifactPath, launchBrowser, listKeys, nssHome, openPage, OTHER_HOST, readObject, ROOT, row,
  startStackAndBrowser, stopStackAndBrowser, testBytes, TLS,
} from "./harness.mjs";

const PROFILES = `
[profiles.demo]
folder = "*"            # any folder name, like the seed
max_size = "5 MiB"

[profiles.images]
folder = "images"
max_size = "16 KiB"
allowed_types = ["image/png", "image/jpeg"]
allowed_extensions = ["png", "jpg", "jpeg"]

[profiles.expiring]
folder = "expiring"
url_lifetime = 1        # seconds: the test waits longer than this before the PUT

[profiles.large]
folder = "large"
max_size = "64 MiB"
`;

let stack;
let browser;

before(async () => ({ stack, browser } = await startStackAndBrowser({ toml: PROFILES })));

after(() => stopStackAndBrowser({ stack, browser }));

async function waitForState(page, fileName, state, timeout = 20_000) {
  const r = row(page, fileName);
  try {
    await r.and(page.locator(`[data-state="${state}"]`)).waitFor({ timeout });
  } catch (e) {
    const text = await r.innerText().catch(() => "(no row)");
    throw new Error(`${fileName} never reached "${state}". Row:\n${text}\nPage errors: ${page.errors.join("\n")}\n` +
      `Server log (tail):\n${stack.log().split("\n").slice(-15).join("\n")}`);
  }
  return r;
}

// Holds every PUT until `count` upload URLs have been granted, then lets them all go at once.
async function holdPutsUntil(page, count) {
  await page.evaluate((n) => {
    let waiting = [];
    window.__upgateBeforePut = () => new Promise((resolve) => {
      waiting.push(resolve);
      if (waiting.length >= n) { waiting.forEach((r) => r()); waiting = []; }
    });
  }, count);
}

// Counts XMLHttpRequests in flight, and the most seen at once.
async function countConcurrentXhr(page) {
  await page.addInitScript(() => {
    window.__xhr = { inFlight: 0, max: 0 };
    const send = XMLHttpRequest.prototype.send;
    XMLHttpRequest.prototype.send = function (...args) {
      window.__xhr.inFlight++;
      window.__xhr.max = Math.max(window.__xhr.max, window.__xhr.inFlight);
      this.addEventListener("loadend", () => { window.__xhr.inFlight--; });
      return send.apply(this, args);
    };
  });
}

describe("the demo page", () => {
  test("a picked file goes straight to the store; the bytes read back are the same", async () => {
    const page = await openPage(browser, `${stack.api}/`);
    const puts = [];
    page.on("response", (res) => { if (res.request().method() === "PUT") puts.push(res); });
    const bytes = testBytes(400_000, 7);
    await page.setInputFiles("#file-input", { name: "quarterly report.pdf", mimeType: "application/pdf", buffer: bytes });
    const r = await waitForState(page, "quarterly report.pdf", "done");

    // The page and the PUT went over the scheme of this run; over HTTPS, on the test CA's
    // certificates, verified by Chromium itself.
    const scheme = TLS ? "https:" : "http:";
    assert.equal(new URL(page.url()).protocol, scheme);
    assert.equal(puts.length, 1);
    assert.equal(new URL(puts[0].url()).protocol, scheme, puts[0].url());
    if (TLS) {
      const security = await puts[0].securityDetails();
      assert.equal(security?.issuer, "upgate test CA", JSON.stringify(security));
      assert.match(security.protocol, /^TLS 1\.[23]$/);
    }

    const key = await r.getAttribute("data-key");
    assert.match(key, /^demo\/\d{4}\/\d{2}\/\d{2}\/[0-9a-f]{32}-quarterly_report\.pdf$/);
    assert.equal(await r.locator(".key").innerText(), key);
    assert.deepEqual(await readObject(stack, key), bytes, "the store holds exactly the bytes the page sent");

    // The download link is a presigned GET that serves the same bytes.
    const link = r.locator("a.download");
    await link.waitFor({ state: "visible" });
    const href = await link.getAttribute("href");
    assert.ok(href.startsWith(`${stack.store}/${stack.bucket}/`), href);
    const downloaded = Buffer.from(await (await fetch(href)).arrayBuffer());
    assert.deepEqual(downloaded, bytes);

    assert.match(await r.locator(".stats").innerText(), /^400 KB in .* average$/);
    assert.equal(await r.locator(".bar").evaluate((b) => b.value), 100);
    await page.waitForFunction(() => document.getElementById("announcer").textContent.includes("uploaded"));
    assert.deepEqual(page.errors, []);

    await page.screenshot({ path: artifactPath("demo-page-after-upload.png") });
    await page.context().close();
  });

  test("two dropped files upload at once, both arrive, and progress is reported", async () => {
    const context = await browser.newContext({ viewport: { width: 1180, height: 760 } });
    const p = await context.newPage();
    p.errors = [];
    p.on("pageerror", (e) => p.errors.push(e.message));
    await countConcurrentXhr(p);
    await p.goto(`${stack.api}/`);
    await p.waitForSelector("html[data-ready]");
    await holdPutsUntil(p, 2);

    const a = testBytes(1_500_000, 11);
    const b = testBytes(900_000, 12);
    // A real drop: DataTransfer with two Files, the events a user's drag produces.
    const dataTransfer = await p.evaluateHandle(([aBase64, bBase64]) => {
      const decode = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([decode(aBase64)], "clip-a.bin", { type: "application/octet-stream" }));
      dt.items.add(new File([decode(bBase64)], "clip-b.bin", { type: "application/octet-stream" }));
      return dt;
    }, [a.toString("base64"), b.toString("base64")]);
    for (const type of ["dragenter", "dragover", "drop"]) {
      await p.dispatchEvent("#dropzone", type, { dataTransfer });
    }

    const ra = await waitForState(p, "clip-a.bin", "done", 30_000);
    const rb = await waitForState(p, "clip-b.bin", "done", 30_000);
    assert.deepEqual(await readObject(stack, await ra.getAttribute("data-key")), a);
    assert.deepEqual(await readObject(stack, await rb.getAttribute("data-key")), b);

    assert.equal(await p.evaluate(() => window.__xhr.max), 2, "both PUTs were in flight at the same time");
    for (const r of [ra, rb]) {
      const events = Number(await r.getAttribute("data-upload-events"));
      assert.ok(events >= 1, `upload progress events seen: ${events}`);
    }
    assert.match(await p.locator("#summary").innerText(), /2 uploaded/);
    assert.deepEqual(p.errors, []);
    await context.close();
  });

  test("a slow link: while the upload runs the row shows bytes, percent, speed and time left", async () => {
    const page = await openPage(browser, `${stack.api}/`);
    // Chromium's own network emulation: uploads leave at about 400 kB/s.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 400_000,
    });
    await page.setInputFiles("#file-input", [{ name: "logo.png", mimeType: "image/png", buffer: testBytes(40_000, 4) }]);
    await waitForState(page, "logo.png", "done");
    const bytes = testBytes(2_000_000, 8);
    await page.setInputFiles("#file-input", [
      { name: "site-video.mp4", mimeType: "video/mp4", buffer: bytes },
    ]);
    const r = row(page, "site-video.mp4");
    const stats = r.locator(".stats");
    // e.g. "812 KB of 2.0 MB · 40% · 405 KB/s · 3 s left"
    const live = /^\d+(\.\d)? (KB|MB) of 2\.0 MB · \d+% · \d+(\.\d)? (KB|MB)\/s · .+ left$/;
    await page.waitForFunction(
      ([el, re]) => new RegExp(re).test(el.textContent),
      [await stats.elementHandle(), live.source], { timeout: 20_000 });
    const bar = await r.locator(".bar").evaluate((b) => b.value);
    assert.ok(bar > 0 && bar < 100, `progress bar mid-way: ${bar}`);

    // A refused file beside it, for a screenshot of every state.
    await page.setInputFiles("#file-input", [
      { name: "payroll.xlsx", mimeType: "application/vnd.ms-excel", buffer: testBytes(6 * 1024 * 1024, 2) },
    ]);
    await waitForState(page, "payroll.xlsx", "failed");
    // Header and panels, without the empty space below them.
    const bottom = await page.evaluate(() => document.querySelector("main").getBoundingClientRect().bottom);
    const clip = { x: 0, y: 0, width: 1180, height: Math.ceil(bottom) };
    await page.screenshot({ path: artifactPath("demo-page-during-upload.png"), clip });
    if (process.env.UPGATE_E2E_UPDATE_DOCS === "1") {
      await page.screenshot({ path: path.join(ROOT, "docs", "images", "demo-page.png"), clip });
    }

    await waitForState(page, "site-video.mp4", "done", 30_000);
    assert.deepEqual(await readObject(stack, await r.getAttribute("data-key")), bytes);
    await page.context().close();
  });

  test("a file over the profile's limit and a type it does not take: errors inline, nothing stored", async () => {
    const page = await openPage(browser, `${stack.api}/?folder=images`);
    const before = await listKeys(stack);
    await page.setInputFiles("#file-input", [
      { name: "huge.png", mimeType: "image/png", buffer: testBytes(20 * 1024, 3) },
      { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("not an image\n") },
    ]);
    const big = await waitForState(page, "huge.png", "failed");
    const text = await waitForState(page, "notes.txt", "failed");

    // The page shows the API's own words, as the API gives them to any client.
    const apiSays = await (await fetch(`${stack.api}/api/s3/getPresignedUrl`, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ fileName: "huge.png", fileType: "image/png", fileSize: 20 * 1024, folderName: "images" }),
    })).json();
    assert.match(apiSays.error, /^File size exceeds 16 .*limit$/);
    const bigError = big.locator(".error");
    assert.equal(await bigError.isVisible(), true);
    assert.equal(await bigError.innerText(), apiSays.error);
    assert.equal(await big.getAttribute("data-error-code"), "file_too_large");
    assert.equal(await text.locator(".error").innerText(), "this upload profile does not accept text/plain");
    assert.equal(await text.getAttribute("data-error-code"), "content_type_not_allowed");
    // The user can try again or clear the row; the failure is announced.
    assert.equal(await big.locator("button.retry").isVisible(), true);
    await page.waitForFunction(() => document.getElementById("announcer").textContent.includes("failed"));

    assert.deepEqual(await listKeys(stack), before, "nothing was stored");
    assert.deepEqual((await listKeys(stack)).filter((k) => k.startsWith("images/")), []);
    await page.context().close();
  });

  test("an expired URL: the user sees S3's \"Request has expired\"", async () => {
    const page = await openPage(browser, `${stack.api}/?folder=expiring`);
    // The profile's URLs live 1 s; this PUT starts 2.5 s after the URL was signed.
    await page.evaluate(() => {
      window.__upgateBeforePut = () => new Promise((resolve) => setTimeout(resolve, 2500));
    });
    const puts = [];
    page.on("request", (req) => { if (req.method() === "PUT") puts.push(req.url()); });
    await page.setInputFiles("#file-input", { name: "late.txt", mimeType: "text/plain", buffer: Buffer.from("too late\n") });
    const r = await waitForState(page, "late.txt", "failed");
    const message = await r.locator(".error").innerText();
    assert.match(message, /Request has expired/);
    assert.doesNotMatch(message, /^Upload failed$/);
    assert.equal(await r.getAttribute("data-error-code"), "AccessDenied");
    assert.equal(puts.length, 1, "a 403 is final: no retry");
    assert.deepEqual((await listKeys(stack)).filter((k) => k.startsWith("expiring/")), []);
    await page.context().close();
  });

  // Over HTTPS too: serve's own calls to its store (create, list, complete) trust the store's
  // certificate, whatever the CA.
  test("a large file goes up in parts: the row shows the parts, Pause stops it, Resume finishes it", async () => {
    // ?multipart: files from 1 MiB on go up in parts (16 MiB each, upgate's choice).
    const page = await openPage(browser, `${stack.api}/?folder=large&multipart=1048576`);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 4_000_000,
    });
    const size = 20 * 1024 * 1024;
    const puts = [];
    page.on("request", (r) => { if (r.method() === "PUT") puts.push(new URL(r.url()).searchParams.get("partNumber")); });
    // The file is made in the page (testBytes' pattern) and dropped on the zone.
    const dataTransfer = await page.evaluateHandle((n) => {
      const bytes = new Uint8Array(n);
      let x = 31;
      for (let i = 0; i < n; i++) {
        x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
        bytes[i] = x & 0xff;
      }
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], "archive.bin", { type: "application/octet-stream" }));
      return dt;
    }, size);
    for (const type of ["dragenter", "dragover", "drop"]) {
      await page.dispatchEvent("#dropzone", type, { dataTransfer });
    }
    const r = row(page, "archive.bin");
    const stats = r.locator(".stats");
    await page.waitForFunction((el) => /\d+% · 0 of 2 parts/.test(el.textContent), await stats.elementHandle(),
      { timeout: 20_000 });
    assert.equal(await r.getAttribute("data-multipart"), "true");

    await r.locator("button.pause").click();
    await waitForState(page, "archive.bin", "paused");
    assert.equal(await r.locator(".badge").innerText(), "Paused");
    assert.equal(await r.locator("button.resume").isVisible(), true);
    assert.equal(await r.locator("button.pause").isVisible(), false);
    assert.match(await stats.innerText(), /^Paused · /);
    const putsWhenPaused = puts.length;

    await r.locator("button.resume").click();
    const done = await waitForState(page, "archive.bin", "done", 60_000);
    assert.ok(puts.length > putsWhenPaused, "the parts went up again after Resume");
    assert.deepEqual([...new Set(puts)].sort(), ["1", "2"]);
    assert.deepEqual(await readObject(stack, await done.getAttribute("data-key")), testBytes(size, 31));
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test("keyboard only: Tab to the picker, Enter opens it, Escape cancels an upload", async () => {
    const page = await openPage(browser, `${stack.api}/`);
    // Hold the PUT so the upload is still running when Escape is pressed.
    await page.evaluate(() => { window.__upgateBeforePut = () => new Promise(() => {}); });

    // Listen first: Playwright turns on file chooser interception when the first listener is
    // added, and that must be in place before the key press.
    const chooserOpened = page.waitForEvent("filechooser", { timeout: 20_000 });
    let focused = "";
    for (let i = 0; i < 6 && focused !== "choose"; i++) {
      await page.keyboard.press("Tab");
      focused = await page.evaluate(() => document.activeElement.id);
    }
    assert.equal(focused, "choose", "the picker button is reachable with Tab");
    await page.keyboard.press("Enter");
    const chooser = await chooserOpened;
    assert.equal(chooser.isMultiple(), true);
    await chooser.setFiles({ name: "held.txt", mimeType: "text/plain", buffer: Buffer.from("held\n") });

    const r = row(page, "held.txt");
    await r.and(page.locator('[data-state="uploading"]')).waitFor();
    await r.locator("button.cancel").focus();
    await page.keyboard.press("Escape");
    await waitForState(page, "held.txt", "cancelled");
    assert.equal(await r.locator("button.retry").isVisible(), true);
    await page.context().close();
  });

  test("CORS: the same page from an origin the bucket does not allow fails at the preflight, and says so", async () => {
    const { port, protocol } = new URL(stack.api);
    const otherOrigin = `${protocol}//${OTHER_HOST}:${port}`;
    // The store itself refuses that origin's preflight...
    const preflight = await fetch(`${stack.store}/${stack.bucket}/demo/x.txt`, {
      method: "OPTIONS",
      headers: { Origin: otherOrigin, "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "content-type" },
    });
    assert.equal(preflight.headers.get("access-control-allow-origin"), null);
    // ...and allows the demo page's own.
    const allowed = await fetch(`${stack.store}/${stack.bucket}/demo/x.txt`, {
      method: "OPTIONS",
      headers: { Origin: stack.api, "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "content-type" },
    });
    assert.equal(allowed.headers.get("access-control-allow-origin"), stack.api);

    // The demo page's other loopback name is allowed too, and uploads.
    const local = await openPage(browser, `${protocol}//localhost:${port}/`);
    const localBytes = testBytes(5000, 17);
    await local.setInputFiles("#file-input", { name: "from-localhost.bin", mimeType: "application/octet-stream", buffer: localBytes });
    const done = await waitForState(local, "from-localhost.bin", "done");
    assert.deepEqual(await readObject(stack, await done.getAttribute("data-key")), localBytes);
    await local.context().close();

    const page = await openPage(browser, `${otherOrigin}/`);
    const keysBefore = await listKeys(stack);
    await page.setInputFiles("#file-input", { name: "blocked.txt", mimeType: "text/plain", buffer: Buffer.from("blocked\n") });
    const r = await waitForState(page, "blocked.txt", "failed", 30_000);
    const message = await r.locator(".error").innerText();
    assert.match(message, /refused this page's origin/);
    assert.match(message, /CORS preflight/);
    assert.ok(message.includes(otherOrigin), message);
    assert.ok(message.includes(stack.store), message);
    assert.equal(await r.getAttribute("data-error-code"), "CORSRefused");
    assert.deepEqual(await listKeys(stack), keysBefore, "nothing was stored");
    await page.context().close();
  });

  test("over HTTPS, Chromium's trust is its NSS database: without the test CA there it refuses the page",
    { skip: TLS ? false : "the HTTPS run only" }, async () => {
      const untrusting = await launchBrowser({ home: nssHome() });
      try {
        const page = await untrusting.newPage();
        await assert.rejects(page.goto(`${stack.api}/`), /ERR_CERT_AUTHORITY_INVALID/);
      } finally {
        await untrusting.close();
      }
    });
});
