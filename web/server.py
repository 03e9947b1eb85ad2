"""Run the web view on 127.0.0.1 with uvicorn, until interrupted."""

from __future__ import annotations

from pathlib import Path

import uvicorn

from core.warehouse_location import DuckLake
from web.app import create_app

HOST = "127.0.0.1"


def serve(warehouse: Path | DuckLake, data_dir: Path, port: int = 8000) -> None:
    """Serve on this machine only: the warehouse holds nothing secret, but the view is a reading room for
    the people at this machine, not a public site (put a real web server in front for that)."""
    print(f"minutes serve: http://{HOST}:{port}/ (warehouse {warehouse}; Ctrl-C stops)", flush=True)
    uvicorn.run(create_app(warehouse, data_dir), host=HOST, port=port, log_level="warning")
