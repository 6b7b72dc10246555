# SPDX-License-Identifier: GPL-2.0
#
# keystore.py: a fresh liteauth key store in a temporary directory, with
# its passphrase and a liteauth-devsim master key, for the benchmarks that
# run liteauthd (tests/bench/bench.py, tests/bench/sessions.py).

import os
import shutil
import subprocess
import tempfile

B = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), 'build')
LITEAUTH = os.path.join(B, 'tools', 'liteauth')


def run(*cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


class KeyStore:
    """The store's directory (dir), the database in it (db), the
    passphrase file (passfile) and devsim's master key (master), both
    readable by root alone."""

    def __init__(self, prefix):
        self.dir = tempfile.mkdtemp(prefix=prefix)
        self.db = os.path.join(self.dir, 'db')
        self.passfile = os.path.join(self.dir, 'pass')
        self.master = os.path.join(self.dir, 'master')
        old = os.umask(0o077)
        for f in (self.passfile, self.master):
            with open(f, 'w') as fh:
                fh.write(run(LITEAUTH, 'genkey').stdout)
        os.umask(old)

    def tool(self, *args, **kw):
        """liteauth on this store."""
        return run(LITEAUTH, '--db', self.db, '--passphrase-file',
                   self.passfile, *args, **kw)

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)
