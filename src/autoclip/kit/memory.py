"""Handing freed memory back to the system between the stages of a generation."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc


def return_freed_memory() -> None:
    """Collect garbage, then ask glibc to give its free heap pages back (`malloc_trim`).

    Python and the native libraries it loads free into glibc's arenas, which keep the
    pages: a process's resident size stays at its high-water mark. The engine calls this
    where a large stage ends (the narration's voice, the visuals' cards) and before the
    render, whose encoder runs beside it. Where there is no glibc it does only the
    collection.
    """
    gc.collect()
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return
    trim = getattr(ctypes.CDLL(libc_name), "malloc_trim", None)
    if trim is not None:
        trim(0)
