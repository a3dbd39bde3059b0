"""Files on disk: atomic writes readable by others, checksums, and reading ``.npz`` archives with clear errors."""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

FILE_MODE = 0o644
"""Mode of every file dreamgym writes: readable by others (``tempfile.mkstemp`` alone would give 0600)."""

NPZ_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError)
"""What NumPy raises for a truncated or corrupt ``.npz`` archive (or one that needs pickle)."""


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Write ``path`` by calling ``write(temporary_path)`` on a temp file next to it, then renaming.

    A crash or an interruption never leaves half a file under ``path``, and the temp file is removed
    if ``write`` fails. The file gets mode :data:`FILE_MODE`. Missing folders are created.

    :raises NotADirectoryError: if a folder on the way to ``path`` is a file;
    :raises IsADirectoryError: if ``path`` is a folder;
    :raises PermissionError: if its folder is not writable (each naming the path and what is expected).
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(descriptor)
    except OSError as error:
        raise write_error(path, error) from error
    temporary = Path(name)
    try:
        write(temporary)
        os.chmod(temporary, FILE_MODE)
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise write_error(path, error) from error
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def write_error(path: Path, error: OSError) -> OSError:
    """An error of the same kind as ``error`` (raised writing ``path``) whose message names the path and the fix."""
    if path.is_dir():
        return IsADirectoryError(f"Cannot write {path}: it is an existing folder; expected a file path.")
    blocking = next((folder for folder in path.parents if folder.exists() and not folder.is_dir()), None)
    if blocking is not None:
        return NotADirectoryError(f"Cannot write {path}: {blocking} is a file; expected a folder there (or a path whose folders can be created).")
    if isinstance(error, PermissionError):
        return PermissionError(f"Cannot write {path}: permission denied ({error.strerror}); expected a folder you may write to.")
    return type(error)(f"Cannot write {path}: {error.strerror or error}.")


def atomic_write_json(path: str | Path, payload, sort_keys: bool = False) -> Path:
    """Write ``payload`` as indented JSON through :func:`atomic_write`."""
    import json

    def write(temporary: Path) -> None:
        with open(temporary, "w") as handle:
            json.dump(payload, handle, indent=2, sort_keys=sort_keys)

    return atomic_write(path, write)


def sha256_file(path: str | Path) -> str:
    """The sha256 hex digest of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_npz(
    path: str | Path, required: Iterable[str], error: type[Exception], what: str, skip: Iterable[str] = ()
) -> dict[str, np.ndarray]:
    """Every array of the ``.npz`` archive at ``path`` (except ``skip``), read without pickle.

    :param required: arrays that must be present.
    :param skip: arrays not to read (not even decompressed).
    :param error: the exception class raised, with ``path`` in its message, for an unreadable,
        truncated or corrupt archive or a missing array.
    :param what: what the file should be, for the message (e.g. ``"dreamgym episode file"``).
    :raises FileNotFoundError: if ``path`` is not a file.
    """
    path, required, skip = Path(path), sorted(required), set(skip)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such {what} (missing, or not a file).")
    try:
        loaded = np.load(path, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise error(
                f"{path}: not a {what}: it holds a single NumPy array (a .npy file), not a .npz archive of named arrays."
            )
        with loaded as archive:
            missing = sorted(set(required) - set(archive.files))
            if missing:
                raise error(f"{path}: missing arrays {missing}; a {what} holds {required}.")
            return {key: archive[key] for key in archive.files if key not in skip}
    except NPZ_READ_ERRORS as problem:
        if isinstance(problem, error):
            raise
        raise error(f"{path}: not a readable {what}: truncated or corrupt ({type(problem).__name__}: {problem}).") from problem


def shipped_bundles_root() -> Path:
    """Where shipped bundles live: ``$DREAMGYM_ENVS`` if set, else the repository's ``envs/`` folder,
    which installs as the data package ``dreamgym_envs`` (so installed wheels find it too)."""
    override = os.environ.get("DREAMGYM_ENVS")
    if override:
        return Path(override)
    try:
        from importlib.resources import files

        return Path(str(files("dreamgym_envs")))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / "envs"
