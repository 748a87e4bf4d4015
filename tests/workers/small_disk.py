"""A small disk of the test's own: a tmpfs with a size limit (`mount -t tmpfs -o size=...`, as
root), mounted on a directory the test gives, to fill (a filler file takes the free space, all of
it or all but what the test leaves) and to free again. Unmounted at the end."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


def can_mount() -> bool:
    """Whether this process may mount a tmpfs (root, with mount)."""
    return os.geteuid() == 0 and shutil.which("mount") is not None


class SmallDisk:
    def __init__(self, path: Path, size: int) -> None:
        self.path, self.size = path, size
        self._fillers: list[Path] = []

    def free_bytes(self) -> int:
        return shutil.disk_usage(self.path).free

    def fill(self, leave: int = 0) -> None:
        """Take the free space but `leave` bytes with a new filler file; with leave=0, every byte
        (then any write that needs a block fails with ENOSPC)."""
        filler = self.path / f".filler-{len(self._fillers)}"
        self._fillers.append(filler)
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            take = self.free_bytes() - leave
            if take > 0:
                os.posix_fallocate(fd, 0, take)
            if leave == 0:  # what others freed meanwhile, to the last block
                chunk = b"\0" * 4096
                while True:
                    try:
                        os.write(fd, chunk)
                    except OSError as exc:
                        if exc.errno != errno.ENOSPC:
                            raise
                        break
        finally:
            os.close(fd)

    def free(self) -> None:
        """Every filler removed: the space they took is free again."""
        for filler in self._fillers:
            filler.unlink(missing_ok=True)
        self._fillers.clear()


@contextlib.contextmanager
def small_disk(path: Path, size: int) -> Iterator[SmallDisk]:
    """A tmpfs of `size` bytes mounted on `path` (made if missing) for the block's time."""
    if not can_mount():
        if os.environ.get("CI"):
            raise RuntimeError("a small disk needs root (mount -t tmpfs), and CI runs as root")
        pytest.skip("a small disk of the test's own needs root (mount -t tmpfs)")
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path)],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    try:
        yield SmallDisk(path, size)
    finally:
        # lazily: a process the test killed may still hold a file open there for a moment
        subprocess.run(["umount", "-l", str(path)], check=False, capture_output=True, timeout=30)
