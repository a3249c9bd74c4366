"""The S3 servers the scenario suite runs against, behind one small interface.

Promises:
- `target_from_environment()` picks the target named by UPGATE_SCENARIO_TARGET ("store" or
  "rgw"; anything else is an error, and so is no value at all: a suite that silently ran
  against the wrong server would prove nothing).
- Every target, once `start()`ed, has `name`, `endpoint` ("http://127.0.0.1:PORT"),
  `access_key_id`, `secret_access_key`, `region`, `create_bucket(purpose)` (a fresh,
  uniquely named bucket, created over S3 by boto3, a client independent of upgate),
  `client()` (a boto3 S3 client for the suite's own checks), `log_tail()` and `close()`
  (stops exactly what it started). Targets are context managers.
- `StoreTarget` is a real `upgate store` (tests/compat/store_process.py) on a free port in
  a temp dir. `RgwTarget` is a single-node Ceph cluster with radosgw (tests/rgw/ceph_cluster.py).
"""
import os
import sys
import uuid

import boto3
from botocore.config import Config

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TESTS, "compat"))
sys.path.insert(0, os.path.join(TESTS, "rgw"))

TARGET_VARIABLE = "UPGATE_SCENARIO_TARGET"
# Distinctive, so a leak anywhere is found by a plain substring search.
STORE_SECRET = "ScenarioSecret/NeverLeaks+Zq8w3rT5yU7iO9pA1sD"


class Target:
    name = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()
        return False

    _client = None

    def client(self):
        if self._client is None:
            self._client = self._new_client()
        return self._client

    def _new_client(self):
        return boto3.session.Session().client(
            "s3", endpoint_url=self.endpoint, region_name=self.region,
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                          retries={"max_attempts": 1}, connect_timeout=5, read_timeout=60))

    def create_bucket(self, purpose):
        name = f"{purpose}-{uuid.uuid4().hex[:12]}"
        arguments = {"Bucket": name}
        if self.region != "us-east-1":
            arguments["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        self.client().create_bucket(**arguments)
        return name

    def aws_environment(self):
        """The AWS_* variables that point an upgate command at this target."""
        return {
            "AWS_ENDPOINT_URL_S3": self.endpoint,
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_REGION": self.region,
        }


class StoreTarget(Target):
    """upgate's own embedded store, as `upgate store` runs it."""
    name = "store"

    def __init__(self):
        from store_process import StoreProcess
        self._store = StoreProcess(secret_access_key=STORE_SECRET)

    def start(self):
        try:
            self._store.start()
        except BaseException:
            self._store.close()
            raise
        self.endpoint = self._store.endpoint
        self.access_key_id = self._store.access_key_id
        self.secret_access_key = self._store.secret_access_key
        self.region = self._store.region
        return self

    def log_tail(self):
        return self._store.log_tail()

    def log_text(self):
        with open(self._store.log_path, "rb") as log:
            return log.read().decode("utf-8", "replace")

    def close(self):
        self._store.close()


class RgwTarget(Target):
    """Ceph's RADOS Gateway on a single-node cluster of its own."""
    name = "rgw"

    def __init__(self):
        from ceph_cluster import CephRgw
        self._rgw = CephRgw()

    def start(self):
        try:
            self._rgw.start()
        except BaseException:
            self._rgw.close()
            raise
        self.endpoint = self._rgw.endpoint.rstrip("/")
        self.access_key_id = self._rgw.access_key_id
        self.secret_access_key = self._rgw.secret_access_key
        self.region = self._rgw.region
        return self

    def log_tail(self):
        return self._rgw.log_tail()

    def log_text(self):
        # radosgw's own log is Ceph's business; the suite checks upgate's outputs for leaks.
        return ""

    def close(self):
        self._rgw.close()


TARGETS = {"store": StoreTarget, "rgw": RgwTarget}


def target_from_environment():
    name = os.environ.get(TARGET_VARIABLE, "")
    if name not in TARGETS:
        raise RuntimeError(f"{TARGET_VARIABLE} must be one of {sorted(TARGETS)}, got {name!r}")
    return TARGETS[name]()
