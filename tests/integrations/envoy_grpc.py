#!/usr/bin/env python3
"""End to end: `scopegate serve --gateway envoy-grpc` driven by a gRPC client generated from
Envoy's official protos (PyPI xds-protos and grpcio, installed by .ci/run into its cached tool
environment), as Envoy and Istio call it. Prints a transcript.

Usage: tests/integrations/envoy_grpc.py SCOPEGATE_BINARY   (run with the tools' python)

- allow: OK, with X-Scopegate-Principal, -Route and -Decision-Id set for the upstream
  (overwriting a client's copy) and the client's copies of the trusted headers removed;
- deny with headers: 401 with WWW-Authenticate, 403 with insufficient_scope, each with the HTTP
  modes' JSON body and a non-OK gRPC status;
- an invalid path: 400 invalid-path;
- a duplicate header: two Authorization headers as Envoy sends them raw (encode_raw_headers)
  and joined with a comma (the default) are both a 400 duplicate-header;
- a client's X-Original-URI decides nothing; a till's basic auth goes through its group;
- the same decision log and metrics as the HTTP modes;
- examples/envoy/envoy.yaml, the shipped Envoy configuration, parses as Envoy's Bootstrap with
  Envoy's own protos (every field name and type known to Envoy 1.x); no Envoy binary runs here.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import grpc
import yaml
from google.protobuf import json_format
from envoy.config.bootstrap.v3 import bootstrap_pb2
from envoy.config.core.v3 import base_pb2
from envoy.extensions.filters.http.ext_authz.v3 import ext_authz_pb2  # noqa: F401 - registers the type
from envoy.extensions.filters.http.header_mutation.v3 import header_mutation_pb2  # noqa: F401
from envoy.extensions.filters.http.router.v3 import router_pb2  # noqa: F401
from envoy.extensions.filters.network.http_connection_manager.v3 import http_connection_manager_pb2  # noqa: F401
from envoy.extensions.upstreams.http.v3 import http_protocol_options_pb2  # noqa: F401
from envoy.service.auth.v3 import attribute_context_pb2, external_auth_pb2, external_auth_pb2_grpc

from harness import REPO, TILL_PASSWORD, basic, check, failures, free_port, prepare_retail, request, token, wait_for

STATUS = {0: "OK", 3: "INVALID_ARGUMENT", 7: "PERMISSION_DENIED", 14: "UNAVAILABLE", 16: "UNAUTHENTICATED"}


def check_request(method, path, headers=None, raw=None):
    http = attribute_context_pb2.AttributeContext.HttpRequest(method=method, path=path, host="shop.example.com",
                                                              scheme="https", headers=headers or {})
    if raw is not None:
        http.header_map.CopyFrom(base_pb2.HeaderMap(headers=[
            base_pb2.HeaderValue(key=k, raw_value=v.encode()) for k, v in raw]))
    return external_auth_pb2.CheckRequest(attributes=attribute_context_pb2.AttributeContext(
        request=attribute_context_pb2.AttributeContext.Request(http=http)))


def headers_of(options):
    return {o.header.key: o.header.value for o in options}


def main():
    scopegate = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="scopegate-grpc-")
    sg = None
    try:
        prepare_retail(scopegate, work)
        port, admin = free_port(), free_port()
        sg = subprocess.Popen([
            scopegate, "serve", "--gateway", "envoy-grpc", "--table", "table.json", "--groups", "groups.yaml",
            "--credentials", "tills.txt", "--jwt-hs256-secret", "secret", "--jwt-issuer", "https://identity.example.com",
            "--jwt-audience", "retail-api", "--trusted-client-header", "X-Scopegate-Client",
            "--listen", f"127.0.0.1:{port}", "--admin-listen", f"127.0.0.1:{admin}", "--decision-log", "decisions.jsonl",
        ], cwd=work, stderr=open(os.path.join(work, "scopegate.err"), "w"))
        wait_for(admin)
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(channel).result(timeout=10)
        stub = external_auth_pb2_grpc.AuthorizationStub(channel)
        print(f"--- scopegate serve --gateway envoy-grpc on :{port}; client: grpcio {grpc.__version__} "
              f"with Envoy's protos (xds-protos)")

        reader = "Bearer " + token("customer.read loyalty.points.read")
        till = basic("bm-till-1", TILL_PASSWORD)

        def ask(what, request):
            started = time.time()
            response = stub.Check(request, timeout=5)
            ms = (time.time() - started) * 1000
            kind = response.WhichOneof("http_response")
            code = STATUS.get(response.status.code, response.status.code)
            if kind == "ok_response":
                h = headers_of(response.ok_response.headers)
                print(f"    {what} -> {code}; upstream headers {sorted(h)}; removed "
                      f"{list(response.ok_response.headers_to_remove)} ({ms:.1f} ms)")
                return response.status.code, 200, h, {}
            denied = response.denied_response
            h = headers_of(denied.headers)
            body = json.loads(denied.body)
            extra = f" WWW-Authenticate: {h['www-authenticate']}" if "www-authenticate" in h else ""
            print(f"    {what} -> {code}, HTTP {denied.status.code} {body['code']}{extra}")
            return response.status.code, denied.status.code, h, body

        grpc_code, status, h, _ = ask("GET /customers/v1/customers [reader token]", check_request(
            "GET", "/customers/v1/customers?page=2",
            {"authorization": reader, "x-scopegate-principal": "client:admin"}))
        check(grpc_code == 0 and status == 200, "allow")
        check(h.get("x-scopegate-principal") == "sub:alice" and h.get("x-scopegate-route") == "GET /customers"
              and h.get("x-scopegate-decision-id"), f"upstream headers: {h}")

        grpc_code, status, h, body = ask("POST /customers/v1/customers [reader token]", check_request(
            "POST", "/customers/v1/customers", {"authorization": reader}))
        check(grpc_code == 7 and status == 403 and body["code"] == "missing-scopes"
              and 'error="insufficient_scope", scope="customer.write"' in h.get("www-authenticate", ""),
              f"403: {grpc_code} {status} {h} {body}")

        grpc_code, status, h, body = ask("GET /customers/v1/customers [no credentials]", check_request(
            "GET", "/customers/v1/customers"))
        check(grpc_code == 16 and status == 401 and "www-authenticate" in h, f"401: {grpc_code} {status} {h}")

        grpc_code, status, _, body = ask("GET /customers/v1/%2e%2e/store-admin/v1/stores [reader token]",
                                         check_request("GET", "/customers/v1/%2e%2e/store-admin/v1/stores",
                                                       {"authorization": reader}))
        check(grpc_code == 3 and status == 400 and body["code"] == "invalid-path", f"invalid path: {status} {body}")

        writer = "Bearer " + token("customer.read customer.write")
        grpc_code, status, _, body = ask("two Authorization headers, raw (encode_raw_headers)", check_request(
            "GET", "/customers/v1/customers", raw=[("authorization", reader), ("authorization", writer)]))
        check(status == 400 and body["code"] == "duplicate-header", f"raw duplicate: {status} {body}")
        grpc_code, status, _, body = ask("two Authorization headers, joined by Envoy with a comma", check_request(
            "GET", "/customers/v1/customers", {"authorization": f"{reader},{writer}"}))
        check(status == 400 and body["code"] == "duplicate-header", f"joined duplicate: {status} {body}")

        grpc_code, status, _, body = ask("POST /customers/v1/customers [reader + X-Original-URI of a GET]",
                                         check_request("POST", "/customers/v1/customers",
                                                       {"authorization": reader,
                                                        "x-original-uri": "/customers/v1/customers",
                                                        "x-original-method": "GET"}))
        check(status == 403, f"X-Original-URI decided: {status}")

        grpc_code, status, h, _ = ask("POST /sales/v1/transactions [till bm-till-1]", check_request(
            "POST", "/sales/v1/transactions", {"authorization": till}))
        check(status == 200 and h.get("x-scopegate-principal") == "client:bm-till-1", f"till: {status} {h}")

        grpc_code, status, h, _ = ask("POST /sales/v1/transactions [trusted client header from loopback]",
                                      check_request("POST", "/sales/v1/transactions",
                                                    {"x-scopegate-client": "bm-till-1"}))
        check(status == 200, f"trusted header from the gateway: {status}")

        channel.close()
        log = [json.loads(l) for l in open(os.path.join(work, "decisions.jsonl"))]
        metrics = request(admin, "GET", "/metrics")[2]
        decided = sum(float(l.rsplit(" ", 1)[1]) for l in metrics.splitlines()
                      if l.startswith("scopegate_decisions_total"))
        print(f"    decision log: {len(log)} lines, e.g. {json.dumps(log[0])}; decisions in /metrics: {decided:.0f}")
        check(len(log) == 9 and decided == 9, f"log {len(log)}, metrics {decided}")
        check(all("page=2" not in json.dumps(l) for l in log), "the query reached the decision log")
    finally:
        if sg and sg.poll() is None:
            sg.terminate()
            sg.wait(10)
        shutil.rmtree(work, ignore_errors=True)
    print("--- examples/envoy/envoy.yaml against Envoy's protos")
    with open(os.path.join(REPO, "examples/envoy/envoy.yaml")) as f:
        config = yaml.safe_load(f)
    try:
        bootstrap = json_format.ParseDict(config, bootstrap_pb2.Bootstrap())
        filters = [f.name for f in bootstrap.static_resources.listeners[0].filter_chains[0].filters]
        print(f"    parses as envoy.config.bootstrap.v3.Bootstrap: listener filters {filters}")
    except json_format.ParseError as e:
        check(False, f"examples/envoy/envoy.yaml: {e}")
    if failures:
        print(f"{len(failures)} failure(s)", file=sys.stderr)
        return 1
    print("Envoy gRPC ext_authz end to end: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
