"""The SQLAlchemy Core schema of a ChartDesk store, its identity and its version.

Points live in ``chunks``: each row holds up to ``CHUNK_POINTS`` consecutive points of one
channel as three float64 blobs (an exact arithmetic sequence stored as first value, step and
count: ``points.encode``). What views need to choose and summarise chunks is in
``chunk_summaries``. Schema 3 (encoded sequences) reads every schema-2 file as it is; stores made
before it keep four unread range columns in ``chunks``. Schema 4 gives each project three edit
counters (``EDIT_COUNTERS``): every write of its aliases, pins or charts bumps one in the same
transaction, so another window sees the edit at its next poll and re-reads only what moved.
Schema 5 gives each run its notes (``experiments.notes``) and each project a fourth counter,
``RUNS_COUNTER``, bumped by every edit of a run's tags, notes or params: windows poll it with the
project's runs (``Store.change_token`` part 1), so such an edit elsewhere reaches them too.
Schema 6 gives each channel the name of what its x is (``channels.x_name``: "epoch", "step", ...,
or None where nobody said), written by importers and by the logging API when told.
"""
from __future__ import annotations

from sqlalchemy import (
                        DDL,
                        Column,
                        Float,
                        ForeignKey,
                        Index,
                        Integer,
                        LargeBinary,
                        MetaData,
                        String,
                        Table,
                        Text,
                        UniqueConstraint,
                        event,
)

#: SQLite ``PRAGMA application_id``: ASCII "CHDK".
APPLICATION_ID = 0x4348444B
#: Bumped on every schema change; ``migrations.MIGRATIONS`` lifts older stores to it.
SCHEMA_VERSION = 6

metadata = MetaData()

meta = Table(
    "chartdesk_meta", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

#: Schema 4: a project's edit counters, by what they count: aliases (entries, order, deletes),
#: pins (per-run alias overrides) and charts (chart sets and experiments' own charts).
EDIT_COUNTERS = ("aliases_v", "pins_v", "charts_v")
#: Schema 5: a project's count of edits of its runs' tags, notes and params (not of their points).
RUNS_COUNTER = "runs_v"

projects = Table(
    "projects", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(512), nullable=False, unique=True),
    *(Column(name, Integer, nullable=False, default=0, server_default="0") for name in (*EDIT_COUNTERS, RUNS_COUNTER)),
)

experiments = Table(
    "experiments", metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(512), nullable=False),
    Column("state", String(16), nullable=False, default="running"),
    Column("created", Float),
    Column("finished", Float),
    Column("params", Text, nullable=False, default="{}"),   # JSON object
    Column("tags", Text, nullable=False, default="[]"),     # JSON list
    Column("source", Text),                                 # importer's key, for re-import
    Column("notes", Text),                                  # schema 5: the run's notes (None: none)
    UniqueConstraint("project_id", "name"),
)

channels = Table(
    "channels", metadata,
    Column("id", Integer, primary_key=True),
    Column("experiment_id", ForeignKey("experiments.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(512), nullable=False),
    Column("count", Integer, nullable=False, default=0),
    Column("version", Integer, nullable=False, default=0),  # bumped on each append
    Column("x_name", String(512)),                          # schema 6: what x is ("epoch"); None: not said
    UniqueConstraint("experiment_id", "name"),
)

chunks = Table(
    "chunks", metadata,
    Column("channel_id", ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("n", Integer, nullable=False),
    Column("x", LargeBinary, nullable=False),
    Column("y", LargeBinary, nullable=False),
    Column("t", LargeBinary, nullable=False),
)

# PostgreSQL: point blobs are stored out of line uncompressed. Float bits hardly compress, and
# skipping pglz's attempt made 10M-point reads and writes faster (benchmarks/pg_bench.py).
for _col in ("x", "y", "t"):
    event.listen(chunks, "after_create",
                 DDL(f"ALTER TABLE chunks ALTER COLUMN {_col} SET STORAGE EXTERNAL").execute_if(dialect="postgresql"))

# Schema 2: what a view needs to know of each chunk: its size, x and wall-time ranges, and its
# bucket summary (decimate.bucket_indices). A table of its own, small columns first, so that choosing
# chunks and zoomed-out reads never walk the overflow pages of the full blobs in ``chunks``.
chunk_summaries = Table(
    "chunk_summaries", metadata,
    Column("channel_id", ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("n", Integer, nullable=False),
    Column("x_min", Float), Column("x_max", Float),
    Column("t_min", Float), Column("t_max", Float),
    Column("sx", LargeBinary, nullable=False),
    Column("sy", LargeBinary, nullable=False),
    Column("st", LargeBinary, nullable=False),
)

aliases = Table(
    "aliases", metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(512), nullable=False),
    UniqueConstraint("project_id", "name"),
)

alias_entries = Table(
    "alias_entries", metadata,
    Column("alias_id", ForeignKey("aliases.id", ondelete="CASCADE"), primary_key=True),
    Column("pos", Integer, primary_key=True),
    Column("channel", String(512), nullable=False),
)

# Schema 3: a run's override of an alias ("pin"): kept while the run has that channel.
pins = Table(
    "pins", metadata,
    Column("experiment_id", ForeignKey("experiments.id", ondelete="CASCADE"), primary_key=True),
    Column("alias", String(512), primary_key=True),
    Column("channel", String(512), nullable=False),
)

chart_sets = Table(
    "chart_sets", metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(512), nullable=False),
    Column("pos", Integer, nullable=False),
    UniqueConstraint("project_id", "name"),
)

# A chart belongs either to a chart set or to one experiment (an "experiment chart").
charts = Table(
    "charts", metadata,
    Column("id", Integer, primary_key=True),
    Column("chart_set_id", ForeignKey("chart_sets.id", ondelete="CASCADE")),
    Column("experiment_id", ForeignKey("experiments.id", ondelete="CASCADE")),
    Column("pos", Integer, nullable=False),
    Column("name", String(512), nullable=False),
    Column("options", Text, nullable=False, default="{}"),  # JSON: x_axis, log_y, smoothing
)

chart_series = Table(
    "chart_series", metadata,
    Column("chart_id", ForeignKey("charts.id", ondelete="CASCADE"), primary_key=True),
    Column("pos", Integer, primary_key=True),
    Column("ref", String(520), nullable=False),  # "alias:NAME" or "channel:NAME"
)

Index("ix_charts_set", charts.c.chart_set_id, charts.c.pos)
Index("ix_charts_exp", charts.c.experiment_id, charts.c.pos)
Index("ix_experiments_project", experiments.c.project_id)
