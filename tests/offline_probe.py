"""Run inside a network namespace with only loopback: ingest, serve, ask; print the answer."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import DEMO_KB

KEFU = str(Path(sys.executable).with_name("kefu"))
PORT = 8799


def main(data_dir: str) -> int:
    env = {**os.environ, "KEFU_DATA_DIR": data_dir}
    subprocess.run([KEFU, "ingest", str(DEMO_KB)], env=env, check=True, capture_output=True)
    with open(Path(data_dir) / "serve.log", "wb") as log:
        server = subprocess.Popen(
            [KEFU, "serve", "--port", str(PORT)], env=env, stdout=log, stderr=log
        )
        try:
            base = f"http://127.0.0.1:{PORT}"
            for _ in range(240):
                try:
                    if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.5)
            answer = httpx.post(
                f"{base}/v1/chat", json={"message": "订单满多少钱可以包邮？"}, timeout=120
            )
            print(json.dumps(answer.json(), ensure_ascii=False))
        finally:
            server.terminate()
            server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
