"""Running the `structura` executable from the Python integration tests.

The executable comes from $STRUCTURA (set by ctest). A command that exits
with another status than expected ends the test with its output.
"""
import os
import subprocess
import sys

STRUCTURA = os.environ["STRUCTURA"]


def run(*args, env=None, expect=0):
    """`structura ARGS...`; env adds to the environment; expect=None accepts any exit status."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    p = subprocess.run([STRUCTURA, *map(str, args)], capture_output=True, text=True, env=full_env)
    if expect is not None and p.returncode != expect:
        sys.exit(f"FAIL: structura {' '.join(map(str, args))} exited {p.returncode}, expected {expect}\n"
                 f"--- stdout\n{p.stdout}\n--- stderr\n{p.stderr}")
    return p
