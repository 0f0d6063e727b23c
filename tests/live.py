"""A real `kefu serve` process on a free loopback port, for tests that need a live socket
(streaming, browsers)."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

KEFU = str(Path(sys.executable).with_name("kefu"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(data_dir: Path, **settings: str) -> dict[str, str]:
    """The environment of a server on ``data_dir``; ``settings`` are more ``KEFU_*`` variables,
    named without the prefix."""
    return {
        **os.environ,
        "KEFU_DATA_DIR": str(data_dir),
        **{f"KEFU_{name.upper()}": value for name, value in settings.items()},
    }


def kefu(env: dict[str, str], *args: str) -> str:
    """Run a `kefu` command (ingest, keys ...) in ``env``; its standard output."""
    return subprocess.run([KEFU, *args], env=env, capture_output=True, text=True, check=True).stdout


@contextmanager
def live_server(env: dict[str, str], *serve_args: str) -> Iterator[str]:
    """`kefu serve [serve_args]` in ``env`` until the block ends; its base URL. Ingest before
    it starts: Chroma's folder is read by one process at a time."""
    data_dir = Path(env["KEFU_DATA_DIR"])
    port = free_port()
    log_path = data_dir / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [KEFU, "serve", "--port", str(port), *serve_args],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_ready(base, process, log_path)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_ready(base: str, process: "subprocess.Popen[bytes]", log_path: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log_path.read_text()[-2000:]}")
        time.sleep(0.5)
    raise RuntimeError("server did not become ready")
