#!/usr/bin/env python3
"""Runs the GitHub Action (action.yml) as a runner would, under a simulated environment.

Each `run:` step of the composite action is executed with bash the way GitHub runs
`shell: bash` (`bash --noprofile --norc -eo pipefail`), with the step's `env:` and the
`${{ ... }}` expressions it uses evaluated (inputs, step outputs, github.action_*): an
expression this simulator does not know fails the test rather than being guessed.
GITHUB_OUTPUT, GITHUB_PATH, GITHUB_STEP_SUMMARY, GITHUB_WORKSPACE, RUNNER_TEMP and
RUNNER_TOOL_CACHE are real files and directories. `actions/cache` is simulated by copying its
`path` into and out of a local store under its `key`, restored before the following steps and
saved after the job, as the real action does.

Scenarios: a first run that builds scopegate from this checkout (cache miss) on a workspace with
a failing and a passing description; a second run that restores it from the cache; a baseline.
Then, against a local mirror of a GitHub release served on loopback (GITHUB_SERVER_URL pointing
at it, as on GitHub Enterprise), with the archives scripts/package.sh built for this host
(`--release-dir DIR`) plus stand-ins for the other runners: the right archive chosen for the
runner, by the version input and by a version tag in `uses:`, with no cargo on PATH; a tampered
archive, a wrong `sha256` input and a missing .sha256 refused before anything runs; a missing
release reported. Each checks the exit status, the outputs, the annotations printed, the job
summary, and which files the mirror served. Run by .ci/run; prints what it saw.
"""

import argparse
import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading

import yaml

from harness import cargo_version, without_cargo

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


class Failed(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failed(message)


def read_key_values(path):
    """GITHUB_OUTPUT's format: `key=value` lines (and `key<<EOF` blocks)."""
    values = {}
    with open(path) as f:
        lines = f.read().splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and "=" not in line.split("<<")[0]:
            key, delimiter = line.split("<<", 1)
            block = []
            i += 1
            while lines[i] != delimiter:
                block.append(lines[i])
                i += 1
            values[key] = "\n".join(block)
        elif "=" in line:
            key, value = line.split("=", 1)
            values[key] = value
        i += 1
    return values


class Runner:
    def __init__(self, root, cache_store, action_repository="", action_ref=""):
        """`action_repository` and `action_ref` are github.action_*: empty for `uses: ./`."""
        self.root = root
        self.cache_store = cache_store
        self.action_repository = action_repository
        self.action_ref = action_ref
        self.workspace = os.path.join(root, "workspace")
        self.temp = os.path.join(root, "runner-temp")
        self.tool_cache = os.path.join(root, "tool-cache")
        for d in (self.workspace, self.temp, self.tool_cache):
            os.makedirs(d, exist_ok=True)
        self.summary = os.path.join(root, "step-summary.md")
        self.github_path = os.path.join(root, "github-path")
        open(self.summary, "w").close()
        open(self.github_path, "w").close()
        with open(os.path.join(REPO, "action.yml")) as f:
            self.action = yaml.safe_load(f)

    def evaluate(self, text, inputs, steps):
        def one(match):
            expr = match.group(1)
            parts = expr.split(".")
            if parts[0] == "inputs" and len(parts) == 2:
                check(parts[1] in inputs, f"unknown input in ${{{{ {expr} }}}}")
                return inputs[parts[1]]
            if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
                check(parts[1] in steps, f"step {parts[1]} has not run: ${{{{ {expr} }}}}")
                return steps[parts[1]].get(parts[3], "")
            if expr == "github.action_path":
                return REPO
            if expr == "github.action_repository":
                return self.action_repository
            if expr == "github.action_ref":
                return self.action_ref
            raise Failed(f"the simulator does not know ${{{{ {expr} }}}}")

        return EXPRESSION.sub(one, str(text))

    def run(self, with_inputs, extra_env=None):
        """Runs the action; returns (failed step id or None, outputs, step logs)."""
        declared = self.action["inputs"]
        for name in with_inputs:
            check(name in declared, f"input {name} is not declared in action.yml")
        inputs = {name: str(spec.get("default", "")) for name, spec in declared.items()}
        inputs.update(with_inputs)

        base_env = {
            "PATH": os.environ["PATH"],
            "HOME": os.environ.get("HOME", "/tmp"),
            "CARGO_HOME": os.environ.get("CARGO_HOME", os.path.expanduser("~/.cargo")),
            "RUSTUP_HOME": os.environ.get("RUSTUP_HOME", os.path.expanduser("~/.rustup")),
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_ACTION_PATH": REPO,
            "GITHUB_WORKSPACE": self.workspace,
            "GITHUB_STEP_SUMMARY": self.summary,
            "GITHUB_PATH": self.github_path,
            "GITHUB_SERVER_URL": "https://github.com",
            "RUNNER_OS": "Linux",
            "RUNNER_ARCH": "X64",
            "RUNNER_TEMP": self.temp,
            "RUNNER_TOOL_CACHE": self.tool_cache,
        }
        if "CARGO_TARGET_DIR" in os.environ:
            base_env["CARGO_TARGET_DIR"] = os.environ["CARGO_TARGET_DIR"]
        base_env.update(extra_env or {})

        steps, logs = {}, {}
        for index, step in enumerate(self.action["runs"]["steps"]):
            sid = step.get("id", f"step{index}")
            condition = step.get("if")
            if condition is not None and not self.condition(condition, inputs, steps):
                logs[sid] = f"skipped: if: {condition}"
                continue
            if "uses" in step:
                steps[sid] = self.cache(step, inputs, steps, logs, sid)
                continue
            check(step.get("shell") == "bash", f"step {sid} has no `shell: bash`")
            env = dict(base_env)
            # Directories earlier steps added to GITHUB_PATH come first, as on a runner.
            with open(self.github_path) as f:
                added = [line for line in f.read().splitlines() if line]
            env["PATH"] = os.pathsep.join(list(reversed(added)) + [base_env["PATH"]])
            for name, value in (step.get("env") or {}).items():
                env[name] = self.evaluate(value, inputs, steps)
            output_file = os.path.join(self.temp, f"output-{sid}")
            open(output_file, "w").close()
            env["GITHUB_OUTPUT"] = output_file
            script = os.path.join(self.temp, f"{sid}.sh")
            with open(script, "w") as f:
                f.write(self.evaluate(step["run"], inputs, steps))
            proc = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", script],
                cwd=self.workspace,
                env=env,
                capture_output=True,
                text=True,
            )
            logs[sid] = proc.stdout + proc.stderr
            steps[sid] = read_key_values(output_file)
            if proc.returncode != 0:
                return sid, proc.returncode, self.outputs(inputs, steps), logs
        return None, 0, self.outputs(inputs, steps), logs

    def condition(self, text, inputs, steps):
        """`if:` in the one form action.yml uses: `<expression> == '<literal>'` or `!=`."""
        match = re.fullmatch(r"(\S+)\s*(==|!=)\s*'([^']*)'", text.strip())
        check(match, f"the simulator does not know `if: {text}`")
        value = self.evaluate("${{ " + match.group(1) + " }}", inputs, steps)
        return (value == match.group(3)) == (match.group(2) == "==")

    def cache(self, step, inputs, steps, logs, sid):
        """actions/cache/restore and actions/cache/save over a local store."""
        action = step["uses"].split("@")[0]
        path = self.evaluate(step["with"]["path"], inputs, steps)
        key = self.evaluate(step["with"]["key"], inputs, steps)
        check(path and key, f"{action} without a path or key")
        stored = os.path.join(self.cache_store, key)
        if action == "actions/cache/restore":
            if os.path.isdir(stored):
                shutil.copytree(stored, path, dirs_exist_ok=True)
                logs[sid] = f"Cache restored from key: {key}"
                return {"cache-hit": "true", "cache-primary-key": key, "cache-matched-key": key}
            logs[sid] = f"Cache not found for input keys: {key}"
            return {"cache-hit": "", "cache-primary-key": key}
        check(action == "actions/cache/save", f"the simulator does not know {step['uses']}")
        check(os.path.isdir(path), f"actions/cache/save: {path} does not exist")
        shutil.copytree(path, stored, dirs_exist_ok=True)
        logs[sid] = f"Cache saved with key: {key}"
        return {}

    def outputs(self, inputs, steps):
        result = {}
        for name, spec in self.action.get("outputs", {}).items():
            try:
                result[name] = self.evaluate(spec["value"], inputs, steps)
            except Failed:
                result[name] = ""
        return result


def installed(runner):
    """The scopegate binary the action installed into the runner's tool cache."""
    for directory, _, files in os.walk(runner.tool_cache):
        if "scopegate" in files:
            return os.path.join(directory, "scopegate")
    raise Failed("no scopegate in the tool cache")


def scopegate_json(binary, workspace, paths):
    """The counts the CLI itself reports, to compare with the action's outputs."""
    proc = subprocess.run(
        [binary, "lint", "--format", "json", *paths], cwd=workspace, capture_output=True, text=True
    )
    return json.loads(proc.stdout)["summary"]


def show(title, failed, code, outputs, logs):
    print(f"--- {title}")
    print(f"    failed step: {failed} (exit {code})")
    print(f"    outputs: {json.dumps(outputs, sort_keys=True)}")
    for sid, log in logs.items():
        lines = log.strip().splitlines()
        print(f"    [{sid}] {len(lines)} line(s)")
        for line in lines[:4]:
            print(f"      {line}")


class Mirror:
    """A GitHub release mirror on loopback: serves DIR/<owner>/<repo>/releases/download/<tag>/
    as github.com does, and records every path asked for."""

    def __init__(self, directory):
        self.directory = directory
        self.requests = []
        mirror = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self):
                mirror.requests.append(self.path)
                super().do_GET()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(Handler, directory=directory))
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def release(self, tag):
        path = os.path.join(self.directory, "scopegate", "scopegate", "releases", "download", tag)
        os.makedirs(path, exist_ok=True)
        return path

    def served(self):
        """The file names asked for since the last call."""
        served, self.requests = [os.path.basename(p) for p in self.requests], []
        return served

    def close(self):
        self.server.shutdown()


def pack(directory, archive):
    """scripts/archive.py, as package.sh calls it: the archive and its .sha256."""
    subprocess.run([sys.executable, os.path.join(REPO, "scripts", "archive.py"), directory, archive],
                   check=True, capture_output=True)


def stand_in(release, triple, version):
    """An archive for a runner this host cannot build for: a script that names its target, in
    package.sh's layout (a .zip holding scopegate.exe for Windows)."""
    windows = "windows" in triple
    work = tempfile.mkdtemp()
    name = f"scopegate-lint-v{version}-{triple}"
    os.makedirs(os.path.join(work, name))
    exe = os.path.join(work, name, "scopegate.exe" if windows else "scopegate")
    with open(exe, "w") as f:
        f.write(f"#!/bin/sh\necho 'scopegate {version} (stand-in for {triple}, lint-only)'\n")
    os.chmod(exe, 0o755)
    pack(os.path.join(work, name), os.path.join(release, name + (".zip" if windows else ".tar.gz")))
    shutil.rmtree(work)


def tampered(release, good_archive, version, tag_version):
    """The host archive re-released as `tag_version` with its checksum, then its binary changed
    by one appended line and repacked: the .sha256 is the released one, the archive is not."""
    work = tempfile.mkdtemp()
    subprocess.run(["tar", "-xzf", good_archive, "-C", work], check=True)
    name = f"scopegate-lint-v{tag_version}-x86_64-unknown-linux-gnu"
    os.rename(os.path.join(work, f"scopegate-lint-v{version}-x86_64-unknown-linux-gnu"), os.path.join(work, name))
    archive = os.path.join(release, name + ".tar.gz")
    pack(os.path.join(work, name), archive)
    with open(archive + ".sha256") as f:
        released = f.read()
    with open(os.path.join(work, name, "scopegate"), "ab") as f:
        f.write(b"\necho owned\n")
    pack(os.path.join(work, name), archive)
    with open(archive + ".sha256", "w") as f:
        f.write(released)
    shutil.rmtree(work)
    return archive


def releases(root, release_dir, api):
    version = cargo_version()
    host = f"scopegate-lint-v{version}-x86_64-unknown-linux-gnu.tar.gz"
    check(os.path.isfile(os.path.join(release_dir, host)), f"{release_dir} has no {host} (scripts/package.sh)")
    mirror = Mirror(os.path.join(root, "mirror"))
    good = mirror.release(f"v{version}")
    for name in os.listdir(release_dir):
        shutil.copy(os.path.join(release_dir, name), good)
    for triple in ("aarch64-unknown-linux-gnu", "x86_64-apple-darwin", "aarch64-apple-darwin",
                   "x86_64-pc-windows-msvc"):
        stand_in(good, triple, version)
    print(f"--- mirror {mirror.url}, release v{version}:")
    for name in sorted(os.listdir(good)):
        print(f"      {name}")

    def runner(name, ref=""):
        # A cache store of its own: every release run starts with a cache miss.
        store = os.path.join(root, f"store-{name}")
        os.makedirs(store)
        r = Runner(os.path.join(root, name), store, "scopegate/scopegate", ref)
        shutil.copytree(api, os.path.join(r.workspace, "api"))
        return r

    env = {"GITHUB_SERVER_URL": mirror.url, "PATH": without_cargo(os.environ["PATH"])}
    try:
        # 4. The version input: the lint-only archive for Linux X64, checked, no cargo needed.
        r = runner("run4")
        failed, code, outputs, logs = r.run({"version": version, "paths": "api/orders.yaml"}, env)
        show(f"run 4: version {version} from the mirror, Linux X64, no cargo on PATH", failed, code, outputs, logs)
        check(failed is None, f"run 4 failed at {failed}: {logs.get(failed)}")
        served = mirror.served()
        print(f"    served: {served}")
        check(served == [host, host + ".sha256"], "run 4 should fetch the Linux X64 lint archive and its checksum")
        check("verified" in logs["install"] and f"scopegate {version} (" in logs["install"]
              and "lint-only)" in logs["install"], logs["install"])
        check(outputs["files"] == "1" and outputs["errors"] == "0", outputs)

        # 5. `uses: scopegate/scopegate@v<version>` and no version input: that release, here
        # for Linux ARM64 (a stand-in archive).
        r = runner("run5", ref=f"v{version}")
        failed, code, outputs, logs = r.run({"paths": "api"}, dict(env, RUNNER_ARCH="ARM64"))
        show(f"run 5: uses: scopegate/scopegate@v{version} on Linux ARM64", failed, code, outputs, logs)
        arm = f"scopegate-lint-v{version}-aarch64-unknown-linux-gnu.tar.gz"
        served = mirror.served()
        print(f"    served: {served}")
        check(served == [arm, arm + ".sha256"], "run 5 should fetch the Linux ARM64 archive")
        check("stand-in for aarch64-unknown-linux-gnu" in logs["install"], logs["install"])

        # 5b. The same release on the other runners: each gets its own archive.
        for runner_os, arch, triple, ext in [("macOS", "X64", "x86_64-apple-darwin", "tar.gz"),
                                             ("macOS", "ARM64", "aarch64-apple-darwin", "tar.gz"),
                                             ("Windows", "X64", "x86_64-pc-windows-msvc", "zip")]:
            r = runner(f"run5-{runner_os}-{arch}", ref=f"v{version}")
            failed, code, outputs, logs = r.run({"paths": "api"}, dict(env, RUNNER_OS=runner_os, RUNNER_ARCH=arch))
            archive = f"scopegate-lint-v{version}-{triple}.{ext}"
            served = mirror.served()
            print(f"--- run 5b: {runner_os} {arch}: served {served}; {logs['install'].strip().splitlines()[-1]}")
            check(served == [archive, archive + ".sha256"], f"{runner_os} {arch} should fetch {archive}")
            check(f"stand-in for {triple}" in logs["install"], logs["install"])

        # 6. A tampered archive (the released .sha256 beside it): refused, nothing unpacked or run.
        tampered(mirror.release("v0.0.1"), os.path.join(good, host), version, "0.0.1")
        r = runner("run6")
        failed, code, outputs, logs = r.run({"version": "0.0.1"}, env)
        show("run 6: a tampered archive", failed, code, outputs, logs)
        check(failed == "install" and "does not match its checksum" in logs["install"], logs["install"])
        check("lint" not in logs and not os.path.exists(os.path.join(r.tool_cache, "scopegate", "release-0.0.1", "bin")),
              "a tampered archive must not be unpacked or run")
        mirror.served()

        # 7. The sha256 input pins another archive: refused though the release's checksum holds.
        r = runner("run7")
        failed, code, outputs, logs = r.run({"version": version, "sha256": "0" * 64}, env)
        show("run 7: a sha256 input the archive does not have", failed, code, outputs, logs)
        check(failed == "install" and "does not match the sha256 input" in logs["install"], logs["install"])
        check("lint" not in logs, "nothing runs after a refused download")
        mirror.served()

        # 8. An archive without its .sha256: refused.
        lone = mirror.release("v0.0.2")
        shutil.copy(os.path.join(good, host), os.path.join(lone, host.replace(version, "0.0.2")))
        r = runner("run8")
        failed, code, outputs, logs = r.run({"version": "0.0.2"}, env)
        show("run 8: an archive without a checksum", failed, code, outputs, logs)
        check(failed == "install" and "no scopegate-lint-v0.0.2-x86_64-unknown-linux-gnu.tar.gz.sha256" in logs["install"]
              and "refusing" in logs["install"], logs["install"])
        mirror.served()

        # 9. A release that does not exist, the checkout another version: a clear error.
        r = runner("run9")
        failed, code, outputs, logs = r.run({"version": "9.9.9"}, env)
        show("run 9: version 9.9.9, no such release", failed, code, outputs, logs)
        check(failed == "install" and "No scopegate-lint-v9.9.9-x86_64-unknown-linux-gnu.tar.gz in release v9.9.9" in logs["install"]
              and "::error title=scopegate::no prebuilt scopegate 9.9.9" in logs["install"], logs["install"])
        check(mirror.served() == ["scopegate-lint-v9.9.9-x86_64-unknown-linux-gnu.tar.gz"], "run 9 asks once")

        # 10. A version that is not a version never reaches a URL.
        r = runner("run10")
        failed, code, outputs, logs = r.run({"version": "../../evil"}, env)
        show("run 10: a version input that is a path", failed, code, outputs, logs)
        check(failed == "build" and "is not a release version" in logs["build"], logs.get("build"))
        check(mirror.served() == [], "nothing is fetched for a bad version")
    finally:
        mirror.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--release-dir", required=True,
                        help="scripts/package.sh's output for this host (x86_64 Linux)")
    args = parser.parse_args()
    root = tempfile.mkdtemp(prefix="scopegate-action-")
    store = os.path.join(root, "cache-store")
    os.makedirs(store)
    try:
        runner = Runner(os.path.join(root, "run1"), store)
        api = os.path.join(runner.workspace, "api")
        os.makedirs(api)
        shutil.copy(os.path.join(REPO, "tests/fixtures/lint/guideline-example.yaml"),
                    os.path.join(api, "legacy.yaml"))
        shutil.copy(os.path.join(REPO, "examples/orders.yaml"), os.path.join(api, "orders.yaml"))
        os.makedirs(os.path.join(api, "deploy"))
        with open(os.path.join(api, "deploy", "docker-compose.yaml"), "w") as f:
            f.write("services:\n  web:\n    image: nginx\n")

        # 1. Cache miss: builds from this checkout, lints, fails on the legacy file.
        failed, code, outputs, logs = runner.run({
            "paths": "api",
            "sarif-file": "reports/scopegate.sarif",
        })
        show("run 1: cache miss, a failing and a passing description", failed, code, outputs, logs)
        check(failed == "lint" and code == 1, f"expected the lint step to fail with 1: {failed} {code}")
        check("Cache not found" in logs["cache"], logs["cache"])
        check("Cache saved" in logs["save"], logs["save"])
        check("scopegate 0.1.0" in logs["install"], f"install did not report a version: {logs['install']}")
        binary = installed(runner)
        expected = scopegate_json(binary, runner.workspace, ["api"])
        for name in ("errors", "warnings", "infos", "hints"):
            check(outputs[name] == str(expected[name]), f"output {name}: {outputs[name]} != {expected[name]}")
        check(int(outputs["errors"]) > 0, "the legacy description should have errors")
        check(outputs["files"] == "2", f"files: {outputs['files']} (docker-compose.yaml is not OpenAPI)")
        annotations = [l for l in logs["lint"].splitlines() if l.startswith("::")]
        check(len(annotations) == sum(expected[n] for n in ("errors", "warnings", "infos", "hints")),
              f"{len(annotations)} annotations")
        check(all(a.startswith("::error file=api/legacy.yaml,") or a.startswith("::warning file=api/legacy.yaml,")
                  or a.startswith("::notice file=api/legacy.yaml,") for a in annotations),
              "annotations must point at the workspace-relative file: " + "\n".join(annotations))
        check(any("title=scopegate oauth2-flow-valid::" in a and "line=11,col=5" in a for a in annotations),
              "the oauth2-flow-valid annotation at 11:5 (the misnamed authorizationUrl) is missing")
        with open(runner.summary) as f:
            summary = f.read()
        check(summary.startswith(f"### scopegate: {outputs['errors']} error"), summary[:200])
        check("| `oauth2-flow-valid` | error | 1 | 1 |" in summary, summary)
        check("| `api/legacy.yaml` |" in summary and "api/orders.yaml" not in summary, summary)
        with open(os.path.join(runner.workspace, "reports/scopegate.sarif")) as f:
            sarif = json.load(f)
        check(len(sarif["runs"][0]["results"]) == len(annotations), "SARIF results != annotations")
        print(f"    annotations: {len(annotations)}, first: {annotations[0]}")
        print(f"    summary: {summary.splitlines()[0]}")

        # 2. Cache hit: restored, not rebuilt; the passing description alone passes.
        runner2 = Runner(os.path.join(root, "run2"), store)
        os.makedirs(os.path.join(runner2.workspace, "api"))
        shutil.copy(os.path.join(api, "orders.yaml"), os.path.join(runner2.workspace, "api"))
        failed, code, outputs, logs = runner2.run({"paths": "api/orders.yaml"},
                                                  {"PATH": "/usr/bin:/bin"})
        show("run 2: cache hit, a passing description, no cargo on PATH", failed, code, outputs, logs)
        check(failed is None, f"run 2 failed at {failed}: {logs.get(failed)}")
        check("Cache restored" in logs["cache"] and logs["save"].startswith("skipped") and "restored from the cache" in logs["install"], logs["install"])
        check(outputs["errors"] == "0" and outputs["warnings"] == "0" and outputs["files"] == "1", outputs)
        with open(runner2.summary) as f:
            check(f.read() == "### scopegate: no findings in 1 file\n\n", "clean summary")

        # 3. A baseline silences the known findings: the step passes.
        runner3 = Runner(os.path.join(root, "run3"), store)
        shutil.copytree(api, os.path.join(runner3.workspace, "api"))
        subprocess.run([binary, "lint", "--write-baseline", "baseline.json", "api"],
                       cwd=runner3.workspace, check=True, capture_output=True)
        failed, code, outputs, logs = runner3.run({
            "paths": "api/legacy.yaml\n  api/orders.yaml\n",
            "baseline": "baseline.json",
        })
        show("run 3: with a baseline of today's findings", failed, code, outputs, logs)
        check(failed is None and outputs["errors"] == "0", f"{failed} {outputs}")
        check(outputs["files"] == "2", f"multi-line paths: {outputs}")
        check("known finding(s) silenced by baseline.json" in logs["lint"], logs["lint"])

        # 4-10. Releases, from a local mirror of a GitHub release.
        releases(root, args.release_dir, api)
    except Failed as e:
        print(f"FAILED: {e}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print("action simulation: all scenarios passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
