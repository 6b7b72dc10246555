# SPDX-License-Identifier: GPL-2.0
#
# The one KTAP result line of the Python tests, and their tally.

failures = 0


def check(ok, what, detail=''):
    """Prints "ok - WHAT" or "not ok - WHAT" with DETAIL as comments."""
    global failures
    print(('ok - ' if ok else 'not ok - ') + what, flush=True)
    if not ok:
        failures += 1
        for line in str(detail).splitlines()[:20]:
            print('#   ' + line, flush=True)
    return ok
