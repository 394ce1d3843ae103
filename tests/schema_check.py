"""Validates JSON documents against docs/schema/*.schema.json (JSON Schema
draft 2020-12) with python3-jsonschema, checks that the documents exercise
the schemas' optional parts (threads, NMT, links, populations, projections,
light snapshots), and that each schema rejects a broken document.

Usage: schema_check.py SCHEMA_DIR NAME=FILE...   (NAME: snap.diff, snap.trend,
snap.show, snap.manifest, snap.inspect). Exit 0 all valid, 1 otherwise.
"""
import copy
import json
import os
import sys

from jsonschema import Draft202012Validator

failures = 0


def fail(message):
    global failures
    failures += 1
    print("FAIL: " + message)


def main():
    schema_dir = sys.argv[1]
    validators = {}
    for f in sorted(os.listdir(schema_dir)):
        if f.endswith(".schema.json"):
            schema = json.load(open(os.path.join(schema_dir, f), encoding="utf-8"))
            Draft202012Validator.check_schema(schema)
            validators[f[: -len(".schema.json")]] = Draft202012Validator(schema)
    docs = {name: [] for name in validators}
    for arg in sys.argv[2:]:
        name, path = arg.split("=", 1)
        if name not in validators:
            fail("no schema %s for %s" % (name, path))
            continue
        try:
            doc = json.load(open(path, encoding="utf-8"))
        except (OSError, ValueError) as e:
            fail("%s: not JSON: %s" % (path, e))
            continue
        errors = sorted(validators[name].iter_errors(doc), key=lambda e: list(e.absolute_path))
        if errors:
            for e in errors[:10]:
                fail("%s against %s: at /%s: %s" % (path, name, "/".join(map(str, e.absolute_path)), e.message[:300]))
        else:
            print("ok: %s is %s" % (path, name))
        docs[name].append((path, doc))

    # Every schema has real documents, and they reach its optional parts.
    for name in validators:
        if not docs[name]:
            fail("no document checked against " + name)
    diffs = [d for _, d in docs.get("snap.diff", [])]
    trends = [d for _, d in docs.get("snap.trend", [])]
    shows = [d for _, d in docs.get("snap.show", [])]
    manifests = [d for _, d in docs.get("snap.manifest", [])]
    inspections = [d for _, d in docs.get("snap.inspect", [])]
    need = {
        "a diff with thread groups (threads)": any(d["threads"] for d in diffs),
        "a diff block with its threads": any(b["threads"] for d in diffs for b in d["blocks"]),
        "a diff with a name_hex": any("name_hex" in b for d in diffs for b in d["blocks"]),
        "a diff with NMT by address": any(d["nmt"] and d["nmt"]["by_address"] for d in diffs),
        "a diff with NMT from summaries": any(d["nmt"] and not d["nmt"]["by_address"] for d in diffs),
        "a diff with a collection and start-up": any(d["collection"] and d["startup"] for d in diffs),
        "a trend block finding": any(f["kind"] == "block" for d in trends for f in d["findings"]),
        "a trend link finding": any(f["kind"] == "link" for d in trends for f in d["findings"]),
        "a trend population finding": any(f["kind"] == "population" for d in trends for f in d["findings"]),
        "a trend Rss projection": any(p["what"] == "Rss" for d in trends for p in d["projections"]),
        "a trend with NMT": any(d["nmt"] for d in trends),
        "a trend with a collection": any(d["collection"] for d in trends),
        "snapshow with NMT": any(s["nmt"] for s in shows),
        "snapshow of smaps_rollup": any(not s["snapshot"]["has_ranges"] for s in shows),
        "a manifest with a light snapshot": any(e["mode"] == "light" for m in manifests for e in m["snapshots"]),
        "a manifest with Private and Shared": any("private" in e["totals"] for m in manifests for e in m["snapshots"]),
        "a diff by Private": any(d["sort"] == "private" for d in diffs),
        "a manifest with threads": any(e["threads"] for m in manifests for e in m["snapshots"]),
        "a manifest that ended": any(m["end"] for m in manifests),
        "an inspected malloc heap": any(r.get("malloc") for d in inspections for r in d["ranges"]),
        "an inspected range with a problem": any(r["problem"] for d in inspections for r in d["ranges"]),
    }
    for what, seen in need.items():
        if seen:
            print("ok: checked " + what)
        else:
            fail("no document has " + what)

    # Each schema refuses a document broken three ways: a required key
    # missing, a key it does not know, a value of the wrong type.
    for name, items in docs.items():
        if not items:
            continue
        good = items[0][1]
        v = validators[name]
        broken = {}
        d = copy.deepcopy(good)
        del d[next(iter(d))]
        broken["a required key missing"] = d
        d = copy.deepcopy(good)
        d["no_such_key"] = 1
        broken["an unknown key"] = d
        d = copy.deepcopy(good)
        d[list(d)[-1]] = "not the type it is"
        broken["a value of the wrong type"] = d
        d = copy.deepcopy(good)
        d["schema" if "schema" in d else list(d)[0]] = "snap.other/9"
        broken["another schema name"] = d
        for what, doc in broken.items():
            if v.is_valid(doc):
                fail("%s accepts %s" % (name, what))
            else:
                print("ok: %s refuses %s" % (name, what))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
