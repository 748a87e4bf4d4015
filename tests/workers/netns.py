"""A test host of the test's own: a network namespace joined to this one by a veth pair
(`ip netns`, `ip link`: iproute2, as root), on 10.237.<n>.0/30: this side .1, the host .2. Its
link can be cut (both ends down: packets are dropped, no reset reaches either side, as when a
machine loses its network) and healed. Removed at the end, with its link."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator, Sequence

import pytest


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True, timeout=30)


def can_make_hosts() -> bool:
    """Whether this process may make network namespaces (root, with iproute2)."""
    return os.geteuid() == 0 and shutil.which("ip") is not None


class Host:
    def __init__(self, n: int) -> None:
        tag = f"{os.getpid() % 100000}{n}"
        self.ns = f"wwt{tag}"
        self.outer, self.inner = f"wwo{tag}", f"wwi{tag}"  # interface names: 15 characters at most
        self.here = f"10.237.{n}.1"  # this namespace's end: servers the host reaches bind here
        self.there = f"10.237.{n}.2"

    def make(self) -> Host:
        _ip("netns", "add", self.ns)
        _ip("link", "add", self.outer, "type", "veth", "peer", "name", self.inner)
        _ip("link", "set", self.inner, "netns", self.ns)
        _ip("addr", "add", f"{self.here}/30", "dev", self.outer)
        _ip("link", "set", self.outer, "up")
        _ip("netns", "exec", self.ns, "ip", "addr", "add", f"{self.there}/30", "dev", self.inner)
        _ip("netns", "exec", self.ns, "ip", "link", "set", self.inner, "up")
        _ip("netns", "exec", self.ns, "ip", "link", "set", "lo", "up")
        return self

    def cut(self) -> None:
        _ip("link", "set", self.outer, "down")

    def heal(self) -> None:
        _ip("link", "set", self.outer, "up")

    def command(self, args: Sequence[str]) -> list[str]:
        """`args` run inside the host."""
        return ["ip", "netns", "exec", self.ns, *args]

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            _ip("netns", "del", self.ns)  # takes its end of the veth, and so the pair
        with contextlib.suppress(subprocess.CalledProcessError):
            _ip("link", "del", self.outer)


@contextlib.contextmanager
def own_host(n: int) -> Iterator[Host]:
    if not can_make_hosts():
        if os.environ.get("CI"):
            pytest.fail("network namespaces need root and iproute2 (ip)")
        pytest.skip("network namespaces need root and iproute2 (ip)")
    host = Host(n)
    try:
        yield host.make()
    finally:
        host.remove()
