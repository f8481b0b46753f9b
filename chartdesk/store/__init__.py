"""Storage layer: SQLAlchemy schema, point codec, the Store facade (no Qt)."""
from .store import Store, open_store

__all__ = ["Store", "open_store"]
