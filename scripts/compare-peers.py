#!/usr/bin/env python3
"""Compare scopegate's findings with Redocly's (from ../shared/peers/bench-peers.sh) per file and
per comparable group, and list the (file, group) pairs where they differ.

  scripts/compare-peers.py SCOPEGATE_JSON REDOCLY_JSON

SCOPEGATE_JSON is `scopegate lint --format json` over the same files. Rules with no counterpart
in the peers' rulesets are counted apart (see ../shared/peers/README.md)."""
import collections, json, os, sys

def ours(f):
    rule, message = f["rule"], f["message"]
    if rule == "oauth2-defined": return "a oauth2-defined"
    if rule == "oauth2-password-flow": return "b password-flow"
    if rule == "operation-secured":
        return "f public-without-uid" if "security: []" in message else "c op-unsecured"
    if rule == "security-scheme-defined": return "c undeclared-scheme"
    if rule == "operation-scoped":
        if "`{}`" in message: return "f public-without-uid"
        # SPEC 4: an alternative of non-oauth2 schemes only is reported; the peers have no such rule.
        if "no oauth2 scope" in message: return "(scopegate only) operation-scoped: non-oauth2 alternative"
        return "c requirement-without-scope"
    if rule == "scope-name": return "d scope-name(used)" if f.get("operation") else "d scope-name(declared)"
    if rule == "scope-declared": return "e scope-undeclared"
    if rule == "invalid-document": return "x unresolved-ref"
    return "(scopegate only) " + rule

def theirs(p):
    r, m = p["ruleId"], p["message"]
    if r == "guideline/oauth2-scheme-defined": return "a oauth2-defined"
    if r in ("rule/oauth2-password-flow", "rule/oauth2-password-flow-oas3", "rule/oauth2-flows-defined"): return "b password-flow"
    if r == "security-defined": return "c undeclared-scheme" if m.startswith("There is no") else "c op-unsecured"
    if r == "security-scopes-defined":
        return "c requirement-without-scope" if "must list at least one scope" in m else "e scope-undeclared"
    if r == "guideline/scope-name-pattern": return "d scope-name(declared)" if m.startswith("Declared") else "d scope-name(used)"
    if r == "guideline/public-endpoint-uid": return "f public-without-uid"
    if r == "no-unresolved-refs": return "x unresolved-ref"
    return "x other:" + r

def docs(path):
    s = open(path, encoding="utf-8", errors="replace").read(); dec = json.JSONDecoder(); i = 0
    while i < len(s):
        while i < len(s) and s[i].isspace(): i += 1
        if i >= len(s): break
        o, i = dec.raw_decode(s, i)
        yield o

sg = json.load(open(sys.argv[1]))
a = collections.Counter((os.path.abspath(f["file"]), ours(f)) for f in sg["findings"])
b = collections.Counter()
for o in docs(sys.argv[2]):
    for p in o["problems"]:
        b[(os.path.abspath(p["location"][0]["source"]["ref"]), theirs(p))] += 1
groups = sorted({g for _, g in a} | {g for _, g in b})
ca = collections.Counter(g for (_, g), n in a.items() for _ in range(n))
cb = collections.Counter(g for (_, g), n in b.items() for _ in range(n))
print(f"{'group':44} {'scopegate':>9} {'redocly':>9}")
for g in groups: print(f"{g:44} {ca[g]:>9} {cb[g]:>9}")
diff = sorted(k for k in set(a) | set(b) if a[k] != b[k] and not k[1].startswith("(scopegate only)"))
print(f"(file, group) pairs that differ: {len(diff)}")
for f, g in diff[:60]: print(f"  {os.path.relpath(f)}  {g}: scopegate {a[(f, g)]}, redocly {b[(f, g)]}")
