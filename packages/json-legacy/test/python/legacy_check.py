#!/usr/bin/env python3
"""Checks files written by LegacyJsonStore the way the old Python tracker would meet them.

  layout FILE                       the bytes are exactly json.dumps(json.load(FILE), indent=2), ASCII only
  loads FILE                        every invocation and skill builds the old tracker's dataclasses (same
                                    fields, no others); prints the count of each
  replay FILE ORDER_JSON            recomputes the skills section from the invocations, completing them in
                                    ORDER (ordinals) with the old tracker's rules, and compares it (values and
                                    key order) with the file's
  apply BEFORE AFTER ORDER_JSON     applies to BEFORE what the old tracker would do for the invocations of
                                    AFTER at ORDER (appended or completed), then its save; the result must be
                                    AFTER byte for byte
  values FILE KEY                   prints repr() of every invocation's KEY, one per line
Exit status 0 when the check holds; otherwise a message on stderr and status 1.
"""

import json
import sys
from dataclasses import dataclass, field, fields


@dataclass
class Invocation:  # the fields the old tracker's invocation had
    skill_name: str
    invoked_at: str
    workflow_path: str | None = None
    completed: bool = False
    duration_seconds: float | None = None
    follow_up_actions: list = field(default_factory=list)
    error_type: str | None = None


@dataclass
class Skill:  # the stored fields of the old tracker's per-skill figures
    skill_name: str
    total_invocations: int = 0
    completed_invocations: int = 0
    abandoned_invocations: int = 0
    total_duration_seconds: float = 0.0
    workflow_paths: dict = field(default_factory=dict)
    common_errors: dict = field(default_factory=dict)
    follow_up_actions: dict = field(default_factory=dict)
    first_invoked: str | None = None
    last_invoked: str | None = None


def fail(message):
    sys.stderr.write(message + "\n")
    sys.exit(1)


def read(path):
    with open(path, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError as e:
        fail(f"{path}: not ASCII at byte {e.start}")
    return text, json.loads(text)


def new_skill(inv):
    return {
        "skill_name": inv["skill_name"],
        "total_invocations": 0,
        "completed_invocations": 0,
        "abandoned_invocations": 0,
        "total_duration_seconds": 0.0,
        "workflow_paths": {},
        "common_errors": {},
        "follow_up_actions": {},
        "first_invoked": inv["invoked_at"],
        "last_invoked": None,
    }


def add_completion(skills, inv):
    """The old tracker's aggregate update for one completion."""
    if inv["skill_name"] not in skills:
        skills[inv["skill_name"]] = new_skill(inv)
    m = skills[inv["skill_name"]]
    m["total_invocations"] += 1
    m["last_invoked"] = inv["invoked_at"]
    if inv["completed"]:
        m["completed_invocations"] += 1
        if inv["duration_seconds"]:
            m["total_duration_seconds"] += inv["duration_seconds"]
    else:
        m["abandoned_invocations"] += 1
    if inv["workflow_path"]:
        m["workflow_paths"][inv["workflow_path"]] = m["workflow_paths"].get(inv["workflow_path"], 0) + 1
    if inv["error_type"]:
        m["common_errors"][inv["error_type"]] = m["common_errors"].get(inv["error_type"], 0) + 1
    for action in inv["follow_up_actions"]:
        m["follow_up_actions"][action] = m["follow_up_actions"].get(action, 0) + 1


def with_derived(m):
    """The old tracker's save: derived fields from the counters (after them, where they are new)."""
    d = dict(m)
    total, done = m.get("total_invocations", 0), m.get("completed_invocations", 0)
    d["completion_rate"] = (done / total) * 100 if total else 0.0
    d["avg_duration_seconds"] = m.get("total_duration_seconds", 0.0) / done if done else 0.0
    return d


def same(a, b, where):
    if a != b:
        fail(f"{where}: {a!r} != {b!r}")
    if isinstance(a, dict) and list(a) != list(b):
        fail(f"{where}: key order {list(a)!r} != {list(b)!r}")
    if isinstance(a, float) != isinstance(b, float):
        fail(f"{where}: {a!r} and {b!r} differ in type")
    if isinstance(a, dict):
        for k in a:
            same(a[k], b[k], f"{where}.{k}")
    if isinstance(a, list):
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{where}[{i}]")


def main():
    command, *args = sys.argv[1:]
    if command == "layout":
        text, data = read(args[0])
        expected = json.dumps(data, indent=2)
        if text != expected:
            at = next((i for i, (x, y) in enumerate(zip(text, expected)) if x != y), min(len(text), len(expected)))
            fail(f"differs from json.dumps(indent=2) at {at}: {text[at - 40:at + 40]!r} vs {expected[at - 40:at + 40]!r}")
    elif command == "loads":
        _, data = read(args[0])
        invocations = [Invocation(**inv) for inv in data["invocations"]]
        skills = {}
        for name, s in data["skills"].items():
            s = dict(s)
            s.pop("completion_rate", None)
            s.pop("avg_duration_seconds", None)
            skills[name] = Skill(**s)
        print(json.dumps({"invocations": len(invocations), "skills": len(skills)}))
    elif command == "replay":
        _, data = read(args[0])
        order = json.loads(args[1])
        skills = {}
        for ordinal in order:
            add_completion(skills, data["invocations"][ordinal])
        expected = {name: with_derived(m) for name, m in skills.items()}
        same(data["skills"], expected, "skills")
    elif command == "apply":
        _, before = read(args[0])
        after_text, after = read(args[1])
        order = json.loads(args[2])
        invocations = before["invocations"]
        # Invocations started since are appended as they are; those finished since replace their old selves.
        invocations.extend(after["invocations"][len(invocations):])
        for ordinal in order:
            invocations[ordinal] = after["invocations"][ordinal]
            add_completion(before["skills"], invocations[ordinal])
        before["skills"] = {name: with_derived(m) for name, m in before["skills"].items()}
        before["last_updated"] = after["last_updated"]
        expected = json.dumps(before, indent=2)
        if after_text != expected:
            at = next((i for i, (x, y) in enumerate(zip(after_text, expected)) if x != y), len(expected))
            fail(f"differs at {at}: {after_text[at - 60:at + 60]!r} vs {expected[at - 60:at + 60]!r}")
    elif command == "values":
        _, data = read(args[0])
        for inv in data["invocations"]:
            print(repr(inv.get(args[1])))
    else:
        fail(f"unknown command {command}")


if __name__ == "__main__":
    main()
