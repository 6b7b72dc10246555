#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# cli_test.py LITEAUTH LITEAUTHD LAPROTO: the liteauth tool's provisioning
# commands, their script-mode output (tab-separated, exact) and every
# error message a user can meet; then a device provisioned by the tool
# authenticates in direct mode against liteauthd --no-netlink on [::1].
# Prints KTAP lines.
import json
import os
import signal
import shutil
import socket
import subprocess
import sys
import tempfile
import time

LITEAUTH, LITEAUTHD, LAPROTO, DEVSIM = map(os.path.abspath, sys.argv[1:5])
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import ktap  # noqa: E402
from ktap import check  # noqa: E402
tmp = tempfile.mkdtemp()
os.chdir(tmp)
with open('pass', 'w') as f:
    f.write('a passphrase\n')
os.chmod('pass', 0o600)


# Typed JSON (liteauth(8), OUTPUT): each column's JSON type. A number
# column is a number or null, a time (and a status string) a string or
# null, the rest strings; status' number pairs are numbers or null.
JSON_NUM, JSON_OPT, JSON_STR = 'number or null', 'string or null', 'string'
JSON_COLS = {
    'suite': JSON_NUM, 'auths': JSON_NUM, 'count': JSON_NUM,
    'created': JSON_OPT, 'last-auth': JSON_OPT, 'time': JSON_OPT,
    'imported': JSON_NUM, 'skipped': JSON_NUM,
}
STATUS_STRINGS = ('version', 'role', 'store', 'checkpoint-error',
                  'last-check-result', 'last-backup-result')
json_seen, json_wrong = [], []


def json_type_ok(kind, v):
    if kind == JSON_NUM:
        return v is None or (type(v) is int and v >= 0)
    if kind == JSON_OPT:
        return v is None or type(v) is str
    return type(v) is str


def json_typed(args, out):
    """Every --json output the tests produce: parsed, each column typed."""
    json_seen.append(' '.join(args))
    try:
        objs = [json.loads(out)] if 'monitor' not in args else \
            [json.loads(l) for l in out.splitlines()]
    except ValueError as e:
        json_wrong.append(f'{" ".join(args)}: {e}: {out[:80]!r}')
        return
    rows = []
    for o in objs:
        rows += o if type(o) is list else [o]
    for r in rows:
        for k, v in r.items():
            if 'status' in args:
                kind = JSON_OPT if k in STATUS_STRINGS else JSON_NUM
            elif k == 'seconds':    # device import's, a float
                kind = None
            else:
                kind = JSON_COLS.get(k, JSON_STR)
            if kind and not json_type_ok(kind, v):
                json_wrong.append(f'{" ".join(args)}: {k} {v!r} is not a '
                                  f'{kind}')


def la(*args, stdin=None, db='db'):
    r = subprocess.run([LITEAUTH, '--db', db, '--passphrase-file', 'pass',
                        *args], input=stdin, capture_output=True, text=True)
    if '--json' in args and r.returncode == 0 and r.stdout and \
            '--help' not in args:
        json_typed(args, r.stdout)
    return r.returncode, r.stdout, r.stderr.strip()


def refused(args, message, stdin=None, what=None, db='db', status=1):
    """Refused with @message on stderr, nothing on stdout, exit @status:
    1 for a command that failed, 2 for a command line that is wrong."""
    rc, out, err = la(*args, stdin=stdin, db=db)
    check(rc == status and message in err and not out,
          'refused with a clear message: ' + (what or ' '.join(args)) +
          f' (status {status})', f'status {rc}, stderr "{err}"')


KEY_HINT = '(a key is exactly 32 hex digits: liteauth genkey makes one)'
ID_HINT = ("(an ID is 16 hex digits, like 00124b0001020304, or 8 pairs with "
           "':' or '-' between them)")


KD = '000102030405060708090a0b0c0d0e0f'
ID1, ID2, IDG = '00124b0001020304', '00124b0001020305', 'b827ebfffe000001'

refused(['device', 'list'], 'no key store at db yet', what='a missing store')
for cmd in (['show'], ['revoke', '--all'], ['monitor'], []):
    refused(cmd, 'the liteauth kernel module is not loaded: modprobe liteauth',
            what=' '.join(cmd or ['(no command: show)']) +
            ' without the module')
rc, key, _ = la('genkey')
check(rc == 0 and len(key.strip()) == 32 and
      int(key.strip(), 16) >= 0, 'genkey prints 32 hex digits')
for args in (['genkey', '--json'], ['--json', 'genkey']):
    rc, out, err = la(*args)
    try:
        obj = json.loads(out)
    except ValueError:
        obj = None
    check(rc == 0 and type(obj) is dict and list(obj) == ['key'] and
          len(obj['key']) == 32 and
          obj['key'].strip('0123456789abcdef') == '' and
          out == json.dumps(obj) + '\n',
          'liteauth ' + ' '.join(args) + ': {"key": "<32 hex digits>"}',
          out + err)
with open('k1', 'w') as f:
    f.write(KD + '\n')
os.chmod('k1', 0o600)

rc, _, err = la('device', 'add', ID1, '--key-file', 'k1', '--name',
                'boiler room')
check(rc == 0 and not err, 'device add with a key file')
rc, _, err = la('device', 'add', ID2, '--generate', '--key-file', 'k2')
st = os.stat('k2')
check(rc == 0 and st.st_mode & 0o777 == 0o600 and
      len(open('k2').read().strip()) == 32,
      'device add --generate writes a new key file only its owner reads')
rc, _, err = la('gateway', 'add', IDG, '--key-stdin', stdin=KD + '\n')
check(rc == 0, 'gateway add with the key on standard input', err)

refused(['device', 'add', ID1, '--key-file', 'k1'], 'already exists',
        what='adding an existing device')
refused(['device', 'add', '0012', '--key-file', 'k1'],
        'liteauth: the device ID is not an EUI-64: it has 4 hex digits, not 16 '
        + ID_HINT, what='a malformed ID', status=2)
refused(['device', 'add', '00124b00010203zz', '--key-file', 'k1'],
        'the device ID is not an EUI-64: character 15 is not a hex digit',
        what='an ID with non-hex digits', status=2)
with open('bad', 'w') as f:
    f.write('not a key\n')
refused(['device', 'add', '00124b0001020306', '--key-file', 'bad'],
        'liteauth: key file bad: not a key: character 1 is not a hex digit '
        + KEY_HINT, what='a malformed key file')
refused(['device', 'add', '00124b0001020306', '--key-stdin'],
        'liteauth: standard input: not a key: it is empty ' + KEY_HINT,
        stdin='', what='an empty key on standard input')
refused(['device', 'add', '00124b0001020306'], 'never taken from the command line',
        what='no key given', status=2)
# A process that holds the database (a stopped liteauth, say): a clear
# error within seconds, nothing changed, and all is well once it lets go.
hold = subprocess.Popen([LAPROTO, 'store-hold', 'db', 'pass', '120'],
                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                        text=True)
held = hold.stdout.readline().strip() == 'held'
t0 = time.time()
refused(['device', 'list'], 'is locked by another process (',
        what='listing a database another process holds')
refused(['device', 'add', '00124b0001020306', '--key-stdin'],
        'is locked by another process (', stdin=KD + '\n',
        what='adding to a database another process holds')
waited = time.time() - t0
hold.stdin.close()	# lets go
hold.wait()
rc, out, _ = la('device', 'list')
check(held and waited < 15 and rc == 0 and '00124b0001020306' not in out
      and ID1 in out, 'after the lock is released the store is as it was',
      f'{waited:.1f} s; {out}')
refused(['device', 'add', '00124b0001020306', '--key', KD],
        "unknown option '--key'", what='a key on the command line',
        status=2)
refused(['device', 'add', '00124b0001020306', '--generate', '--key-file',
         'k1'], 'liteauth: key file k1 exists already (--generate writes a '
        'new file, never over another)', what='--generate over an existing file')
check(open('k1').read() == KD + '\n', 'and that file is left as it was')
refused(['device', 'del', '00124b0001020399'], 'no device 00124b0001020399',
        what='deleting a missing device')
refused(['device', 'frobnicate', ID1], "unknown device subcommand",
        what='an unknown subcommand', status=2)
rc, _, err = la('frobnicate')
check(rc == 2 and "unknown command 'frobnicate'" in err and 'usage:' in err,
      'an unknown command gets the usage')
for args in (['help'], ['--help']):
    rc, out, err = la(*args)
    names = [l.split()[0] for l in out.splitlines()
             if l.startswith('  ') and not l.startswith('   ')]
    check(rc == 0 and out.startswith('usage: liteauth') and
          names == ['show', 'monitor', 'revoke', 'set', 'device', 'gateway',
                    'genkey', 'audit', 'check', 'backup', 'status'] and
          'import [--skip-existing]' in out and not err,
          f'liteauth {args[0]} prints the usage with every command', out + err)

os.chmod('k1', 0o644)
rc, _, err = la('device', 'add', '00124b0001020307', '--key-file', 'k1')
check(rc == 0 and 'readable by others' in err and 'chmod 600 k1' in err,
      'a key file others can read works, with a warning', err)
la('device', 'del', '00124b0001020307')
os.chmod('k1', 0o600)

rc, _, _ = la('device', 'disable', ID2)
rc, out, _ = la('device', 'list')
lines = [l.split('\t') for l in out.splitlines()]
check(rc == 0 and len(lines) == 2 and
      [l[0] for l in lines] == [ID1, ID2] and
      lines[0][1] == 'boiler room' and lines[0][2] == 'enabled' and
      lines[1][2] == 'disabled' and lines[0][5] == 'never' and
      lines[0][6] == '0' and lines[0][7] == '(hidden)' and
      all(len(l) == 8 for l in lines),
      'device list: tab-separated, keys hidden', out)
rc, out, _ = la('--show-keys', 'device', 'show', ID1)
check(out.split('\t')[7].strip() == KD, '--show-keys shows a key when asked')
rc, out, _ = la('--json', 'device', 'list')
j = json.loads(out)
check(len(j) == 2 and j[0]['id'] == ID1 and j[1]['state'] == 'disabled' and
      j[0]['key'] == '(hidden)', '--json device list', out)
rc, _, _ = la('device', 'rekey', ID2, '--key-file', 'k1')
rc, out, _ = la('--show-keys', 'device', 'show', ID2)
check(rc == 0 and out.split('\t')[7].strip() == KD and
      out.split('\t')[2] == 'disabled', 'rekey changes the key only')
la('device', 'enable', ID2)


# device import, into a store of its own: all or nothing.
def ilist():
    rc, out, _ = la('--show-keys', 'device', 'list', db='idb')
    return {l.split('\t')[0]: l.split('\t') for l in out.splitlines()}


def secret_file(name, text):
    with open(name, 'w') as f:
        f.write(text)
    os.chmod(name, 0o600)


KA, KB, KC = ('11' * 16, '22' * 16, '33' * 16)
IA, IB, IC, IN = ('00124b00000a0001', '00124b00000a0002', '00124b00000a0003',
                  '00124b00000a0004')
secret_file('good', f'# three sensors\n\n{IA} {KA}\n  {IB}\t{KB.upper()}  '
            f'boiler room \r\n{IC} {KC} x\n')
rc, out, err = la('device', 'import', 'good', db='idb')
d = ilist()
check(rc == 0 and out == '' and
      err.startswith('imported 3 devices (0 skipped) in ') and
      err.endswith(' s') and sorted(d) == [IA, IB, IC] and
      d[IA][1] == '' and d[IB][1] == 'boiler room' and d[IC][1] == 'x' and
      [d[i][7] for i in (IA, IB, IC)] == [KA, KB, KC] and
      all(v[2] == 'enabled' and v[5] == 'never' for v in d.values()),
      'device import: a file of devices, with names, comments and blank '
      'lines, creates the store; the devices, keys and names are listed',
      f'{rc} {out!r} {err}\n{d}')

secret_file('malformed', f'{IN} {KA}\n{IN[:-1]} {KA}\n{IN}1 {KB}\n'
            f'0012 zz\n00124b00000a0005 {KC[:-2]}\n00124b00000a0006\n'
            f'00124b00000a0007 {KC} {"n" * 64}\n')
rc, out, err = la('device', 'import', 'malformed', db='idb')
lines = err.splitlines()
check(rc == 1 and out == '' and len(lines) == 7 and
      lines[0] == 'liteauth: malformed:2: the ID is not an EUI-64: it has 15 '
      'hex digits, not 16 ' + ID_HINT and
      lines[1] == 'liteauth: malformed:3: the ID is not an EUI-64: it has 17 '
      'hex digits, not 16 ' + ID_HINT and
      lines[2] == 'liteauth: malformed:4: the ID is not an EUI-64: it has 4 '
      'hex digits, not 16 ' + ID_HINT and
      lines[3] == 'liteauth: malformed:5: not a key: it has 30 hex digits, '
      'not 32 ' + KEY_HINT and
      lines[4] == 'liteauth: malformed:6: no key after the ID '
      '(a line is ID KEY [NAME])' and
      lines[5] == 'liteauth: malformed:7: a name is at most 63 bytes, not 64'
      and
      lines[6] == 'liteauth: malformed: 6 errors: nothing imported' and
      KA not in err and KC[:-2] not in err and sorted(ilist()) == [IA, IB, IC],
      'device import of a file with malformed lines: each named by '
      'file:line, no key printed, nothing imported (not even the good line)',
      err)
secret_file('many-bad', 'x\n' * 25)
rc, out, err = la('device', 'import', 'many-bad', db='idb')
check(rc == 1 and err.count('the ID is not an EUI-64') == 20 and
      'many-bad:20:' in err and 'many-bad:21:' not in err and
      err.endswith('many-bad: 25 errors (the first 20 shown): '
                   'nothing imported'),
      'device import reports the first 20 bad lines and counts the rest', err)

secret_file('dup', f'{IN} {KA}\n# again:\n{IN} {KB}\n')
refused(['device', 'import', 'dup'],
        f'dup:3: device {IN} is on line 1 already', db='idb',
        what='device import of a file with an ID twice')
check(IN not in ilist(), 'and nothing of it is imported')

secret_file('existing', f'{IN} {KA} new\n{IB} {KC} renamed\n')
refused(['device', 'import', 'existing'],
        f'existing:2: device {IB} exists already (--skip-existing skips it)',
        db='idb', what='device import of a device the store has already')
d = ilist()
check(IN not in d and d[IB][1] == 'boiler room' and d[IB][7] == KB,
      'and nothing is imported, the device there left as it was')
rc, out, err = la('device', 'import', '--skip-existing', 'existing', db='idb')
d = ilist()
check(rc == 0 and err.startswith('imported 1 device (1 skipped) in ') and
      d[IN][1] == 'new' and d[IN][7] == KA and d[IB][1] == 'boiler room' and
      d[IB][7] == KB,
      'device import --skip-existing: the new device imported, the '
      'existing one skipped, counted and left as it was', err)

rc, out, err = la('device', 'import', stdin=f'00124b00000a0008 {KA}\n',
                  db='idb')
rc2, out2, err2 = la('device', 'import', '-', stdin=f'00124b00000a0009 {KB}',
                     db='idb')
d = ilist()
check(rc == 0 and rc2 == 0 and 'imported 1 device (0 skipped)' in err and
      'imported 1 device (0 skipped)' in err2 and
      d['00124b00000a0008'][7] == KA and d['00124b00000a0009'][7] == KB,
      'device import reads standard input without FILE or with -, a last '
      'line without its newline too', err + err2)
refused(['device', 'import'], 'liteauth: standard input:1: not a key: it '
        'has 31 hex digits, not 32 ' + KEY_HINT,
        stdin=f'00124b00000a000a {KA[:-1]}\n', db='idb',
        what='device import of a malformed line on standard input')

rc, out, err = la('--json', 'device', 'import', '--skip-existing', 'good',
                  stdin='', db='idb')
try:
    j = json.loads(out)
except ValueError:
    j = {}
check(rc == 0 and err == '' and j.get('imported') == 0 and
      j.get('skipped') == 3 and isinstance(j.get('seconds'), float) and
      0 <= j['seconds'] < 60,
      '--json device import prints {"imported", "skipped", "seconds"} on '
      'standard output, nothing else', f'{out!r} {err}')

os.chmod('existing', 0o644)
rc, _, err = la('device', 'import', '--skip-existing', 'existing', db='idb')
check(rc == 0 and 'key file existing is readable by others: chmod 600 '
      'existing' in err and 'imported 0 devices (2 skipped)' in err,
      'device import of a file others can read works, with a warning', err)
refused(['device', 'import', 'no-such-file'], 'liteauth: cannot read '
        'no-such-file: No such file or directory', db='idb', what='device import of a missing file')
refused(['device', 'import', 'good', 'dup'],
        "device import takes one FILE at most, not 'dup' too",
        db='idb', what='device import of two files', status=2)

secret_file('imaster', la('genkey')[1])
keys = subprocess.run([DEVSIM, 'keys', '--master', 'imaster', '--count',
                       '12000', '--first', '00124b0100000000'],
                      capture_output=True, text=True).stdout
rc, out, err = la('--json', 'device', 'import', stdin=keys, db='idb')
rc2, out2, _ = la('--show-keys', 'device', 'list', db='idb')
got = [l.split('\t') for l in out2.splitlines()
       if l.startswith('00124b01')]
check(rc == 0 and json.loads(out)['imported'] == 12000 and
      [f'{l[0]} {l[7]}' for l in got] == keys.splitlines(),
      'liteauth-devsim keys | liteauth device import: 12000 devices, over '
      'several transactions, each with its key', err)
# Another liteauth holds the store (one stopped while no liteauthd runs):
# the import is refused within seconds, the holder named, before it
# writes anything, with --skip-existing or not.
n0 = len(ilist())
hold = subprocess.Popen([LAPROTO, 'store-hold', 'idb', 'pass', '120'],
                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                        text=True)
held = hold.stdout.readline().strip() == 'held'
secret_file('held', ''.join(f'00124b00000b{i:04x} {KA}\n'
                            for i in range(3000)) + f'fe00000000000001 {KB}\n')
refused(['device', 'import', 'held'], 'is locked by another '
        'process (', db='idb', what='device import into a database another '
        'process holds')
refused(['device', 'import', '--skip-existing', 'held'], 'is '
        'locked by another process (', db='idb', what='device import '
        '--skip-existing into a database another process holds')
hold.stdin.close()	# lets go
hold.wait()
d = ilist()
check(held and len(d) == n0 and 'fe00000000000001' not in d and
      '00124b00000b0000' not in d, 'and nothing was imported', len(d))
rc, out, err = la('device', 'import', 'held', db='idb')
d = ilist()
check(rc == 0 and len(d) == n0 + 3001 and
      d['00124b00000b0bb7'][7] == KA and d['fe00000000000001'][7] == KB,
      'once it lets go, the same import goes through', err)
rc, _, err = la('gateway', 'import', stdin=f'{IDG} {KA} gw\n', db='idb')
rc2, out, _ = la('gateway', 'list', db='idb')
check(rc == 0 and 'imported 1 gateway (0 skipped)' in err and
      out.startswith(IDG + '\tgw\t'), 'gateway import', err + out)

# One key parser for every way a key comes in: exactly 32 hex digits,
# and in a file or on standard input one newline at most; each wrong
# key is refused with what is wrong, and nothing is added.
PID = '00124b00000c0001'
for text, why in (('', 'it is empty'),
                  (KD[:-1] + '\n', 'it has 31 hex digits, not 32'),
                  (KD + KD + '\n', 'it has 64 hex digits, not 32'),
                  ('0x' + KD + '\n', 'it starts with 0x: give the hex digits '
                   'alone'),
                  ('+' + KD[1:] + '\n', 'character 1 is not a hex digit'),
                  ('-' + KD[1:] + '\n', 'character 1 is not a hex digit'),
                  (' ' + KD + '\n', 'character 1 is not a hex digit'),
                  (KD[:16] + ' ' + KD[16:] + '\n',
                   'character 17 is not a hex digit'),
                  (KD + ' \n', 'it goes on after its 32 hex digits'),
                  (KD + '\n\n', 'it goes on after its 32 hex digits'),
                  (KD + '\0\n', 'it goes on after its 32 hex digits'),
                  (KD + '\n' + 'x' * 100, 'it is longer than a key')):
    secret_file('kbad', text)
    shown = repr(text[:40])
    refused(['device', 'add', PID, '--key-file', 'kbad'],
            'liteauth: key file kbad: not a key: ' + why + ' ' + KEY_HINT,
            db='pdb', what=f'a key file of {shown}')
    refused(['gateway', 'rekey', IDG, '--key-stdin'],
            'liteauth: standard input: not a key: ' + why + ' ' + KEY_HINT,
            stdin=text, db='pdb', what=f'a key of {shown} on standard input')
    refused(['set', '--gateway-id', IDG, '--gateway-key-file', 'kbad'],
            'liteauth: key file kbad: not a key: ' + why + ' ' + KEY_HINT,
            db='pdb', what=f'liteauth set with a gateway key file of {shown}')
    line = text[:-1] if text.endswith('\n') else text
    if line and not any(c in line for c in ' \n\0'):	# a key field alone
        refused(['device', 'import'], 'liteauth: standard input:1: not a key: '
                + why + ' ' + KEY_HINT, stdin=f'{PID} {line}\n', db='pdb',
                what=f'device import of a line with the key {line[:40]!r}')
check(not os.path.exists('pdb'), 'and none of them created the store')
for text in (KD, KD + '\n', KD + '\r\n', KD.upper() + '\n'):
    secret_file('kgood', text)
    rc, _, err = la('device', 'add', PID, '--key-file', 'kgood', db='pdb')
    rc2, out, _ = la('--show-keys', 'device', 'show', PID, db='pdb')
    la('device', 'del', PID, db='pdb')
    check(rc == 0 and not err and out.split('\t')[7].strip() == KD,
          f'a key file of {text!r} is the key', err)
rc, _, err = la('set', '--gateway-id', IDG, '--gateway-key-file', 'kgood',
                db='pdb')
check(rc == 1 and 'the liteauth kernel module is not loaded' in err,
      'liteauth set takes the same key file (and then needs the module)', err)

# One ID parser: 16 hex digits, or 8 pairs with ':' or '-' between each
# (the same throughout), for every command that takes one.
for text in ('00:12:4b:00:00:0c:00:02', '00-12-4B-00-00-0C-00-02',
             '00124B00000C0002'):
    rc, _, err = la('device', 'add', text, '--key-stdin', stdin=KD, db='pdb')
    rc2, out, _ = la('device', 'list', db='pdb')
    la('device', 'del', '00124b00000c0002', db='pdb')
    check(rc == 0 and out.startswith('00124b00000c0002\t'),
          f'the ID {text} is 00124b00000c0002', err + out)
for text, why in (('', 'it is empty'),
                  ('0012', 'it has 4 hex digits, not 16'),
                  ('00124b00000c00021', 'it has 17 hex digits, not 16'),
                  ('0x124b00000c0002', 'it starts with 0x: give the hex '
                   'digits alone'),
                  ('-0124b00000c0002', 'character 1 is not a hex digit'),
                  ('00:12:4b:00-00:0c:00:02',
                   "character 12 is not ':' as between the other pairs"),
                  ('00:12:4b:00:00:0c:00:0g', 'character 23 is not a hex '
                   'digit'),
                  ('0012:4b00:000c:0002', 'character 5 is not a hex digit'),
                  ('00124b00 000c0002', 'character 9 is not a hex digit')):
    # An ID may start with '-' (refused): after --, it is an argument.
    for args, what in ((['device', 'add', '--key-stdin', '--', text],
                        'the device ID'),
                       (['gateway', 'del', '--', text], 'the gateway ID'),
                       (['revoke', '--', text], 'the device ID'),
                       (['audit', '--device', text], '--device'),
                       (['set', '--gateway-id', text, '--gateway-key-stdin'],
                        '--gateway-id')):
        refused(args, f'liteauth: {what} is not an EUI-64: {why} {ID_HINT}',
                stdin=KD, db='pdb', status=2,
                what=f'{args[0]} {args[1]} with the ID {text!r}')
    if text and ' ' not in text:
        refused(['device', 'import'], 'liteauth: standard input:1: the ID is '
                f'not an EUI-64: {why} {ID_HINT}', stdin=f'{text} {KD}\n',
                db='pdb', what=f'device import of the ID {text!r}')

# --generate: the key file appears, mode 0600, only when the store has
# taken its key; a command that fails leaves no file (nor a temporary
# one), and never writes over a file that is there.
rc, _, err = la('device', 'add', PID, '--key-stdin', stdin=KD, db='pdb')
before = sorted(os.listdir('.'))
refused(['device', 'add', PID, '--generate', '--key-file', 'gen1'],
        f'liteauth: device {PID} already exists', db='pdb',
        what='device add --generate of a device the store has')
refused(['device', 'rekey', '00124b00000c0009', '--generate', '--key-file',
         'gen1'], 'liteauth: no device 00124b00000c0009', db='pdb',
        what='device rekey --generate of a device the store has not')
refused(['device', 'add', '00124b00000c0003', '--generate', '--key-file',
         'gen1', '--name', 'n' * 64], '--name: a name is at most 63 bytes',
        db='pdb', status=2, what='device add --generate with a name too long')
refused(['device', 'add', '00124b00000c0003', '--generate', '--key-file',
         'no-such-dir/gen1'], 'liteauth: cannot create key file '
        'no-such-dir/gen1: No such file or directory', db='pdb',
        what='device add --generate into a missing directory')
hold = subprocess.Popen([LAPROTO, 'store-hold', 'pdb', 'pass', '120'],
                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                        text=True)
held = hold.stdout.readline().strip() == 'held'
refused(['device', 'add', '00124b00000c0003', '--generate', '--key-file',
         'gen1'], 'is locked by another process (', db='pdb',
        what='device add --generate into a database another process holds')
hold.stdin.close()
hold.wait()
check(held and sorted(os.listdir('.')) == before,
      'device add --generate that fails leaves no key file, nor a '
      'temporary one', sorted(set(os.listdir('.')) ^ set(before)))
secret_file('gen2', 'mine\n')
refused(['device', 'rekey', PID, '--generate', '--key-file', 'gen2'],
        'liteauth: key file gen2 exists already (--generate writes a new '
        'file, never over another)', db='pdb',
        what='device rekey --generate over an existing file')
check(open('gen2').read() == 'mine\n' and
      la('--show-keys', 'device', 'show', PID,
         db='pdb')[1].split('\t')[7].strip() == KD,
      'and the file and the key are as they were')
os.umask(0o022)
rc, _, err = la('device', 'rekey', PID, '--generate', '--key-file', 'gen1',
                db='pdb')
rc2, out, _ = la('--show-keys', 'device', 'show', PID, db='pdb')
check(rc == 0 and os.stat('gen1').st_mode & 0o777 == 0o600 and
      open('gen1').read() == out.split('\t')[7].strip() + '\n' and
      sorted(os.listdir('.')) == sorted(before + ['gen1', 'gen2']),
      'device rekey --generate writes the new key to a file of mode 0600 '
      '(umask 022), and nothing else', err)

# A command line that is wrong: a clear message, status 2, nothing done.
for args, msg in (
        (['device', 'add'], 'device add takes an ID'),
        (['device', 'list', 'x'], "unexpected argument 'x'"),
        (['device', 'show', PID, 'x'], "unexpected argument 'x'"),
        (['device', 'add', PID, '--key-file'],
         "option '--key-file' needs a value"),
        (['device', 'add', PID, '--key-file', 'a', '--key-file', 'b'],
         '--key-file is given twice'),
        (['device', 'add', PID, '--key-stdin', 'x'],
         "unexpected argument 'x'"),
        (['device', 'add', PID, '--key-stdin', '--key-file', 'k1'],
         'give the key with one of'),
        (['device', 'add', PID, '--generate', '--key-stdin'],
         'give the key with one of'),
        (['device', 'rekey', PID, '--key-stdin', '--name', 'x'],
         '--name is for add'),
        (['device', 'add', PID, '--key-stdin', '--name', 'n' * 64],
         '--name: a name is at most 63 bytes, not 64'),
        (['device', 'add', PID, '--key-stdin', '--name', 'a\tb'],
         '--name: a name has no control characters (tabs, newlines): byte 2 '
         'is one'),
        (['device', 'add', PID, '--key-stdin', '--name', 'a\nb'],
         '--name: a name has no control characters'),
        (['device', 'import', '--bogus'],
         "unknown option '--bogus'"),
        (['gateway', 'frobnicate'], "unknown gateway subcommand 'frobnicate'"),
        (['genkey', 'x'], "unexpected argument 'x'"),
        (['show', 'x'], "unknown show 'x' (sessions, interfaces, counters, "
         "gateway)"),
        (['show', 'sessions', 'x'], "unexpected argument 'x'"),
        (['revoke'], 'revoke takes an ID, or --all'),
        (['revoke', '--all', 'x'], '--all or an ID, not both'),
        (['monitor', 'x'], "unexpected argument 'x'"),
        (['monitor', '--count'], "option '--count' needs a value"),
        (['monitor', '--count', '0'], '--count takes a number from 1 to '
         '2147483647'),
        (['monitor', '--count', '1x'], '--count takes a number from 1'),
        (['monitor', '--count', '-1'], '--count takes a number from 1'),
        (['monitor', '--count', '99999999999'],
         '--count takes a number from 1'),
        (['audit', '--since', '-1'], '--since takes a time as the audit '
         'prints it, 2026-12-01T21:00:00Z, a date, 2026-12-01, or Unix '
         "seconds, not '-1'"),
        (['audit', '--since', ' 5'], '--since takes a time as the audit'),
        (['audit', '--since', '99999999999999999999'],
         '--since takes a time as the audit'),
        (['audit', '--frob'], "unknown option '--frob'"),
        (['audit', 'x'], "unexpected argument 'x'"),
        (['set'], 'nothing to set'),
        (['set', 'x'], "unexpected argument 'x'"),
        (['set', '--frob'], "unknown option '--frob'"),
        (['set', '--bind', 'a', '--unbind', 'b'],
         'one --bind or --unbind at a time'),
        (['set', '--bind', 'i' * 16],
         '--bind: an interface name is at most 15 bytes'),
        (['set', '--gateway-id', IDG],
         '--gateway-id goes with one of --gateway-key-file F or '
         '--gateway-key-stdin'),
        (['set', '--gateway-key-stdin'], '--gateway-id goes with'),
        (['set', '--gateway-id', IDG, '--gateway-key-stdin',
          '--gateway-key-file', 'k1'], '--gateway-id goes with one of'),
        (['set', '--limit', 'rate-device'], '--limit takes NAME=VALUE'),
        (['set', '--limit', 'speed=1'], '--limit takes NAME=VALUE'),
        (['set', '--limit', 'rate-device='],
         '--limit rate-device takes a number from 0 to 4294967295'),
        (['set', '--limit', 'rate-device=-1'],
         '--limit rate-device takes a number from 0 to 4294967295'),
        (['set', '--limit', 'rate-device=4294967296'],
         '--limit rate-device takes a number from 0 to 4294967295'),
        (['set', '--limit', 'rate-device=0x10'],
         '--limit rate-device takes a number'),
        (['--frob'], "unknown option '--frob'"),
        (['--passphrase-file', 'p' * 4096, 'device', 'list'],
         '--passphrase-file: a path is at most 4095 bytes'),
        (['--db=', 'device', 'list'], '--db: the path is empty (a path is '
         '1 to 4095 bytes)'),
        (['--db', '', 'device', 'add', PID, '--key-stdin'],
         '--db: the path is empty'),
        (['device', 'list', '--db='], '--db: the path is empty'),
        (['--passphrase-file=', 'device', 'list'],
         '--passphrase-file: the path is empty (a path is 1 to 4095 bytes)'),
        (['device', 'add', PID, '--key-stdin', '--passphrase-file', ''],
         '--passphrase-file: the path is empty'),
        (['frobnicate'], "unknown command 'frobnicate'")):
    rc, out, err = la(*args, stdin=KD, db='pdb')
    first = err.splitlines()[0] if err else ''
    check(rc == 2 and not out and first.startswith('liteauth: ') and
          (msg is None or msg in first),
          'liteauth ' + ' '.join(a[:30] for a in args).encode(
              'unicode_escape').decode() + ': status 2, told why',
          f'status {rc}, stderr "{err[:300]}"')
rc, out, err = la('--db', 'd' * 4096, 'device', 'list')
check(rc == 2 and err.startswith('liteauth: --db: a path is at most 4095 '
                                 'bytes\nusage: liteauth '),
      'a --db path longer than a path: status 2, told so', err)
rc, out, err = la('set', '--bind', 'nosuch0')
check(rc == 1 and err == 'liteauth: no interface nosuch0',
      'a missing interface is a failure, status 1', err)
check(os.path.exists('pdb') and not os.path.exists('n' * 64),
      'none of them changed anything')

# Names: at most 63 bytes of UTF-8 text without control characters, on
# the command line and in an import file alike; never cut short.
for name, why in (('n' * 64, 'a name is at most 63 bytes, not 64'),
                  ('a\x7fb', 'a name has no control characters (tabs, '
                   'newlines): byte 2 is one'),
                  ('a\tb', 'a name has no control characters (tabs, '
                   'newlines): byte 2 is one'),
                  ('a\u0085b', 'a name has no control characters (tabs, '
                   'newlines): byte 2 is one')):
    refused(['device', 'import'], f'liteauth: standard input:1: {why}',
            stdin=f'00124b00000c0004 {KD} {name}\n', db='pdb',
            what=f'device import of the name {name[:20]!r}')
r = subprocess.run([LITEAUTH, '--db', 'pdb', '--passphrase-file', 'pass',
                    'device', 'add', '00124b00000c0004', '--key-stdin',
                    '--name', b'caf\xc3'], input=KD.encode(),
                   capture_output=True)
r2 = subprocess.run([LITEAUTH, '--db', 'pdb', '--passphrase-file', 'pass',
                     'device', 'import'], capture_output=True,
                    input=b'00124b00000c0004 ' + KD.encode() + b' caf\xc3\n')
check(r.returncode == 2 and r.stderr.startswith(b'liteauth: --name: a name '
                                                b'is UTF-8 text: byte 4 is '
                                                b'not\nusage: ') and r2.returncode == 1 and
      b'standard input:1: a name is UTF-8 text: byte 4 is not' in r2.stderr,
      'a name that is not UTF-8 is refused', r.stderr + r2.stderr)
# A line of an import file is at most 65535 bytes: one that long is read
# (blanks after its key), one a byte longer refuses the file.
line = f'00124b00000c0009 {KD}'
rc, _, err = la('device', 'import', stdin=line.ljust(65535) + '\n', db='ldb')
rc2, _, err2 = la('device', 'import', stdin=line.ljust(65536) + '\n',
                  db='ldb')
check(rc == 0 and rc2 == 1 and
      'standard input:1: a line longer than 65535 bytes' in err2,
      'device import: a line of 65535 bytes is read, one of 65536 refused',
      err + err2)
name = '\u00e9t\u00e9 ' + 'n' * 57	# 63 bytes
rc, _, err = la('device', 'add', '00124b00000c0004', '--key-stdin', '--name',
                name, stdin=KD, db='pdb')
rc2, out, _ = la('--json', 'device', 'show', '00124b00000c0004', db='pdb')
check(rc == 0 and len(name.encode()) == 63 and
      json.loads(out)[0]['name'] == name,
      'a name of 63 bytes of UTF-8 is kept whole', err + out)

# JSON: every list parses, numbers are JSON numbers, the rest strings.
rc, out, err = la('--json', 'device', 'list', db='pdb')
j = json.loads(out)
check(rc == 0 and len(j) == 2 and
      all(list(d) == ['id', 'name', 'state', 'suite', 'created',
                      'last-auth', 'auths', 'key'] and
          type(d['suite']) is int and type(d['auths']) is int and
          all(type(d[k]) is str for k in ('id', 'name', 'state', 'created',
                                           'key'))
          for d in j) and j[0]['auths'] == 0 and j[0]['suite'] == 1 and
      all(d['last-auth'] is None for d in j) and
      la('device', 'list', db='pdb')[1].split('\t')[5] == 'never',
      '--json device list: suite and auths are numbers, a device never '
      'authenticated has last-auth null (never in TSV), the rest strings',
      out)
rc, out, _ = la('--json', 'gateway', 'list', db='pdb')
check(rc == 0 and json.loads(out) == [], '--json gateway list of none: []',
      out)
rc, out, _ = la('--json', 'audit', db='pdb')
check(rc == 0 and json.loads(out) == [], '--json audit of none: []', out)

# A device provisioned by the tool authenticates against liteauthd.
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(('::1', 0))
port = s.getsockname()[1]
s.close()
log = open('liteauthd.log', 'w')
with open('liteauthd.conf', 'w') as f:
    f.write('audit-interval = 1\n')	# refusal summaries each second
d = subprocess.Popen([LITEAUTHD, '--db', 'db', '--passphrase-file', 'pass',
                      '--config', 'liteauthd.conf', '--no-netlink',
                      '--foreground', '--listen', '[::1]:%d' % port],
                     stderr=log)
rd = '1122334455667788'
hello = subprocess.run([LAPROTO, 'hello', KD, ID1, '00000001', rd],
                       capture_output=True, text=True).stdout.strip()
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.connect(('::1', port))
s.settimeout(0.3)
key = None
for _ in range(30):
    try:
        s.send(bytes.fromhex(hello))
        key = s.recv(256)
        break
    except (socket.timeout, ConnectionRefusedError):
        time.sleep(0.1)	# liteauthd is still starting
confirm = subprocess.run([LAPROTO, 'device-confirm', KD, rd, key.hex()],
                         capture_output=True, text=True).stdout.strip() \
    if key else ''
ack = None
if confirm:
    s.send(bytes.fromhex(confirm))
    try:
        ack = s.recv(256)
    except socket.timeout:
        pass
    time.sleep(0.3)
check(ack is not None and ack[0] == 0x38 and
      subprocess.run([LAPROTO, 'device-ack', KD, rd, key.hex(), ack.hex()],
                     capture_output=True).returncode == 0,
      "liteauthd answers the device's CONFIRM with an ACK that verifies",
      ack)
rc, out, _ = la('device', 'show', ID1)
check(key is not None and len(key) == 46 and out.split('\t')[6] == '1' and
      out.split('\t')[5] != 'never',
      'a device the tool provisioned authenticates against liteauthd, '
      'and show counts it while the daemon runs', out)
rc, out, _ = la('audit')
rows = [l.split('\t') for l in out.splitlines()]
check(rc == 0 and len(rows) == 1 and rows[0][3] == ID1 and
      rows[0][4] == 'authenticated' and rows[0][2] == '-',
      'audit shows the authentication', out)
rc, out, _ = la('--json', 'audit')
j = json.loads(out)
check(rc == 0 and len(j) == 1 and j[0]['seq'] == rows[0][0] and
      type(j[0]['seq']) is str and j[0]['count'] == 1 and
      type(j[0]['count']) is int and j[0]['device'] == ID1 and
      j[0]['proof'] == 'proven',
      '--json audit: count is a number, seq (r1 for a summary) a string',
      out)
rc, out, _ = la('audit', '--device', ID2)
check(rc == 0 and out == '', 'audit --device filters')
# Many simulated devices (the device library), provisioned by the tool.
rc, master, _ = la('genkey')
with open('master', 'w') as f:
    f.write(master)
keys = subprocess.run([DEVSIM, 'keys', '--master', 'master', '--count',
                       '20'], capture_output=True, text=True).stdout
ok = True
for line in keys.splitlines():
    i, k = line.split()
    ok = ok and la('device', 'add', i, '--key-stdin', stdin=k + '\n')[0] == 0
check(ok and len(keys.splitlines()) == 20,
      'liteauth-devsim keys provisions 20 devices through the tool')


def devsim(*args):
    r = subprocess.run([DEVSIM, 'udp', '--server', '[::1]:%d' % port,
                        '--master', 'master', '--state', 'devsim.state',
                        '--count', '20', *args],
                       capture_output=True, text=True)
    return r.returncode, r.stdout.strip().splitlines()[-1:] or ['']


rc, last = devsim('--wrong-key', '2', '--timeout', '3')
check(rc == 0 and last[0].startswith('18 authenticated, 2 failed'),
      'devsim: 18 devices authenticate over UDP, the 2 with a wrong key fail',
      last)
time.sleep(2.5)	# an audit interval, and its summaries written
rc, out, _ = la('audit')
res = [l.split('\t')[4:8] for l in out.splitlines()]
check(res.count(['authenticated', '-', '1', 'proven']) == 19 and
      sum(int(r[2]) for r in res
          if r[:2] == ['refused', 'drop-auth']) >= 2 and
      all(r[3] == 'claimed' for r in res if r[:2] == ['refused',
                                                      'drop-auth']),
      'the audit log has them all, refusals summarised with their reason, '
      'count and proof (claimed)', out[-400:])
rc, last = devsim('--loss', '10', '--timeout', '40', '--concurrency', '5')
check(rc == 0 and last[0].startswith('20 authenticated, 0 failed'),
      'devsim with 10% of datagrams lost each way: all authenticate',
      last)

# While liteauthd runs, the tool's calls go through it (its control
# socket): the passphrase file is liteauthd's business, not the tool's.
# What each writes is kept: 20 devices authenticate while the tool writes
# their records (enable, over and over), and every authentication is
# counted, every write done.
def total_auths():
    rc, out, _ = la('device', 'list')
    return sum(int(l.split('\t')[6]) for l in out.splitlines())


r = subprocess.run([LITEAUTH, '--db', 'db', '--passphrase-file',
                    'no-such-file', 'device', 'show', ID1],
                   capture_output=True, text=True)
check(r.returncode == 0 and r.stdout.startswith(ID1),
      'with liteauthd running, liteauth asks it: no passphrase needed',
      r.stderr)
# The lock is the directory's: a DIR/lock removed (a tired operator's
# "stale lock") lets no second process open the store beside liteauthd.
os.unlink('db/lock')
rc, _, err = la('device', 'add', '00124b00000e0001', '--key-stdin', stdin=KD)
rc2, out, _ = la('--passphrase-file', 'no-such-file', 'device', 'show',
                 '00124b00000e0001')
r = subprocess.run([LITEAUTHD, '--db', 'db', '--passphrase-file', 'pass',
                    '--no-netlink', '--foreground', '--config', '/dev/null',
                    '--listen', '[::1]:0'], capture_output=True, text=True,
                   timeout=10)
la('device', 'del', '00124b00000e0001')
check(rc == 0 and rc2 == 0 and out.startswith('00124b00000e0001') and
      r.returncode == 1 and 'in use by another liteauthd' in r.stderr,
      'DIR/lock removed under liteauthd: the tool still goes through it, '
      'a second liteauthd is still refused', f'{err} {r.stderr[-200:]}')
before = total_auths()
sim = subprocess.Popen([DEVSIM, 'udp', '--server', '[::1]:%d' % port,
                        '--master', 'master', '--state', 'devsim.state',
                        '--count', '20', '--timeout', '20'],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
writes = 0
while sim.poll() is None:
    for line in keys.splitlines()[:5]:
        writes += la('device', 'enable', line.split()[0])[0] == 0
sim_out, _ = sim.communicate()
after = total_auths()
check(sim.returncode == 0 and '20 authenticated, 0 failed' in sim_out and
      after == before + 20 and writes >= 5,
      'devices authenticate while the tool writes their records: no '
      'authentication is lost, no write fails',
      f'{sim_out.strip()[-80:]}; auths {before} -> {after}; {writes} writes')

def free_port(host):
    """A UDP port free on @host, for a liteauthd to listen on."""
    sk = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    sk.bind((host, 0))
    free = sk.getsockname()[1]
    sk.close()
    return free


def serve(db, listen):
    """liteauthd on store @db, without netlink, listening on @listen."""
    return subprocess.Popen([LITEAUTHD, '--db', db, '--passphrase-file',
                             'pass', '--no-netlink', '--foreground',
                             '--config', '/dev/null', '--listen', listen],
                            stderr=subprocess.PIPE, text=True)


# A backup taken while devices authenticate (liteauthd takes it between
# two wakeups) is a store that checks whole and serves them.
sim = subprocess.Popen([DEVSIM, 'udp', '--server', '[::1]:%d' % port,
                        '--master', 'master', '--state', 'devsim.state',
                        '--count', '20', '--timeout', '20'],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
rc, _, err = la('backup', 'bk1')
sim_out, _ = sim.communicate()
rc2, _, err2 = la('check', db='bk1')
port3 = free_port('::1')
d3 = serve('bk1', '[::1]:%d' % port3)
time.sleep(0.5)
shutil.copy('devsim.state', 'devsim3.state')
r3 = subprocess.run([DEVSIM, 'udp', '--server', '[::1]:%d' % port3,
                     '--master', 'master', '--state', 'devsim3.state',
                     '--count', '20', '--timeout', '20'],
                    capture_output=True, text=True)
d3.terminate()
d3.wait()
check(rc == 0 and 'backed up db to bk1' in err and
      '20 authenticated, 0 failed' in sim_out and rc2 == 0 and
      '20 authenticated, 0 failed' in r3.stdout,
      'liteauth backup while 20 devices authenticate: they all do, and the '
      'copy checks whole and serves them', f'{err} {err2} {r3.stdout[-80:]}')
rc, _, err = la('backup', 'bk1')
check(rc == 1 and 'bk1 exists already' in err,
      'liteauth backup never writes over a directory', err)

# liteauth status: the running liteauthd's own state over its control
# socket, on a store of its own: 5 devices authenticate, and the counters,
# sessions and budgets say so; then its errors.
def status(*args, db='sdb'):
    rc, out, err = la('status', *args, db=db)
    pairs = [l.split('\t') for l in out.splitlines()]
    ok = all(len(p) == 2 for p in pairs)
    return rc, (dict(pairs) if ok else {}), [p[0] for p in pairs], out, err


refused(['status'], 'liteauth: liteauthd is not running on the key store '
        'nodb: there is no control socket nodb/control', db='nodb',
        what='status with no liteauthd (and no store)')
SN = 5
skeys = subprocess.run([DEVSIM, 'keys', '--master', 'master', '--count',
                        str(SN)], capture_output=True, text=True).stdout
rc, _, err = la('device', 'import', stdin=skeys, db='sdb')
refused(['status'], 'liteauthd is not running on the key store sdb: there '
        'is no control socket sdb/control', db='sdb',
        what='status on a store no liteauthd serves')
with open('status.conf', 'w') as f:
    # Small budgets of unknown devices, so that they show being spent.
    f.write('rate-unknown = 1\nburst-unknown = 10\n'
            'rate-global = 1\nburst-global = 20\n')
sport = free_port('::1')
t_start = time.time()
sd = subprocess.Popen([LITEAUTHD, '--db', 'sdb', '--passphrase-file', 'pass',
                       '--no-netlink', '--foreground', '--config',
                       'status.conf', '--listen', '[::1]:%d' % sport],
                      stderr=subprocess.DEVNULL)
for _ in range(100):
    rc, st0, names, out, err = status()
    if rc == 0 or sd.poll() is not None:
        break
    time.sleep(0.1)
version = la('--version')[1].split()[-1]
check(rc == 0 and not err and st0.get('pid') == str(sd.pid) and
      st0.get('version') == version and st0.get('role') == 'server' and
      st0.get('store') == 'sdb' and names[:5] ==
      ['pid', 'version', 'role', 'uptime-s', 'store'] and
      len(names) == len(set(names)) and
      int(st0.get('uptime-s', -1)) <= time.time() - t_start + 1,
      'status: liteauthd answers with its pid, version, role, uptime and '
      'store, one tab-separated name and value a line, each name once',
      out + err)
COUNTERS = ['hello', 'key-resent', 'confirmed', 'confirmed-gateway-word',
            'ack-resent', 'gw-confirm-repeat', 'gw-hello', 'gw-reject',
            'drop-malformed', 'drop-auth', 'drop-stale', 'drop-unknown',
            'drop-disabled', 'drop-gateway', 'drop-rate', 'drop-rate-unknown',
            'drop-rate-gateway', 'drop-ack-rate', 'drop-busy',
            'drop-no-handshake', 'drop-store', 'audit-overflow', 'sid-reused',
            'sid-full', 'sid-marks', 'sid-clash', 'store-retry',
            # Added last, so that the order of those before holds.
            'drop-confirm']
check(rc == 0 and [n for n in names if n in COUNTERS] == COUNTERS and
      all(st0[n] == '0' for n in COUNTERS) and st0['sessions'] == '0' and
      st0['device-states'] == '0' and st0['pending-max'] == '65536' and
      st0['tokens-unknown'] == '10' and st0['burst-unknown'] == '10' and
      st0['tokens-global'] == '20' and st0['control-clients'] == '1',
      'status before any device: every server counter, by the names '
      'liteauthd logs, at 0; no session; the budgets full', out)
sim = subprocess.run([DEVSIM, 'udp', '--server', '[::1]:%d' % sport,
                      '--master', 'master', '--state', 'status.state',
                      '--count', str(SN), '--timeout', '20'],
                     capture_output=True, text=True)
junk = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
junk.sendto(b'\x31junk', ('::1', sport))	# a HELLO of the wrong size
junk.close()
time.sleep(0.3)
rc, st1, names1, out, err = status()
check(sim.returncode == 0 and f'{SN} authenticated, 0 failed' in sim.stdout
      and rc == 0 and names1 == names and st1['hello'] == str(SN) and
      st1['confirmed'] == str(SN) and st1['sessions'] == str(SN) and
      st1['device-states'] == str(SN) and st1['sids'] == str(SN) and
      st1['sid-spaces'] == '1' and st1['pending'] == '0' and
      st1['drop-malformed'] == '1' and st1['tokens-unknown'] == '5' and
      st1['tokens-global'] == '15' and
      all(st1[n] == '0' for n in COUNTERS
          if n not in ('hello', 'confirmed', 'drop-malformed', 'sid-marks',
                       'key-resent', 'ack-resent')),
      f'status after {SN} devsim handshakes and a malformed datagram: '
      f'hello and confirmed {SN}, {SN} live sessions and SIDs, '
      'drop-malformed 1, the unknown and global budgets 5 spent',
      f'{sim.stdout[-100:]} {out}')
rc, out, err = la('--json', 'status', db='sdb')
try:
    j = json.loads(out)
except ValueError:
    j = {}
check(rc == 0 and out.count('\n') == 1 and list(j) == names and
      j['pid'] == sd.pid and j['hello'] == SN and j['confirmed'] == SN and
      j['sessions'] == SN and type(j['version']) is str and
      type(j['store']) is str and st1['last-check-result'] == '-' and
      j['last-check-result'] is None and j['last-backup-result'] is None and
      all(type(j[n]) is int for n in COUNTERS),
      '--json status: one object, the same names in the same order, '
      'numbers as JSON numbers, a value of none (- in TSV) null', out + err)
rc_c = la('check', db='sdb')[0]
rc_b = la('backup', 'sbk', db='sdb')[0]
rc, st2, _, out, err = status()
check(rc_c == 0 and rc_b == 0 and rc == 0 and
      st2['last-check-result'] == 'whole' and
      st2['last-backup-result'] == 'ok' and
      abs(int(st2['last-check']) - time.time()) < 30 and
      abs(int(st2['last-backup']) - time.time()) < 30 and
      st0['last-check'] == '0' and st0['last-backup-result'] == '-' and
      st2['store-failed'] == '0' and st2['checkpoint-thread'] == '1',
      'status tells the last check and backup liteauthd ran, and the '
      "store's health", out)
refused(['status', 'extra'], "unexpected argument 'extra'", db='sdb',
        status=2, what='status with an argument')
refused(['status', '--count', '1'], "unknown option '--count'", db='sdb',
        status=2, what='status with an option of another command')
rc, out, err = la('status', '--help', db='sdb')
check(rc == 0 and out == 'usage: liteauth status [--json]\n' and not err,
      'status --help: its usage line', out + err)
sd.kill()	# its control socket stays behind, and nothing answers on it
sd.wait()
refused(['status'], 'liteauthd is not running on the key store sdb: '
        'nothing answers on sdb/control', db='sdb',
        what='status after liteauthd was SIGKILLed')


def fake_daemon(db, answer):
    """A control socket at @db/control that answers one request with
    @answer(request): a liteauthd of another release."""
    os.makedirs(db, exist_ok=True)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    srv.bind(os.path.join(db, 'control'))
    srv.listen(1)
    pid = os.fork()
    if pid == 0:
        srv.settimeout(15)
        try:
            c, _ = srv.accept()
            c.settimeout(15)
            c.send(answer(c.recv(65536)))
            c.recv(1)	# until it closes
        finally:
            os._exit(0)
    srv.close()
    return pid


# An older liteauthd: the request is not one it knows (la_store_serve's
# -EOPNOTSUPP, with the header's op echoed).
pid = fake_daemon('olddb', lambda r: bytes([1, r[1], 0, 0]) +
                  (-95 & 0xffffffff).to_bytes(4, 'big'))
refused(['status'], 'does not know the status request: it is older than '
        'this liteauth ' + version, db='olddb',
        what='status from a liteauthd too old for it')
os.waitpid(pid, 0)
pid = fake_daemon('baddb', lambda r: bytes([1, r[1], 0, 0, 0, 0, 0, 1]) +
                  b'nBad\x001\x00')
refused(['status'], 'cannot read the status of liteauthd', db='baddb',
        what='status of an answer it cannot read')
os.waitpid(pid, 0)

# Re-keying never makes a HELLO captured before fresh again: a device keeps
# its CTR, and takes the one a key it had before reached; one whose
# firmware starts over at CTR 1 gets a key it never had with --reset-ctr.
# The daemon learns each change at once (it makes it).
def udp_key(hello_hex):
    s.settimeout(1)
    s.send(bytes.fromhex(hello_hex))
    try:
        return s.recv(256)
    except socket.timeout:
        return None


def mkhello(k, ctr, r=rd):
    return subprocess.run([LAPROTO, 'hello', k, ID1, '%08x' % ctr, r],
                          capture_output=True, text=True).stdout.strip()


def authenticate(k, ctr):
    """A handshake of ID1 under key @k with @ctr, to its ACK."""
    key = udp_key(mkhello(k, ctr))
    c = subprocess.run([LAPROTO, 'device-confirm', k, rd, key.hex()],
                       capture_output=True, text=True).stdout.strip() \
        if key else ''
    if not c:
        return False
    s.send(bytes.fromhex(c))
    try:
        a = s.recv(256)
    except socket.timeout:
        return False
    return subprocess.run([LAPROTO, 'device-ack', k, rd, key.hex(),
                           a.hex()], capture_output=True).returncode == 0


def rekey(k, *opts):
    r = la('device', 'rekey', ID1, '--key-stdin', *opts, stdin=k + '\n')
    d.send_signal(signal.SIGHUP)
    time.sleep(1)
    return r


def newkey():
    return la('genkey')[1].strip()


kn, kr, kx = newkey(), newkey(), newkey()
rc, _, err = rekey(kn)      # ID1 authenticated at CTR 1, under KD
k1, k2 = udp_key(mkhello(kn, 1)), udp_key(mkhello(kn, 2))
check(rc == 0 and 'keeps its CTR, 1' in err and k1 is None and
      k2 is not None and k2[0] == 0x32,
      'a re-keyed device keeps its CTR: under its new key CTR 1 is stale, '
      'CTR 2 gets a KEY', err)
rc, _, err = rekey(KD, '--reset-ctr')
check(rc == 1 and 'has had this key, up to CTR 1' in err and
      'nothing changed' in err and udp_key(mkhello(kn, 3)) is not None,
      'rekey --reset-ctr with a key the device had before is refused, '
      'and changes nothing', err)
rc, _, err = rekey(kr, '--reset-ctr')
k1 = udp_key(mkhello(kr, 1))
check(rc == 0 and not err and k1 is not None and k1[0] == 0x32,
      'a device whose firmware starts over, given a new key with '
      'rekey --reset-ctr, authenticates from CTR 1 again (after SIGHUP)',
      err)
check(udp_key(hello) is None, 'and its old HELLO replayed gets nothing')
captured = mkhello(kr, 5)
ok = authenticate(kr, 5)
rc, _, err = rekey(kx, '--reset-ctr')
rc2, _, err2 = rekey(kr)
check(ok and rc == 0 and rc2 == 0 and 'keeps its CTR, 5' in err2 and
      udp_key(captured) is None and udp_key(mkhello(kr, 6)) is not None,
      're-keyed back to a key it had: its CTR goes on from what that key '
      'reached, and a HELLO captured under it stays stale', err + err2)
la('device', 'del', ID1)
rc, _, err = la('device', 'add', ID1, '--key-stdin', stdin=kr + '\n')
d.send_signal(signal.SIGHUP)
time.sleep(1)
check(rc == 0 and 'had this key before: its CTR goes on from 5' in err and
      udp_key(captured) is None and udp_key(mkhello(kr, 7)) is not None,
      'deleted and added again with a key it had: a HELLO captured under '
      'it stays stale', err)

# Re-keyed with the key it has: nothing changes, its CTRs stay used.
rc, _, err = rekey(kr)
check(rc == 0 and 'already has this key: nothing changed' in err and
      udp_key(captured) is None,
      'rekey with the same key keeps the CTRs used: a captured HELLO '
      'stays stale', err)
rc, _, err = la('gateway', 'rekey', IDG, '--key-stdin', '--reset-ctr',
                stdin=kr + '\n')
check(rc == 2 and '--reset-ctr is for device rekey' in err,
      'rekey --reset-ctr is for devices only', err)

# Bad command lines get a clear error and status 2, before any traffic.
for args, msg in ((['--count', '1x'], "--count wants a number from 1 to"),
                  (['--loss', '101'], "--loss wants a number from 0 to 100"),
                  (['--first', '00124b'], "--first wants an ID of 16 hex"),
                  (['--concurrency', '-3'], "--concurrency wants a number")):
    r = subprocess.run([DEVSIM, 'udp', '--server', '[::1]:%d' % port,
                        '--master', 'master', '--count', '5', *args],
                       capture_output=True, text=True)
    check(r.returncode == 2 and msg in r.stderr and not r.stdout,
          'devsim ' + ' '.join(args) + ': refused with a clear error',
          r.stderr)
r = subprocess.run([DEVSIM, 'udp', '--server', '[::1]:%d' % port,
                    '--master', 'no-such-file', '--count', '5'],
                   capture_output=True, text=True)
check(r.returncode == 1 and 'cannot read master key no-such-file'
      in r.stderr, 'devsim without its master key says so', r.stderr)

d.terminate()
d.wait()

# Without CAP_NET_ADMIN its sockets get at most net.core.rmem_max: it says
# so when that is less than it wants (4 MiB), and starts all the same.
with open('/proc/sys/net/core/rmem_max') as f:
    small = int(f.read()) < 4 << 20
log2 = open('liteauthd2.log', 'w+')
d = subprocess.Popen(['setpriv', '--bounding-set=-net_admin',
                      '--inh-caps=-net_admin', LITEAUTHD, '--db', 'db',
                      '--passphrase-file', 'pass', '--no-netlink',
                      '--foreground', '--listen', '[::1]:%d' % port],
                     stderr=log2)
for _ in range(50):
    time.sleep(0.1)
    log2.seek(0)
    text = log2.read()
    if 'serving' in text or d.poll() is not None:
        break
d.terminate()
d.wait()
warned = 'a receive buffer of' in text and 'not 4096 KiB' in text
check(d.returncode == 0 and warned == small,
      'without CAP_NET_ADMIN, a receive buffer smaller than 4 MiB is '
      'logged (rmem_max %s 4 MiB)' % ('<' if small else '>='), text)

# liteauthd.conf: a line longer than the buffer, or a value longer than
# its setting holds, is an error naming the line, never cut or split into
# a second setting; ":port" listens on every address, IPv4 and IPv6.
def conf_refused(text, msg, what):
    with open('bad.conf', 'w') as f:
        f.write(text)
    r = subprocess.run([LITEAUTHD, '--config', 'bad.conf', '--db', 'db',
                        '--passphrase-file', 'pass', '--no-netlink',
                        '--foreground', '--listen', '[::1]:%d' % port],
                       capture_output=True, text=True, timeout=10)
    check(r.returncode == 1 and msg in r.stderr, what, r.stderr[-300:])


conf_refused('# ' + 'x' * 600 + ' life = 5\n',
             'bad.conf:1: line longer than 510 bytes',
             'liteauthd.conf: a line of 600 bytes is an error, not two lines')
conf_refused('db = /' + 'd' * 300 + '\n',
             'bad.conf:1: db must be 1 to 255 characters',
             'liteauthd.conf: a db path of 301 bytes is refused, not cut')
conf_refused('listen = [::1]:' + '1' * 130 + '\n',
             'bad.conf:1: listen must be 1 to 127 characters',
             'liteauthd.conf: a listen address of 145 bytes is refused')
conf_refused('# a comment\nlife = 5\0 or more\n',
             'bad.conf:2: a NUL byte: not a text file?',
             'liteauthd.conf: a NUL byte is an error, not the end of a value')
conf_refused('rate-device = -18446744073709551615\n',
             "bad.conf:1: bad value '-18446744073709551615' for rate-device",
             'liteauthd.conf: a number with a sign is refused, not wrapped')
port2 = free_port('::')
d = serve('db', ':%d' % port2)
bound = set()
for _ in range(50):
    time.sleep(0.1)
    for fam in ('udp', 'udp6'):
        with open('/proc/net/' + fam) as f:
            for line in f.readlines()[1:]:
                if int(line.split()[1].split(':')[1], 16) == port2:
                    bound.add(fam)
    if len(bound) == 2:
        break
d.terminate()
d.wait()
check(bound == {'udp', 'udp6'}, 'liteauthd --listen :PORT listens on IPv4 '
      'and IPv6 both', bound)

# --user: liteauthd sets up as root, then runs as that user with
# CAP_NET_ADMIN alone (and no other in its bounding set), no new
# privileges, and not dumpable (its /proc files stay root's). The store's
# directory must be that user's; the tool, as root, makes the store's
# files as their directory's owner.
la('device', 'add', '00124b00000d0001', '--key-stdin', stdin=KD, db='udb')
os.chmod(tmp, 0o711)
r = subprocess.run([LITEAUTHD, '--db', 'udb', '--passphrase-file', 'pass',
                    '--no-netlink', '--foreground', '--config', '/dev/null',
                    '--listen', '[::1]:%d' % port, '--user', 'nobody'],
                   capture_output=True, text=True, timeout=10)
check(r.returncode == 1 and 'database udb is not owned by user nobody: '
      'chown -R nobody: udb' in r.stderr,
      'liteauthd --user on a store another user owns: refused, told what '
      'to do', r.stderr[-200:])
subprocess.run(['chown', '-R', 'nobody:nogroup', 'udb'], check=True)
d = subprocess.Popen([LITEAUTHD, '--db', 'udb', '--passphrase-file', 'pass',
                      '--no-netlink', '--foreground', '--config', '/dev/null',
                      '--listen', '[::1]:%d' % port, '--user', 'nobody'],
                     stderr=subprocess.PIPE, text=True)
st = {}
for _ in range(50):
    time.sleep(0.1)
    try:
        with open('/proc/%d/status' % d.pid) as f:
            st = dict(l.rstrip('\n').split(':\t', 1) for l in f
                      if ':\t' in l)
    except OSError:
        break
    if st.get('Uid', '').split()[:1] == ['65534']:
        break
owner = os.stat('/proc/%d/status' % d.pid).st_uid if d.poll() is None else -1
rc, _, err = la('device', 'add', '00124b00000d0002', '--key-stdin', stdin=KD,
                db='udb')
# Its threads (the checkpoint's, la-checkpoint) have no more than it.
tasks = {}
try:
    for t in os.listdir('/proc/%d/task' % d.pid):
        with open('/proc/%d/task/%s/comm' % (d.pid, t)) as f:
            comm = f.read().strip()
        with open('/proc/%d/task/%s/status' % (d.pid, t)) as f:
            ts = dict(l.rstrip('\n').split(':\t', 1) for l in f
                      if ':\t' in l)
        tasks[comm] = (ts.get('Uid'), ts.get('CapEff'), ts.get('CapPrm'),
                       ts.get('CapBnd'), ts.get('NoNewPrivs'))
except OSError:
    pass
d.terminate()
d.wait()
check(len(tasks) == 2 and 'la-checkpoint' in tasks and
      len(set(tasks.values())) == 1,
      'liteauthd --user nobody: its checkpoint thread runs with the same '
      'user, capabilities and no new privileges as it', tasks)
check(st.get('Uid', '').split() == ['65534'] * 4 and
      int(st.get('CapEff', '0'), 16) == 1 << 12 and
      int(st.get('CapPrm', '0'), 16) == 1 << 12 and
      int(st.get('CapBnd', '0'), 16) == 1 << 12 and
      st.get('NoNewPrivs') == '1' and owner == 0 and rc == 0,
      'liteauthd --user nobody: runs as it, with CAP_NET_ADMIN alone, no '
      'new privileges, not dumpable; the tool goes through it',
      f"{st.get('Uid')} eff {st.get('CapEff')} bnd {st.get('CapBnd')} "
      f"nnp {st.get('NoNewPrivs')} /proc owner {owner}; {err}")
rc, _, err = la('device', 'add', '00124b00000d0003', '--key-stdin', stdin=KD,
                db='udb')
owners = {f: os.stat(os.path.join('udb', f)).st_uid
          for f in os.listdir('udb')}
check(rc == 0 and all(u == 65534 for f, u in owners.items()
                      if f != 'control'),
      "liteauth as root, no liteauthd: the store's files stay its "
      "directory's owner's", f'{err} {owners}')

# Upgrades: a liteauthd of the version before (it locked DIR/liteauthd.pid
# and shared its environment through region files) still running on the
# store: this version's tool refuses to open it, saying what to do.
import fcntl  # noqa: E402
with open('udb/liteauthd.pid', 'w') as f:
    f.write('4242\n')
    f.flush()
    fcntl.flock(f, fcntl.LOCK_EX)
    rc, _, err = la('device', 'list', db='udb')
check(rc == 1 and 'an older liteauthd (pid 4242) is running on udb' in err,
      'an older liteauthd still on the store: refused, told to restart it',
      err)
rc, out, err = la('device', 'list', db='udb')
check(rc == 0 and not os.path.exists('udb/liteauthd.pid'),
      'once it is gone, the store opens, and its liteauthd.pid goes', err)
# The passphrase policy is for new stores: one made before it opens with
# the passphrase it was made with, read as then (here: a blank line after
# it, which the policy refuses).
with open('pass') as f:
    p0 = f.read()
secret_file('pass2', p0.rstrip('\n') + '\n\n')
rc, _, err = la('--passphrase-file', 'pass2', 'device', 'list', db='udb')
rc2, _, err2 = la('--passphrase-file', 'pass2', 'device', 'add',
                  '00124b00000e0002', '--key-stdin', stdin=KD, db='newdb')
check(rc == 0 and rc2 == 1 and 'holds a control character' in err2 and
      not os.path.exists('newdb/devices.db'),
      'a passphrase file the policy refuses: an existing store opens with '
      'it, a new one is not made', err + err2)

# Damaged copies of a store, each table: a zeroed page, the file cut in
# half, garbled bytes. liteauth check names the table; liteauthd refuses
# to start, naming it; a list of that table fails, saying so; nothing
# hangs (each within 5 s), nothing claims a partial table whole.
# One grammar (issue 13): the global options before or after the command,
# its subcommand and arguments; -- ends the options; exit 2 with the
# reason and the command's usage line for every usage error; --help for
# each command; --version.
def run(*args, stdin=None):
    r = subprocess.run([LITEAUTH, *args], input=stdin, capture_output=True,
                       text=True)
    if '--json' in args and r.returncode == 0 and r.stdout and \
            '--help' not in args:
        json_typed(args, r.stdout)
    return r.returncode, r.stdout, r.stderr


rc, want, _ = la('--json', 'device', 'list')
for args in (['--json', 'device', 'list', '--db', 'db', '--passphrase-file',
              'pass'],
             ['device', 'list', '--json', '--db', 'db', '--passphrase-file',
              'pass'],
             ['device', '--db=db', 'list', '--passphrase-file', 'pass',
              '--json'],
             ['--db', 'db', 'device', '--json', '--passphrase-file=pass',
              'list']):
    rc, out, err = run(*args)
    check(rc == 0 and out == want and json.loads(out),
          'global options anywhere: liteauth ' + ' '.join(args), err)
rc, out, err = run('--db', 'db', 'device', 'show', ID2, '--show-keys',
                   '--passphrase-file', 'pass')
check(rc == 0 and out == la('--show-keys', 'device', 'show', ID2)[1] and
      len(out.split('\t')[7].strip()) == 32,
      'device show ID --show-keys (after the ID)', err)
rc, out, err = run('--db', 'db', '--passphrase-file', 'pass', '--', 'device',
                   'list', '--json')
check(rc == 2 and "unexpected argument '--json'" in err and not out,
      '-- ends the options: what follows is an argument', err)
# A "--" that is an option's value ends nothing: the store in "--", the
# passphrase in "--", and --json after them still an option.
rc, want, _ = la('--json', 'device', 'list')
os.symlink('db', '--')
rc, out, err = run('--passphrase-file', 'pass', '--db', '--', 'device',
                   'list', '--json')
check(rc == 0 and out == want,
      'liteauth --passphrase-file pass --db -- device list --json: -- is '
      'the store, --json an option', err)
rc, out, err = run('--passphrase-file', 'pass', 'device', '--db', '--',
                   'list', '--json')
check(rc == 0 and out == want,
      'liteauth device --db -- list --json: the same', err)
os.unlink('--')
secret_file('--', 'a passphrase\n')
rc, out, err = run('--db', 'db', '--passphrase-file', '--', 'device', 'list',
                   '--json')
check(rc == 0 and out == want,
      'liteauth --passphrase-file -- device list --json: -- is the file, '
      '--json an option', err)
rc, out, err = run('--db=db', '--passphrase-file', '--', '--', 'device',
                   'list', '--json')
check(rc == 2 and "unexpected argument '--json'" in err and not out,
      'liteauth --passphrase-file -- -- device list --json: the second -- '
      'ends the options', err)
os.unlink('--')
rc, out, err = run('audit', '--db', 'db', '--passphrase-file', 'pass',
                   '--json')
rc2, out2, _ = la('--json', 'audit')
check(rc == 0 and out == out2, 'audit --db D --passphrase-file F --json', err)
secret_file('kopt', KD + '\n')
rc, _, err = run('device', 'add', '--name', 'opts first', '--key-file',
                 'kopt', '00124b00000d0001', '--db', 'db',
                 '--passphrase-file', 'pass')
rc2, out, _ = la('device', 'show', '00124b00000d0001')
check(rc == 0 and out.split('\t')[1] == 'opts first',
      'device add: its options before the ID', err + out)
la('device', 'del', '00124b00000d0001')

usage_line = {'device': 'usage: liteauth device add ID',
              'gateway': 'usage: liteauth gateway the same subcommands',
              'audit': 'usage: liteauth audit [--since TIME] [--device ID]',
              'monitor': 'usage: liteauth monitor [--count N]',
              'revoke': 'usage: liteauth revoke ID|--all',
              'genkey': 'usage: liteauth genkey', 'check': 'usage: liteauth '
              'check', 'backup': 'usage: liteauth backup TARGET',
              'show': 'usage: liteauth show [sessions|',
              'set': 'usage: liteauth set [--bind|--unbind IFNAME]'}
for cmd, line in usage_line.items():
    rc, out, err = run(cmd, '--help')
    rc2, out2, err2 = run('help', cmd)
    rc3, out3, _ = la(cmd, '--help')
    check(rc == 0 and out.startswith(line) and not err and
          rc2 == 0 and out2 == out and rc3 == 0 and out3 == out,
          f'liteauth {cmd} --help and liteauth help {cmd} print its usage',
          out + err + err2)
for cmd, args, why in (
        ('device', [], 'device takes a subcommand'),
        ('gateway', [], 'gateway takes a subcommand'),
        ('device', ['list', '--frob'], "unknown option '--frob'"),
        ('device', ['list', '--key-file', 'k1'],
         'device list takes no --key-file'),
        ('device', ['del', ID1, '--name', 'x'], 'device del takes no --name'),
        ('device', ['import', '--name', 'x'],
         'device import takes --skip-existing alone'),
        ('device', ['add', ID1, '--key-stdin', '--skip-existing'],
         '--skip-existing is for import'),
        ('device', ['show'], 'device show takes an ID'),
        ('device', ['add', '-x', '--key-stdin'], "unknown option '-x' "
         "(liteauth has no short options: an argument starting with '-' "
         'goes after --)'),
        ('device', ['add', '-0124b00000c0002', '--key-stdin'],
         "unknown option '-0124b00000c0002'"),
        ('audit', ['--since'], "option '--since' needs a value"),
        ('audit', ['--since', '2026-12-01 21:00'], '--since takes a time'),
        ('audit', ['--since', '2026-02-29'], '--since takes a time'),
        ('audit', ['--since', '2026-12-01T24:00:00Z'], '--since takes a time'),
        ('audit', ['--since', '2026-12-01T21:00:00'], '--since takes a time'),
        ('audit', ['--since', '2026-12-01T21:00:00+01:00'],
         '--since takes a time'),
        ('audit', ['--device'], "option '--device' needs a value"),
        ('check', ['x'], "unexpected argument 'x'"),
        ('backup', [], 'backup takes a TARGET directory'),
        ('backup', ['a', 'b'], "unexpected argument 'b'"),
        ('genkey', ['--json', 'x'], "unexpected argument 'x'"),
        ('show', ['--count', '1'], "unknown option '--count'"),
        ('revoke', ['--all', ID1], '--all or an ID, not both'),
        ('set', ['--limit'], "option '--limit' needs a value"),
        ('device', ['list', '--db'], "option '--db' needs a value")):
    rc, out, err = la(cmd, *args, stdin='')
    lines = err.splitlines()
    check(rc == 2 and not out and len(lines) >= 2 and
          lines[0].startswith('liteauth: ' + why) and
          lines[1].startswith(usage_line[cmd]),
          f'liteauth {cmd} {" ".join(args)}: status 2, the reason and the '
          'usage line', f'status {rc}, stderr "{err}"')
for args, why in ((['frob'], "liteauth: unknown command 'frob'"),
                  (['help', 'frob'], "liteauth: unknown command 'frob'"),
                  (['--frob', 'device', 'list'],
                   "liteauth: unknown option '--frob'"),
                  (['--db'], "liteauth: option '--db' needs a value")):
    rc, out, err = la(*args)
    check(rc == 2 and not out and err.splitlines()[0] == why and
          err.splitlines()[1].startswith('usage: liteauth '),
          f'liteauth {" ".join(args)}: status 2, the reason and the usage',
          err)
for args in (['--version'], ['device', 'list', '--version'],
             ['audit', '--version']):
    rc, out, err = la(*args)
    check(rc == 0 and out == 'liteauth 0.9.0\n' and not err,
          f'liteauth {" ".join(args)} prints liteauth 0.9.0', out + err)
with open(os.path.join(os.path.dirname(LITEAUTH), '..', '..', 'tools', 'lib',
                       'version.h')) as f:
    release = [l.split('"')[1] for l in f if 'define LITEAUTH_RELEASE' in l]
check(release == ['0.9.0'], 'the version is LITEAUTH_RELEASE', release)

# audit --since: as the audit prints it, a date alone, or Unix seconds.
import calendar  # noqa: E402
rc, full, _ = la('audit')
times = [l.split('\t')[1] for l in full.splitlines()]
mid = times[len(times) // 2] if times else '2026-12-01T21:00:00Z'
secs = calendar.timegm(time.strptime(mid, '%Y-%m-%dT%H:%M:%SZ'))
rc, iso, err = la('audit', '--since', mid)
rc2, unix, _ = la('audit', '--since', str(secs))
check(rc == 0 and rc2 == 0 and iso == unix and times and
      all(l.split('\t')[1] >= mid for l in iso.splitlines()) and
      len(iso.splitlines()) == sum(t >= mid for t in times),
      f'audit --since {mid} is --since {secs}', err + iso)
day = mid[:10]
rc, out, err = la('audit', '--since', day)
rc2, out2, _ = la('audit', '--since',
                  str(calendar.timegm(time.strptime(day, '%Y-%m-%d'))))
check(rc == 0 and out == out2 and
      len(out.splitlines()) == sum(t >= day for t in times),
      f'audit --since {day}: from its midnight UTC', err)
rc, out, err = la('audit', '--since', '2099-12-31T23:59:59Z')
rc2, out2, _ = la('audit', '--since', '1970-01-01')
check(rc == 0 and out == '' and rc2 == 0 and out2 == full,
      'audit --since the future is empty, since 1970-01-01 is all', err)
rc, out, err = la('audit', '--since', '2024-02-29')
check(rc == 0, 'audit --since a leap day', err)

# A missing file is named as what it is.
os.makedirs('nopass', exist_ok=True)
for args, msg in (
        (['--passphrase-file', 'no-such-pass', 'device', 'list'],
         'liteauth: the passphrase file no-such-pass is missing: the key '
         "store's passphrase is read from it (--passphrase-file names "
         'another)'),
        (['--passphrase-file', 'no-such-pass', 'audit'],
         'liteauth: the passphrase file no-such-pass is missing'),
        (['--db', 'nowhere', '--passphrase-file', 'no-such-pass', 'check'],
         'liteauth: the passphrase file no-such-pass is missing'),
        (['--db', 'nowhere', 'device', 'list'],
         'liteauth: no key store at nowhere yet: `liteauth device add` (or '
         'gateway add) creates it; --db names another'),
        (['device', 'import', 'no-such-file'],
         'liteauth: cannot read no-such-file: No such file or directory'),
        (['device', 'add', '00124b00000d0002', '--key-file', 'no-such-key'],
         'liteauth: cannot read key file no-such-key: No such file or '
         'directory')):
    rc, out, err = run(*(['--db', 'db', '--passphrase-file', 'pass'] + args))
    check(rc == 1 and not out and err.splitlines()[0].startswith(msg) and
          ('no key store' not in err or 'nowhere yet' in msg),
          'a missing file is named: ' + ' '.join(args), err)
check(not os.path.exists('nowhere'), 'and no store is made for them')

# Names with a tab, a newline or another control byte: refused by add and
# import alike (la_name_check), nothing added.
for name in ('a\tb', 'a\nb', 'a\rb', 'a\x1bb', 'a\x01', '\x7f'):
    rc, out, err = la('device', 'add', '00124b00000d0003', '--key-stdin',
                      '--name', name, stdin=KD)
    check(rc == 2 and '--name: a name has no control characters (tabs, '
          'newlines): byte' in err, f'device add --name {name!r} refused',
          err)
    if '\n' not in name:
        rc, out, err = la('device', 'import',
                          stdin=f'00124b00000d0003 {KD} {name}x\n')
        check(rc == 1 and 'standard input:1: a name has no control '
              'characters' in err, f'device import of the name {name!r} '
              'refused', err)
check(la('device', 'show', '00124b00000d0003')[0] == 1,
      'and none of them was added')

# bash completion, made from the command table: liteauth --completion
# bash, and build/completion/liteauth, which make builds from it.
rc, script, err = run('--completion', 'bash')
with open('completion.bash', 'w') as f:
    f.write(script)
r = subprocess.run(['bash', '-c', 'source completion.bash && complete -p '
                    'liteauth'], capture_output=True, text=True)
check(rc == 0 and r.returncode == 0 and
      r.stdout.strip() == 'complete -F _liteauth liteauth',
      'the completion script loads in bash', r.stdout + r.stderr + err)
built = os.path.join(os.path.dirname(LITEAUTH), '..', 'completion',
                     'liteauth')
check(os.path.exists(built) and open(built).read() == script,
      'build/completion/liteauth is liteauth --completion bash', built)


def complete(*words):
    line = ' '.join(f"'{w}'" for w in words)
    r = subprocess.run(['bash', '-c', 'source completion.bash; '
                        f'COMP_WORDS=({line}); '
                        f'COMP_CWORD={len(words) - 1}; _liteauth; '
                        'printf "%s\\n" "${COMPREPLY[@]}"'],
                       capture_output=True, text=True)
    return sorted(w for w in r.stdout.split('\n') if w)


check(complete('liteauth', 'dev') == ['device'], 'liteauth dev<TAB>: device',
      complete('liteauth', 'dev'))
check(complete('liteauth', 'device', '') ==
      sorted('add del enable disable show list rekey import'.split()),
      'liteauth device <TAB>: its subcommands', complete('liteauth', 'device',
                                                        ''))
check(complete('liteauth', '--json', 'g') == ['gateway', 'genkey'],
      'liteauth --json g<TAB>: gateway genkey')
check(complete('liteauth', '') == sorted(
      'help show monitor revoke set device gateway genkey audit check '
      'backup status'.split()), 'liteauth <TAB>: every command')
check(complete('liteauth', 'sta') == ['status'],
      'liteauth sta<TAB>: status')
check(complete('liteauth', 'show', '') ==
      sorted('sessions interfaces counters gateway'.split()),
      'liteauth show <TAB>: what it shows')
check(complete('liteauth', 'device', 'add', ID1, '--key-') ==
      ['--key-file', '--key-stdin'], 'liteauth device add ID --key-<TAB>')
check(complete('liteauth', 'audit', '--s') == ['--show-keys', '--since'],
      'liteauth audit --s<TAB>: its options and the global ones')
check(complete('liteauth', 'device', 'list', '--j') == ['--json'],
      'a global option after the command')
check(complete('liteauth', '--db', 'comp') == ['completion.bash'],
      'liteauth --db <TAB>: files')
check('--completion' not in script.split("global='")[1].split("'")[0],
      'the completion offers not its own hidden option')
# A file name with a blank is one word, quoted by bash (compopt -o
# filenames), and the script works where compopt is not (bash before 4).
secret_file('a file.key', KD + '\n')
check(complete('liteauth', '--db', 'a f') == ['a file.key'] and
      complete('liteauth', 'device', 'add', ID1, '--key-file', 'a f') ==
      ['a file.key'], 'liteauth --db a f<TAB>: "a file.key", one word',
      complete('liteauth', '--db', 'a f'))


def complete_sh(setup, *words):
    """The completion, after @setup, in bash; its words and stderr."""
    line = ' '.join(f"'{w}'" for w in words)
    r = subprocess.run(['bash', '-c', f'source completion.bash; {setup}; '
                        f'COMP_WORDS=({line}); '
                        f'COMP_CWORD={len(words) - 1}; _liteauth; '
                        'printf "%s\\n" "${COMPREPLY[@]}"'],
                       capture_output=True, text=True)
    return sorted(w for w in r.stdout.split('\n') if w), r.stderr


got = complete_sh('compopt() { echo "compopt $*" >compopt.log; }',
                  'liteauth', '--passphrase-file', 'a f')
got += (open('compopt.log').read() if os.path.exists('compopt.log') else '',)
subprocess.run(['rm', '-f', 'compopt.log'])
check(got == (['a file.key'], '', 'compopt -o filenames\n'),
      'liteauth --passphrase-file <TAB>: compopt -o filenames', got)
got = complete_sh('enable -n compopt', 'liteauth', '--db', 'a f')
check(got == (['a file.key'], ''),
      'liteauth --db <TAB> without compopt: the files, no error', got)
# --OPT=VALUE: bash splits it at the = (COMP_WORDBREAKS) into --OPT, =
# and VALUE; completing after the = (the word is =) and in VALUE (the one
# before is =) is completing the option's value, and the words before
# skip the three as one.
files = complete('liteauth', '--db', '')
for words, want, what in (
        (['--db', '=', '/x', 'device', ''],
         sorted('add del enable disable show list rekey import'.split()),
         "device's subcommands"),
        (['--db', '=', '/x', '--passphrase-file', '=', 'p', 'show', ''],
         sorted('sessions interfaces counters gateway'.split()),
         'what show shows'),
        (['--db', '=', '/x', ''], sorted(
            'help show monitor revoke set device gateway genkey audit check '
            'backup status'.split()), 'every command'),
        (['--db', '='], files, 'every file'),
        (['--db', '=', 'comp'], ['completion.bash'], 'completion.bash'),
        (['--db', '=', 'a f'], ['a file.key'], '"a file.key"'),
        (['device', 'add', ID1, '--key-file', '=', 'a f'], ['a file.key'],
         '"a file.key"'),
        (['device', 'add', ID1, '--name', '=', ''], [], 'nothing'),
        (['set', '--limit', 'rate-device', '=', '5', '--gateway-k'],
         ['--gateway-key-file', '--gateway-key-stdin'], 'its --gateway-k*'),
        (['set', '--limit', 'rate-device', '='], [], 'nothing'),
        (['--json', '='], [], 'nothing')):
    got = complete('liteauth', *words)
    check(got == want and files,
          f'liteauth {" ".join(words)}<TAB>: {what}', got)


# One parser for all three programs (tools/lib/opt.c): options before and
# after the arguments; the same words for every usage error, the usage
# line after them, status 2; --help and --version; a bash completion
# script from each program's table.
def prog(path, *args):
    r = subprocess.run([path, *args], capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


secret_file('mkey', KD + '\n')
PROGS = {'liteauth': LITEAUTH, 'liteauthd': LITEAUTHD,
         'liteauth-devsim': DEVSIM}
DS_KEYS = ['--master', 'mkey', '--count', '2']
for name, args, why in (
        ('liteauth', ['device', 'list', '--frob'], "unknown option '--frob'"),
        ('liteauth', ['--frob', 'device', 'list'], "unknown option '--frob'"),
        ('liteauth', ['device', 'list', '--db'], "option '--db' needs a value"),
        ('liteauth', ['--db', 'db', 'check', 'stray'],
         "unexpected argument 'stray'"),
        ('liteauthd', ['--config', '/dev/null', '--frob'],
         "unknown option '--frob'"),
        ('liteauthd', ['stray', '--frob'], "unknown option '--frob'"),
        ('liteauthd', ['--config', '/dev/null', '--db'],
         "option '--db' needs a value"),
        ('liteauthd', ['--metrics-file'],
         "option '--metrics-file' needs a value"),
        ('liteauthd', ['--config', '/dev/null', '--foreground', 'stray'],
         "unexpected argument 'stray'"),
        ('liteauthd', ['--foreground=yes'],
         "option '--foreground' takes no value"),
        ('liteauthd', ['-x'], "unknown option '-x'"),
        ('liteauth-devsim', ['keys', *DS_KEYS, '--frob'],
         "unknown option '--frob'"),
        ('liteauth-devsim', ['--frob', 'keys', *DS_KEYS],
         "unknown option '--frob'"),
        ('liteauth-devsim', ['keys', '--count', '2', '--master'],
         "option '--master' needs a value"),
        ('liteauth-devsim', ['keys', *DS_KEYS, 'stray'],
         "unexpected argument 'stray'"),
        ('liteauth-devsim', [*DS_KEYS, 'stray', 'keys'],
         "the first argument is keys, udp or radio, not 'stray'")):
    rc, out, err = prog(PROGS[name], *args)
    lines = err.splitlines()
    check(rc == 2 and not out and len(lines) >= 2 and
          lines[0] == f'{name}: {why}' and
          lines[1].startswith(f'usage: {name} '),
          f'{name} {" ".join(args)}: "{why}", the usage line, status 2',
          f'status {rc}, stderr "{err}"')
# Options anywhere: the same keys whichever way round.
rc, want, err = prog(DEVSIM, 'keys', *DS_KEYS)
for args in ([*DS_KEYS, 'keys'], ['--count', '2', 'keys', '--master', 'mkey'],
             ['--count=2', 'keys', '--master=mkey']):
    rc2, out, err2 = prog(DEVSIM, *args)
    check(rc == 0 and rc2 == 0 and out == want and len(out.splitlines()) == 2,
          'liteauth-devsim ' + ' '.join(args) + ': options before and after '
          'the mode', err + err2)
rc, out, err = prog(LITEAUTHD, 'stray', '--version')
check(rc == 0 and out == 'liteauthd 0.9.0\n',
      'liteauthd: an option after an argument is read', out + err)
# --help and --version, status 0, on stdout alone.
for name, args, start in (
        ('liteauthd', ['--help'], 'usage: liteauthd [--db DIR] [--listen '
         'ADDR]... [--config F]\n'),
        ('liteauthd', ['-h'], 'usage: liteauthd [--db DIR]'),
        ('liteauth-devsim', ['--help'], 'usage: liteauth-devsim keys '
         '--master F --count N [--first ID]\n'),
        ('liteauth-devsim', ['udp', '--help'], 'usage: liteauth-devsim udp '
         '--server HOST:PORT --master F --count N [options]\noptions:\n'),
        ('liteauth-devsim', ['radio', '-h'], 'usage: liteauth-devsim radio '
         '--interface IF'),
        ('liteauth', ['device', '--help'], 'usage: liteauth device add ID')):
    rc, out, err = prog(PROGS[name], *args)
    check(rc == 0 and out.startswith(start) and not err,
          f'{name} {" ".join(args)}: its usage on stdout, status 0', out + err)
rc, out, _ = prog(LITEAUTHD, '--help')
check('[--metrics-file F]' in out and
      '  --metrics-file F   the metrics file' in out and
      '  -v, --verbose          log one level more' in out,
      'liteauthd --help: every option in brackets in the usage, a line each '
      'after it', out)
rc, out, _ = la('device', '--help')
check('--key-file F       the key, from the file F\n' in out and
      '--skip-existing    import: leave those in the store already\n' in out,
      'liteauth device --help: a line for each of its options', out)
for name, want in (('liteauthd', 'liteauthd 0.9.0\n'),
                   ('liteauth-devsim',
                    'liteauth-devsim 0.9.0 (wire protocol version 2)\n')):
    rc, out, err = prog(PROGS[name], '--version')
    check(rc == 0 and out == want and not err,
          f'{name} --version: {want.strip()}', out + err)
# The completion scripts: bash reads them, and they complete.
for name in PROGS:
    rc, script, err = prog(PROGS[name], '--completion', 'bash')
    path = f'{name}.bash'
    with open(path, 'w') as f:
        f.write(script)
    r = subprocess.run(['bash', '-n', path], capture_output=True, text=True)
    built = os.path.join(os.path.dirname(LITEAUTH), '..', 'completion', name)
    check(rc == 0 and r.returncode == 0 and not r.stderr and
          os.path.exists(built) and open(built).read() == script,
          f'{name} --completion bash: valid bash (bash -n), and '
          f'build/completion/{name} is it', r.stderr + err)


def completes(name, *words):
    fn = '_' + name.replace('-', '_')
    line = ' '.join(f"'{w}'" for w in (name,) + words)
    r = subprocess.run(['bash', '-c', f'source {name}.bash; '
                        f'COMP_WORDS=({line}); COMP_CWORD={len(words)}; '
                        f'{fn}; printf "%s\\n" "${{COMPREPLY[@]}}"'],
                       capture_output=True, text=True)
    return sorted(w for w in r.stdout.split('\n') if w)


for name, words, want in (
        ('liteauthd', ['--metr'], ['--metrics-file']),
        ('liteauthd', ['--foreground', '--ver'], ['--verbose', '--version']),
        ('liteauthd', ['--role', ''], ['relay', 'server']),
        ('liteauthd', ['--config', 'liteauthd.b'], ['liteauthd.bash']),
        ('liteauthd', ['--listen', ''], []),
        ('liteauthd', ['--db', 'db', '--pass'], ['--passphrase-file']),
        ('liteauth-devsim', [''], ['keys', 'radio', 'udp']),
        ('liteauth-devsim', ['udp', '--ser'], ['--server']),
        ('liteauth-devsim', ['--master', 'mk'], ['mkey']),
        ('liteauthd', ['--config', '=', 'liteauthd.b'], ['liteauthd.bash']),
        ('liteauthd', ['--role', '='], ['relay', 'server']),
        ('liteauthd', ['--role', '=', 's'], ['server']),
        ('liteauthd', ['--role', '=', 'relay', '--no-'], ['--no-netlink']),
        ('liteauthd', ['--listen', '=', ''], []),
        ('liteauthd', ['--config', 'a f'], ['a file.key']),
        ('liteauth-devsim', ['--master', '=', 'mk'], ['mkey']),
        ('liteauth-devsim', ['--master', '=', 'mkey', ''],
         ['keys', 'radio', 'udp']),
        ('liteauth-devsim', ['--state', 'a f'], ['a file.key'])):
    got = completes(name, *words)
    check(got == want, f'{name} {" ".join(words)}<TAB>: {" ".join(want)}',
          got)


# liteauth(8): renders without warnings, and no usage line of it breaks
# between an option and its value.
MAN = os.path.join(os.path.dirname(LITEAUTH), '..', '..', 'Documentation',
                   'man', 'liteauth.8')
r = subprocess.run(['groff', '-t', '-ww', '-man', '-z', MAN],
                   capture_output=True, text=True)
check(r.returncode == 0 and not r.stderr, 'groff -t -ww -man -z liteauth.8: '
      'no warnings', r.stderr)
# REFUSALS: one table row per audit reason, each named as the server's
# counter of it (in liteauth status, COUNTERS), with the code it is kept as.
text = open(MAN).read()
table = text[text.index('.TS'):text.index('.TE')].replace('\\-', '-')
rows = [l.split('\t') for l in table.splitlines() if l.startswith('drop-')]
check(len(rows) == 11 and all(r[0] in COUNTERS for r in rows) and
      [int(r[1]) for r in rows] == list(range(1, 12)),
      'liteauth(8) REFUSALS: a row for each of the 11 audit reasons, each a '
      'counter of liteauth status', str(rows))
for width in ('80', '60'):
    r = subprocess.run(['man', '-l', MAN], capture_output=True, text=True,
                       env=dict(os.environ, MANWIDTH=width, MAN_KEEP_FORMATTING='',
                                MANPAGER='cat', PAGER='cat'))
    page = [l.strip() for l in r.stdout.splitlines()]
    check(r.returncode == 0 and 'monitor [--count n]' in page and
          'audit [--since time] [--device ID]' in page and
          not any(l.endswith(('[--count', '--since', '--key-file', '--gener\u2010',
                              '--db', '--passphrase-file'))
                  for l in page) and
          any('2026-12-01T21:00:00Z' in l for l in page) and
          any(l.startswith('--version') for l in page) and
          any('liteauth command --help' in l for l in page),
          f'liteauth(8) at {width} columns: usage lines unbroken, --since '
          'forms, --version, COMMAND --help', '\n'.join(
              l for l in page if 'monitor' in l or 'audit [' in l))


def timed(cmd, stdin=None):
    t0 = time.time()
    try:
        r = subprocess.run(cmd, input=stdin, capture_output=True, text=True,
                           timeout=15)
        return r.returncode, r.stderr, time.time() - t0
    except subprocess.TimeoutExpired:
        return None, 'hung', time.time() - t0


def damage(path, how):
    size = os.path.getsize(path)
    with open(path, 'r+b') as f:
        if how == 'zeroed':
            f.seek(4096)
            f.write(bytes(4096))
        elif how == 'cut':
            f.truncate(size // 2)
        else:
            f.seek(4096 + 200)
            f.write(bytes(range(64)))


lists = {'devices.db': ['device', 'list'], 'gateways.db': ['gateway', 'list'],
         'audit.db': ['audit'], 'refusals.db': ['audit']}
slowest, wrong = 0.0, []
for table in ('devices.db', 'gateways.db', 'audit.db', 'refusals.db',
              'sids.db', 'keys.db'):
    for how in ('zeroed', 'cut', 'garbled'):
        subprocess.run(['rm', '-rf', 'dmg'])
        shutil.copytree('db', 'dmg',
                        ignore=shutil.ignore_patterns('lock', 'control'))
        damage(os.path.join('dmg', table), how)
        base = [LITEAUTH, '--db', 'dmg', '--passphrase-file', 'pass']
        rc, err, t = timed(base + ['check'])
        slowest = max(slowest, t)
        if rc != 1 or f'dmg/{table} is damaged' not in err:
            wrong.append(f'check {table} {how}: {rc} {err[:120]}')
        if table in lists:
            rc, err, t = timed(base + lists[table])
            slowest = max(slowest, t)
            if rc != 1 or 'damaged' not in err:
                wrong.append(f'list {table} {how}: {rc} {err[:120]}')
        rc, err, t = timed([LITEAUTHD, '--db', 'dmg', '--passphrase-file',
                            'pass', '--no-netlink', '--foreground',
                            '--config', '/dev/null', '--listen',
                            '[::1]:%d' % port])
        slowest = max(slowest, t)
        if rc != 1 or f'dmg/{table} is damaged' not in err:
            wrong.append(f'liteauthd {table} {how}: {rc} {err[-160:]}')
check(not wrong and slowest < 5,
      'damaged stores (each table zeroed, cut, garbled): check and '
      'liteauthd name the table, lists fail saying so, slowest %.1f s '
      '(5 s at most)' % slowest, '; '.join(wrong[:6]))
check(len(json_seen) >= 10 and not json_wrong,
      f'every --json output of these tests ({len(json_seen)}) parses, each '
      'column typed: numbers (or null), times and status strings strings '
      '(or null), the rest strings', '; '.join(json_wrong[:6]))
subprocess.run(['rm', '-rf', tmp])
sys.exit(1 if ktap.failures else 0)
