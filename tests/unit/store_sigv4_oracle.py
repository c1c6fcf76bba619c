#!/usr/bin/env python3
"""Independent SigV4 oracle for the store tests: signs request descriptions with botocore.

Usage: store_sigv4_oracle.py CASES.json  -> prints one JSON object per case, one per line:
  {"authorization": "...", "path": "<percent-encoded path botocore's S3 client would send>",
   "query": "<canonical query>"}

Each case: method, scheme, host, bucket (or null for virtual-hosted), key (raw, unencoded,
or null), params [[name, value], ...] (raw), headers {name: value} (extra signed headers),
body_hex, region, access_key, secret_key, token (or null), date (YYYYMMDDTHHMMSSZ).

The path is encoded the way botocore's S3 serializer encodes a {Key+} label
(urllib.parse.quote with safe "/~"), independently of the code under test.
Exit status 3 when botocore is not importable, so the caller can skip.
"""
import datetime
import json
import sys
from urllib.parse import quote

try:
    import botocore.auth as auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
except ImportError:
    sys.exit(3)


def sign(case):
    fixed = datetime.datetime.strptime(case["date"], "%Y%m%dT%H%M%SZ")
    auth.get_current_datetime = lambda remove_tzinfo=True: fixed
    path = "/"
    if case.get("bucket"):
        path += quote(case["bucket"], safe="") + ("/" if case.get("key") is not None else "")
    if case.get("key") is not None:
        path += quote(case["key"].encode("utf-8"), safe="/~")
    url = "%s://%s%s" % (case["scheme"], case["host"], path)
    params = [(k, v) for k, v in case.get("params", [])]
    headers = dict(case.get("headers", {}))
    body = bytes.fromhex(case.get("body_hex", ""))
    req = AWSRequest(method=case["method"], url=url, data=body, headers=headers, params=params)
    creds = Credentials(case["access_key"], case["secret_key"], case.get("token"))
    signer = auth.S3SigV4Auth(creds, "s3", case["region"])
    signer.add_auth(req)
    return {
        "authorization": req.headers["Authorization"],
        "path": path,
        "query": signer.canonical_query_string(req),
    }


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        cases = json.load(f)
    for case in cases:
        print(json.dumps(sign(case)))


if __name__ == "__main__":
    main()
