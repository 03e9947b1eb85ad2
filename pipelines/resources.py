"""The pipeline's resources, declared once: where the registry, the archive and the warehouse are; the IO
manager that hands data from asset to asset; and the Pipes client that runs crawls."""

import dagster as dg

from core.config import Settings, resolve_settings


class MinutesResource(dg.ConfigurableResource):
    """Empty fields fall back to the environment (MINUTES_SOURCES, MINUTES_DATA_DIR, MINUTES_ARCHIVE,
    MINUTES_WAREHOUSE, MINUTES_WAREHOUSE_DATA, MINUTES_SINCE) and then to the defaults of contract.md,
    exactly as the CLI does."""

    sources: str | None = None
    data_dir: str | None = None
    archive: str | None = None
    warehouse: str | None = None
    warehouse_data: str | None = None
    since: str | None = None

    def settings(self) -> Settings:
        return resolve_settings(
            sources=self.sources,
            data_dir=self.data_dir,
            archive=self.archive,
            warehouse=self.warehouse,
            warehouse_data=self.warehouse_data,
            since=self.since,
        )


def resources_for(minutes: MinutesResource) -> dict:
    """Every resource the definitions need, for one ``MinutesResource`` (the tests pass their own)."""
    from pipelines.io import MinutesIOManager

    return {
        "minutes": minutes,
        "io_manager": MinutesIOManager(minutes=minutes),
        # the crawl's own output goes to the run's stdout/stderr; its reports come through Pipes
        "pipes": dg.PipesSubprocessClient(),
    }
