"""Waiting for a condition with a bound, never for ever."""
import time


def wait_until(condition, timeout=20.0, interval=0.02):
    """The first truthy value of condition() within `timeout` seconds, polled every
    `interval`; None when there was none."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            return None
        time.sleep(interval)
