"""The S3 servers the scenario suite runs against, behind one small interface.

Promises:
- `target_from_environment()` picks the target named by UPGATE_SCENARIO_TARGET ("store" or
  "rgw"; anything else is an error, and so is no value at all: a suite that silently ran
  against the wrong server would prove nothing).
- Every target, once `start()`ed, has `name`, `endpoint` ("http://127.0.0.1:PORT"),
  `access_key_id`, `secret_access_key`, `region`, `create_bucket(purpose)` (a fresh,
  uniquely named bucket, created over S3 by boto3, a client independent of upgate),
  `client()` (a boto3 S3 client for the suite's own checks), `aws_environment()`,
  `log_tail()`, `log_text()` and `close()` (stops exactly what it started). A start that
  fails stops what it started before it raises. Targets are context managers.
- The store is a real `upgate store` and RGW a single-node Ceph cluster with radosgw, both
  started by the shared launchers in tests/support (store_process.py, ceph_cluster.py).
"""
import os
import uuid

from ceph_cluster import CephRgw
from child_process import Service
from store_process import StoreProcess

TARGET_VARIABLE = "UPGATE_SCENARIO_TARGET"
# Distinctive, so a leak anywhere is found by a plain substring search.
STORE_SECRET = "ScenarioSecret/NeverLeaks+Zq8w3rT5yU7iO9pA1sD"


class Target(Service):
    def __init__(self, name, server, log_text):
        self.name = name
        self._server = server
        self._log_text = log_text
        self._client = None

    def start(self):
        try:
            self._server.start()
        except BaseException:
            self._server.close()
            raise
        return self

    def close(self):
        self._server.close()

    endpoint = property(lambda self: self._server.endpoint)
    access_key_id = property(lambda self: self._server.access_key_id)
    secret_access_key = property(lambda self: self._server.secret_access_key)
    region = property(lambda self: self._server.region)

    def client(self):
        if self._client is None:
            self._client = self._server.client()
        return self._client

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

    def log_tail(self):
        return self._server.log_tail()

    def log_text(self):
        """What the server printed, for the suite's search for leaked secrets."""
        return self._log_text(self._server)


def store_target():
    """upgate's own embedded store, as `upgate store` runs it."""
    return Target("store", StoreProcess(secret_access_key=STORE_SECRET),
                  lambda store: store.log() + store.stderr())


def rgw_target():
    """Ceph's RADOS Gateway on a single-node cluster of its own. Its own log is Ceph's
    business; the suite checks upgate's outputs for leaks."""
    return Target("rgw", CephRgw(), lambda rgw: "")


TARGETS = {"store": store_target, "rgw": rgw_target}


def target_from_environment():
    name = os.environ.get(TARGET_VARIABLE, "")
    if name not in TARGETS:
        raise RuntimeError(f"{TARGET_VARIABLE} must be one of {sorted(TARGETS)}, got {name!r}")
    return TARGETS[name]()
