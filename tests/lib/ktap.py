# SPDX-License-Identifier: GPL-2.0
#
# The one KTAP result line of the Python tests, their tally, and the
# verdicts of scenarios made of several checks.

failures = 0
_checks = 0


def check(ok, what, detail=''):
    """Prints "ok - WHAT" or "not ok - WHAT" with DETAIL as comments."""
    global failures, _checks
    _checks += 1
    print(('ok - ' if ok else 'not ok - ') + what, flush=True)
    if not ok:
        failures += 1
        for line in str(detail).splitlines()[:20]:
            print('#   ' + line, flush=True)
    return ok


_scenario = None    # [name, checks, failures at its start]


def scenario(name=None):
    """Ends the scenario in progress with its own verdict, "ok - scenario:
    NAME (N checks)", ok only if every check since it began passed, and
    begins @name (none: just end it)."""
    global _scenario
    if _scenario:
        what, checks0, failures0 = _scenario
        n = _checks - checks0
        print(('ok' if failures == failures0 else 'not ok') +
              f' - scenario: {what} ({n} checks)', flush=True)
    _scenario = [name, _checks, failures] if name else None
