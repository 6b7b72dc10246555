# SPDX-License-Identifier: GPL-2.0
#
# metrics_check.py: the gateway module's counters in liteauthd's metrics
# file (liteauthd(8), METRICS), for gateway.py, with liteauthd connected
# to liteauth.ko (netlink on, or the relay role) and metrics-file set:
#
#   import metrics_check
#   ok, detail = metrics_check.gateway_metrics(
#       PROM, lambda: gateway(admin)[0]['counters'])
#   check(ok, "the metrics file holds liteauth.ko's counters", detail)
#
# It reads the module's counters, waits for the next write of the file,
# reads them again, and checks with Prometheus' own parser
# (python3-prometheus-client) that liteauth_gateway_up is 1 and that
# every counter is liteauth_gateway_NAME_total, typed counter, between
# the two reads.
import os
import re
import time

from prometheus_client.parser import text_string_to_metric_families


def _written_after(path, t, seconds):
    """The text of @path once written after time.time() @t, or None."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            if os.stat(path).st_mtime > t:
                with open(path) as f:
                    return f.read()
        except FileNotFoundError:
            pass
        time.sleep(0.05)
    return None


def gateway_metrics(path, read_counters, relay=False, seconds=20):
    """(ok, detail): @read_counters() gives the module's counters as
    {name: value} (YNL's names, liteauth show counters' names); @relay:
    the relay's counters (liteauth_relay_*_total) must be there too."""
    t = time.time()
    before = dict(read_counters())
    text = _written_after(path, t, seconds)
    after = dict(read_counters())
    if text is None:
        return False, f'{path} not written in {seconds} s'
    try:
        fams = list(text_string_to_metric_families(text))
    except ValueError as e:
        return False, f'the parser refuses {path}: {e}'
    values = {s.name: s.value for f in fams for s in f.samples}
    bad = []
    if values.get('liteauth_gateway_up') != 1:
        bad.append(f"liteauth_gateway_up {values.get('liteauth_gateway_up')}")
    for name in after:
        m = 'liteauth_gateway_' + re.sub('[^a-zA-Z0-9_]', '_', name) + \
            '_total'
        v = values.get(m)
        if f'\n# TYPE {m} counter\n{m} ' not in text:
            bad.append(f'{m}: missing, or not a counter')
        elif not before.get(name, 0) <= v <= after[name]:
            bad.append(f'{m} {v}: not between {before.get(name)} and '
                       f'{after[name]}')
    n = sum(1 for k in values if k.startswith('liteauth_gateway_') and
            k.endswith('_total'))
    if n != len(after) or len(after) < 30:
        bad.append(f'{n} liteauth_gateway_*_total, {len(after)} counters')
    if relay and not any(k.startswith('liteauth_relay_') for k in values):
        bad.append('no liteauth_relay_*_total')
    return not bad, '\n'.join(bad)
