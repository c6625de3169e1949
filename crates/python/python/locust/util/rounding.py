"""locust.util.rounding: rounding half away from zero (not Python's banker's rounding)."""

import decimal


def proper_round(val, digits=0):
    """`val` rounded to `digits` decimals, halves away from zero, as a float."""
    quantum = decimal.Decimal(1).scaleb(-digits)
    return float(decimal.Decimal(repr(float(val))).quantize(quantum, rounding=decimal.ROUND_HALF_UP))
