#!/usr/bin/python3
"""SNS verification fixtures for tests/unit/events/sns_verifier_test.cpp.

Run `/usr/bin/python3 make_fixtures.py` in this directory. Every key and certificate is
made by the openssl command line, and every signature by `openssl dgst -sign`
(RSASSA-PKCS1-v1_5, SHA-1 for SignatureVersion 1, SHA-256 for 2) over the string to sign
AWS documents, built here independently of upgate's code. Certificates have fixed validity
dates, so the tests verify at a fixed time (2030-06-01) and never expire:

  root.pem               trusted test root                 2024-01-01 .. 2124-01-01
  intermediate.pem       issued by the root                2024-01-01 .. 2124-01-01
  leaf.pem               sns.amazonaws.com, by the intermediate, 2025-01-01 .. 2035-01-01
  chain.pem              leaf.pem + intermediate.pem (a PEM that carries its chain)
  leaf_expired.pem       sns.amazonaws.com                 2020-01-01 .. 2021-01-01
  leaf_future.pem        sns.amazonaws.com                 2040-01-01 .. 2050-01-01
  leaf_wrong_name.pem    evil.example.com, valid otherwise
  forged.pem             sns.amazonaws.com issued by a root nobody trusts, with that root

The messages/ directory holds messages in the shape SNS posts (its JSON layout, an S3 event
record as a Notification's Message), each signed for one case of the test.
Private keys are made in a temporary directory and thrown away."""
import base64
import json
import os
import pathlib
import subprocess
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
CERT_BASE = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-"
TOPIC = "arn:aws:sns:us-east-1:123456789012:upgate-uploads"

CONFIG = """
[ ca ]
default_ca = test_ca
[ test_ca ]
database = {work}/index.txt
serial = {work}/serial
new_certs_dir = {work}/issued
default_md = sha256
policy = any_policy
unique_subject = no
copy_extensions = copy
[ any_policy ]
commonName = supplied
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ v3_ca ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ v3_leaf ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""


def run(*args, **kwargs):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kwargs)


class Ca:
    def __init__(self, work):
        self.work = work
        (work / "issued").mkdir()
        (work / "index.txt").write_text("")
        (work / "serial").write_text("1000\n")
        self.config = work / "openssl.cnf"
        self.config.write_text(CONFIG.format(work=work))

    def key(self, name):
        path = self.work / f"{name}.key"
        run("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
            "-out", str(path))
        return path

    def csr(self, name, key, cn, san=None):
        path = self.work / f"{name}.csr"
        args = ["openssl", "req", "-new", "-config", str(self.config), "-key", str(key),
                "-subj", f"/CN={cn}", "-out", str(path)]
        if san:
            args += ["-addext", f"subjectAltName=DNS:{san}"]
        run(*args)
        return path

    def sign(self, name, csr, start, end, extensions, issuer_cert=None, issuer_key=None):
        out = self.work / f"{name}.pem"
        args = ["openssl", "ca", "-batch", "-notext", "-config", str(self.config),
                "-in", str(csr), "-out", str(out), "-startdate", start, "-enddate", end,
                "-extensions", extensions]
        if issuer_cert is None:
            args += ["-selfsign", "-keyfile", str(issuer_key)]
        else:
            args += ["-cert", str(issuer_cert), "-keyfile", str(issuer_key)]
        run(*args)
        return out


def string_to_sign(m):
    if m["Type"] == "Notification":
        names = ["Message", "MessageId"] + (["Subject"] if "Subject" in m else []) + \
                ["Timestamp", "TopicArn", "Type"]
    else:
        names = ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]
    return "".join(f"{n}\n{m[n]}\n" for n in names)


def sign(message, key, digest):
    signature = subprocess.run(["openssl", "dgst", f"-{digest}", "-sign", str(key)],
                               input=string_to_sign(message).encode(), check=True,
                               capture_output=True).stdout
    return base64.b64encode(signature).decode()


def s3_records(key, size, etag):
    return json.dumps({"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
        "eventTime": "2030-05-31T23:59:58.123Z", "eventName": "ObjectCreated:Put",
        "userIdentity": {"principalId": "AWS:AIDAEXAMPLE"},
        "requestParameters": {"sourceIPAddress": "203.0.113.9"},
        "responseElements": {"x-amz-request-id": "C3D13FE58DE4C810",
                             "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD"},
        "s3": {"s3SchemaVersion": "1.0", "configurationId": "upgate",
               "bucket": {"name": "uploads", "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
                          "arn": "arn:aws:s3:::uploads"},
               "object": {"key": key, "size": size, "eTag": etag,
                          "sequencer": "0055AED6DCD90281E5"}}}]}, separators=(",", ":"))


def notification(cert, key, digest="sha256", version="2", subject=True, url=None):
    m = {"Type": "Notification",
         "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
         "TopicArn": TOPIC}
    if subject:
        m["Subject"] = "Amazon S3 Notification"
    m["Message"] = s3_records("photos/2030/05/31/red+flower.jpg", 48213,
                              "d41d8cd98f00b204e9800998ecf8427e")
    m["Timestamp"] = "2030-05-31T23:59:59.655Z"
    m["SignatureVersion"] = version
    m["Signature"] = sign(m, key, digest)
    m["SigningCertURL"] = url or CERT_BASE + cert + ".pem"
    m["UnsubscribeURL"] = ("https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&"
                           "SubscriptionArn=" + TOPIC + ":c9135db0-26c4-47ec-8998-413945fb5a96")
    return m


def confirmation(kind, key):
    action = "ConfirmSubscription" if kind == "SubscriptionConfirmation" else "Subscribe"
    token = ("2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92768dd60a747ba6f3"
             "beb71854e285d6ad02428b09ceece29417f1f02d609c582afbacc99c583a916b9981dd2728f4ae6f"
             "dd7acd1843a6bc2d6e1d3b8f0e4a3e7d0a0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4")
    m = {"Type": kind,
         "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
         "Token": token,
         "TopicArn": TOPIC,
         "Message": ("You have chosen to subscribe to the topic " + TOPIC +
                     ".\nTo confirm the subscription, visit the SubscribeURL included in this "
                     "message."),
         "SubscribeURL": ("https://sns.us-east-1.amazonaws.com/?Action=" + action +
                          "&TopicArn=" + TOPIC + "&Token=" + token),
         "Timestamp": "2030-05-31T23:50:00.000Z",
         "SignatureVersion": "2"}
    m["Signature"] = sign(m, key, "sha256")
    m["SigningCertURL"] = CERT_BASE + "upgate-test.pem"
    return m


def write_json(path, value):
    # SNS pretty-prints with " : " and two-space indents.
    text = json.dumps(value, indent=2, separators=(",", " : "))
    path.write_text(text + "\n")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        ca = Ca(pathlib.Path(tmp))
        root_key = ca.key("root")
        root = ca.sign("root", ca.csr("root", root_key, "upgate test SNS root"),
                       "20240101000000Z", "21240101000000Z", "v3_ca", issuer_key=root_key)
        inter_key = ca.key("intermediate")
        inter = ca.sign("intermediate", ca.csr("intermediate", inter_key, "upgate test SNS CA 01"),
                        "20240101000000Z", "21240101000000Z", "v3_ca", root, root_key)

        def leaf(name, cn, start, end, cert=inter, cert_key=inter_key):
            key = ca.key(name)
            pem = ca.sign(name, ca.csr(name, key, cn, san=cn), start, end, "v3_leaf", cert, cert_key)
            return key, pem

        leaf_key, leaf_pem = leaf("leaf", "sns.amazonaws.com", "20250101000000Z", "20350101000000Z")
        expired_key, expired_pem = leaf("leaf_expired", "sns.amazonaws.com",
                                        "20200101000000Z", "20210101000000Z")
        future_key, future_pem = leaf("leaf_future", "sns.amazonaws.com",
                                      "20400101000000Z", "20500101000000Z")
        wrong_key, wrong_pem = leaf("leaf_wrong_name", "evil.example.com",
                                    "20250101000000Z", "20350101000000Z")
        forged_root_key = ca.key("forged_root")
        forged_root = ca.sign("forged_root", ca.csr("forged_root", forged_root_key,
                                                    "upgate test SNS root"),
                              "20240101000000Z", "21240101000000Z", "v3_ca",
                              issuer_key=forged_root_key)
        forged_key, forged_pem = leaf("forged", "sns.amazonaws.com", "20250101000000Z",
                                      "20350101000000Z", forged_root, forged_root_key)

        def cert_text(path):
            return pathlib.Path(path).read_text()

        (HERE / "root.pem").write_text(cert_text(root))
        (HERE / "intermediate.pem").write_text(cert_text(inter))
        (HERE / "leaf.pem").write_text(cert_text(leaf_pem))
        (HERE / "chain.pem").write_text(cert_text(leaf_pem) + cert_text(inter))
        (HERE / "leaf_expired.pem").write_text(cert_text(expired_pem))
        (HERE / "leaf_future.pem").write_text(cert_text(future_pem))
        (HERE / "leaf_wrong_name.pem").write_text(cert_text(wrong_pem))
        (HERE / "forged.pem").write_text(cert_text(forged_pem) + cert_text(forged_root))

        out = HERE / "messages"
        out.mkdir(exist_ok=True)
        write_json(out / "notification_v2.json", notification("upgate-test", leaf_key))
        write_json(out / "notification_v1.json",
                   notification("upgate-test", leaf_key, digest="sha1", version="1"))
        write_json(out / "notification_no_subject.json",
                   notification("upgate-test", leaf_key, subject=False))
        write_json(out / "notification_chain.json", notification("upgate-chain", leaf_key))
        write_json(out / "subscription_confirmation.json",
                   confirmation("SubscriptionConfirmation", leaf_key))
        write_json(out / "unsubscribe_confirmation.json",
                   confirmation("UnsubscribeConfirmation", leaf_key))
        write_json(out / "notification_expired.json", notification("upgate-expired", expired_key))
        write_json(out / "notification_future.json", notification("upgate-future", future_key))
        write_json(out / "notification_wrong_name.json",
                   notification("upgate-wrong-name", wrong_key))
        write_json(out / "notification_forged.json", notification("upgate-forged", forged_key))
        write_json(out / "notification_wrong_host.json",
                   notification("upgate-test", leaf_key,
                                url="https://sns.us-east-1.amazonaws.com.evil.example/"
                                    "SimpleNotificationService-upgate-test.pem"))
        write_json(out / "notification_http.json",
                   notification("upgate-test", leaf_key,
                                url="http://sns.us-east-1.amazonaws.com/"
                                    "SimpleNotificationService-upgate-test.pem"))
        # Signed with SHA-1 but labelled SignatureVersion 2: the digest must follow the label.
        write_json(out / "notification_v1_labelled_v2.json",
                   notification("upgate-test", leaf_key, digest="sha1", version="2"))


if __name__ == "__main__":
    main()
