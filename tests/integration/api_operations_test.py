"""The API as operated: health, readiness, metrics, CORS, the demo page, limits, logs,
graceful shutdown, configuration errors, and the secret never leaving the process."""
import json
import os
import signal
import socket
import subprocess
import time
import unittest

import requests

from api_harness import (ACCESS_KEY_ID, BINARY, SECRET, SEED_BODY, ApiServer, ServerTestCase,
                         run_config_check)

SEED = "/api/s3/getPresignedUrl"


class HealthAndMetrics(ServerTestCase):
    def test_healthz_and_readyz(self):
        for path, status in (("/healthz", "ok"), ("/readyz", "ready")):
            r = self.server.get(path)
            self.assertEqual(r.status_code, 200)
            self.assertEqual(r.json(), {"status": status})

    def test_metrics_count_routes_statuses_profiles_and_rejections(self):
        minted = self.server.post(SEED, SEED_BODY).json()["key"]
        self.server.post(SEED, dict(SEED_BODY, fileName=""))
        self.server.post(SEED, dict(SEED_BODY, fileSize=10**9))
        self.server.get("/v1/downloads", params={"key": minted})
        time.sleep(0.2)  # the observer runs after the response is written
        r = self.server.get("/metrics")
        self.assertEqual(r.status_code, 200)
        self.assertTrue(r.headers["Content-Type"].startswith("text/plain; version=0.0.4"))
        text = r.text
        metrics = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, value = line.rsplit(" ", 1)
                metrics[name] = float(value)
        self.assertGreaterEqual(metrics['upgate_http_requests_total{route="seed_presign",status="200"}'], 1)
        self.assertGreaterEqual(metrics['upgate_http_requests_total{route="seed_presign",status="400"}'], 2)
        self.assertGreaterEqual(metrics['upgate_presigned_urls_total{profile="default",method="PUT"}'], 1)
        self.assertGreaterEqual(metrics['upgate_presigned_urls_total{profile="default",method="GET"}'], 1)
        self.assertGreaterEqual(metrics['upgate_rejections_total{reason="missing_field"}'], 1)
        self.assertGreaterEqual(metrics['upgate_rejections_total{reason="file_too_large"}'], 1)
        self.assertIn('upgate_http_request_duration_seconds_bucket{route="seed_presign",le="+Inf"}', metrics)
        self.assertIn("upgate_http_open_connections", metrics)
        self.assertIn("# TYPE upgate_http_request_duration_seconds histogram", text)


class Cors(ServerTestCase):
    args = ("--cors-origin", "https://app.example.com", "--cors-origin", "http://localhost:3000")

    def test_allowed_origin_is_echoed(self):
        r = self.server.post(SEED, SEED_BODY, headers={"Origin": "https://app.example.com"})
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.headers["Access-Control-Allow-Origin"], "https://app.example.com")
        self.assertIn("Origin", r.headers["Vary"])
        self.assertNotIn("Access-Control-Allow-Credentials", r.headers)

    def test_other_origin_gets_no_cors_headers(self):
        r = self.server.post(SEED, SEED_BODY, headers={"Origin": "https://evil.example"})
        self.assertNotIn("Access-Control-Allow-Origin", r.headers)

    def test_preflight(self):
        ok = requests.options(self.server.base + SEED, headers={
            "Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type"}, timeout=10)
        self.assertEqual(ok.status_code, 204)
        self.assertEqual(ok.headers["Access-Control-Allow-Origin"], "http://localhost:3000")
        self.assertIn("POST", ok.headers["Access-Control-Allow-Methods"])
        self.assertEqual(ok.headers["Access-Control-Allow-Headers"], "Content-Type")
        self.assertTrue(int(ok.headers["Access-Control-Max-Age"]) > 0)
        download = requests.options(self.server.base + "/v1/downloads", headers={
            "Origin": "http://localhost:3000", "Access-Control-Request-Method": "GET"}, timeout=10)
        self.assertEqual(download.status_code, 204)
        for headers in ({"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
                        {"Origin": "http://localhost:3000", "Access-Control-Request-Method": "DELETE"},
                        {"Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST",
                         "Access-Control-Request-Headers": "content-type, x-secret"}):
            with self.subTest(headers=headers):
                r = requests.options(self.server.base + "/v1/uploads", headers=headers, timeout=10)
                self.assertError(r, 403, "origin_not_allowed")
                self.assertNotIn("Access-Control-Allow-Origin", r.headers)


class CorsWildcard(ServerTestCase):
    extra_env = {"UPGATE_CORS_ORIGINS": "*"}

    def test_wildcard_without_credentials(self):
        r = self.server.post(SEED, SEED_BODY, headers={"Origin": "https://anywhere.example"})
        self.assertEqual(r.headers["Access-Control-Allow-Origin"], "*")
        self.assertNotIn("Access-Control-Allow-Credentials", r.headers)


class CorsCredentials(ServerTestCase):
    config_text = '[cors]\nallowed_origins = ["https://app.example.com"]\nallow_credentials = true\n'

    def test_credentials_with_an_exact_origin(self):
        r = self.server.post(SEED, SEED_BODY, headers={"Origin": "https://app.example.com"})
        self.assertEqual(r.headers["Access-Control-Allow-Origin"], "https://app.example.com")
        self.assertEqual(r.headers["Access-Control-Allow-Credentials"], "true")


class DefaultCors(ServerTestCase):
    def test_demo_page_origin_is_allowed_by_default(self):
        origin = f"http://127.0.0.1:{self.server.port}"
        r = self.server.post(SEED, SEED_BODY, headers={"Origin": origin})
        self.assertEqual(r.headers.get("Access-Control-Allow-Origin"), origin)
        r = self.server.post(SEED, SEED_BODY, headers={"Origin": "http://localhost:3000"})
        self.assertNotIn("Access-Control-Allow-Origin", r.headers)


class DemoPageAndRouting(ServerTestCase):
    def test_index_is_served(self):
        r = self.server.get("/")
        self.assertEqual(r.status_code, 200)
        self.assertTrue(r.headers["Content-Type"].startswith("text/html"))
        self.assertIn("<html", r.text.lower())
        self.assertIn("ETag", r.headers)
        again = self.server.get("/", headers={"If-None-Match": r.headers["ETag"]})
        self.assertEqual(again.status_code, 304)

    def test_page_and_assets_carry_a_content_security_policy(self):
        for path in ("/", "/app.js", "/upgate.js"):
            r = self.server.get(path)
            self.assertEqual(r.status_code, 200, path)
            csp = r.headers["Content-Security-Policy"]
            self.assertIn("default-src 'none'", csp)
            self.assertIn("script-src 'self';", csp)
            self.assertIn("frame-ancestors 'none'", csp)
            # The page may reach its API and the store the URLs are signed for, no more.
            self.assertIn("connect-src 'self' http://127.0.0.1:9000;", csp)
            self.assertEqual(r.headers["X-Content-Type-Options"], "nosniff")
            self.assertEqual(r.headers["Referrer-Policy"], "no-referrer")
            self.assertEqual(r.headers["X-Frame-Options"], "DENY")
        # An open API: the page has no token field to show, and ?api= may name no origin.
        page = self.server.get("/").text
        self.assertIn('<meta name="upgate-auth" content="">', page)
        self.assertIn('<meta name="upgate-api-origins" content="">', page)
        again = self.server.get("/", headers={"If-None-Match": self.server.get("/").headers["ETag"]})
        self.assertEqual(again.status_code, 304)
        self.assertIn("Content-Security-Policy", again.headers)

    def test_unknown_paths(self):
        self.assertEqual(self.server.get("/no/such/asset.js").status_code, 404)
        r = requests.delete(self.server.base + "/nowhere", timeout=10)
        self.assertError(r, 404, "not_found")

    def test_header_too_large(self):
        r = requests.get(self.server.base + "/healthz", headers={"X-Big": "x" * 20000}, timeout=10)
        self.assertEqual(r.status_code, 431)

    def test_keep_alive_serves_many_requests_on_one_connection(self):
        with requests.Session() as s:
            for _ in range(20):
                r = s.post(self.server.base + SEED, data=json.dumps(SEED_BODY),
                           headers={"Content-Type": "application/json"}, timeout=10)
                self.assertEqual(r.status_code, 200)


class NoDemo(ServerTestCase):
    args = ("--no-demo",)

    def test_root_is_not_found(self):
        self.assertError(self.server.get("/"), 404, "not_found")


class Logs(ServerTestCase):
    def test_one_json_line_per_request_without_query_or_secret(self):
        ids = []
        ids.append(self.server.post(SEED, SEED_BODY).headers["X-Request-Id"])
        ids.append(self.server.post(SEED, dict(SEED_BODY, fileType="nope")).headers["X-Request-Id"])
        ids.append(self.server.get("/v1/downloads", params={"key": "services/x.txt"}).headers["X-Request-Id"])
        lines = self.server.log_lines(wait_for=ids[-1])
        by_id = {}
        for line in lines:
            if line.get("msg") == "request":
                by_id.setdefault(line["request_id"], []).append(line)
        for request_id in ids:
            self.assertEqual(len(by_id.get(request_id, [])), 1, request_id)
        ok, bad, download = (by_id[i][0] for i in ids)
        self.assertEqual(ok["route"], "seed_presign")
        self.assertEqual(ok["status"], 200)
        self.assertEqual(ok["profile"], "default")
        self.assertTrue(ok["key"].startswith("services/"))
        self.assertIsInstance(ok["duration_ms"], float)
        self.assertEqual(bad["status"], 400)
        self.assertEqual(bad["error"], "invalid_content_type")
        self.assertEqual(download["path"], "/v1/downloads")  # never the query
        for line in lines:
            self.assertIn("ts", line)
            self.assertIn("level", line)
        text = self.server.log_text()
        self.assertNotIn("X-Amz-Signature", text)
        self.assertNotIn("X-Amz-Credential", text)
        self.assertNotIn(SECRET, text)


class SecretNeverLeaks(unittest.TestCase):
    def test_secret_absent_from_bodies_headers_and_logs(self):
        with ApiServer() as server:
            responses = [
                server.post(SEED, SEED_BODY),
                server.post(SEED, dict(SEED_BODY, fileSize=10**12)),
                server.post(SEED, raw="{"),
                server.post("/v1/uploads", {"profile": "p", "fileName": "a", "contentType": "a/b", "size": 3,
                                            "sha256": "x"}),
                server.get("/v1/downloads", params={"key": "p/a.txt"}),
                server.get("/metrics"),
                server.get("/readyz"),
                server.get("/"),
            ]
            for r in responses:
                self.assertNotIn(SECRET, r.text)
                for name, value in r.headers.items():
                    self.assertNotIn(SECRET, value, name)
            self.assertIn(ACCESS_KEY_ID, responses[0].json()["uploadUrl"])
            server.stop()
            self.assertNotIn(SECRET, server.log_text())
            self.assertNotIn(SECRET, server.stderr_text())
            self.assertIn(ACCESS_KEY_ID, server.log_text())  # the public half may be logged


class Shutdown(unittest.TestCase):
    def test_sigterm_finishes_the_request_in_flight(self):
        with ApiServer() as server:
            body = json.dumps(SEED_BODY).encode()
            s = socket.create_connection(("127.0.0.1", server.port))
            head = (f"POST {SEED} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n").encode()
            s.sendall(head + body[:10])
            time.sleep(0.3)
            server.process.send_signal(signal.SIGTERM)
            time.sleep(0.3)
            self.assertIsNone(server.process.poll(), "exited with a request in flight")
            s.sendall(body[10:])
            s.settimeout(10)
            response = b""
            while b"\r\n\r\n" not in response or not response.rstrip().endswith(b"}"):
                chunk = s.recv(65536)
                if not chunk:
                    break
                response += chunk
            s.close()
            self.assertTrue(response.startswith(b"HTTP/1.1 200"), response[:200])
            self.assertIn(b'"ok":true', response)
            self.assertEqual(server.process.wait(timeout=15), 0)
            lines = server.log_lines()
            self.assertEqual(lines[-1]["msg"], "upgate serve stopped")

    def test_sigint_stops_an_idle_server(self):
        with ApiServer() as server:
            server.process.send_signal(signal.SIGINT)
            self.assertEqual(server.process.wait(timeout=15), 0)


class Configuration(unittest.TestCase):
    def assertRefused(self, result, field):
        self.assertEqual(result.returncode, 2, result.stderr)
        err = result.stderr.decode()
        self.assertIn(field, err)
        self.assertNotIn(SECRET, err + result.stdout.decode())

    def test_bad_values_stop_start_up_naming_the_field(self):
        keys = {"AWS_ACCESS_KEY_ID": ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET}
        self.assertRefused(run_config_check(["--listen", "nowhere"]), "--listen")
        self.assertRefused(run_config_check([], dict(keys, AWS_S3_BUCKET_NAME="Not_A_Bucket")),
                           "AWS_S3_BUCKET_NAME")
        self.assertRefused(run_config_check([], dict(keys, AWS_REGION="EU WEST")), "AWS_REGION")
        self.assertRefused(run_config_check([], {"AWS_ACCESS_KEY_ID": "only-half"}), "AWS_SECRET_ACCESS_KEY")
        self.assertRefused(run_config_check([], dict(keys, AWS_PROFILE="missing")), "AWS_PROFILE")
        self.assertRefused(run_config_check([], {"AWS_ENDPOINT_URL_S3": "https://s3.example.com"}),
                           "AWS_ACCESS_KEY_ID")
        self.assertRefused(run_config_check([], dict(keys, UPGATE_LOG_LEVEL="loud")), "UPGATE_LOG_LEVEL")
        self.assertRefused(run_config_check([], keys, "[profiles.p]\nfolder = \"../up\"\n"),
                           "profiles.p.folder")
        self.assertRefused(run_config_check([], keys, "[profiles.p]\nfolder = \"p\"\nurl_lifetime = 604801\n"),
                           "profiles.p.url_lifetime")
        self.assertRefused(run_config_check([], keys, "[cors]\nallowed_origins = [\"*\"]\n"
                                                      "allow_credentials = true\n"),
                           "cors.allowed_origins")
        self.assertRefused(run_config_check([], keys, "[server]\nlisten = 80\n"), "server.listen")
        self.assertRefused(run_config_check(["--config", "/nonexistent/upgate.toml"], keys), "--config")
        self.assertRefused(run_config_check([], dict(keys, AWS_SECRET_ACCESS_KEY=SECRET + "\n")),
                           "AWS_SECRET_ACCESS_KEY")

    def test_malformed_aws_credentials_file_is_named_without_its_content(self):
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "credentials")
            with open(path, "w") as f:
                f.write(f"[default]\naws_secret_access_key {SECRET}\n")
            result = run_config_check([], {"AWS_SHARED_CREDENTIALS_FILE": path})
            self.assertRefused(result, "line 2")

    def test_port_in_use_exits_1(self):
        with ApiServer() as server:
            # --no-store: without it a busy port 9000 would also exit 1, for the store's reason.
            result = subprocess.run(
                [BINARY, "serve", "--listen", f"127.0.0.1:{server.port}", "--no-store"],
                env=server.env, capture_output=True, timeout=20)
            self.assertEqual(result.returncode, 1, result.stderr)
            self.assertIn(f"127.0.0.1:{server.port}", result.stderr.decode())

    def test_help_documents_the_configuration(self):
        out = subprocess.run([BINARY, "serve", "--help"], capture_output=True, timeout=20).stdout.decode()
        for word in ("AWS_S3_BUCKET_NAME", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                     "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_S3", "AWS_PROFILE", "UPGATE_CONFIG",
                     "UPGATE_LISTEN", "--config", "--listen", "--cors-origin", "upgate.toml"):
            self.assertIn(word, out)


if __name__ == "__main__":
    unittest.main()
