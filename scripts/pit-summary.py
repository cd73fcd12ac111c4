#!/usr/bin/env python3
"""Per-package and per-class mutation scores from PIT's mutations.xml files.

Usage: scripts/pit-summary.py target/pit-reports [--survivors]
PIT's score: detected (killed, timed out, memory or run error) / all mutants.
"""
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

DETECTED = {"KILLED", "TIMED_OUT", "MEMORY_ERROR", "RUN_ERROR"}


def main():
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "target/pit-reports")
    survivors = "--survivors" in sys.argv
    for xml in sorted(root.glob("*/mutations.xml")):
        per_class = defaultdict(lambda: [0, 0])
        missed = []
        for m in ET.parse(xml).getroot().iter("mutation"):
            cls = m.findtext("mutatedClass").split("$")[0].rsplit(".", 1)[-1]
            hit = m.get("status") in DETECTED
            per_class[cls][0] += hit
            per_class[cls][1] += 1
            if not hit:
                missed.append(
                    f"  {m.get('status'):12} {cls}.{m.findtext('mutatedMethod')}"
                    f":{m.findtext('lineNumber')} {m.findtext('description')}"
                )
        killed = sum(k for k, _ in per_class.values())
        total = sum(n for _, n in per_class.values())
        pct = round(100 * killed / total) if total else 0
        print(f"{xml.parent.name}: {killed}/{total} ({pct}%)")
        for cls, (k, n) in sorted(per_class.items()):
            print(f"  {cls:24} {k:4}/{n:<4}")
        if survivors:
            print("\n".join(sorted(missed)))


if __name__ == "__main__":
    main()
