"""Child processes that die with their parent, so a SIGKILLed Ferry leaves nothing running.

SIGKILL gives a process no chance to stop its children. On Linux a child can ask the kernel to
send it a signal when its parent goes: prctl(PR_SET_PDEATHSIG), see
https://man7.org/linux/man-pages/man2/PR_SET_PDEATHSIG.2const.html. Two caveats from that page:
- "the parent" is the *thread* that forked the child: start children from a thread that lives as
  long as they should (the main thread, in Ferry);
- the setting survives exec, so it also covers a redis-server started with subprocess.

Elsewhere (macOS) there is no such call: children of a SIGKILLed Ferry are left running there.
"""

from __future__ import annotations

import ctypes
import functools
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>

Prctl = Callable[..., Any]


def _prctl() -> Prctl | None:
    """libc's prctl, looked up in the parent: a freshly forked child should not load libraries."""
    if not sys.platform.startswith("linux"):
        return None
    return ctypes.CDLL(None, use_errno=True).prctl


def _arm(prctl: Prctl | None, parent_pid: int) -> None:
    """In the child, between fork and exec: SIGTERM me when my parent dies."""
    if prctl is None:
        return
    prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    # The parent may have died between fork and prctl: then nobody will send the signal.
    if os.getppid() != parent_pid:
        os.kill(os.getpid(), signal.SIGTERM)


def die_with_this_process() -> Callable[[], None]:
    """A `preexec_fn` for subprocess.Popen: the child gets SIGTERM when this process ends."""
    return functools.partial(_arm, _prctl(), os.getpid())


def children_die_with_this_process() -> None:
    """Every process this one forks from now on (RQ's scheduler process) dies with its parent."""
    prctl = _prctl()
    # The handlers are inherited by the children, so the parent's pid is read at each fork, not now.
    forking = {"parent": os.getpid()}
    os.register_at_fork(
        before=lambda: forking.update(parent=os.getpid()),
        after_in_child=lambda: _arm(prctl, forking["parent"]),
    )
