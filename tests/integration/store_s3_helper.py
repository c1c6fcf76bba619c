#!/usr/bin/env python3
"""boto3 side of the store's S3 integration tests: set-up and independent checks.

  store_s3_helper.py free-port                         print a free TCP port on 127.0.0.1
  store_s3_helper.py wait URL                          wait until URL's port accepts connections
                                                       (30 s max; sends no request, since a
                                                       verifying moto counts every request)
  store_s3_helper.py mkbucket URL BUCKET [ID SECRET]   create a bucket
  store_s3_helper.py setup-iam URL                     on a verifying moto: IAM user + policy +
                                                       access key; prints "ID SECRET"
  store_s3_helper.py sha256 URL BUCKET KEY             sha256 hex of an object's bytes
  store_s3_helper.py head URL BUCKET KEY               size and SSE of an object, as JSON
  store_s3_helper.py keys URL BUCKET PREFIX            the keys under PREFIX, one JSON string a line
  store_s3_helper.py uploads URL BUCKET                number of unfinished multipart uploads
Credentials default to test/test (moto accepts any pair unless it verifies signatures).
"""
import hashlib
import json
import socket
import sys
import time
import urllib.parse

import boto3
from botocore.config import Config


def client(url, service="s3", key_id="test", secret="test"):
    return boto3.client(service, endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id=key_id, aws_secret_access_key=secret,
                        config=Config(s3={"addressing_style": "path"},
                                      retries={"max_attempts": 1}))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()


def wait(url):
    u = urllib.parse.urlsplit(url)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection((u.hostname, u.port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit("server at %s did not come up" % url)


def setup_iam(url):
    iam = client(url, "iam")
    iam.create_user(UserName="lakesink")
    policy = {"Version": "2012-10-17",
              "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    iam.put_user_policy(UserName="lakesink", PolicyName="s3-all",
                        PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="lakesink")["AccessKey"]
    print(key["AccessKeyId"], key["SecretAccessKey"])


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "free-port":
        free_port()
    elif cmd == "wait":
        wait(args[0])
    elif cmd == "mkbucket":
        client(args[0], "s3", *args[2:4]).create_bucket(Bucket=args[1])
    elif cmd == "setup-iam":
        setup_iam(args[0])
    elif cmd == "sha256":
        body = client(args[0]).get_object(Bucket=args[1], Key=args[2])["Body"].read()
        print(hashlib.sha256(body).hexdigest())
    elif cmd == "head":
        h = client(args[0]).head_object(Bucket=args[1], Key=args[2])
        print(json.dumps({"size": h["ContentLength"],
                          "sse": h.get("ServerSideEncryption", ""),
                          "kms": h.get("SSEKMSKeyId", "")}))
    elif cmd == "keys":
        pages = client(args[0]).get_paginator("list_objects_v2").paginate(
            Bucket=args[1], Prefix=args[2])
        for page in pages:
            for obj in page.get("Contents", []):
                print(json.dumps(obj["Key"]))
    elif cmd == "uploads":
        r = client(args[0]).list_multipart_uploads(Bucket=args[1])
        print(len(r.get("Uploads", [])))
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
