"""Open a gspread client the way gspread's conventions expect: a service-account JSON key, or
an OAuth authorized-user file; the credentials file's own token_uri is honoured by
google-auth. Tests pass a plain requests.Session to reach the loopback fake."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import gspread
import requests

from xlsync.core.masking import mask_text
from xlsync.errors import XlsyncError
from xlsync.google.transport import SchoolHTTPClient

SCOPES = ["https://www.googleapis.com/auth/spreadsheets"]
CREDENTIALS_ENV = "XLSYNC_GOOGLE_CREDENTIALS"


def credentials_from(path: Path):  # -> google.auth.credentials.Credentials
    """Service-account or authorized-user credentials from a JSON file."""
    info = _key_info(path)
    try:
        if info.get("type") == "service_account":
            from google.oauth2.service_account import Credentials

            return Credentials.from_service_account_info(info, scopes=SCOPES)
        if info.get("type") == "authorized_user":
            from google.oauth2.credentials import Credentials as UserCredentials

            return UserCredentials.from_authorized_user_info(info, scopes=SCOPES)
    except (ValueError, TypeError, KeyError) as error:  # missing fields, a broken private_key
        raise XlsyncError(
            f"Google 凭据文件「{path}」内容不完整或已损坏（{str(error)[:100]}）。"
            "请从 Google Cloud 控制台重新下载服务账号的 JSON 密钥，不要手工修改它。"
        ) from None
    raise XlsyncError(
        f"「{path}」不是服务账号密钥或 OAuth 授权文件（type 应为 service_account 或 authorized_user）。"
        "请检查是否选错了文件。"
    )


def _key_info(path: Path) -> dict:
    """The key file's JSON object, or a Chinese error naming the file."""
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise XlsyncError(
            f"无法读取 Google 凭据文件「{path}」，请检查路径，或按说明重新下载服务账号密钥（JSON 文件）。"
        ) from None
    if not isinstance(info, dict):
        raise XlsyncError(
            f"Google 凭据文件「{path}」不是服务账号密钥（应为一个 JSON 对象）。请检查是否选错了文件。"
        )
    return info


def open_client(
    credentials: Path | None = None, session: requests.Session | None = None
) -> gspread.Client:
    """A gspread client on SchoolHTTPClient; `session` (tests) replaces authentication."""
    if session is not None:
        return gspread.Client(None, session=session, http_client=SchoolHTTPClient)  # type: ignore[arg-type]
    if credentials is None and os.environ.get(CREDENTIALS_ENV):
        credentials = Path(os.environ[CREDENTIALS_ENV])
    if credentials is None:
        raise XlsyncError(
            "没有 Google 凭据。请用 --credentials 指定服务账号密钥文件，"
            "或设置环境变量 XLSYNC_GOOGLE_CREDENTIALS。"
        )
    return gspread.Client(credentials_from(credentials), http_client=SchoolHTTPClient)


@contextmanager
def google_errors(spreadsheet: str) -> Iterator[None]:
    """Turn what gspread and requests raise (after the bounded retries) into one Chinese line."""
    from gspread.exceptions import APIError

    try:
        yield
    except APIError as error:
        code = error.response.status_code
        if code in (401, 403):
            raise XlsyncError(
                f"没有权限读写 Google 表格「{spreadsheet}」。请在表格的“共享”中加入服务账号的邮箱"
                "（凭据文件里的 client_email），并给“编辑者”权限。"
            ) from None
        if code == 404:
            raise XlsyncError(f"找不到 Google 表格「{spreadsheet}」，请核对表格 ID。") from None
        raise XlsyncError(  # Google's message can quote a value sent: it goes to screens and logs
            f"Google 表格返回错误（{code}）：{mask_text(str(error))}。已按规定重试，请稍后再试。"
        ) from None
    except requests.RequestException as error:
        raise XlsyncError(
            f"连接 Google 表格失败（{type(error).__name__}），已重试多次。请检查网络后再试。"
        ) from None
