#!/usr/bin/env python3
"""Runs the pre-commit hook with the real `pre-commit` tool, two ways:

- `pre_commit.py`: `pre-commit try-repo <this checkout> scopegate`, the hook this repository
  publishes (.pre-commit-hooks.yaml, `language: python`): pip builds the lint-only binary from
  this checkout with maturin (pyproject.toml).
- `pre_commit.py --wheel DIR`: the wheel in DIR, as a user without Rust gets it from PyPI: first
  installed into a clean venv (`scopegate --version` from it, and `serve` is not in it), then a
  local hook (`language: python`, `additional_dependencies: [scopegate==VERSION]`) that pip
  fills from DIR (`PIP_FIND_LINKS`; the index still serves setuptools for pre-commit's
  placeholder package), with no cargo on PATH; the hook's binary must be the wheel's, byte for
  byte.

Either way, in a temporary git repository, the hook runs on the staged files as a commit would:
- staged: a conforming description, a GitHub workflow and a package.json: passes, and the two
  non-OpenAPI files are skipped without a word;
- then also a description with a guideline error: fails, showing the finding with its place.
Prints both transcripts. Run by .ci/run.
"""

import argparse
import glob
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

from harness import cargo_version, without_cargo

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HOOK_NAME = "scopegate (OpenAPI OAuth2 scopes)"


def git(repo, *args):
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def try_repo(repo, env):
    proc = subprocess.run(
        ["pre-commit", "try-repo", REPO, "scopegate", "--color", "never"],
        cwd=repo, env=env, capture_output=True, text=True,
    )
    return proc.returncode, proc.stdout + proc.stderr


LOCAL_HOOK = f"""repos:
  - repo: local
    hooks:
      - id: scopegate
        name: {HOOK_NAME}
        entry: scopegate lint --skip-non-openapi --format plain
        language: python
        additional_dependencies: [scopegate=={cargo_version()}]
        types_or: [yaml, json]
        require_serial: true
"""


def run_local(repo, env):
    proc = subprocess.run(["pre-commit", "run", "--color", "never"], cwd=repo, env=env,
                          capture_output=True, text=True)
    return proc.returncode, proc.stdout + proc.stderr


def the_wheel(wheel_dir):
    (wheel,) = [f for f in os.listdir(wheel_dir) if f.endswith(".whl")]
    return wheel


def binary_in_wheel(wheel_dir):
    """The SHA-256 of the scopegate binary the wheel carries (a wheel is a zip)."""
    with zipfile.ZipFile(os.path.join(wheel_dir, the_wheel(wheel_dir))) as z:
        (name,) = [n for n in z.namelist() if n.endswith("/scripts/scopegate")]
        return hashlib.sha256(z.read(name)).hexdigest()


def binary_in_hook_env(pre_commit_home):
    """The SHA-256 of the scopegate pre-commit installed for the local hook."""
    found = glob.glob(os.path.join(pre_commit_home, "repo*", "py_env-*", "bin", "scopegate"))
    if len(found) != 1:
        return f"{len(found)} scopegate binaries in {pre_commit_home}"
    with open(found[0], "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def wheel_in_clean_venv(wheel_dir, root, failures):
    """pip install of the wheel into a fresh venv, offline; the binary it puts on PATH."""
    wheel = the_wheel(wheel_dir)
    venv = os.path.join(root, "venv")
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    pip = subprocess.run([os.path.join(venv, "bin", "pip"), "install", "--no-index", "--disable-pip-version-check",
                          os.path.join(wheel_dir, wheel)], capture_output=True, text=True)
    print(f"--- pip install {wheel} into a clean venv: exit {pip.returncode}")
    for line in pip.stdout.strip().splitlines()[-2:]:
        print(f"    {line}")
    exe = os.path.join(venv, "bin", "scopegate")
    shown = subprocess.run([exe, "--version"], capture_output=True, text=True)
    print(f"--- {exe} --version\n    {shown.stdout.strip()}")
    if pip.returncode != 0 or not shown.stdout.startswith(f"scopegate {cargo_version()} (") or "lint-only)" not in shown.stdout:
        failures.append("the wheel installs a lint-only scopegate of this version")
    serve = subprocess.run([exe, "serve", "--table", "t.json"], capture_output=True, text=True)
    print(f"--- scopegate serve from the wheel: exit {serve.returncode}\n    {serve.stderr.strip().splitlines()[0]}")
    if serve.returncode != 2 or "not in this build" not in serve.stderr:
        failures.append("serve from the wheel says it is not in the lint-only build")


def transcript(title, code, output):
    print(f"--- {title}: exit {code}")
    # try-repo's preamble names temporary paths; the hook's report is what matters.
    start = output.find(HOOK_NAME)
    for line in output[start if start >= 0 else 0:].rstrip().splitlines():
        print(f"    {line}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--wheel", metavar="DIR", help="test the wheel in DIR through a local hook")
    args = parser.parse_args()
    root = tempfile.mkdtemp(prefix="scopegate-pre-commit-")
    env = dict(os.environ)
    env.setdefault("PRE_COMMIT_HOME", os.path.join(REPO, "target", "pre-commit-home"))
    hook = try_repo
    failures = []
    if args.wheel:
        wheel_dir = os.path.abspath(args.wheel)
        wheel_in_clean_venv(wheel_dir, root, failures)
        # A cache of its own: the local hook's environment is built from the wheel each run.
        env["PRE_COMMIT_HOME"] = os.path.join(root, "pre-commit-home")
        env["PIP_FIND_LINKS"] = wheel_dir
        env["PATH"] = without_cargo(env["PATH"])
        hook = run_local
    env["GIT_AUTHOR_NAME"] = env["GIT_COMMITTER_NAME"] = "scopegate test"
    env["GIT_AUTHOR_EMAIL"] = env["GIT_COMMITTER_EMAIL"] = "test@example.invalid"
    try:
        repo = os.path.join(root, "service")
        os.makedirs(os.path.join(repo, "api"))
        os.makedirs(os.path.join(repo, ".github", "workflows"))
        git(repo, "init", "-q", "-b", "main")
        shutil.copy(os.path.join(REPO, "examples", "orders.yaml"), os.path.join(repo, "api", "orders.yaml"))
        with open(os.path.join(repo, ".github", "workflows", "ci.yml"), "w") as f:
            f.write("on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n")
        with open(os.path.join(repo, "package.json"), "w") as f:
            f.write('{"name": "service", "version": "1.0.0"}\n')
        if args.wheel:
            with open(os.path.join(repo, ".pre-commit-config.yaml"), "w") as f:
                f.write(LOCAL_HOOK)
        git(repo, "add", "-A")

        code, output = hook(repo, env)
        transcript("staged: a conforming description, a workflow, package.json", code, output)
        if code != 0 or f"{HOOK_NAME}" not in output or "Passed" not in output:
            failures.append("the conforming commit should pass")
        if "ci.yml" in output or "package.json" in output:
            failures.append("non-OpenAPI files should be skipped quietly")

        shutil.copy(os.path.join(REPO, "tests", "fixtures", "lint", "guideline-example.yaml"),
                    os.path.join(repo, "api", "legacy.yaml"))
        git(repo, "add", "-A")
        code, output = hook(repo, env)
        transcript("staged: also a description with a guideline error", code, output)
        if code != 1 or "Failed" not in output:
            failures.append("the commit with a guideline error should fail")
        if "api/legacy.yaml:11:5: error oauth2-flow-valid:" not in output:
            failures.append("the finding should be shown with its file, line and column")
        if "api/orders.yaml" in output:
            failures.append("the conforming description has no findings to show")
        if args.wheel:
            wheel_binary, hook_binary = binary_in_wheel(wheel_dir), binary_in_hook_env(env["PRE_COMMIT_HOME"])
            print(f"--- the hook's scopegate: {hook_binary}\n    the wheel's scopegate: {wheel_binary}")
            if wheel_binary != hook_binary:
                failures.append("the hook runs the wheel's binary")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    for f in failures:
        print(f"FAILED: {f}", file=sys.stderr)
    if not failures:
        print("pre-commit hook: both commits behaved")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
