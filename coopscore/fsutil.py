"""Writing files so that a reader never sees half of one: a temporary file beside, then a rename."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path

# Temporary names start with this prefix, so a leftover from a killed process is recognisable
# and can never be mistaken for (or be) the final file.
TEMP_PREFIX = ".coopscore-tmp-"


def temp_path_beside(target: Path) -> Path:
    """A fresh, unused name in `target`'s folder (same filesystem: os.replace is atomic)."""
    handle, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".part", dir=target.parent)
    os.close(handle)
    return Path(name)


def remove_stale_temps(folder: Path, stem: str = "") -> None:
    """Delete leftovers of killed writes in `folder` (best effort: a busy one stays)."""
    for leftover in folder.glob(f"{TEMP_PREFIX}{stem}*"):
        with contextlib.suppress(OSError):
            leftover.unlink()


def write_atomic(path: str | Path, data: bytes) -> Path:
    """Write `data` to `path` all at once: `path` is either untouched or complete.

    The bytes go to a temporary file in the same folder, are flushed to disk, then renamed
    over `path`. On any failure (full disk, missing folder, no permission) the temporary
    file is removed and the OSError is raised; nothing is left at `path`.

    Raises:
        OSError: the folder is missing or not writable, or the disk is full.
    """
    target = Path(path)
    temp = None
    fd = _unnamed_file(target.parent)
    try:
        if fd is None:  # no O_TMPFILE here: a named temporary file, removed on failure
            temp = temp_path_beside(target)
            fd = os.open(temp, os.O_WRONLY)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
        # mkstemp makes a private file (0600); give it the mode a plain open() would.
        os.fchmod(fd, _mode_for(target))
        if temp is None:
            # The unnamed file gets a name only now, complete: a kill -9 before this line
            # leaves nothing behind; after it, only for the instant before the rename.
            temp = Path(tempfile.mktemp(prefix=TEMP_PREFIX, suffix=".part", dir=target.parent))
            # linkat(AT_SYMLINK_FOLLOW) through /proc names the open file (plain link() would
            # link the /proc symlink itself); src_dir_fd makes Python call linkat.
            proc = os.open("/proc/self/fd", os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.link(str(fd), temp, src_dir_fd=proc, follow_symlinks=True)
            finally:
                os.close(proc)
        os.replace(temp, target)
    except BaseException as error:
        if temp is not None:
            with contextlib.suppress(OSError):
                temp.unlink()
        if isinstance(error, OSError):
            # Name the file the person asked for, not the temporary one.
            raise OSError(error.errno, error.strerror, str(target)) from None
        raise
    finally:
        if fd is not None:
            os.close(fd)
    return target


def _unnamed_file(folder: Path) -> int | None:
    """A file descriptor of an unnamed file in `folder` (Linux O_TMPFILE), or None if unsupported.

    Raises:
        OSError: the folder is missing or not writable.
    """
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None or not Path("/proc/self/fd").is_dir():
        return None
    try:
        return os.open(folder if str(folder) else ".", flag | os.O_WRONLY, 0o600)
    except OSError as error:
        if error.errno in (errno.EOPNOTSUPP, errno.EINVAL, errno.EISDIR):
            return None
        raise OSError(error.errno, error.strerror, str(folder)) from None


def _mode_for(target: Path) -> int:
    """The existing file's mode, else 0666 less the process umask (read without changing it)."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        pass
    umask = 0o022
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                umask = int(line.split()[1], 8)
    return 0o666 & ~umask
