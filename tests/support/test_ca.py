"""A throwaway certificate authority for the TLS tests, made with the openssl command.

Every run makes its own keys (P-256) in a temp dir, so no private key is ever committed.

    ca = TestCa(directory)                      # ca.cert: the root to trust
    pair = ca.issue("store", dns=["localhost", "*.s3.localhost"], ips=["127.0.0.1"])
    pair.cert, pair.key                         # PEM files: the leaf (chain) and its key
    pair.fingerprint()                          # SHA-256 of the leaf's DER, lower-case hex
    pair.spki_base64()                          # what Chromium's --ignore-certificate-errors-spki-list takes

Program mode, for the node tests: `python3 test_ca.py DIR NAME... [--dns HOST]...` issues one
pair per NAME for localhost, *.s3.localhost, 127.0.0.1 and each --dns HOST, and prints
{"ca": PATH, "pairs": {NAME: {"cert", "key", "spki", "fingerprint"}}} as one JSON line.

Child environments: `tls_client_env(ca)` points every CA variable the machine sets
(AWS_CA_BUNDLE, REQUESTS_CA_BUNDLE, SSL_CERT_FILE, CURL_CA_BUNDLE) at the test CA, so a
client that reads one of them trusts exactly the test CA.
"""
import base64
import hashlib
import json
import os
import ssl
import subprocess
import sys

OPENSSL = "/usr/bin/openssl"
CA_VARIABLES = ("AWS_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE")


def _run(*args, stdin=None):
    result = subprocess.run([OPENSSL, *args], input=stdin, capture_output=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)} failed: {result.stderr.decode()}")
    return result.stdout


class Pair:
    def __init__(self, cert, key):
        self.cert = cert
        self.key = key

    def der(self):
        with open(self.cert, encoding="ascii") as f:
            return ssl.PEM_cert_to_DER_cert(f.read())

    def fingerprint(self):
        return hashlib.sha256(self.der()).hexdigest()

    def spki_base64(self):
        public_pem = _run("x509", "-in", self.cert, "-pubkey", "-noout")
        spki_der = _run("pkey", "-pubin", "-outform", "DER", stdin=public_pem)
        return base64.b64encode(hashlib.sha256(spki_der).digest()).decode()


class TestCa:
    __test__ = False  # not a unittest case

    def __init__(self, directory, name="upgate test CA"):
        self.directory = directory
        os.makedirs(directory, exist_ok=True)
        self.cert = os.path.join(directory, "ca.crt")
        self.key = os.path.join(directory, "ca.key")
        _run("req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-keyout", self.key, "-out", self.cert, "-days", "3", "-subj", f"/CN={name}",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        self._serial = 1000

    def issue(self, name, dns=("localhost",), ips=("127.0.0.1",), key=None):
        """A leaf for the names, signed by this CA. With `key`, the certificate is made for
        that existing key file (a renewal that keeps the key)."""
        cert = os.path.join(self.directory, f"{name}.crt")
        key_path = key or os.path.join(self.directory, f"{name}.key")
        csr = os.path.join(self.directory, f"{name}.csr")
        extensions = os.path.join(self.directory, f"{name}.ext")
        names = [f"DNS:{d}" for d in dns] + [f"IP:{i}" for i in ips]
        with open(extensions, "w", encoding="ascii") as f:
            f.write("basicConstraints=critical,CA:FALSE\n"
                    "keyUsage=critical,digitalSignature\n"
                    "extendedKeyUsage=serverAuth\n"
                    f"subjectAltName={','.join(names)}\n")
        if key is None:
            _run("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                 "-keyout", key_path, "-out", csr, "-subj", f"/CN={name}")
        else:
            _run("req", "-new", "-key", key_path, "-out", csr, "-subj", f"/CN={name}")
        self._serial += 1
        _run("x509", "-req", "-in", csr, "-CA", self.cert, "-CAkey", self.key,
             "-set_serial", str(self._serial), "-days", "2", "-sha256", "-extfile", extensions,
             "-out", cert)
        os.chmod(key_path, 0o600)
        return Pair(cert, key_path)


def install(pair, cert_path, key_path):
    """Puts a pair where a server reads it, each file renamed into place as certbot does."""
    for source, target in ((pair.cert, cert_path), (pair.key, key_path)):
        with open(source, "rb") as f:
            data = f.read()
        temp = target + ".new"
        with open(temp, "wb") as f:
            f.write(data)
        os.chmod(temp, 0o600)
        os.replace(temp, target)


def tls_client_env(ca_cert, env=None):
    out = dict(env if env is not None else os.environ)
    for name in CA_VARIABLES:
        out[name] = ca_cert
    return out


def served_fingerprint(host, port, ca_cert, server_name="localhost"):
    """SHA-256 (hex) of the leaf a new TLS connection is given, verified against ca_cert."""
    import socket
    context = ssl.create_default_context(cafile=ca_cert)
    with socket.create_connection((host, port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=server_name) as tls:
            return hashlib.sha256(tls.getpeercert(binary_form=True)).hexdigest()


def main(argv):
    directory, names, extra = argv[1], [], []
    rest = iter(argv[2:])
    for arg in rest:
        if arg == "--dns":
            extra.append(next(rest))
        else:
            names.append(arg)
    ca = TestCa(directory)
    pairs = {}
    for name in names:
        pair = ca.issue(name, dns=["localhost", "*.s3.localhost", *extra], ips=["127.0.0.1"])
        pairs[name] = {"cert": pair.cert, "key": pair.key, "spki": pair.spki_base64(),
                       "fingerprint": pair.fingerprint()}
    print(json.dumps({"ca": ca.cert, "pairs": pairs}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
