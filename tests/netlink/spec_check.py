#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# spec_check.py KSRC: Documentation/netlink/specs/liteauth.yaml against
# the kernel's YNL tooling (KSRC, a Linux 6.12 source tree) and against
# uapi/linux/liteauth.h: the spec validates against the genetlink-c
# schema, loads in YNL, and every command, attribute and enum value it
# defines has the value the header gives the C name it generates.
# Prints KTAP lines.
import os
import subprocess
import sys
import tempfile

ksrc = sys.argv[1]
top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
spec_path = os.path.join(top, 'Documentation/netlink/specs/liteauth.yaml')
schema_path = os.path.join(ksrc, 'Documentation/netlink/genetlink-c.yaml')
sys.path.insert(0, os.path.join(ksrc, 'tools/net/ynl'))

import jsonschema  # noqa: E402
import yaml  # noqa: E402
from lib import SpecFamily  # noqa: E402


def ok(cond, what, detail=''):
    print(('ok - ' if cond else 'not ok - ') + what)
    if not cond:
        for line in str(detail).splitlines()[:20]:
            print('#   ' + line)
    return cond


spec = yaml.safe_load(open(spec_path))
try:
    jsonschema.validate(spec, yaml.safe_load(open(schema_path)))
    ok(True, 'the spec validates against the genetlink-c schema')
except jsonschema.ValidationError as e:
    ok(False, 'the spec validates against the genetlink-c schema', e.message)

try:
    fam = SpecFamily(spec_path, schema_path)
    ok(True, 'the spec loads in YNL')
except Exception as e:  # noqa: BLE001
    ok(False, 'the spec loads in YNL', e)
    sys.exit(0)


def cname(*parts):
    return '_'.join(parts).upper().replace('-', '_')


# (C expression from the header, value the spec gives it)
names = []
ops = spec['operations']
for op in fam.msgs.values():
    names.append((cname(ops['name-prefix'] + op.name), op.value))
for s in fam.attr_sets.values():
    if s.subset_of:
        continue
    prefix = s.yaml['name-prefix']
    for a in s.attrs.values():
        n = cname(prefix + a.name)
        if prefix == 'liteauth-cnt-a-':
            # The counters are numbered from 0 in enum liteauth_counter.
            n = '(%s + 1)' % cname('liteauth-cnt-' + a.name)
        names.append((n, a.value))
for d in spec['definitions']:
    e = fam.consts[d['name']]
    for entry in e.entries.values():
        v = entry.user_value() if e.type == 'flags' else entry.value
        names.append((cname(d['name-prefix'] + entry.name), v))

with tempfile.TemporaryDirectory() as tmp:
    src = os.path.join(tmp, 'names.c')
    with open(src, 'w') as f:
        f.write('#include <stdio.h>\n#include <linux/liteauth.h>\n'
                'int main(void)\n{\n')
        for n, v in names:
            if v is not None:
                f.write('\tprintf("%%s %%d %%d\\n", "%s", (int)(%s), %d);\n'
                        % (n.replace('"', ''), n, v))
        f.write('\treturn 0;\n}\n')
    exe = os.path.join(tmp, 'names')
    r = subprocess.run(['cc', '-Wall', '-I', os.path.join(top, 'uapi'), '-o',
                        exe, src], capture_output=True, text=True)
    if not ok(r.returncode == 0, 'every name the spec implies exists in the uapi header',
              r.stderr):
        sys.exit(0)
    out = subprocess.run([exe], capture_output=True, text=True).stdout
    bad = [l for l in out.splitlines() if l.split()[-1] != l.split()[-2]]
    ok(not bad, '%d values agree between the spec and the uapi header'
       % len(out.splitlines()), '\n'.join(bad))
