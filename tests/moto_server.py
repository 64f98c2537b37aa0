"""moto's S3 in server mode, as a subprocess on 127.0.0.1: boto3 speaks real HTTP to it.

The server keeps its buckets in memory, so an outage is made by pausing the process (SIGSTOP:
connections are accepted by the kernel and never answered, as with a hung endpoint) and
resuming it (SIGCONT), which keeps what it holds.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from typing import Any

import boto3
import pytest

_START_TIMEOUT_S = 30.0

# Dummy credentials and no instance metadata: boto3 must never look beyond this machine.
AWS_TEST_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class MotoServer:
    def __init__(self, server: Sequence[str] = ("-m", "moto.server")) -> None:
        self.port = free_port()
        self.endpoint_url = f"http://127.0.0.1:{self.port}"
        self._process = subprocess.Popen(
            [sys.executable, *server, "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, **AWS_TEST_ENV},
        )
        self._paused = False
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not self._answers():
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"moto server did not start on port {self.port}")
            time.sleep(0.1)

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(self.endpoint_url + "/moto-api/", timeout=1.0):
                return True
        except urllib.error.HTTPError:
            return True  # it answered, if with an error page
        except OSError:
            return False

    def pause(self) -> None:
        os.kill(self._process.pid, signal.SIGSTOP)
        self._paused = True

    def resume(self) -> None:
        os.kill(self._process.pid, signal.SIGCONT)
        self._paused = False

    def stop(self) -> None:
        if self._paused:
            self.resume()
        self._process.terminate()
        try:
            self._process.wait(10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def client(self) -> Any:
        """A plain boto3 client, for what the tests check behind the store's back."""
        return boto3.session.Session().client(
            "s3", endpoint_url=self.endpoint_url, region_name="us-east-1"
        )

    def make_bucket(self, name: str) -> str:
        self.client().create_bucket(Bucket=name)
        return name


@contextlib.contextmanager
def moto_server(server: Sequence[str] = ("-m", "moto.server")) -> Iterator[MotoServer]:
    """moto's server on 127.0.0.1; `server`: how Python runs it (a script that extends it)."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in AWS_TEST_ENV.items():
            patch.setenv(name, value)
        running = MotoServer(server)
        try:
            yield running
        finally:
            running.stop()
