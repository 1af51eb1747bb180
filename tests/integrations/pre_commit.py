#!/usr/bin/env python3
"""Runs the pre-commit hook (.pre-commit-hooks.yaml) with the real `pre-commit` tool.

In a temporary git repository, `pre-commit try-repo <this checkout> scopegate` builds the hook
with `language: rust` (cargo install) and runs it on the staged files, as a commit would:
- staged: a conforming description, a GitHub workflow and a package.json: passes, and the two
  non-OpenAPI files are skipped without a word;
- then also a description with a guideline error: fails, showing the finding with its place.
Prints both transcripts. Run by .ci/run.
"""

import os
import shutil
import subprocess
import sys
import tempfile

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


def transcript(title, code, output):
    print(f"--- {title}: exit {code}")
    # try-repo's preamble names temporary paths; the hook's report is what matters.
    start = output.find(HOOK_NAME)
    for line in output[start if start >= 0 else 0:].rstrip().splitlines():
        print(f"    {line}")


def main():
    root = tempfile.mkdtemp(prefix="scopegate-pre-commit-")
    env = dict(os.environ)
    env.setdefault("PRE_COMMIT_HOME", os.path.join(REPO, "target", "pre-commit-home"))
    env["GIT_AUTHOR_NAME"] = env["GIT_COMMITTER_NAME"] = "scopegate test"
    env["GIT_AUTHOR_EMAIL"] = env["GIT_COMMITTER_EMAIL"] = "test@example.invalid"
    failures = []
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
        git(repo, "add", "-A")

        code, output = try_repo(repo, env)
        transcript("staged: a conforming description, a workflow, package.json", code, output)
        if code != 0 or f"{HOOK_NAME}" not in output or "Passed" not in output:
            failures.append("the conforming commit should pass")
        if "ci.yml" in output or "package.json" in output:
            failures.append("non-OpenAPI files should be skipped quietly")

        shutil.copy(os.path.join(REPO, "tests", "fixtures", "lint", "guideline-example.yaml"),
                    os.path.join(repo, "api", "legacy.yaml"))
        git(repo, "add", "-A")
        code, output = try_repo(repo, env)
        transcript("staged: also a description with a guideline error", code, output)
        if code != 1 or "Failed" not in output:
            failures.append("the commit with a guideline error should fail")
        if "api/legacy.yaml:11:5: error oauth2-flow-valid:" not in output:
            failures.append("the finding should be shown with its file, line and column")
        if "api/orders.yaml" in output:
            failures.append("the conforming description has no findings to show")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    for f in failures:
        print(f"FAILED: {f}", file=sys.stderr)
    if not failures:
        print("pre-commit hook: both commits behaved")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
