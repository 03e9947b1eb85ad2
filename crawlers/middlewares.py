"""Downloader middlewares: every response goes into the raw archive; retries back off politely."""

from __future__ import annotations

import asyncio
import email.utils
import random
from datetime import UTC, datetime

from scrapy import Request, Spider
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response

from archive import Archive


def _headers(response: Response) -> dict[str, str]:
    return {
        key.decode("latin-1").lower(): b", ".join(values).decode("latin-1")
        for key, values in response.headers.items()
    }


def _kind(request: Request, response_url: str) -> str:
    return request.meta.get("kind", "robots" if response_url.endswith("/robots.txt") else "other")


class ArchiveMiddleware:
    """Keep each final response (any status) with its URL, time and hash.

    It sits outermost, so it sees the answer that reaches the spider after retries and redirects; the
    retry middleware records each failed attempt itself. The hash of the body it archived rides on to
    the spider in ``meta["archived_sha256"]``, so the body is hashed once."""

    def process_response(self, request: Request, response: Response, spider: Spider) -> Response:
        archive: Archive | None = getattr(spider, "archive", None)
        if archive is None:
            return response
        wrong = getattr(spider, "wrong_page", None)
        reason = wrong(request, response) if wrong else None
        request.meta.pop("wrong_page", None)
        if reason:
            # Kept as evidence, but as a failed fetch: it must never become a version of this URL.
            request.meta["archived_sha256"] = archive.store_blob(response.body)
            spider.record_failed_request(
                request, reason, url=response.url, kind=_kind(request, response.url), status=response.status
            )
            request.meta["wrong_page"] = reason
            return response
        row = archive.record_response(
            source_id=spider.source.id,
            url=response.url,
            kind=_kind(request, response.url),
            status=response.status,
            body=response.body,
            headers=_headers(response),
            context=request.meta.get("context", {}),
            known_sha256=request.meta.get("known_sha256"),
            attempt=request.meta.get("retry_times", 0) + 1,
        )
        request.meta["archived_sha256"] = row.sha256
        return response


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: either a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class PoliteRetryMiddleware(RetryMiddleware):
    """Retries 5xx, 429 and network errors with exponential backoff and jitter, waiting at least as
    long as the server's Retry-After asks (capped by ``RETRY_MAX_DELAY``), and records each failed
    attempt in the archive so a flaky source shows in the crawl errors even when a retry succeeds."""

    def __init__(self, settings):
        super().__init__(settings)
        self.base_delay = settings.getfloat("RETRY_BASE_DELAY", 1.0)
        self.max_delay = settings.getfloat("RETRY_MAX_DELAY", 120.0)

    def backoff(self, request: Request, response: Response | None) -> float:
        attempt = request.meta.get("retry_times", 0)
        delay = self.base_delay * (2**attempt) * (1 + random.random() / 4)
        asked = (
            retry_after_seconds(response.headers.get(b"Retry-After", b"").decode("latin-1"))
            if response
            else None
        )
        if asked is not None:
            delay = max(delay, asked)
        return min(delay, self.max_delay)

    def _record_attempt(self, request: Request, spider: Spider, status: int | None, error: str) -> None:
        if getattr(spider, "archive", None) is not None:
            spider.record_failed_request(request, error, kind=_kind(request, request.url), status=status)

    async def process_response(self, request: Request, response: Response, spider: Spider | None = None):
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry = self._retry(request, f"HTTP {response.status}")
        if retry is None:
            return response  # given up: the archive middleware keeps the final answer
        spider = self.crawler.spider
        self._record_attempt(request, spider, response.status, f"HTTP {response.status} (will retry)")
        await asyncio.sleep(self.backoff(request, response))
        return retry

    async def process_exception(self, request: Request, exception: Exception, spider: Spider | None = None):
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry", False):
            return None
        retry = self._retry(request, exception)
        if retry is None:
            return None
        self._record_attempt(
            request, self.crawler.spider, None, f"{type(exception).__name__}: {exception} (will retry)"
        )
        await asyncio.sleep(self.backoff(request, None))
        return retry
