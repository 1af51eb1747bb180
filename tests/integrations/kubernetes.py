#!/usr/bin/env python3
"""The Kubernetes manifests (deploy/kubernetes/), checked two ways. Run by .ci/run.

1. kubernetes-validate (PyPI) validates every manifest against the Kubernetes OpenAPI schemas of
   each given version (the oldest and newest we support), strictly (an unknown field is an error, not ignored).
2. The Deployment's container, run as the kubelet would run it: its exact `args` against the real
   binary, with the ConfigMap and the Secret laid out as Kubernetes mounts them (files that are
   symlinks into `..data`, itself a symlink to a timestamped directory), only the mount root and
   the ports moved to this machine. The readiness and liveness probes' paths answer 200 on the
   port they name; a till's request is allowed. Then a new table is rolled out the way
   `kubectl apply` does it, by swapping `..data`: the replica reloads it without a restart (the
   same request is now denied: its API left the table), and /readyz stays 200 throughout.

    kubernetes.py SCOPEGATE KUBERNETES_VALIDATE K8S_VERSION[,K8S_VERSION...]
"""

import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import yaml

from harness import REPO, TILL_PASSWORD, basic, check, failures, free_port, prepare_retail, request, wait_for

MANIFESTS = os.path.join(REPO, "deploy", "kubernetes")


def validate(tool, versions):
    files = sorted(f for f in glob.glob(os.path.join(MANIFESTS, "*.yaml")) if not f.endswith("kustomization.yaml"))
    for version in versions.split(","):
        proc = subprocess.run([tool, "--strict", "--kubernetes-version", version, *files],
                              capture_output=True, text=True)
        print(f"--- kubernetes-validate --strict --kubernetes-version {version}: exit {proc.returncode}")
        for line in (proc.stdout + proc.stderr).strip().splitlines():
            print(f"    {line}")
        check(proc.returncode == 0, f"every manifest validates against the Kubernetes {version} schemas")
    kustomization = yaml.safe_load(open(os.path.join(MANIFESTS, "kustomization.yaml")))
    listed = set(kustomization["resources"])
    on_disk = {os.path.basename(f) for f in files}
    check(listed == on_disk, f"kustomization.yaml lists {sorted(listed)}, the directory has {sorted(on_disk)}")


def mount(root, name, files, generation):
    """`files` laid out as the kubelet's atomic writer does for a ConfigMap or Secret volume:
    root/name/..<generation>/<file>, root/name/..data -> ..<generation>, root/name/<file> ->
    ..data/<file>. A later call with another generation swaps ..data in one rename."""
    volume = os.path.join(root, name)
    data = os.path.join(volume, f"..{generation}")
    os.makedirs(data)
    for target, source in files.items():
        shutil.copy(source, os.path.join(data, target))
    link = os.path.join(volume, "..data_tmp")
    os.symlink(f"..{generation}", link)
    os.replace(link, os.path.join(volume, "..data"))
    for target in files:
        path = os.path.join(volume, target)
        if not os.path.islink(path):
            os.symlink(os.path.join("..data", target), path)


def policy(work, table):
    """The ConfigMap scopegate-policy: the files kustomization.yaml's generator names."""
    with open(os.path.join(MANIFESTS, "kustomization.yaml")) as f:
        (generator,) = yaml.safe_load(f)["configMapGenerator"]
    sources = {"permissions.json": os.path.join(work, table)}
    return {name: sources.get(name, os.path.join(work, name)) for name in generator["files"]}


def container(deployment):
    pod = deployment["spec"]["template"]["spec"]
    (main,) = pod["containers"]
    return main


def run_replica(scopegate, deployment, work):
    main = container(deployment)
    ports = {p["name"]: p["containerPort"] for p in main["ports"]}
    local = {"decisions": free_port(), "admin": free_port()}
    args = []
    for arg in main["args"]:
        arg = arg.replace("/etc/scopegate", os.path.join(work, "etc"))
        for name, port in ports.items():
            arg = arg.replace(f":{port}", f":{local[name]}")
        args.append(arg)
    mounts = {m["name"]: m["mountPath"] for m in main["volumeMounts"]}
    check(not any("subPath" in m for m in main["volumeMounts"]), "no subPath mounts (they never update)")
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    check(volumes[main["volumeMounts"][0]["name"]].get("configMap", {}).get("name") == "scopegate-policy"
          and mounts["policy"] == "/etc/scopegate/policy" and mounts["keys"] == "/etc/scopegate/keys",
          "the policy ConfigMap and the keys Secret are mounted where the args read them")
    etc = os.path.join(work, "etc")
    mount(etc, "policy", policy(work, "table.json"), "2026_12_01_10_00_00.1")
    mount(etc, "keys", {"jwks.json": os.path.join(REPO, "tests", "fixtures", "jwt", "jwks.json"),
                        "tills.txt": os.path.join(work, "tills.txt")}, "2026_12_01_10_00_00.2")
    print(f"--- {main['image']} args, mounts under {etc}:")
    print(f"    scopegate {' '.join(args)}")
    log = open(os.path.join(work, "serve.err"), "w")
    proc = subprocess.Popen([scopegate, *args, "--poll-ms", "200"], cwd=work, stdout=subprocess.DEVNULL, stderr=log)
    return proc, local, main


def probe(main, local, kind):
    spec = main[kind]["httpGet"]
    status, _, _ = request(local[spec["port"]], "GET", spec["path"])
    return status


def main():
    scopegate, validator, versions = os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3]
    validate(validator, versions)
    with open(os.path.join(MANIFESTS, "deployment.yaml")) as f:
        deployment = yaml.safe_load(f)
    work = tempfile.mkdtemp(prefix="scopegate-kubernetes-")
    proc = None
    try:
        prepare_retail(scopegate, work)
        proc, local, main_container = run_replica(scopegate, deployment, work)
        wait_for(local["admin"])
        ready = probe(main_container, local, "readinessProbe")
        alive = probe(main_container, local, "livenessProbe")
        print(f"    readinessProbe {ready}, livenessProbe {alive}")
        check(ready == 200 and alive == 200, "the probes answer 200 on the admin port")
        till = {"Authorization": basic("bm-till-1", TILL_PASSWORD), "X-Original-Method": "POST",
                "X-Original-URI": "/sales/v1/transactions"}
        before, _, _ = request(local["decisions"], "GET", "/", till)
        print(f"    till bm-till-1 POST /sales/v1/transactions: {before}")
        check(before == 200, "the till's sale is allowed")

        # Roll out a table without the sales API: swap ..data as `kubectl apply` does.
        subprocess.run([scopegate, "compile", "loyalty.yaml", "customers.yaml", "store-admin.yaml", "-o", "table-2.json"],
                       cwd=work, check=True, capture_output=True)
        mount(os.path.join(work, "etc"), "policy", policy(work, "table-2.json"), "2026_12_01_10_05_00.3")
        after, statuses = before, []
        end = time.time() + 10
        while time.time() < end and after == before:
            time.sleep(0.1)
            after, _, _ = request(local["decisions"], "GET", "/", till)
            statuses.append(probe(main_container, local, "readinessProbe"))
        print(f"    after the swap: {after}; /readyz during it: {sorted(set(statuses))}")
        check(after == 403, "the new table is in force without a restart (the sales route is gone)")
        with open(os.path.join(work, "table-2.json")) as f:
            digest = json.load(f)["digest"]
        # (the metric is set just after the swap: allow that moment)
        for _ in range(50):
            _, _, metrics = request(local["admin"], "GET", "/metrics")
            info = [line for line in metrics.splitlines() if line.startswith("scopegate_policy_info{")]
            if any(f'table_digest="{digest}"' in line for line in info):
                break
            time.sleep(0.1)
        print(f"    {info[0] if info else 'no scopegate_policy_info'}")
        check(len(info) == 1 and f'table_digest="{digest}"' in info[0],
              "/metrics names the new table's digest, as docs/deploy/kubernetes.md checks a rollout")
        check(set(statuses) == {200}, "the replica stays ready while it reloads")
        check(proc.poll() is None, "the replica kept running")
    finally:
        if proc:
            proc.terminate()
            proc.wait(timeout=10)
        if failures:
            with open(os.path.join(work, "serve.err")) as f:
                print(f.read()[-3000:])
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print(f"kubernetes: {len(failures)} check(s) failed", file=sys.stderr)
        return 1
    print("kubernetes: manifests valid; the Deployment's container runs, probes and reloads as deployed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
