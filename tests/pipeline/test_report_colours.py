#!/usr/bin/env python3
"""report_colours: a method keeps its colour in every plot, run and report.

pipeline/report/plotting.py's method_colour() is what every kind's plots
module colours a method by. Checks, without running anything:
- every method a kind can produce has its own entry in the fixed table: the
  values `structura list` accepts for reconstruction.methods,
  integration.methods and training.variants, the classical integrators
  sympflow compares with, and `reference`;
- no two entries share a colour (compared as RGB, so "tab:blue" and
  "#1f77b4" count as one), and the colours for other names are none of them;
- a name outside the table gets the same colour whatever was asked before it
  and in another process with another hash seed (the old fallback depended
  on the order in which plots met names).

Environment: STRUCTURA (the executable), STRUCTURA_SOURCE_DIR.
"""
import os
import pathlib
import re
import subprocess
import sys

import matplotlib.colors

STRUCTURA = os.environ["STRUCTURA"]
SOURCE = pathlib.Path(os.environ.get("STRUCTURA_SOURCE_DIR") or pathlib.Path(__file__).resolve().parents[2])
REPORT = SOURCE / "pipeline" / "report"
sys.path.insert(0, str(REPORT))
import plotting  # noqa: E402

# Keys whose values are method names, and names plots use beside them.
METHOD_KEYS = ["reconstruction.methods", "integration.methods", "training.variants"]
ALSO = ["reference", "verlet", "implicit-midpoint"]  # sympflow's reference and classical integrators

failures = []


def check(ok, message):
    if not ok:
        failures.append(message)


def allowed_methods():
    """The values `structura list` names for the method keys of every kind."""
    text = subprocess.run([STRUCTURA, "list"], capture_output=True, text=True, check=True).stdout
    names = set()
    for key in METHOD_KEYS:
        lines = [line for line in text.splitlines() if re.match(rf"\s*{re.escape(key)}\b", line)]
        check(lines, f"`structura list` does not show {key}")
        for line in lines:
            # The accepted values end the line: [a|b|c].
            allowed = re.search(r"\[([\w+\-|]+)\]\s*$", line)
            check(allowed, f"`structura list` shows no accepted values for {key}: {line}")
            if allowed:
                names.update(allowed.group(1).split("|"))
    return names


def rgb(colour):
    return tuple(round(c, 3) for c in matplotlib.colors.to_rgb(colour))


def colour_in_new_process(name, seed, before=()):
    code = (f"import sys; sys.path.insert(0, {str(REPORT)!r}); import plotting; "
            f"[plotting.method_colour(n) for n in {list(before)!r}]; print(plotting.method_colour({name!r}))")
    env = dict(os.environ, PYTHONHASHSEED=str(seed))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env=env).stdout.strip()


def main():
    table = plotting.METHOD_COLOURS
    names = allowed_methods()
    check(len(names) >= 10, f"found only {sorted(names)} in `structura list`")
    for name in sorted(names | set(ALSO)):
        check(name in table, f"method {name!r} has no colour of its own in plotting.METHOD_COLOURS")

    by_rgb = {}
    for name, colour in table.items():
        by_rgb.setdefault(rgb(colour), []).append(name)
    for colour, same in by_rgb.items():
        check(len(same) == 1, f"methods {same} share the colour {colour}")
    fallback = {rgb(c) for c in plotting._FALLBACK}
    check(not (fallback & set(by_rgb)), "a fallback colour is also a method's colour")

    first = colour_in_new_process("my-new-method", 1)
    for seed, before in ((2, ()), (3, ("other-a", "other-b", "fbp")), (4, ("x",) * 5 + ("y",))):
        again = colour_in_new_process("my-new-method", seed, before)
        check(again == first, f"an unknown method's colour changed with the hash seed or order: {first} -> {again}")
    check(rgb(first) in fallback, f"an unknown method got {first}, not a fallback colour")

    if failures:
        print("\n".join(f"FAIL: {m}" for m in failures), file=sys.stderr)
        return 1
    print(f"report_colours: {len(table)} methods with distinct colours, {len(names)} listed by `structura list` "
          f"all in the table; unknown names stable")
    return 0


if __name__ == "__main__":
    sys.exit(main())
