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
a failing and a passing description; a second run that restores it from the cache; a baseline;
and a version with no release binary. Each checks the exit status, the outputs, the annotations
printed and the job summary. Run by .ci/run; prints what it saw.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

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
    def __init__(self, root, cache_store):
        self.root = root
        self.cache_store = cache_store
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
                # Empty for a local `uses: ./`, as on GitHub.
                return ""
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


def main():
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

        # 4. A version with no release binary and a checkout of another version: a clear error.
        runner4 = Runner(os.path.join(root, "run4"), store)
        failed, code, outputs, logs = runner4.run({"version": "9.9.9"})
        show("run 4: version 9.9.9, no release binary", failed, code, outputs, logs)
        check(failed == "install" and "::error title=scopegate::no prebuilt scopegate 9.9.9" in logs["install"],
              logs["install"])
    except Failed as e:
        print(f"FAILED: {e}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print("action simulation: all scenarios passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
