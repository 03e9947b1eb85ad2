"""How assets hand data on: one IO manager for the whole graph, so no asset reads another's files.

* ``handlings`` (one partition per source) is a ``SourceParse``: written as a generation of its source
  in the parsed store (``processing/parsed.py``), accepted or not. Read by a downstream asset, it is every
  source's *last accepted* parse, combined (``ParsedRecords``), plus a note for each source whose
  newest parse was not accepted.
* ``matters`` is a ``Matters``: each handling's matter id and the links, two Parquet files under
  ``<data dir>/processed/matters/``, each replaced whole.
"""

import dagster as dg
import polars as pl

from core.files import replace_atomically
from core.registry import load_registry
from pipelines.resources import MinutesResource
from processing.parsed import ParsedStore, SourceParse
from processing.stages import Matters


class MinutesIOManager(dg.ConfigurableIOManager):
    minutes: MinutesResource

    def _store(self) -> ParsedStore:
        return ParsedStore(self.minutes.settings().processed_dir / "parsed")

    def _matters_dir(self):
        return self.minutes.settings().processed_dir / "matters"

    def handle_output(self, context: dg.OutputContext, obj) -> None:
        if isinstance(obj, SourceParse):
            generation = self._store().write(obj)
            context.add_output_metadata({"generation": generation.name, "accepted": generation.accepted})
        elif isinstance(obj, Matters):
            directory = self._matters_dir()
            directory.mkdir(parents=True, exist_ok=True)
            for name, frame in (("assignments", obj.assignments), ("links", obj.links)):
                replace_atomically(directory / f"{name}.parquet", frame.write_parquet)
        else:
            raise TypeError(
                f"no storage for {type(obj).__name__} (asset {context.asset_key.to_user_string()})"
            )

    def load_input(self, context: dg.InputContext):
        asset = context.asset_key.to_user_string()
        if asset == "handlings":
            if context.has_asset_partitions:
                source_ids = list(context.asset_partition_keys)
            else:
                source_ids = [s.id for s in load_registry(self.minutes.settings().sources_file)]
            return self._store().read(source_ids)
        if asset == "matters":
            directory = self._matters_dir()
            return Matters(
                pl.read_parquet(directory / "assignments.parquet"),
                pl.read_parquet(directory / "links.parquet"),
            )
        raise TypeError(f"asset {asset} is not handed on through this IO manager")
