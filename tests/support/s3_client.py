"""A boto3 S3 client as the suites use one against a server they started: SigV4, path-style
addressing (the servers answer on 127.0.0.1:PORT, no bucket host names), no retries (a
refusal must show, not be retried away) and bounded waits."""
import boto3
from botocore.config import Config


def s3_client(endpoint, access_key_id, secret_access_key, region="us-east-1"):
    return boto3.session.Session().client(
        "s3", endpoint_url=endpoint, region_name=region, aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_access_key,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                      retries={"max_attempts": 1}, connect_timeout=5, read_timeout=60))
