"""Fixed-width hex digests read out of a file's bytes by arrays: the packs' and the scan tables' keys, tens of
thousands at a time, without a Python object per key."""

from __future__ import annotations

import numpy as np

DIGITS = 16  # hex digits in a uint64
# a hex digit's value by its byte; 255: not a hex digit as this code spells them (lower case: a key spelled
# otherwise was not written here, and copied through as it stands it would not be the bytes a clean build writes)
_NIBBLES = np.full(256, 255, dtype=np.uint8)
_NIBBLES[np.frombuffer(b"0123456789abcdef", dtype=np.uint8)] = np.arange(16, dtype=np.uint8)


def hex_uint64(raw: np.ndarray, starts: np.ndarray) -> np.ndarray | None:
    """The 16 lower-case hex digits at each start of `raw` (bytes as uint8) as a uint64; None when one is not."""
    values = np.zeros(len(starts), dtype=np.uint64)
    for offset in range(DIGITS):
        digits = _NIBBLES[raw[starts + offset]]
        if np.any(digits == 255):
            return None
        values = (values << np.uint64(4)) | digits.astype(np.uint64)
    return values
