"""gspread's HTTP client, made fit for a school's unattended sync.

- The API root comes from XLSYNC_SHEETS_API (default https://sheets.googleapis.com), the way
  Google's client libraries accept an api_endpoint: a proxy or a local emulator works.
- Every request has a timeout, and 429, 5xx, timeouts and dropped connections are retried a
  bounded number of times with exponential backoff and jitter. (gspread's BackOffHTTPClient
  retries forever and sets no timeout.) A 429 honours Retry-After and keeps trying for at least
  a minute, because Google's quota refills per minute.
- spreadsheets.batchUpdate (adding tabs) is not idempotent: when it fails in a way that may
  have been applied (5xx, timeout, dropped answer) it is not retried here; the caller re-reads
  the spreadsheet first (push.apply_shape). A 429 was refused, so it is retried.
- Requests and bytes sent are counted, and an optional hook sees every request body.
- google-auth's own errors from the token request (endpoint unreachable, key revoked) become
  one Chinese XlsyncError here, so every caller (sync, --every, consolidate, the Excel button)
  handles them like any other run-stopping problem.
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
from google.auth.exceptions import RefreshError, TransportError
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient

from xlsync import faults
from xlsync.errors import XlsyncError

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
    quota_tries: int = 10  # 429s: the sleeps' lower bounds add up to more than a minute
    quota_wait: float = 90.0  # 429s: stop once this many seconds were spent waiting
    max_retry_after: float = 120.0

    def delay(self, attempt: int) -> float:
        """Exponential backoff with full jitter (attempt counts from 0)."""
        return random.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))

    def quota_delay(self, attempt: int, retry_after: str | None) -> float:
        """Retry-After when Google sends it, else backoff with equal jitter (never near 0)."""
        try:
            return min(float(retry_after or ""), self.max_retry_after)
        except ValueError:
            step = min(self.max_delay, self.base_delay * 2**attempt)
            return random.uniform(step / 2, step)


@dataclass
class Traffic:
    """What went over the wire: requests sent (retries included) and request body bytes."""

    requests: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0  # answer bodies (as decoded by requests)
    retries: int = 0
    watchers: list[Callable[[str, str, bytes], None]] = field(default_factory=list)

    def snapshot(self) -> tuple[int, int, int]:
        return self.requests, self.bytes_sent, self.bytes_received

    def count_since(self, start: tuple[int, int, int], report: Any) -> Any:
        """Fill `report`'s requests and bytes with what went over the wire since `start`."""
        report.requests = self.requests - start[0]
        report.bytes_sent = self.bytes_sent - start[1]
        report.bytes_received = self.bytes_received - start[2]
        return report

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
        once = method.upper() == "POST" and url.endswith(":batchUpdate") and "/values:" not in url
        attempt, waited = 0, 0.0
        while True:
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
            except RefreshError as error:
                raise credentials_refused(error) from None
            except (requests.Timeout, requests.ConnectionError, TransportError) as error:
                if once or attempt + 1 >= self.policy.tries:
                    if isinstance(error, TransportError):
                        raise unreachable() from None
                    raise
                pause = self.policy.delay(attempt)
            else:
                faults.reached("sheets-answered")
                self.traffic.bytes_received += len(response.content)
                if response.ok:
                    return response
                pause = self._pause(response, attempt, waited, once)
            self.traffic.retries += 1
            self.policy.sleep(pause)
            attempt, waited = attempt + 1, waited + pause

    def _pause(self, response: requests.Response, attempt: int, waited: float, once: bool) -> float:
        """How long to wait before retrying this error answer; raises when giving up."""
        code = response.status_code
        if code == 429 and attempt + 1 < self.policy.quota_tries:
            if waited < self.policy.quota_wait:
                return self.policy.quota_delay(attempt, response.headers.get("Retry-After"))
        elif code in RETRY_STATUS and code != 429 and not once:
            if attempt + 1 < self.policy.tries:
                return self.policy.delay(attempt)
        raise APIError(response)


def unreachable() -> XlsyncError:
    """The token endpoint (or the proxy to it) could not be reached."""
    return XlsyncError(
        "连不上 Google（取得访问许可时连接失败，已重试多次）。本次没有与 Google 表格交换数据，"
        "其余功能照常可用。请检查网络；学校网络到不了 Google 时，请设置代理（环境变量 "
        "HTTPS_PROXY），或改用“导出脱敏表”通过微信/QQ 发送。"
    )


def credentials_refused(error: RefreshError) -> XlsyncError:
    """Google answered the token request with a refusal: the key is revoked, deleted or wrong."""
    detail = str(error.args[0]) if error.args else ""
    return XlsyncError(
        f"Google 凭据已失效（{detail[:80]}）。请在 Google Cloud 控制台为服务账号重新生成密钥"
        "（或重新授权），用新的凭据文件替换旧的，再试一次。"
    )
