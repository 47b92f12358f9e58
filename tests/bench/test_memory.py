"""The bench's measure of a service's memory: a process tree's proportional set sizes, summed."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

from bench.web import tree_memory_mb

#: A parent holding 60 MB that starts a child holding 120 MB, both written to (so resident), then both wait.
TREE = textwrap.dedent("""
    import subprocess, sys, time
    held = b"p" * (60 << 20)
    child = subprocess.Popen([sys.executable, "-c", "import time; held = b'c' * (120 << 20); print('ok', flush=True); time.sleep(60)"],
                             stdout=subprocess.PIPE)
    child.stdout.readline()
    print("ready", flush=True)
    time.sleep(60)
""")


def test_a_process_trees_memory_counts_its_children() -> None:
    parent = subprocess.Popen([sys.executable, "-c", TREE], stdout=subprocess.PIPE)
    try:
        assert parent.stdout is not None and parent.stdout.readline() == b"ready\n"
        whole = tree_memory_mb(parent.pid)
        children = [int(pid) for pid in Path(f"/proc/{parent.pid}/task/{parent.pid}/children").read_text().split()]
        assert len(children) == 1
        child = tree_memory_mb(children[0])
        assert 120 <= child < 160, child
        assert 180 <= whole < 260 and whole - child >= 60, (whole, child)
    finally:
        subprocess.run(["pkill", "-P", str(parent.pid)], check=False)
        parent.kill()
        parent.wait()
    time.sleep(0.1)
    assert tree_memory_mb(parent.pid) == 0  # gone: nothing to count, no error
