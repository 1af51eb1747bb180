#!/usr/bin/env python3
"""Tokens for the load scripts: an HS256 JWT signed with the secret in the file SECRET, and,
when RSA_PRIVATE_PEM is given, an RS256 one signed with that key (by openssl), one a line.
Both carry the retail example's issuer, audience and two loyalty read scopes, valid an hour.

    python3 scripts/load-tokens.py SECRET [RSA_PRIVATE_PEM]
"""
import base64
import hashlib
import hmac
import json
import subprocess
import sys
import time


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


secret = open(sys.argv[1], "rb").read()
claims = b64(json.dumps({"sub": "load", "iss": "https://id.example.com", "aud": "retail-api",
                         "exp": int(time.time()) + 3600,
                         "scope": "loyalty.points.read loyalty.members.read"}).encode())
head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
signature = hmac.new(secret, f"{head}.{claims}".encode(), hashlib.sha256).digest()
print(f"{head}.{claims}.{b64(signature)}")
if len(sys.argv) > 2:
    head = b64(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
    signature = subprocess.run(["openssl", "dgst", "-sha256", "-sign", sys.argv[2]],
                               input=f"{head}.{claims}".encode(), capture_output=True, check=True).stdout
    print(f"{head}.{claims}.{b64(signature)}")
