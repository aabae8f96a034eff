#!/usr/bin/env python3
"""What the old tracker did per invocation, for the legacy store's benchmark to be measured against.

  old_tracker.py FILE N    loads FILE once into the old tracker's dataclasses, then N times: starts an
                           invocation, completes it, updates its skill's figures, and saves as the
                           tracker did — every invocation and skill turned back into a dict, the whole
                           file through json.dumps(data, indent=2), written in place (no lock, no fsync,
                           no temporary file); prints the median milliseconds of one start+complete.
"""

import json
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime


@dataclass
class SkillInvocation:
    skill_name: str
    invoked_at: str
    workflow_path: str | None = None
    completed: bool = False
    duration_seconds: float | None = None
    follow_up_actions: list = field(default_factory=list)
    error_type: str | None = None


@dataclass
class SkillMetrics:
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

    def to_dict(self):
        d = asdict(self)
        d["completion_rate"] = self.completed_invocations / self.total_invocations * 100 if self.total_invocations else 0.0
        d["avg_duration_seconds"] = self.total_duration_seconds / self.completed_invocations if self.completed_invocations else 0.0
        return d


KNOWN = {f for f in SkillMetrics.__dataclass_fields__}


def main(path, n):
    with open(path) as f:
        data = json.load(f)
    invocations = [SkillInvocation(**inv) for inv in data["invocations"]]
    skills = {
        name: SkillMetrics(**{k: v for k, v in s.items() if k in KNOWN}) for name, s in data["skills"].items()
    }
    times = []
    for _ in range(n):
        started = time.perf_counter()
        inv = SkillInvocation(skill_name="python-baseline", invoked_at=datetime.now().isoformat(), workflow_path="quick")
        invocations.append(inv)
        inv.completed = True
        inv.duration_seconds = time.perf_counter() - started
        inv.follow_up_actions = ["git commit"]
        s = skills.setdefault(inv.skill_name, SkillMetrics(skill_name=inv.skill_name, first_invoked=inv.invoked_at))
        s.total_invocations += 1
        s.completed_invocations += 1
        s.total_duration_seconds += inv.duration_seconds
        s.last_invoked = inv.invoked_at
        s.workflow_paths["quick"] = s.workflow_paths.get("quick", 0) + 1
        s.follow_up_actions["git commit"] = s.follow_up_actions.get("git commit", 0) + 1
        saved = {
            "invocations": [asdict(i) for i in invocations],
            "skills": {name: m.to_dict() for name, m in skills.items()},
            "last_updated": datetime.now().isoformat(),
        }
        with open(path, "w") as f:
            f.write(json.dumps(saved, indent=2))
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    print(json.dumps({"medianMs": times[len(times) // 2]}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
