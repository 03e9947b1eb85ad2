"""Politeness, in one place: what every crawl of a municipality's site promises that site.

robots.txt is obeyed, the user agent names the project and how to reach us, one request at a time per
host with a delay between requests that AutoThrottle lengthens when the server slows down, retries back
off and honour Retry-After, and no single response may exceed ``DOWNLOAD_MAXSIZE``. A source may ask
for a different delay or concurrency in the registry (the demo sites on 127.0.0.1 use no delay).
"""

from __future__ import annotations

import os

from core.config import USER_AGENT
from core.registry import Source

DEFAULT_DOWNLOAD_DELAY = 1.0
DEFAULT_CONCURRENCY_PER_HOST = 1
DEFAULT_DOWNLOAD_TIMEOUT = 60
DEFAULT_DOWNLOAD_MAXSIZE = 64 * 1024 * 1024


def _env_number(name: str, default: int) -> int:
    """A limit from the environment (``MINUTES_DOWNLOAD_TIMEOUT``, ``MINUTES_DOWNLOAD_MAXSIZE``), so a
    test or an operator can tighten it without touching the defaults every crawl promises."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {value!r}") from None
    if number <= 0:
        raise ValueError(f"{name} must be positive, not {number}")
    return number


def base_settings() -> dict:
    """The Scrapy settings every crawl starts from, with the limits the environment sets now (read
    when called, not when this module is imported)."""
    return {
        "BOT_NAME": "minutes",
        "USER_AGENT": USER_AGENT,
        "ROBOTSTXT_OBEY": True,
        "ROBOTSTXT_USER_AGENT": "minutes-harvester",
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_MAX_DELAY": 60.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
        "CONCURRENT_REQUESTS": 8,
        "DOWNLOAD_TIMEOUT": _env_number("MINUTES_DOWNLOAD_TIMEOUT", DEFAULT_DOWNLOAD_TIMEOUT),
        "DOWNLOAD_MAXSIZE": _env_number("MINUTES_DOWNLOAD_MAXSIZE", DEFAULT_DOWNLOAD_MAXSIZE),
        "DOWNLOAD_WARNSIZE": min(
            16 * 1024 * 1024, _env_number("MINUTES_DOWNLOAD_MAXSIZE", DEFAULT_DOWNLOAD_MAXSIZE)
        ),
        "RETRY_ENABLED": True,
        "RETRY_TIMES": 3,
        "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408, 429],
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "RETRY_BASE_DELAY": 1.0,
        "RETRY_MAX_DELAY": 120.0,
        "DOWNLOADER_MIDDLEWARES": {
            # Outermost, so it sees each request's final response after retries and redirects.
            "crawlers.middlewares.ArchiveMiddleware": 50,
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "crawlers.middlewares.PoliteRetryMiddleware": 550,
        },
    }


def source_settings(source: Source) -> dict:
    """The per-source overrides of the politeness defaults."""
    delay = DEFAULT_DOWNLOAD_DELAY if source.download_delay is None else source.download_delay
    return {
        # A source that asks for no delay (the demo sites on 127.0.0.1) also backs off briefly.
        "RETRY_BASE_DELAY": 1.0 if delay else 0.1,
        "DOWNLOAD_DELAY": delay,
        "AUTOTHROTTLE_START_DELAY": delay,
        "CONCURRENT_REQUESTS_PER_DOMAIN": source.concurrent_requests or DEFAULT_CONCURRENCY_PER_HOST,
    }
