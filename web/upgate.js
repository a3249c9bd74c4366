// upgate.js: upload a File straight from the browser to object storage through an upgate
// upload API. An ES module with no dependencies and no build step.
//
//   import { upload, createUpload } from "./upgate.js";
//   const { key, etag } = await upload(file, { api: "", folder: "avatars", onProgress, signal });
//
//   const job = createUpload(file, { folder: "videos", onProgress });   // pause/resume/cancel
//   const done = job.start();  job.pause();  job.resume();  job.cancel();
//
// What it promises:
// - Files below `multipartThreshold` (64 MiB) go up in one PUT. It asks the API exactly as
//   the seed's client does: POST {api}/api/s3/getPresignedUrl with JSON {fileName, fileType,
//   fileSize, folderName}, and treats an answer without `ok: true` as a refusal.
// - It PUTs the file to the returned `uploadUrl` with exactly the returned `headers`, through
//   XMLHttpRequest so `onProgress` reports real bytes on the wire. Headers a page may not set
//   (Content-Length, Host, ...) are left to the browser, which sets them from the body; the
//   declared size is checked against the file first so the browser's value matches the
//   signed one.
// - Larger files go up in parts through /v1/multipart (docs/API.md): upgate chooses the part
//   size, `partConcurrency` (4) parts travel at once, and `onProgress` counts the bytes of
//   all parts. The upload token and the parts done are kept in localStorage (keyed by the
//   API, the folder, and the file's name, size and lastModified), so the same file picked
//   again after a reload or a crash resumes: the parts the store already holds (asked
//   through the API, whose view wins) are not sent again. A part URL that is about to expire
//   is signed again before its PUT, and one the store refuses with "Request has expired"
//   is signed again and re-sent. Completion is checked by upgate (sizes, content type); its
//   refusal (422 content_mismatch) is an UploadError with stage "complete".
// - pause() ends the PUTs in flight (their bytes are sent again on resume()); cancel() or the
//   `signal` ends everything and, for a multipart upload, has upgate abort it so the store
//   drops its parts, and forgets the saved state.
// - Network failures and 5xx answers are retried with exponential backoff and jitter (each
//   API request and each PUT); 4xx answers are final.
// - `signal` (an AbortSignal) cancels at any point, rejecting with a DOMException named
//   "AbortError".
// - Every failure is an UploadError whose message says what went wrong in the words of the
//   party that refused: the API's JSON error, or S3's XML <Message> with its <Code>
//   ("Request has expired (AccessDenied)"). A failure the browser hides from scripts (a
//   refused CORS preflight) is told apart from an unreachable server by a no-cors probe
//   once the retries are spent.
// - Resolves with {key, etag}; etag is null when the store does not expose ETag via CORS.
// - `token` (a string, or a function returning one or a promise of one, asked before each
//   API call) is sent to the API as `Authorization: Bearer <token>`, and never to the
//   store, never kept in localStorage. A session cookie of the API's site goes along by
//   itself on same-origin calls.

const SEED_ROUTE = "/api/s3/getPresignedUrl";
const DOWNLOADS_ROUTE = "/v1/downloads";
const MULTIPART_ROUTE = "/v1/multipart";
const MiB = 1024 * 1024;
const STATE_PREFIX = "upgate.multipart:";

// Request headers a page cannot set on XMLHttpRequest (the Fetch standard's forbidden
// request headers); the browser supplies them itself.
const FORBIDDEN_HEADERS = new Set([
  "accept-charset", "accept-encoding", "access-control-request-headers",
  "access-control-request-method", "connection", "content-length", "cookie", "cookie2",
  "date", "dnt", "expect", "host", "keep-alive", "origin", "referer", "set-cookie", "te",
  "trailer", "transfer-encoding", "upgrade", "via",
]);
const isForbiddenHeader = (name) => {
  const lower = name.toLowerCase();
  return FORBIDDEN_HEADERS.has(lower) || lower.startsWith("proxy-") || lower.startsWith("sec-");
};

/**
 * A failed upload. `stage` is "request" (asking the API), "upload" (a PUT) or "complete"
 * (upgate checking a multipart upload's result).
 */
export class UploadError extends Error {
  constructor(message, { code = null, status = 0, stage = "upload", retryable = false, field = null,
    details = null } = {}) {
    super(message);
    this.name = "UploadError";
    this.code = code;          // API error code or S3 error Code, e.g. "file_too_large", "AccessDenied"
    this.status = status;      // HTTP status, 0 when there was no HTTP answer
    this.stage = stage;
    this.retryable = retryable;
    this.field = field;        // the request field the API blamed, if any
    this.details = details;    // the API's whole JSON answer (e.g. detectedType of a content_mismatch)
  }
}

const abortError = () => new DOMException("The upload was cancelled", "AbortError");

function throwIfAborted(signal) {
  if (signal && signal.aborted) throw abortError();
}

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal && signal.aborted) return reject(abortError());
    const onAbort = () => { clearTimeout(timer); reject(abortError()); };
    const timer = setTimeout(() => { signal && signal.removeEventListener("abort", onAbort); resolve(); }, ms);
    signal && signal.addEventListener("abort", onAbort, { once: true });
  });
}

// `promise`, or an AbortError as soon as `signal` aborts, whichever comes first.
function untilAborted(promise, signal) {
  if (!signal) return promise;
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortError());
    const onAbort = () => reject(abortError());
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

// Full jitter: a random wait up to base * 2^attempt, capped, so many clients retrying at
// once do not arrive together.
function backoffDelay(attempt, baseMs, maxMs) {
  return Math.random() * Math.min(maxMs, baseMs * 2 ** attempt);
}

function joinUrl(api, path) {
  return (api || "").replace(/\/+$/, "") + path;
}

function originOf(url) {
  try { return new URL(url, location.href).origin; } catch { return url; }
}

// Reads S3's XML error document: <Error><Code>..</Code><Message>..</Message></Error>.
function parseS3Error(text) {
  if (!text || typeof DOMParser === "undefined") return null;
  const doc = new DOMParser().parseFromString(text, "application/xml");
  if (doc.getElementsByTagName("parsererror").length) return null;
  const pick = (tag) => doc.getElementsByTagName(tag)[0]?.textContent?.trim() || "";
  const code = pick("Code");
  const message = pick("Message");
  return code || message ? { code, message } : null;
}

// The API answers {ok:false, error:"text", code, field} on the seed's route and
// {ok:false, error:{code, message, field}} on /v1 routes.
function parseApiError(body) {
  if (!body || typeof body !== "object") return null;
  const { error } = body;
  if (typeof error === "string") return { message: error, code: body.code ?? null, field: body.field ?? null };
  if (error && typeof error === "object") {
    return { message: error.message || error.code || "", code: error.code ?? null, field: error.field ?? null };
  }
  return null;
}

const lowerFirst = (text) => text.charAt(0).toLowerCase() + text.slice(1);

function snippet(text, max = 160) {
  const flat = String(text || "").replace(/\s+/g, " ").trim();
  return flat.length > max ? flat.slice(0, max) + "…" : flat;
}

// The browser hides why a cross-origin request failed. A no-cors request to the same origin
// needs no CORS permission: if it gets through, the server is up and the failure was the
// CORS check; if it fails too, the server could not be reached.
async function serverReachable(url, signal) {
  try {
    await fetch(originOf(url) + "/", { mode: "no-cors", cache: "no-store", credentials: "omit", signal });
    return true;
  } catch (e) {
    if (e && e.name === "AbortError") throw e;
    return false;
  }
}

// A request that got no HTTP answer, before any byte of its body was sent: retryable,
// and explained (CORS refusal or unreachable server) only once the retries are spent.
function noAnswer(url, stage, what) {
  const err = new UploadError(`Network error: no answer from ${lowerFirst(what)} at ${originOf(url)}`,
    { code: "NetworkError", stage, retryable: true });
  err.diagnose = (signal) => explainNoAnswer(url, stage, what, signal);
  return err;
}

async function explainNoAnswer(url, stage, what, signal) {
  const origin = originOf(url);
  if (await serverReachable(url, signal)) {
    const page = typeof location !== "undefined" ? location.origin : "this page";
    const fix = stage === "request"
      ? "add it to the API's CORS origins (--cors-origin)"
      : "add it to the bucket's CORS AllowedOrigins";
    return new UploadError(
      `${what} at ${origin} refused this page's origin (${page}) at the CORS preflight: ${fix}`,
      { code: "CORSRefused", stage, retryable: false });
  }
  return new UploadError(`Network error: could not reach ${lowerFirst(what)} at ${origin}`,
    { code: "NetworkError", stage, retryable: true });
}

// Runs `attempt` until it succeeds, fails with a non-retryable error, or runs out of tries.
async function withRetries(attemptFn, { retries, retryDelayMs, maxRetryDelayMs, signal, onRetry }) {
  for (let attempt = 0; ; attempt++) {
    throwIfAborted(signal);
    try {
      return await attemptFn(attempt);
    } catch (err) {
      if (err && err.name === "AbortError") throw err;
      if (!(err instanceof UploadError) || !err.retryable) throw err;
      if (attempt >= retries) throw err.diagnose ? await err.diagnose(signal) : err;
      const delay = backoffDelay(attempt, retryDelayMs, maxRetryDelayMs);
      onRetry && onRetry({ attempt: attempt + 1, delayMs: delay, error: err });
      await sleep(delay, signal);
    }
  }
}

// POSTs `payload` as JSON to an API route, with retries on network errors and 5xx. Resolves
// with the answer when `accept(data)` holds; rejects with an UploadError in the API's words.
function callApi(url, payload, { signal, retries = 3, retryDelayMs = 500, maxRetryDelayMs = 8000,
  requestTimeoutMs = 30_000, onRetry, stage = "request", accept = (data) => data && data.ok === true,
  token } = {}) {
  const body = JSON.stringify(payload);
  return withRetries(async () => {
    const headers = { "Content-Type": "application/json", ...(await authorization(token)) };
    // The caller's signal cancels; the timer only ends this try (and is retried).
    const attempt = new AbortController();
    const forward = () => attempt.abort();
    signal && signal.addEventListener("abort", forward, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; attempt.abort(); }, requestTimeoutMs);
    let response;
    let text;
    try {
      response = await fetch(url, {
        method: "POST",
        headers,
        body,
        signal: attempt.signal,
      });
      text = await response.text();
    } catch (e) {
      throwIfAborted(signal);
      if (timedOut) {
        throw new UploadError(`The upload API at ${originOf(url)} did not answer within ${requestTimeoutMs / 1000} s`,
          { code: "Timeout", stage, retryable: true });
      }
      throw noAnswer(url, stage, "The upload API");
    } finally {
      clearTimeout(timer);
      signal && signal.removeEventListener("abort", forward);
    }
    let data = null;
    try { data = JSON.parse(text); } catch { /* not JSON: reported below */ }
    if (response.ok && accept(data)) return data;
    const apiError = parseApiError(data);
    const retryable = response.status >= 500;
    if (apiError && apiError.message) {
      throw new UploadError(apiError.message, {
        code: apiError.code, field: apiError.field, status: response.status, stage, retryable, details: data,
      });
    }
    throw new UploadError(
      `The upload API answered HTTP ${response.status}${response.statusText ? " " + response.statusText : ""}` +
        (text ? `: ${snippet(text)}` : " with no explanation"),
      { status: response.status, stage, retryable, details: data });
  }, { retries, retryDelayMs, maxRetryDelayMs, signal, onRetry });
}

// The Authorization header for a `token` option (see the top of this file), or none.
async function authorization(token) {
  const value = typeof token === "function" ? await token() : token;
  return value ? { Authorization: `Bearer ${value}` } : {};
}

/**
 * Asks the API for a presigned PUT URL, as the seed's client does.
 * Resolves with the API's answer: {ok, uploadUrl, key, method, headers, expiresAt}.
 */
export async function requestUploadUrl(file, { api = "", folder, contentType, ...options } = {}) {
  return callApi(joinUrl(api, SEED_ROUTE), {
    fileName: file?.name,
    fileType: contentType || file?.type || "application/octet-stream",
    fileSize: file.size,
    folderName: folder,
  }, { ...options, accept: (data) => data && data.ok === true && typeof data.uploadUrl === "string" });
}

/**
 * Asks the API for a presigned GET of an uploaded object (GET /v1/downloads?key=...).
 * Resolves with {downloadUrl, key, expiresAt}.
 */
export async function requestDownloadUrl(key, { api = "", signal, token } = {}) {
  const url = joinUrl(api, `${DOWNLOADS_ROUTE}?key=${encodeURIComponent(key)}`);
  const headers = await authorization(token);
  let response;
  try {
    response = await fetch(url, { signal, headers });
  } catch (e) {
    if (e && e.name === "AbortError") throw e;
    throw await explainNoAnswer(url, "request", "The upload API", signal);
  }
  const text = await response.text();
  let data = null;
  try { data = JSON.parse(text); } catch { /* reported below */ }
  if (response.ok && data && data.ok === true) return data;
  const apiError = parseApiError(data);
  throw new UploadError(apiError?.message || `The upload API answered HTTP ${response.status}: ${snippet(text)}`,
    { code: apiError?.code ?? null, status: response.status, stage: "request" });
}

// One PUT through XMLHttpRequest. Rejects with UploadError (retryable on network errors and
// 5xx) or an AbortError.
function putOnce(file, grant, { signal, onBytes, stallTimeoutMs }) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    let sentAny = false;
    let settled = false;
    let watchdog = null;
    const finish = (fn, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(watchdog);
      signal && signal.removeEventListener("abort", onAbort);
      fn(value);
    };
    const onAbort = () => { xhr.abort(); finish(reject, abortError()); };
    // A transfer that stops moving is ended and retried rather than left hanging.
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        xhr.abort();
        finish(reject, new UploadError(
          `The upload to ${originOf(grant.uploadUrl)} stalled: no progress for ${stallTimeoutMs / 1000} s`,
          { code: "Timeout", stage: "upload", retryable: true }));
      }, stallTimeoutMs);
    };

    xhr.open(grant.method || "PUT", grant.uploadUrl, true);
    for (const [name, value] of Object.entries(grant.headers || {})) {
      if (!isForbiddenHeader(name)) xhr.setRequestHeader(name, value);
    }
    xhr.upload.onprogress = (e) => {
      arm();
      if (e.loaded > 0) sentAny = true;
      onBytes(e.loaded, e.lengthComputable ? e.total : file.size);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onBytes(file.size, file.size);
        finish(resolve, { etag: xhr.getResponseHeader("ETag") });
        return;
      }
      const s3 = parseS3Error(xhr.responseText);
      const retryable = xhr.status >= 500;
      const message = s3
        ? (s3.message && s3.code ? `${s3.message} (${s3.code})` : s3.message || s3.code)
        : `The storage server answered HTTP ${xhr.status}${xhr.statusText ? " " + xhr.statusText : ""}` +
          (xhr.responseText ? `: ${snippet(xhr.responseText)}` : " with no explanation");
      finish(reject, new UploadError(message, {
        code: s3?.code || null, status: xhr.status, stage: "upload", retryable,
      }));
    };
    xhr.onerror = () => {
      // Status 0: no HTTP answer the page may read. Bytes already on the wire mean the
      // preflight passed and the connection broke; otherwise it may also be a refused
      // preflight, which noAnswer() tells apart once the retries are spent.
      if (sentAny) {
        finish(reject, new UploadError(`Network error: the connection to ${originOf(grant.uploadUrl)} broke during the upload`,
          { code: "NetworkError", stage: "upload", retryable: true }));
        return;
      }
      finish(reject, noAnswer(grant.uploadUrl, "upload", "The storage server"));
    };
    if (signal) signal.addEventListener("abort", onAbort, { once: true });
    xhr.send(file);
    arm();
  });
}

const DEFAULTS = {
  retries: 3, retryDelayMs: 500, maxRetryDelayMs: 8000, requestTimeoutMs: 30_000, stallTimeoutMs: 60_000,
  multipartThreshold: 64 * MiB, partConcurrency: 4, expiryMarginMs: 30_000, resumable: true,
};

/**
 * Uploads `file` (a File or Blob with a name) through the upgate API at `api` ("" for the
 * page's own origin) into `folder`. The same as createUpload(file, options).start().
 *
 * Options:
 *   folder        the seed's folderName: a folder or upload profile name (required)
 *   api           base URL of the upload API (default: this page's origin)
 *   token         bearer token for the API (a string or a function giving one), see above
 *   contentType   overrides file.type (default file.type, or application/octet-stream)
 *   onProgress    called with {phase, loaded, total, percent, bytesPerSecond, secondsLeft, attempt}
 *                 (and `parts: {done, total}` for a multipart upload)
 *                 phase: "requesting" | "uploading" | "retrying" | "paused" | "completing" | "done"
 *   onUrl         called with the API's answer before the PUT (multipart: before the first
 *                 part); the upload waits for a returned promise
 *   signal        an AbortSignal that cancels the upload
 *   retries       retries after the first try, per step and per part (default 3)
 *   retryDelayMs  base of the exponential backoff (default 500)
 *   requestTimeoutMs  how long the API may take to answer, per try (default 30000)
 *   stallTimeoutMs    how long a PUT may go without progress, per try (default 60000)
 *   multipartThreshold  files of this size or more go up in parts (default 64 MiB)
 *   partConcurrency     parts in flight at once (default 4)
 *   expiryMarginMs      a part URL with less life left is signed again before its PUT
 *                       (default 30000, at most half the URL's lifetime)
 *   resumable     keep multipart state in localStorage to resume after a reload (default true)
 *   storage       the Storage for that state (default localStorage)
 *   metadata, sha256   passed to POST /v1/multipart (multipart only)
 * Resolves with {key, etag}.
 */
export async function upload(file, options = {}) {
  return createUpload(file, options).start();
}

/**
 * An upload a page can pause, resume and cancel:
 *   const job = createUpload(file, options);   // options as for upload()
 *   job.start()   -> Promise of {key, etag} (the same promise on every call)
 *   job.pause()   ends the PUTs in flight; true when it paused
 *   job.resume()  sends the rest (and the parts cut short) again; true when it resumed
 *   job.cancel()  ends it for good: the promise rejects with an AbortError, and a multipart
 *                 upload is aborted through the API and its saved state forgotten
 *   job.state     "idle" | "running" | "paused" | "done" | "failed" | "cancelled"
 *   job.multipart whether it goes up in parts; job.key once the API named the object
 */
export function createUpload(file, options = {}) {
  return new Upload(file, options);
}

// Multipart state keys in use in this page: the same file uploaded twice at once does not
// share (and trample) one saved upload.
const activeStateKeys = new Set();

class Upload {
  constructor(file, options = {}) {
    if (!file || typeof file.size !== "number") throw new TypeError("upload(file): file must be a File or Blob");
    if (!options.folder) throw new TypeError("upload(file, {folder}): folder is required");
    this.file = file;
    this.options = { ...DEFAULTS };
    for (const [name, value] of Object.entries(options)) if (value !== undefined) this.options[name] = value;
    this.multipart = file.size > 0 && file.size >= this.options.multipartThreshold;
    this.key = null;
    this.state = "idle";
    this._cancel = new AbortController(); // aborted by cancel() only
    this._run = new AbortController();    // aborted by pause() and cancel(); a new one per resume
    this._resumed = null;                 // {promise, resolve} while paused
    this._halt = null;                    // the error that ends every part of a failed upload
    this._meter = new RateMeter();
    this._attempt = 0;
    this._layout = null;
    const { signal } = this.options;
    if (signal) {
      if (signal.aborted) this.cancel();
      else signal.addEventListener("abort", () => this.cancel(), { once: true });
    }
  }

  get paused() { return this.state === "paused"; }

  start() {
    if (!this._promise) {
      this._promise = this._main().then(
        (result) => { this.state = "done"; return result; },
        (err) => { this.state = err && err.name === "AbortError" ? "cancelled" : "failed"; throw err; });
    }
    return this._promise;
  }

  pause() {
    if (this.state !== "running") return false;
    this.state = "paused";
    let resolve;
    const promise = new Promise((r) => { resolve = r; });
    this._resumed = { promise, resolve };
    this._run.abort();
    this._meter.reset();
    this._report("paused", this._layout ? this._doneBytes() : 0);
    return true;
  }

  resume() {
    if (this.state !== "paused") return false;
    this.state = "running";
    this._run = new AbortController();
    const resumed = this._resumed;
    this._resumed = null;
    resumed.resolve();
    this._report("uploading", this._layout ? this._doneBytes() : 0);
    return true;
  }

  cancel() {
    if (this._cancel.signal.aborted || this.state === "done" || this.state === "failed") return;
    this._cancel.abort();
    this._run.abort();
    if (this._resumed) {
      this._resumed.resolve(); // the waiters see the cancel and give up
      this._resumed = null;
    }
  }

  async _main() {
    throwIfAborted(this._cancel.signal);
    this.state = "running";
    return this.multipart ? this._multipart() : this._single();
  }

  // Runs fn(signal) until it ends without a pause cutting it short: pause() aborts `signal`
  // and fn runs again once resumed, after `beforeAgain(signal)`. cancel() rejects with an
  // AbortError; a failed part of the same upload rejects with its error.
  async _unpaused(fn, beforeAgain = null) {
    for (let again = false; ; again = true) {
      while (this._resumed) await this._resumed.promise;
      throwIfAborted(this._cancel.signal);
      if (this._halt) throw this._halt;
      const run = this._run;
      try {
        if (again && beforeAgain) await beforeAgain(run.signal);
        return await fn(run.signal);
      } catch (err) {
        if (err && err.name === "AbortError" && run.signal.aborted && !this._cancel.signal.aborted && !this._halt) continue;
        throw err;
      }
    }
  }

  _report(phase, loaded) {
    const { onProgress } = this.options;
    if (!onProgress) return;
    const total = this.file.size;
    const rate = this._meter.rate();
    const progress = {
      phase, loaded, total,
      percent: total > 0 ? Math.min(100, (loaded / total) * 100) : 100,
      bytesPerSecond: rate,
      secondsLeft: rate > 0 ? (total - loaded) / rate : null,
      attempt: this._attempt,
    };
    if (this._layout) progress.parts = { done: this._done.size, total: this._layout.partCount };
    onProgress(progress);
  }

  _loaded() {
    if (!this._layout) return this._singleLoaded || 0;
    let bytes = this._doneBytes();
    for (const sent of this._inflight.values()) bytes += sent;
    return bytes;
  }

  _doneBytes() {
    let bytes = 0;
    for (const n of this._done.keys()) bytes += this._partLength(n);
    return bytes;
  }

  // ---- one PUT (files below multipartThreshold) ------------------------------------------

  async _single() {
    const { file, options } = this;
    const cancel = this._cancel.signal;
    const onRetry = ({ attempt }) => { this._attempt = attempt; this._report("retrying", 0); };
    const ask = (signal) => requestUploadUrl(file, { ...options, signal, onRetry });

    this._report("requesting", 0);
    let grant = await this._unpaused(ask);
    this._grantedAt = Date.now();
    checkSignedLength(grant.headers, file.size);
    if (options.onUrl) await untilAborted(Promise.resolve(options.onUrl(grant)), cancel);
    throwIfAborted(cancel);

    const result = await withRetries(async (attempt) => {
      this._attempt = attempt;
      return this._unpaused((signal) => {
        this._meter.reset();
        return putOnce(file, grant, {
          signal,
          stallTimeoutMs: options.stallTimeoutMs,
          onBytes: (loaded) => { this._singleLoaded = loaded; this._meter.sample(loaded); this._report("uploading", loaded); },
        });
      }, async (signal) => {
        // Resumed after a pause: a URL near its end is replaced (by one for a new key).
        this._singleLoaded = 0;
        if (expiresSoon({ expiresAt: Date.parse(grant.expiresAt), signedAt: this._grantedAt }, options.expiryMarginMs)) {
          grant = await ask(signal);
          checkSignedLength(grant.headers, file.size);
          this._grantedAt = Date.now();
        }
      });
    }, { ...this._retryOptions(), signal: cancel, onRetry });

    this._report("done", file.size);
    return { key: grant.key, etag: result.etag };
  }

  _retryOptions() {
    const { retries, retryDelayMs, maxRetryDelayMs, requestTimeoutMs } = this.options;
    return { retries, retryDelayMs, maxRetryDelayMs, requestTimeoutMs };
  }

  // For calls to the API only: the retry options and the bearer token.
  _apiOptions() {
    return { ...this._retryOptions(), token: this.options.token };
  }

  // ---- multipart (files of multipartThreshold or more) ------------------------------------

  async _multipart() {
    const { file, options } = this;
    const stateKey = options.resumable ? multipartStateKey(options.api, options.folder, file) : null;
    const storage = stateKey && !activeStateKeys.has(stateKey) ? storageOf(options) : null;
    this._saved = storage ? { storage, key: stateKey } : null;
    if (storage) activeStateKeys.add(stateKey);
    try {
      return await this._multipartRun();
    } catch (err) {
      if (err && err.name === "AbortError" && this._token) {
        await this._abortStored();
      } else if (err instanceof UploadError && [403, 404, 422].includes(err.status) && err.stage !== "upload") {
        this._forget(); // the upload cannot be finished: refused, gone, or its object judged
      } else if (err instanceof UploadError && err.code === "NoSuchUpload") {
        this._forget();
      }
      throw err;
    } finally {
      if (storage) activeStateKeys.delete(stateKey);
    }
  }

  async _multipartRun() {
    const { file, options } = this;
    const cancel = this._cancel.signal;
    this._report("requesting", 0);
    const saved = this._saved && readMultipartState(this._saved.storage, this._saved.key);
    let answer = null;
    let stored = [];
    let resumed = false;
    if (saved) {
      this._token = saved.uploadToken; // a cancel from here on aborts it
      try {
        answer = await this._unpaused((signal) => this._listParts(saved.uploadToken, signal));
        answer.uploadToken = saved.uploadToken;
        stored = answer.parts;
        resumed = answer.size === file.size;
        if (!resumed) answer = null;
      } catch (err) {
        if (!(err instanceof UploadError) || ![403, 404].includes(err.status)) throw err;
        // Gone (completed, aborted, expired) or no longer this caller's: start afresh.
      }
      if (!answer) {
        this._token = null;
        this._forget();
      }
    }
    if (!answer) {
      const body = {
        folderName: options.folder,
        fileName: file.name,
        contentType: options.contentType || file.type || "application/octet-stream",
        size: file.size,
      };
      if (options.metadata) body.metadata = options.metadata;
      if (options.sha256) body.sha256 = options.sha256;
      answer = await this._unpaused((signal) => this._api("", body, signal,
        (data) => data && data.ok === true && typeof data.uploadToken === "string"));
    }
    const { partSize, partCount } = answer;
    if (!(partSize > 0 && partCount >= 1 && (partCount - 1) * partSize < file.size && file.size <= partCount * partSize)) {
      throw new UploadError(`The upload API answered a part layout that does not fit ${file.size} bytes ` +
        `(${partCount} parts of ${partSize})`, { code: "BadLayout", stage: "request" });
    }
    this._token = answer.uploadToken;
    this._tokenExpiresAt = resumed ? saved.expiresAt : answer.expiresAt;
    this.key = answer.key;
    this._layout = { partSize, partCount };
    this._urls = new Map();     // partNumber -> {url, method, headers, expiresAt, signedAt}
    this._signing = new Map();  // partNumber -> the sign call in flight for it
    this._inflight = new Map(); // partNumber -> bytes of it sent so far
    this._takeStoredParts(stored);
    this._save();
    if (options.onUrl) await untilAborted(Promise.resolve(options.onUrl(answer)), cancel);
    throwIfAborted(cancel);

    let result;
    for (let round = 0; ; round++) {
      await this._sendParts();
      this._report("completing", this._loaded());
      try {
        result = await this._unpaused((signal) => this._api("/complete", { uploadToken: this._token }, signal,
          undefined, "complete"));
        break;
      } catch (err) {
        if (!(err instanceof UploadError) || err.code !== "parts_incomplete" || round > 0) throw err;
        // The store's view wins: send what it lacks, then complete again (once).
        const listed = await this._unpaused((signal) => this._listParts(this._token, signal));
        this._done.clear();
        this._takeStoredParts(listed.parts);
      }
    }
    this._forget();
    this._report("done", file.size);
    return { key: result.key || this.key, etag: result.etag ?? null };
  }

  _api(path, payload, signal, accept, stage = "request") {
    return callApi(joinUrl(this.options.api, MULTIPART_ROUTE + path), payload, {
      ...this._apiOptions(), signal, stage, accept,
      onRetry: ({ attempt }) => { this._attempt = attempt; this._report("retrying", this._loaded()); },
    });
  }

  _listParts(uploadToken, signal) {
    return this._api("/list", { uploadToken }, signal, (data) => data && data.ok === true && Array.isArray(data.parts));
  }

  // The parts the store holds at their layout length count as done; any other is sent again.
  _takeStoredParts(parts) {
    this._done = this._done || new Map();
    for (const part of parts || []) {
      const n = part.partNumber;
      if (n >= 1 && n <= this._layout.partCount && part.size === this._partLength(n)) this._done.set(n, part.etag || "");
    }
  }

  _partLength(n) {
    const { partSize, partCount } = this._layout;
    return n < partCount ? partSize : this.file.size - partSize * (partCount - 1);
  }

  async _sendParts() {
    const queue = [];
    for (let n = 1; n <= this._layout.partCount; n++) if (!this._done.has(n)) queue.push(n);
    this._queue = queue;
    const worker = async () => {
      for (let n = queue.shift(); n !== undefined; n = queue.shift()) {
        try {
          await this._sendPart(n);
        } catch (err) {
          if (!this._halt && !(err && err.name === "AbortError")) {
            this._halt = err; // the other parts stop too
            this._run.abort();
          }
          throw err;
        }
      }
    };
    const workers = Math.max(1, Math.min(this.options.partConcurrency, queue.length));
    await Promise.all(Array.from({ length: workers }, worker));
  }

  async _sendPart(n) {
    const start = (n - 1) * this._layout.partSize;
    const blob = this.file.slice(start, start + this._partLength(n));
    const { retries, retryDelayMs, maxRetryDelayMs, stallTimeoutMs } = this.options;
    for (let attempt = 0, resigned = 0; ;) {
      try {
        const result = await this._unpaused(async (signal) => {
          const part = await this._partUrl(n, signal);
          checkSignedLength(part.headers, blob.size);
          this._inflight.set(n, 0);
          try {
            return await putOnce(blob, { uploadUrl: part.url, method: part.method, headers: part.headers }, {
              signal, stallTimeoutMs,
              onBytes: (loaded) => { this._inflight.set(n, loaded); this._progress(); },
            });
          } finally {
            this._inflight.delete(n);
          }
        });
        this._done.set(n, result.etag || "");
        this._save();
        this._progress();
        return;
      } catch (err) {
        if ((err && err.name === "AbortError") || this._halt) throw err;
        if (err instanceof UploadError && err.status === 403 && /Request has expired/i.test(err.message) && resigned < 3) {
          resigned++;
          this._urls.delete(n); // signed again and sent again at once
          continue;
        }
        if (!(err instanceof UploadError) || !err.retryable) throw err;
        if (attempt >= retries) throw err.diagnose ? await err.diagnose(this._cancel.signal) : err;
        const delay = backoffDelay(attempt, retryDelayMs, maxRetryDelayMs);
        this._attempt = Math.max(this._attempt, ++attempt);
        this._report("retrying", this._loaded());
        await this._unpaused((signal) => sleep(delay, signal));
      }
    }
  }

  _progress() {
    const loaded = this._loaded();
    if (loaded < (this._lastLoaded || 0)) this._meter.reset(); // a part starts over
    this._lastLoaded = loaded;
    this._meter.sample(loaded);
    this._report("uploading", loaded);
  }

  // A URL for part n that is not about to expire: from the last sign call, or from a new one
  // that also signs the next parts waiting (one call per round of parts). A URL signed for
  // this request is used even if the clocks disagree about its life.
  async _partUrl(n, signal) {
    for (let signedNow = false; ;) {
      const cached = this._urls.get(n);
      if (cached && (signedNow || !expiresSoon(cached, this.options.expiryMarginMs))) return cached;
      if (signedNow) throw new UploadError(`The upload API did not sign part ${n}`, { code: "BadAnswer", stage: "request" });
      let pending = this._signing.get(n);
      if (!pending) {
        const usable = (m) => this._urls.has(m) && !expiresSoon(this._urls.get(m), this.options.expiryMarginMs);
        const batch = [n, ...this._queue.filter((m) => !this._signing.has(m) && !usable(m))]
          .slice(0, Math.max(1, this.options.partConcurrency));
        pending = this._signParts(batch, signal);
        for (const m of batch) this._signing.set(m, pending);
        const done = () => { for (const m of batch) if (this._signing.get(m) === pending) this._signing.delete(m); };
        pending.then(done, done);
      }
      await untilAborted(pending, signal);
      signedNow = true;
    }
  }

  async _signParts(partNumbers, signal) {
    const answer = await this._api("/sign", { uploadToken: this._token, partNumbers }, signal,
      (data) => data && data.ok === true && Array.isArray(data.parts));
    const signedAt = Date.now();
    for (const part of answer.parts) {
      const expiresAt = Date.parse(part.expiresAt);
      this._urls.set(part.partNumber, { url: part.url, method: part.method || "PUT", headers: part.headers || {},
        expiresAt: Number.isFinite(expiresAt) ? expiresAt : Infinity, signedAt });
    }
  }

  _save() {
    if (!this._saved) return;
    writeMultipartState(this._saved.storage, this._saved.key, {
      v: 1,
      api: this.options.api || "", folder: this.options.folder,
      name: this.file.name || "", size: this.file.size, lastModified: this.file.lastModified ?? 0,
      key: this.key, uploadToken: this._token, expiresAt: this._tokenExpiresAt || null,
      partSize: this._layout.partSize, partCount: this._layout.partCount,
      parts: [...this._done.keys()].sort((a, b) => a - b),
      savedAt: new Date().toISOString(),
    });
  }

  _forget() {
    if (this._saved) removeMultipartState(this._saved.storage, this._saved.key);
  }

  // Cancelled: upgate aborts the upload so the store drops its parts (best effort: the
  // bucket's lifecycle rule sweeps what a failed call leaves), and the state is forgotten.
  async _abortStored() {
    try {
      await abortMultipart(this.options.api, this._token, this._apiOptions());
    } catch { /* swept by the lifecycle rule */ }
    this._forget();
  }
}

function abortMultipart(api, uploadToken, options = {}) {
  return callApi(joinUrl(api, MULTIPART_ROUTE + "/abort"), { uploadToken },
    { ...options, retries: Math.min(options.retries ?? 1, 1), requestTimeoutMs: 10_000 });
}

// A presigned URL with less than the margin (at most half its lifetime) left.
function expiresSoon({ expiresAt, signedAt }, marginMs) {
  if (!Number.isFinite(expiresAt)) return false;
  const lifetime = Number.isFinite(signedAt) ? expiresAt - signedAt : Infinity;
  return expiresAt - Date.now() < Math.min(marginMs, Math.max(0, lifetime) / 2);
}

// The browser sets Content-Length from the body: the body must be the size signed.
function checkSignedLength(headers, size) {
  const declared = Object.entries(headers || {}).find(([n]) => n.toLowerCase() === "content-length");
  if (declared && Number(declared[1]) !== size) {
    throw new UploadError(`The file changed size (${size} bytes, the URL was signed for ${declared[1]})`,
      { code: "SizeMismatch", stage: "upload" });
  }
}

// ---- saved multipart uploads (localStorage) -------------------------------------------------

function storageOf(options) {
  if (options.storage !== undefined) return options.storage;
  try { return globalThis.localStorage || null; } catch { return null; } // blocked by the browser's settings
}

function resolvedApi(api) {
  try { return new URL(api || "/", location.href).href; } catch { return api || ""; }
}

// One saved upload per API, folder and file (name, size, lastModified).
function multipartStateKey(api, folder, file) {
  return STATE_PREFIX + JSON.stringify([resolvedApi(api), folder, file.name || "", file.size, file.lastModified ?? 0]);
}

function readMultipartState(storage, key) {
  let state = null;
  try { state = JSON.parse(storage.getItem(key)); } catch { /* unreadable: none */ }
  if (!state || state.v !== 1 || typeof state.uploadToken !== "string") return null;
  // The token's life is the upload's: a day. Near its end, starting afresh is safer.
  if (state.expiresAt && Date.parse(state.expiresAt) - Date.now() < 60_000) {
    removeMultipartState(storage, key);
    return null;
  }
  return state;
}

function writeMultipartState(storage, key, state) {
  try { storage.setItem(key, JSON.stringify(state)); } catch { /* full or blocked: no resume */ }
}

function removeMultipartState(storage, key) {
  try { storage.removeItem(key); } catch { /* blocked */ }
}

/**
 * The multipart uploads saved in this browser that have not finished: picking the same file
 * again (same folder) resumes one. Each is {id, name, size, lastModified, folder, api, key,
 * partsDone, partCount, expiresAt, savedAt}.
 */
export function pendingUploads({ storage } = {}) {
  const store = storageOf({ storage });
  const out = [];
  if (!store) return out;
  for (let i = 0; i < store.length; i++) {
    const id = store.key(i);
    if (!id || !id.startsWith(STATE_PREFIX)) continue;
    const state = readMultipartState(store, id);
    if (!state) continue;
    out.push({ id, name: state.name, size: state.size, lastModified: state.lastModified, folder: state.folder,
      api: state.api, key: state.key, partsDone: state.parts?.length ?? 0, partCount: state.partCount,
      expiresAt: state.expiresAt, savedAt: state.savedAt });
  }
  return out;
}

/** Gives up a saved upload (one of pendingUploads()): upgate aborts it, the state is removed. */
export async function discardPendingUpload(pending, { storage, ...options } = {}) {
  const store = storageOf({ storage });
  const state = store && readMultipartState(store, pending.id);
  if (!state) return false;
  try {
    await abortMultipart(state.api, state.uploadToken, options);
  } catch { /* gone already, or swept later by the lifecycle rule */ }
  removeMultipartState(store, pending.id);
  return true;
}

// Upload speed over a sliding window of recent samples, so "time left" follows the link's
// current speed rather than the average since the start.
class RateMeter {
  constructor(windowMs = 3000) { this.windowMs = windowMs; this.reset(); }
  reset() { this.samples = []; }
  sample(bytes) {
    const now = performance.now();
    this.samples.push([now, bytes]);
    while (this.samples.length > 2 && now - this.samples[0][0] > this.windowMs) this.samples.shift();
  }
  rate() {
    if (this.samples.length < 2) return 0;
    const [t0, b0] = this.samples[0];
    const [t1, b1] = this.samples[this.samples.length - 1];
    return t1 > t0 ? ((b1 - b0) * 1000) / (t1 - t0) : 0;
  }
}
