// The demo page: pick or drop files, upload them concurrently through upgate.js, show each
// one's progress, key, download link or error. Large files go up in parts and can be paused
// and resumed, also after a reload (pick the same file again).
//
// Query parameters (for trying the page against another API): ?api=BASE_URL, ?folder=NAME,
// ?multipart=BYTES (the size from which files go up in parts; default upgate.js's 64 MiB).
// ?api= is honoured only for an origin the server lists ([server] demo_api_origins, filled
// into the upgate-api-origins meta element); any other is ignored, with a note on the page.
//
// Under authentication (the upgate-auth meta element, or any 401 from the API) the page
// shows a bearer-token field. The token lives in that field and this module only: it is
// sent to the API as Authorization: Bearer, never to the store, never stored.
import { createUpload, pendingUploads, requestDownloadUrl } from "./upgate.js";

const MAX_CONCURRENT = 3;

const params = new URLSearchParams(location.search);
const meta = (name) => (document.querySelector(`meta[name="${name}"]`)?.content || "").trim();
const { api, apiNote } = chooseApi(params.get("api"), meta("upgate-api-origins").split(/\s+/).filter(Boolean));
const multipartThreshold = Number(params.get("multipart")) || undefined;
const $ = (id) => document.getElementById(id);
const folderInput = $("folder");
const fileInput = $("file-input");
const dropzone = $("dropzone");
const list = $("uploads");
const summary = $("summary");
const announcer = $("announcer");
const template = $("upload-row");

if (params.get("folder")) folderInput.value = params.get("folder");
if (api) $("api-target").textContent = api;
if (apiNote) {
  $("api-note").textContent = apiNote;
  $("api-note").hidden = false;
}

// The API this page talks to: its own origin, or ?api= when it names a listed origin.
export function chooseApi(requested, allowedOrigins) {
  if (!requested) return { api: "", apiNote: "" };
  let url;
  try { url = new URL(requested); } catch { url = null; }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    return { api: "", apiNote: "?api= is not an http(s) URL: ignored, this page uses its own API." };
  }
  if (url.origin === location.origin) return { api: "", apiNote: "" };
  if (!allowedOrigins.includes(url.origin)) {
    return { api: "", apiNote: `?api=${url.origin} is not an API this server lists (demo_api_origins in upgate.toml): ` +
      "ignored, this page uses its own API." };
  }
  return { api: requested, apiNote: "" };
}

// ---- who is asking: the bearer token ------------------------------------------------------

const tokenInput = $("token");
const token = () => tokenInput.value.trim();
function showTokenField() { $("auth").hidden = false; }
if (meta("upgate-auth")) showTokenField();

// A link the page may follow: http(s) only (never javascript:, data:, ...).
export function httpUrl(text) {
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

/** @type {Array<Job>} */
const jobs = [];
let nextId = 1;

// ---- formatting -------------------------------------------------------------------------

export function formatBytes(n) {
  if (!Number.isFinite(n)) return "–";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
  return `${i === 0 ? Math.round(n) : n.toFixed(n < 10 ? 1 : 0)} ${units[i]}`;
}

export function formatDuration(seconds) {
  if (seconds == null || !Number.isFinite(seconds)) return "";
  if (seconds < 1) return "under a second";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

function announce(text) {
  // Clearing first makes screen readers repeat a message identical to the last one.
  announcer.textContent = "";
  setTimeout(() => { announcer.textContent = text; }, 50);
}

// ---- one upload -------------------------------------------------------------------------

class Job {
  constructor(file) {
    this.id = nextId++;
    this.file = file;
    this.state = "queued"; // queued | uploading | paused | done | failed | cancelled
    this.upload = null;    // upgate.js's upload while it runs
    this.key = null;
    this.uploadEvents = 0; // XHR upload progress events seen (tests read it)
    this.el = template.content.firstElementChild.cloneNode(true);
    this.el.dataset.id = String(this.id);
    this.el.dataset.state = this.state;
    this.$ = (sel) => this.el.querySelector(sel);
    this.$(".file-name").textContent = file.name;
    this.$(".file-name").title = file.name;
    this.$(".file-detail").textContent = `${formatBytes(file.size)} · ${file.type || "unknown type"}`;
    this.$(".file-detail").title = this.$(".file-detail").textContent;
    this.$(".file-icon").textContent = iconFor(file);
    this.$(".bar").setAttribute("aria-label", `Upload progress of ${file.name}`);
    this.$(".cancel").setAttribute("aria-label", `Cancel ${file.name}`);
    this.$(".retry").setAttribute("aria-label", `Retry ${file.name}`);
    this.$(".pause").setAttribute("aria-label", `Pause ${file.name}`);
    this.$(".resume").setAttribute("aria-label", `Resume ${file.name}`);
    this.$(".remove").setAttribute("aria-label", `Remove ${file.name} from the list`);
    this.$(".copy").setAttribute("aria-label", `Copy the key of ${file.name}`);
    this.$(".cancel").addEventListener("click", () => this.cancel());
    this.$(".pause").addEventListener("click", () => this.pause());
    this.$(".resume").addEventListener("click", () => this.resume());
    this.$(".retry").addEventListener("click", () => { this.reset(); pump(); });
    this.$(".remove").addEventListener("click", () => removeJob(this));
    this.$(".copy").addEventListener("click", () => this.copyKey());
    this.$(".download").addEventListener("click", (e) => this.refreshDownload(e));
    this.el.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && isActive(this.state)) this.cancel();
    });
    this.setStats("Waiting for a free slot…");
  }

  setState(state, label) {
    this.state = state;
    this.el.dataset.state = state;
    const badge = this.$(".badge");
    badge.dataset.state = state;
    badge.textContent = label;
    const active = isActive(state);
    this.$(".cancel").hidden = !active;
    this.$(".pause").hidden = !(state === "uploading" && this.upload && this.upload.multipart);
    this.$(".resume").hidden = state !== "paused";
    this.$(".retry").hidden = !(state === "failed" || state === "cancelled");
    this.$(".remove").hidden = active;
    updateSummary();
  }

  setStats(text) { this.$(".stats").textContent = text; }

  reset() {
    delete this.el.dataset.errorCode;
    this.$(".error").hidden = true;
    this.$(".error").textContent = "";
    this.$(".result").hidden = true;
    this.$(".bar").value = 0;
    this.$(".bar").removeAttribute("data-complete");
    this.setStats("Waiting for a free slot…");
    this.setState("queued", "Queued");
  }

  cancel() {
    if (this.state === "queued") {
      this.setState("cancelled", "Cancelled");
      this.setStats("Cancelled before it started.");
      announce(`${this.file.name}: cancelled`);
    } else if (this.upload) {
      this.upload.cancel();
    }
  }

  pause() {
    if (this.state !== "uploading" || !this.upload || !this.upload.pause()) return;
    this.setState("paused", "Paused");
    this.$(".resume").focus();
    announce(`${this.file.name}: paused`);
  }

  resume() {
    if (this.state !== "paused" || !this.upload || !this.upload.resume()) return;
    this.setState("uploading", "Uploading");
    this.$(".pause").focus();
    announce(`${this.file.name}: resumed`);
  }

  onProgress(p) {
    if (p.phase === "uploading") this.el.dataset.uploadEvents = String(++this.uploadEvents);
    const bar = this.$(".bar");
    if (p.phase === "requesting") { this.setStats("Asking the API for an upload URL…"); return; }
    if (p.phase === "retrying") { this.setStats(`Connection trouble, retrying (try ${p.attempt + 1})…`); return; }
    bar.value = p.percent;
    bar.setAttribute("aria-valuetext", `${Math.floor(p.percent)} percent`);
    const parts = [`${formatBytes(p.loaded)} of ${formatBytes(p.total)}`, `${Math.floor(p.percent)}%`];
    if (p.parts) parts.push(`${p.parts.done} of ${p.parts.total} parts`);
    if (p.phase === "paused") parts.unshift("Paused");
    if (p.phase === "completing") parts.push("checking…");
    if (p.phase === "uploading") {
      if (p.bytesPerSecond > 0) parts.push(`${formatBytes(p.bytesPerSecond)}/s`);
      if (p.secondsLeft != null && p.loaded < p.total) parts.push(`${formatDuration(p.secondsLeft)} left`);
    }
    this.setStats(parts.join(" · "));
  }

  async run() {
    this.upload = createUpload(this.file, {
      api,
      token,
      folder: currentFolder(),
      multipartThreshold,
      onProgress: (p) => this.onProgress(p),
      onUrl: window.__upgateBeforePut, // test hook: delays the PUT when a test sets it
    });
    this.el.dataset.multipart = String(this.upload.multipart);
    this.setState("uploading", "Uploading");
    this.$(".error").hidden = true;
    const started = performance.now();
    try {
      const { key } = await this.upload.start();
      this.key = key;
      const seconds = (performance.now() - started) / 1000;
      const rate = seconds > 0 ? this.file.size / seconds : 0;
      this.$(".bar").value = 100;
      this.$(".bar").dataset.complete = "";
      this.setStats(`${formatBytes(this.file.size)} in ${formatDuration(seconds)}${rate ? ` · ${formatBytes(rate)}/s average` : ""}`);
      this.$(".key").textContent = key;
      this.$(".result").hidden = false;
      this.el.dataset.key = key;
      this.setState("done", "Uploaded");
      announce(`${this.file.name} uploaded`);
      this.loadDownload();
    } catch (err) {
      if (err && err.name === "AbortError") {
        this.setState("cancelled", "Cancelled");
        this.setStats("Cancelled.");
        announce(`${this.file.name}: cancelled`);
        return;
      }
      const message = err && err.message ? err.message : String(err);
      const error = this.$(".error");
      error.textContent = message;
      error.hidden = false;
      if (err && err.code) this.el.dataset.errorCode = err.code;
      if (err && err.status === 401) showTokenField();
      this.setStats(err && err.stage === "request" ? "Refused before any byte was sent." : "The upload did not complete.");
      this.setState("failed", "Failed");
      announce(`${this.file.name} failed: ${message}`);
    } finally {
      this.upload = null;
      showPending();
    }
  }

  async loadDownload() {
    const link = this.$(".download");
    try {
      const grant = await requestDownloadUrl(this.key, { api, token });
      link.href = downloadHref(grant);
      link.dataset.expiresAt = grant.expiresAt;
      link.setAttribute("aria-label", `Download ${this.file.name}`);
      link.hidden = false;
    } catch (err) {
      link.hidden = true;
      this.$(".result").title = `No download link: ${err.message}`;
    }
  }

  // A presigned GET is short-lived: a click after it expired fetches a fresh one.
  async refreshDownload(event) {
    const link = this.$(".download");
    const expires = Date.parse(link.dataset.expiresAt || "");
    if (!Number.isFinite(expires) || Date.now() < expires - 5000) return;
    event.preventDefault();
    const grant = await requestDownloadUrl(this.key, { api, token });
    link.href = downloadHref(grant);
    link.dataset.expiresAt = grant.expiresAt;
    window.open(link.href, "_blank", "noopener");
  }

  async copyKey() {
    const button = this.$(".copy");
    try {
      await navigator.clipboard.writeText(this.key);
      button.textContent = "Copied";
    } catch {
      // No clipboard permission (plain http on another host): select the text instead.
      const range = document.createRange();
      range.selectNodeContents(this.$(".key"));
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      button.textContent = "Selected";
    }
    setTimeout(() => { button.textContent = "Copy key"; }, 1500);
  }
}

// The grant's downloadUrl when it is http(s); anything else is refused, not followed.
function downloadHref(grant) {
  const href = httpUrl(grant && grant.downloadUrl);
  if (!href) throw new Error("the API answered a download URL that is not http(s)");
  return href;
}

function iconFor(file) {
  const type = file.type || "";
  if (type.startsWith("image/")) return "IMG";
  if (type.startsWith("video/")) return "VID";
  if (type.startsWith("audio/")) return "AUD";
  if (type === "application/pdf") return "PDF";
  if (type.startsWith("text/")) return "TXT";
  const ext = (file.name.split(".").pop() || "").slice(0, 3).toUpperCase();
  return ext && ext !== file.name.toUpperCase() ? ext : "FILE";
}

function isActive(state) {
  return state === "queued" || state === "uploading" || state === "paused";
}

function currentFolder() {
  return folderInput.value.trim() || "demo";
}

// ---- the queue --------------------------------------------------------------------------

function pump() {
  let running = jobs.filter((j) => j.state === "uploading" || j.state === "paused").length;
  for (const job of jobs) {
    if (running >= MAX_CONCURRENT) break;
    if (job.state === "queued") {
      running++;
      job.run().finally(pump);
    }
  }
}

function addFiles(fileList) {
  const files = Array.from(fileList || []);
  if (!files.length) return;
  if (!folderInput.value.trim()) {
    folderInput.focus();
    announce("Enter a folder first.");
    return;
  }
  for (const file of files) {
    const job = new Job(file);
    jobs.push(job);
    list.prepend(job.el);
  }
  announce(files.length === 1 ? `Uploading ${files[0].name}` : `Uploading ${files.length} files`);
  updateSummary();
  pump();
}

function removeJob(job) {
  const index = jobs.indexOf(job);
  if (index >= 0) jobs.splice(index, 1);
  const next = job.el.nextElementSibling || job.el.previousElementSibling;
  job.el.remove();
  (next || $("choose")).focus();
  updateSummary();
}

function updateSummary() {
  const count = (s) => jobs.filter((j) => j.state === s).length;
  const done = count("done"), failed = count("failed");
  const active = count("uploading") + count("queued") + count("paused");
  $("empty").hidden = jobs.length > 0;
  $("clear").disabled = jobs.length === active;
  if (!jobs.length) { summary.textContent = "Nothing uploaded yet."; return; }
  const parts = [];
  if (active) parts.push(`${active} in progress`);
  if (done) parts.push(`${done} uploaded`);
  if (failed) parts.push(`${failed} failed`);
  const cancelled = count("cancelled");
  if (cancelled) parts.push(`${cancelled} cancelled`);
  summary.textContent = parts.join(" · ");
}

// ---- input: picker, drag and drop, paste --------------------------------------------------

$("choose").addEventListener("click", () => fileInput.click());
fileInput.addEventListener("change", () => {
  addFiles(fileInput.files);
  fileInput.value = ""; // the same file can be chosen again
});

let dragDepth = 0;
dropzone.addEventListener("dragenter", (e) => {
  e.preventDefault();
  dragDepth++;
  dropzone.classList.add("dragging");
});
dropzone.addEventListener("dragover", (e) => {
  e.preventDefault();
  if (e.dataTransfer) e.dataTransfer.dropEffect = "copy";
});
dropzone.addEventListener("dragleave", () => {
  dragDepth = Math.max(0, dragDepth - 1);
  if (!dragDepth) dropzone.classList.remove("dragging");
});
dropzone.addEventListener("drop", (e) => {
  e.preventDefault();
  dragDepth = 0;
  dropzone.classList.remove("dragging");
  addFiles(e.dataTransfer && e.dataTransfer.files);
});
// A file dropped next to the zone must not make the browser navigate away from the page.
for (const type of ["dragover", "drop"]) {
  window.addEventListener(type, (e) => { if (!dropzone.contains(e.target)) e.preventDefault(); });
}
document.addEventListener("paste", (e) => {
  if (e.clipboardData && e.clipboardData.files.length) addFiles(e.clipboardData.files);
});

$("clear").addEventListener("click", () => {
  for (const job of [...jobs]) {
    if (!isActive(job.state)) {
      jobs.splice(jobs.indexOf(job), 1);
      job.el.remove();
    }
  }
  updateSummary();
  $("choose").focus();
});

// Uploads in parts that a reload (or a crash) left unfinished: choosing the same file again
// resumes each where it stopped.
function showPending() {
  const box = $("pending");
  const running = new Set(jobs.filter((j) => isActive(j.state)).map((j) => `${j.file.name}\u0000${j.file.size}`));
  const pending = pendingUploads().filter((p) => !running.has(`${p.name}\u0000${p.size}`));
  box.hidden = pending.length === 0;
  const items = $("pending-list");
  items.replaceChildren(...pending.map((p) => {
    const li = document.createElement("li");
    li.textContent = `${p.name} (${formatBytes(p.size)}, folder ${p.folder}): ${p.partsDone} of ${p.partCount} parts uploaded`;
    return li;
  }));
}

updateSummary();
showPending();
document.documentElement.dataset.ready = "";
