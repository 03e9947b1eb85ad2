"""What every stage shares, at the bottom of the import graph: settings (``config``), the sources
registry (``registry``, with the bundled ``sources.toml``), files written whole (``files``), object
storage locations (``object_storage``), Finnish dates (``dates``) and what a word is (``words``).
Nothing here imports another package of the project."""
