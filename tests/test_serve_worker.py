"""`hotline serve` on SQLite starts the job worker as a child process and ends it with the
server; on PostgreSQL, or when HOTLINE_INPROCESS_WORKER says, it starts none."""

import os
import subprocess
import sys

import pytest

from hotline import cli
from hotline.config import get_settings
from hotline.web import server


class FakeChild:
    def __init__(self) -> None:
        self.terminated = False

    def terminate(self) -> None:
        self.terminated = True

    def wait(self, timeout: float) -> int:
        return 0


@pytest.fixture
def started(monkeypatch):
    """What `serve` did: the child worker it started (or None) and whether the web server ran
    believing it should run a worker of its own."""
    seen: dict = {"child": None, "inprocess_at_serve": "unset"}

    def fake_child() -> FakeChild:
        seen["child"] = FakeChild()
        return seen["child"]

    monkeypatch.setattr(cli, "_worker_process", fake_child)
    monkeypatch.setattr("hotline.app.configure_logging", lambda settings: None)  # the suite's logging stays
    monkeypatch.setenv("HOTLINE_INPROCESS_WORKER", "")  # restored (removed) after the test
    monkeypatch.delenv("HOTLINE_INPROCESS_WORKER")
    return seen


def _settings(monkeypatch, started, url: str, inprocess: bool | None):
    settings = get_settings().model_copy(update={"database_url": url, "inprocess_worker": inprocess})
    monkeypatch.setattr(server, "serve", lambda host, port, workers: started.update(
        inprocess_at_serve=settings.inprocess_worker))
    return settings


def test_on_sqlite_the_worker_runs_as_a_child_process_ended_with_the_server(monkeypatch, started, tmp_path):
    settings = _settings(monkeypatch, started, f"sqlite:///{tmp_path / 'h.db'}", None)
    cli.serve(settings, "127.0.0.1", 0)
    assert started["child"] is not None and started["child"].terminated
    # the web processes run no worker of their own, those started afresh (--workers) neither
    assert started["inprocess_at_serve"] is False
    assert os.environ["HOTLINE_INPROCESS_WORKER"] == "false"


def test_on_postgresql_serve_starts_no_worker(monkeypatch, started):
    settings = _settings(monkeypatch, started, "postgresql+psycopg://postgres@127.0.0.1:5432/test", None)
    cli.serve(settings, "127.0.0.1", 0)
    assert started["child"] is None and started["inprocess_at_serve"] is None


@pytest.mark.parametrize("inprocess", [True, False])
def test_the_setting_chooses_otherwise(monkeypatch, started, tmp_path, inprocess):
    settings = _settings(monkeypatch, started, f"sqlite:///{tmp_path / 'h.db'}", inprocess)
    cli.serve(settings, "127.0.0.1", 0)
    assert started["child"] is None and settings.inprocess_worker is inprocess


def test_the_child_is_the_hotline_worker_command():
    """The child runs `python -m hotline.cli worker` (the module runs the command line)."""
    result = subprocess.run([sys.executable, "-m", "hotline.cli", "worker", "--help"], capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0 and "--once" in result.stdout
