"""The pass/fail helper the server check scripts share: `check(cond, what)` stops the script on the first failure
(exit 1), `passed()` counts the checks that held."""
import sys

_count = 0


def check(cond, what):
    global _count
    if not cond:
        print(f"FAIL: {what}", file=sys.stderr)
        sys.exit(1)
    _count += 1


def passed():
    return _count
