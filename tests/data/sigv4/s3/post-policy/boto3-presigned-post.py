#!/usr/bin/python3
"""Regenerates boto3-presigned-post*.json: what Debian's python3-botocore
(1.29.27) generate_presigned_post returns for fixed inputs, with the clock
frozen so the output is reproducible. Run with Debian's /usr/bin/python3:

    /usr/bin/python3 boto3-presigned-post.py

post_policy_test.cpp checks that verify_post accepts these forms."""
import datetime
import json
import os

import boto3
from botocore.config import Config

FROZEN = datetime.datetime(2024, 3, 1, 12, 0, 0)


class FrozenDateTime(datetime.datetime):
    @classmethod
    def utcnow(cls):
        return FROZEN


# botocore.signers and botocore.auth both call datetime.datetime.utcnow().
datetime.datetime = FrozenDateTime


def generate(name, session_token):
    client = boto3.client(
        "s3",
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        aws_session_token=session_token,
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:9000",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )
    post = client.generate_presigned_post(
        Bucket="uploads",
        Key="user/42/${filename}",
        Fields={"acl": "private", "Content-Type": "image/png", "success_action_status": "201"},
        Conditions=[
            {"acl": "private"},
            ["starts-with", "$Content-Type", "image/"],
            {"success_action_status": "201"},
            ["content-length-range", 1, 10485760],
        ],
        ExpiresIn=3600,
    )
    out = {
        "generator": "botocore 1.29.27 generate_presigned_post, clock frozen at "
        + FROZEN.isoformat() + "Z",
        "access_key_id": "AKIAIOSFODNN7EXAMPLE",
        "secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "session_token": session_token,
        "region": "us-east-1",
        "bucket": "uploads",
        "time": "2024-03-01T12:00:00Z",
        "url": post["url"],
        "fields": [{"name": k, "value": v} for k, v in post["fields"].items()],
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
    with open(path, "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")


generate("boto3-presigned-post.json", None)
generate("boto3-presigned-post-session.json",
         "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+example/token==")
