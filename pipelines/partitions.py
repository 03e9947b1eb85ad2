"""Crawls are partitioned by source: one partition per entry of the registry the resource names.

Built when the definitions are (``pipelines/definitions.py``), from the ``MinutesResource`` they are
built for, not when this module is imported: a test or a deployment that points the resource at its own
registry gets that registry's sources as partitions."""

import dagster as dg

from core.registry import load_registry
from pipelines.resources import MinutesResource


def source_partitions(minutes: MinutesResource) -> dg.StaticPartitionsDefinition:
    """One partition per source of ``minutes``' registry, named by the source's id."""
    sources = load_registry(minutes.settings().sources_file)
    return dg.StaticPartitionsDefinition([source.id for source in sources])


def partitioned(asset: dg.AssetsDefinition, partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    """``asset`` with ``partitions``: the assets are written once, their partitions given at definition."""
    return asset.map_asset_specs(lambda spec: spec.replace_attributes(partitions_def=partitions))
