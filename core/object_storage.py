"""Where object storage is and how to reach it, read once for the archive and the warehouse alike.

An ``s3://bucket/prefix`` location names the bucket and the folder inside it; the endpoint, region and
credentials come the way every AWS client takes them, from the environment: ``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``, ``AWS_REGION`` (or ``AWS_DEFAULT_REGION``), and for a
store that is not AWS itself (MinIO, Ceph, Garage, a test server) the endpoint URL setting of the AWS
SDKs, ``AWS_ENDPOINT_URL_S3`` or ``AWS_ENDPOINT_URL``. Reading them here, not in each client, means the
archive's client (obstore) and DuckDB's (httpfs, for a DuckLake's data files) talk to the same store
with the same keys: a mismatch would show up as a warehouse that loads but cannot be read.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

#: The region AWS clients assume when none is set; a self-hosted store ignores it but signs with it.
DEFAULT_REGION = "us-east-1"


def is_s3_url(location: object) -> bool:
    """True for an ``s3://`` location (a string: a ``Path`` would fold its ``//``)."""
    return isinstance(location, str) and location.startswith("s3://")


@dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str  # without leading or trailing slash; "" for the bucket's root

    @classmethod
    def parse(cls, url: str) -> S3Location:
        """``s3://bucket/some/prefix`` → bucket and prefix; anything else is refused with the reason."""
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError(f"an object storage location is s3://BUCKET[/PREFIX], got {url!r}")
        if parts.query or parts.fragment:
            raise ValueError(f"an s3:// location takes no ?query or #fragment: {url!r}")
        return cls(parts.netloc, parts.path.strip("/"))

    def url(self, key: str = "") -> str:
        """The ``s3://`` URL of ``key`` under this location (of the location itself for "")."""
        path = "/".join(part for part in (self.prefix, key) if part)
        return f"s3://{self.bucket}/{path}" if path else f"s3://{self.bucket}"


@dataclass(frozen=True)
class S3Access:
    """Endpoint, region and credentials, as the environment gives them. Unset keys stay None: the
    client then looks further on its own (obstore: instance metadata, web identity)."""

    region: str = DEFAULT_REGION
    endpoint: str | None = None  # scheme://host[:port], for stores other than AWS
    access_key_id: str | None = None
    secret_access_key: str | None = None
    session_token: str | None = None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> S3Access:
        env = os.environ if environ is None else environ
        endpoint = env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL") or None
        if endpoint and urlsplit(endpoint).scheme not in ("http", "https"):
            raise ValueError(f"AWS_ENDPOINT_URL must be http://HOST[:PORT] or https://…, got {endpoint!r}")
        return cls(
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or DEFAULT_REGION,
            endpoint=endpoint.rstrip("/") if endpoint else None,
            access_key_id=env.get("AWS_ACCESS_KEY_ID") or None,
            secret_access_key=env.get("AWS_SECRET_ACCESS_KEY") or None,
            session_token=env.get("AWS_SESSION_TOKEN") or None,
        )

    @property
    def uses_http(self) -> bool:
        """A plain-HTTP endpoint (a store on the local network or on 127.0.0.1): TLS off."""
        return bool(self.endpoint) and self.endpoint.startswith("http://")

    @property
    def host(self) -> str | None:
        """``host[:port]`` of the endpoint, as DuckDB's S3 settings take it."""
        return urlsplit(self.endpoint).netloc if self.endpoint else None
