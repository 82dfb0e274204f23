"""A throw-away PgBouncer in pool_mode = transaction in front of a local server (the limits of Supavisor's
transaction mode: no LISTEN across transactions, no server-side prepared statements), for tests and the
benchmarks. PgBouncer is Debian's `pgbouncer` (scripts/test installs it as root)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from mini_mentorship.pgserver import _system_user, free_port


def pgbouncer_binary() -> str | None:
    return shutil.which("pgbouncer") or next(
        (p for p in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer") if Path(p).is_file()), None
    )


@contextmanager
def transaction_pooler(url: str, *, pool_size: int = 3) -> Iterator[str]:
    """`url` (a trust-auth server on 127.0.0.1) through a PgBouncer started for the block; its URL."""
    binary = pgbouncer_binary()
    if binary is None:
        raise FileNotFoundError("pgbouncer is not installed (Debian package `pgbouncer`)")
    parts = urlsplit(url)
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="mm-pgbouncer-"))
    (workdir / "userlist.txt").write_text('"postgres" ""\n')
    (workdir / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"* = host=127.0.0.1 port={parts.port}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {workdir / 'userlist.txt'}\n"
        f"pool_mode = transaction\ndefault_pool_size = {pool_size}\nmax_client_conn = 50\n"
        f"logfile = {workdir / 'pgbouncer.log'}\n"
    )
    user = _system_user()  # PgBouncer, like PostgreSQL, refuses to run as root
    if user is not None:
        shutil.chown(workdir, user, user)
        for item in workdir.iterdir():
            shutil.chown(item, user, user)
    proc = subprocess.Popen([binary, str(workdir / "pgbouncer.ini")], user=user, cwd=workdir,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError as exc:
                if proc.poll() is not None:
                    raise RuntimeError(f"pgbouncer exited: {(workdir / 'pgbouncer.log').read_text()}") from exc
                if time.monotonic() > deadline:
                    raise RuntimeError("pgbouncer did not start listening") from exc
                time.sleep(0.05)
        yield urlunsplit(parts._replace(netloc=f"postgres@127.0.0.1:{port}"))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)
