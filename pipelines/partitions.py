"""Crawls are partitioned by source: one partition per registry entry."""

from __future__ import annotations

import os

import dagster as dg

from core.registry import load_registry

source_partitions = dg.StaticPartitionsDefinition(
    [source.id for source in load_registry(os.environ.get("MINUTES_SOURCES") or None)]
)
