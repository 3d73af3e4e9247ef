"""gspread's HTTP client, made fit for a school's unattended sync.

- The API root comes from XLSYNC_SHEETS_API (default https://sheets.googleapis.com), the way
  Google's client libraries accept an api_endpoint: a proxy or a local emulator works.
- Every request has a timeout, and 429, 5xx, timeouts and dropped connections are retried a
  bounded number of times with exponential backoff and jitter. (gspread's BackOffHTTPClient
  retries forever and sets no timeout.)
- Requests and bytes sent are counted, and an optional hook sees every request body.
"""

from __future__ import annotations

import json as jsonlib
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient

from xlsync import faults

GOOGLE_ROOT = "https://sheets.googleapis.com"
RETRY_STATUS = {429, 500, 502, 503, 504}


def api_root() -> str:
    return os.environ.get("XLSYNC_SHEETS_API", GOOGLE_ROOT).rstrip("/")


@dataclass
class RetryPolicy:
    tries: int = 5
    base_delay: float = 1.0
    max_delay: float = 32.0
    timeout: tuple[float, float] = (10.0, 60.0)  # connect, read
    sleep: Callable[[float], None] = time.sleep

    def delay(self, attempt: int) -> float:
        """Exponential backoff with full jitter (attempt counts from 0)."""
        return random.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))


@dataclass
class Traffic:
    """What went over the wire: requests sent (retries included) and request body bytes."""

    requests: int = 0
    bytes_sent: int = 0
    retries: int = 0
    watchers: list[Callable[[str, str, bytes], None]] = field(default_factory=list)

    def record(self, method: str, url: str, body: bytes) -> None:
        self.requests += 1
        self.bytes_sent += len(body)
        for watch in self.watchers:
            watch(method, url, body)


class SchoolHTTPClient(HTTPClient):
    """gspread HTTPClient with a configurable root, timeouts, bounded retries and counting."""

    policy = RetryPolicy()

    def __init__(self, auth: Any, session: requests.Session | None = None) -> None:
        super().__init__(auth, session)
        self.traffic = Traffic()
        self.root = api_root()

    def request(
        self,
        method: str,
        endpoint: str,
        params: Any = None,
        data: Any = None,
        json: Any = None,
        files: Any = None,
        headers: Any = None,
    ) -> requests.Response:
        url = (
            self.root + endpoint[len(GOOGLE_ROOT) :]
            if endpoint.startswith(GOOGLE_ROOT)
            else endpoint
        )
        body = (
            jsonlib.dumps(json, ensure_ascii=False).encode() if json is not None else (data or b"")
        )
        for attempt in range(self.policy.tries):
            self.traffic.record(method, url, body)
            faults.reached("sheets-request")
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    data=body or None,
                    files=files,
                    timeout=self.policy.timeout,
                    headers={"Content-Type": "application/json", **(headers or {})},
                )
            except (requests.Timeout, requests.ConnectionError):
                if attempt + 1 == self.policy.tries:
                    raise
            else:
                faults.reached("sheets-answered")
                if response.ok:
                    return response
                if response.status_code not in RETRY_STATUS or attempt + 1 == self.policy.tries:
                    raise APIError(response)
            self.traffic.retries += 1
            self.policy.sleep(self.policy.delay(attempt))
        raise AssertionError("unreachable")
