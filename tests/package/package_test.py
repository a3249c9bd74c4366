"""The Debian package that `make package` builds, checked from the outside.

CPack makes the .deb from the build tree into a temp dir; dpkg-deb -I and -c list its
control data and files, which must hold the binary, the man page, the docs, the service
unit, the example /etc/upgate files as conffiles and the maintainer scripts that create the
`upgate` user. The extracted binary answers --version with the version and a commit, and
starts on the shipped /etc/upgate/upgate.toml. systemd-analyze verify checks the unit and
systemd-analyze security --offline scores its sandboxing against EXPOSURE_THRESHOLD.

Environment: UPGATE_BUILD_DIR (the build tree), UPGATE_SOURCE_DIR.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from child_process import die_with_parent

BUILD = os.environ.get("UPGATE_BUILD_DIR") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "build")
# systemd-analyze security's exposure, 0.0 (locked down) to 10.0 (none); this unit scores
# 1.1 with systemd 252. A change that loosens it past 2.0 fails here.
EXPOSURE_THRESHOLD = 2.0


def run(*args, **kwargs):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=300, **kwargs)


class DebianPackageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.temp = tempfile.TemporaryDirectory(prefix="upgate-package-")
        out = os.path.join(cls.temp.name, "out")
        r = run("cpack", "-G", "DEB", "--config", os.path.join(BUILD, "CPackConfig.cmake"),
                "-B", out)
        if r.returncode != 0:
            raise RuntimeError("cpack failed:\n" + r.stdout + r.stderr)
        debs = [f for f in os.listdir(out) if f.endswith(".deb")]
        assert len(debs) == 1, debs
        cls.deb = os.path.join(out, debs[0])
        cls.root = os.path.join(cls.temp.name, "root")
        r = run("dpkg-deb", "-x", cls.deb, cls.root)
        assert r.returncode == 0, r.stderr
        cls.info = run("dpkg-deb", "-I", cls.deb).stdout
        cls.contents = run("dpkg-deb", "-c", cls.deb).stdout
        print(f"built {os.path.basename(cls.deb)}, {os.path.getsize(cls.deb)} bytes")

    @classmethod
    def tearDownClass(cls):
        cls.temp.cleanup()

    def field(self, name):
        match = re.search(rf"^ {name}: (.*)$", self.info, re.MULTILINE)
        return match.group(1) if match else None

    def files(self):
        # "-rwxr-xr-x root/root 123 2026-12-07 05:00 ./usr/bin/upgate"
        out = {}
        for line in self.contents.splitlines():
            parts = line.split(None, 5)
            if len(parts) == 6:
                out[parts[5].split(" -> ")[0].lstrip(".")] = (parts[0], parts[1])
        return out

    def test_control_data(self):
        self.assertEqual(self.field("Package"), "upgate")
        self.assertEqual(self.field("Version"), "0.1.0")
        depends = self.field("Depends") or ""
        for library in ("libssl3", "libsqlite3-0", "libcurl4", "adduser"):
            self.assertIn(library, depends)
        for script in ("postinst", "prerm", "postrm", "conffiles"):
            self.assertRegex(self.info, rf"\b{script}\b")
        conffiles = run("dpkg-deb", "-e", self.deb, os.path.join(self.temp.name, "control"))
        self.assertEqual(conffiles.returncode, 0, conffiles.stderr)
        with open(os.path.join(self.temp.name, "control", "conffiles"), encoding="utf-8") as f:
            self.assertEqual(sorted(f.read().split()),
                             ["/etc/upgate/upgate.env", "/etc/upgate/upgate.toml"])
        with open(os.path.join(self.temp.name, "control", "postinst"), encoding="utf-8") as f:
            postinst = f.read()
        self.assertIn("adduser --system", postinst)
        self.assertIn("chmod 0640 /etc/upgate/upgate.env", postinst)

    def test_contents(self):
        files = self.files()
        for path in ("/usr/bin/upgate", "/usr/share/man/man1/upgate.1.gz",
                     "/usr/share/doc/upgate/README.md", "/usr/share/doc/upgate/STORE.md",
                     "/usr/share/doc/upgate/upgate.example.toml",
                     "/usr/lib/systemd/system/upgate.service", "/etc/upgate/upgate.toml",
                     "/etc/upgate/upgate.env"):
            self.assertIn(path, files, self.contents)
            self.assertEqual(files[path][1], "root/root", path)
        self.assertEqual(files["/usr/bin/upgate"][0], "-rwxr-xr-x")
        self.assertFalse([p for p in files if "/tests/" in p or p.endswith(".a")])
        binary = os.path.join(self.root, "usr", "bin", "upgate")
        self.assertNotIn("debug_info", run("file", binary).stdout)  # stripped
        if shutil.which("man"):
            page = run("man", "-l", os.path.join(self.root, "usr/share/man/man1/upgate.1.gz"),
                       env={**os.environ, "MANWIDTH": "80", "MANPAGER": "cat"})
            self.assertEqual(page.returncode, 0, page.stderr)
            self.assertIn("upgate store backup", page.stdout)

    def test_the_unit_keeps_secrets_out(self):
        with open(os.path.join(self.root, "usr/lib/systemd/system/upgate.service"),
                  encoding="utf-8") as f:
            unit = f.read()
        settings = [l for l in unit.splitlines() if l and not l.startswith("#")]
        self.assertFalse([l for l in settings if re.search(r"SECRET|PASSWORD|TOKEN", l, re.I)])
        for wanted in ("User=upgate", "StateDirectory=upgate", "ExecReload=/bin/kill -HUP $MAINPID",
                       "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes",
                       "PrivateTmp=yes", "CapabilityBoundingSet=",
                       "SystemCallFilter=@system-service",
                       "EnvironmentFile=-/etc/upgate/upgate.env"):
            self.assertIn(wanted, settings)
        self.assertTrue([l for l in settings if l.startswith("LimitNOFILE=")])
        self.assertTrue([l for l in settings if l.startswith("RestrictAddressFamilies=")])

    def test_the_binary_reports_its_version_and_commit(self):
        r = run(os.path.join(self.root, "usr", "bin", "upgate"), "--version")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout.strip(), r"^upgate 0\.1\.0 \(commit ([0-9a-f]{7,40}(-dirty)?|unknown)\)$")

    def test_the_shipped_configuration_starts(self):
        home = os.path.join(self.temp.name, "home")
        os.makedirs(home, exist_ok=True)
        log = os.path.join(self.temp.name, "serve.log")
        with open(log, "wb") as out:
            process = subprocess.Popen(
                [os.path.join(self.root, "usr", "bin", "upgate"), "serve", "--config",
                 os.path.join(self.root, "etc", "upgate", "upgate.toml"), "--listen",
                 "127.0.0.1:0", "--no-store"],
                stdout=out, stderr=subprocess.STDOUT, preexec_fn=die_with_parent,
                env={"PATH": "/usr/bin:/bin", "HOME": home})
        try:
            deadline = time.monotonic() + 20
            started = False
            while time.monotonic() < deadline and not started:
                with open(log, encoding="utf-8", errors="replace") as f:
                    started = any(l.startswith("{") and json.loads(l).get("msg") == "upgate serve started"
                                  for l in f.read().splitlines())
                if process.poll() is not None:
                    break
                time.sleep(0.05)
            with open(log, encoding="utf-8", errors="replace") as f:
                self.assertTrue(started, f.read())
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)

    def unit_for_analysis(self):
        """The unit with ExecStart pointing at the extracted binary, as verify runs it."""
        with open(os.path.join(self.root, "usr/lib/systemd/system/upgate.service"),
                  encoding="utf-8") as f:
            unit = f.read().replace("/usr/bin/upgate", os.path.join(self.root, "usr/bin/upgate"))
        path = os.path.join(self.temp.name, "upgate.service")
        with open(path, "w", encoding="utf-8") as f:
            f.write(unit)
        return path

    def test_systemd_analyze_verify(self):
        if not shutil.which("systemd-analyze"):
            self.skipTest("systemd-analyze is not installed (no systemd here): unit not verified")
        r = run("systemd-analyze", "verify", "--man=no", self.unit_for_analysis())
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(r.stderr.strip(), "", r.stderr)

    def test_systemd_analyze_security_exposure(self):
        if not shutil.which("systemd-analyze"):
            self.skipTest("systemd-analyze is not installed (no systemd here): exposure not scored")
        unit = self.unit_for_analysis()
        r = run("systemd-analyze", "security", "--offline=yes", "--no-pager", unit)
        match = re.search(r"Overall exposure level for upgate\.service: (\d+\.\d+)", r.stdout)
        self.assertIsNotNone(match, r.stdout + r.stderr)
        exposure = float(match.group(1))
        print(f"systemd-analyze security: exposure {exposure} (threshold {EXPOSURE_THRESHOLD})")
        self.assertLessEqual(exposure, EXPOSURE_THRESHOLD, r.stdout)
        # The same bound through systemd's own --threshold (its scale is exposure x 10).
        r = run("systemd-analyze", "security", "--offline=yes", "--no-pager",
                f"--threshold={int(EXPOSURE_THRESHOLD * 10)}", unit)
        self.assertEqual(r.returncode, 0, r.stdout[-2000:])


if __name__ == "__main__":
    unittest.main(verbosity=2)
