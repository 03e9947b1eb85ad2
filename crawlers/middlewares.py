"""Every response the crawler receives goes into the raw archive before a spider sees it."""

from __future__ import annotations

from scrapy import Request, Spider
from scrapy.http import Response

from archive import Archive


class ArchiveMiddleware:
    """Downloader middleware: keep each final response (any status) with its URL, time and hash.

    It sits outermost, so responses that the retry or redirect middlewares turn into new requests are
    not recorded twice; the final answer is."""

    @classmethod
    def from_crawler(cls, crawler):
        return cls()

    def process_response(self, request: Request, response: Response, spider: Spider) -> Response:
        archive: Archive | None = getattr(spider, "archive", None)
        if archive is None:
            return response
        headers = {
            key.decode("latin-1").lower(): b", ".join(values).decode("latin-1")
            for key, values in response.headers.items()
        }
        archive.record_response(
            source_id=spider.source.id,
            url=response.url,
            kind=request.meta.get("kind", "robots" if response.url.endswith("/robots.txt") else "other"),
            status=response.status,
            body=response.body,
            headers=headers,
            context=request.meta.get("context", {}),
        )
        return response
