"""Writing a file so that nothing is ever half-written: a temporary file beside it, then renamed."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from egenkontroll.errors import UserError

__all__ = ["write_atomically"]


def write_atomically(target: Path, save: Callable[[Path], object]) -> Path:
    """Let *save* write a temporary file beside *target*, then put it in *target*'s place; returns *target*.

    A failure leaves *target* as it was and removes the temporary file.

    Raises
    ------
    UserError
        When no file can be created in *target*'s folder.
    """
    try:
        descriptor, temporary = tempfile.mkstemp(suffix=f"{target.suffix}.tmp", dir=target.parent)
    except OSError as error:
        raise UserError(f"{target}: filen kan inte skrivas ({error.strerror}).") from error
    os.close(descriptor)
    try:
        save(Path(temporary))
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target
