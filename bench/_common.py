"""Shared plumbing of the benchmarks: a throw-away platform instance and a lean HTTP client.

Each benchmark starts its own server on a free port with a fresh database (SQLite in a temp
folder, or a fresh schema of ``--database-url`` for PostgreSQL), loads the demo province,
issues an API token for the integration account, and drives the server with asyncio clients
over keep-alive connections (a minimal HTTP/1.1 client, so the load generator costs little
of the machine's two cores)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HOTLINE = Path(sys.executable).with_name("hotline")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def _processes() -> dict[int, tuple[str, list[str]]]:
    """Every process of the machine: pid → (command name, the fields of ``/proc/<pid>/stat``
    from the third, its state, on)."""
    out = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                text = (entry / "stat").read_text()
            except OSError:
                continue
            out[int(entry.name)] = (text[text.index("(") + 1:text.rindex(")")], text[text.rindex(")") + 2:].split())
    return out


def _cpu(fields: list[str]) -> int:
    return int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)


def tree_cpu_seconds(root: int) -> float:
    """CPU time (user + system) the process ``root`` and its live descendants have used so
    far, read from their own clocks in ``/proc`` (plus what its ended children left it)."""
    processes = _processes()
    children: dict[int, list[int]] = {}
    for pid, (_, fields) in processes.items():
        children.setdefault(int(fields[1]), []).append(pid)
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        if pid not in processes:
            continue
        fields = processes[pid][1]
        total += _cpu(fields)
        if pid == root:
            total += int(fields[13]) + int(fields[14])  # cutime, cstime: children it has waited for
        stack.extend(children.get(pid, []))
    return total / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds() -> float:
    """CPU time of every PostgreSQL process of this machine (the database server's share of
    a run on PostgreSQL): the processes whose command is ``postgres``."""
    return sum(_cpu(fields) for name, fields in _processes().values()
               if name.startswith("postgres")) / os.sysconf("SC_CLK_TCK")


@dataclass
class Instance:
    port: int
    token: str
    env: dict[str, str]
    database_url: str
    pid: int = 0  # the server's process (its web workers are its children)

    def cpu_seconds(self) -> float:
        """The platform's CPU time so far: the server process and its web workers."""
        return tree_cpu_seconds(self.pid)


def _fresh_postgres(url: str) -> tuple[str, str]:
    import sqlalchemy as sa

    schema = f"bench_{os.getpid()}_{secrets.token_hex(3)}"
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}", schema


def _drop_postgres(url: str, schema: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@contextlib.contextmanager
def instance(database_url: str | None = None, extra_env: dict[str, str] | None = None,
             workers: int = 1) -> Iterator[Instance]:
    """A throw-away platform with ``workers`` web processes. One is the default and does best
    on this 2-core machine: intakes are written by one batching writer per process (the
    database takes one writer at a time), and the database server and the load generator
    need the other core."""
    tmp = Path(tempfile.mkdtemp(prefix="hotline-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env.update({"HOTLINE_DATA_DIR": str(tmp), "HOTLINE_LOG_LEVEL": "WARNING"})
    schema = None
    if database_url:
        url, schema = _fresh_postgres(database_url)
        env["HOTLINE_DATABASE_URL"] = url
        env["HOTLINE_INPROCESS_WORKER"] = "true"
    else:
        url = f"sqlite:///{tmp / 'hotline.db'}"
    env.update(extra_env or {})
    setup = subprocess.run([str(HOTLINE), "demo", "--no-serve"], env=env, cwd=tmp, capture_output=True,
                           text=True, check=True)
    token = next(line.split("：")[-1].strip() for line in setup.stdout.splitlines() if "API 令牌" in line)
    port = free_port()
    log = (tmp / "server.log").open("w")
    server = subprocess.Popen([str(HOTLINE), "serve", "--port", str(port), "--workers", str(workers)],
                              env=env, cwd=tmp, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("server did not start: " + (tmp / "server.log").read_text()[-2000:])
            time.sleep(0.2)
        yield Instance(port=port, token=token, env=env, database_url=url, pid=server.pid)
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        if schema and database_url:
            _drop_postgres(database_url, schema)


class Client:
    """One keep-alive HTTP/1.1 connection speaking JSON."""

    def __init__(self, port: int, token: str) -> None:
        self.port, self.token = port, token
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    async def request(self, method: str, path: str, body: Any = None,
                      headers: dict[str, str] | None = None) -> tuple[int, Any]:
        if self.writer is None:
            await self.connect()
        assert self.reader is not None and self.writer is not None
        payload = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
        head = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}",
                f"Authorization: Bearer {self.token}", f"Content-Length: {len(payload)}"]
        if body is not None:
            head.append("Content-Type: application/json")
        head += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
        await self.writer.drain()
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length, chunked = 0, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
        if chunked:
            data = b""
            while True:
                size = int((await self.reader.readline()).strip(), 16)
                if size == 0:
                    await self.reader.readline()
                    break
                data += await self.reader.readexactly(size)
                await self.reader.readline()
        else:
            data = await self.reader.readexactly(length) if length else b""
        return status, (json.loads(data) if data else None)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()


def report(result: dict[str, Any]) -> None:
    """Each benchmark prints one JSON object as its last line."""
    print(json.dumps(result, ensure_ascii=False))


@contextlib.contextmanager
def demo_database(database_url: str | None = None, keep: bool = False) -> Iterator[dict[str, str]]:
    """A fresh database holding the demo province (no server): the environment that points
    the platform at it (SQLite in a temp folder, or a fresh schema of ``database_url``).
    ``keep`` leaves the PostgreSQL schema in place (the folder always stays) for a later run."""
    tmp = Path(tempfile.mkdtemp(prefix="hotline-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env.update({"HOTLINE_DATA_DIR": str(tmp), "HOTLINE_LOG_LEVEL": "WARNING"})
    schema = None
    if database_url:
        url, schema = _fresh_postgres(database_url)
        env["HOTLINE_DATABASE_URL"] = url
    subprocess.run([str(HOTLINE), "demo", "--no-serve"], env=env, cwd=tmp, capture_output=True, text=True,
                   check=True)
    try:
        yield env
    finally:
        if schema and database_url and not keep:
            _drop_postgres(database_url, schema)
