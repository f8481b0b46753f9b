"""The exceptions ChartDesk raises for bad input; each message is one line a user can act on."""


class ChartDeskError(Exception):
    """Base class: anything the CLI reports as one line on stderr, never a traceback."""


class NotFound(ChartDeskError):
    """An unknown project, experiment, channel, alias or chart set."""


class StoreError(ChartDeskError):
    """The store cannot be opened or written (foreign file, newer schema, lock, I/O)."""


class InvalidInput(ChartDeskError):
    """A value the caller gave is not acceptable (bad name, bad series ref, bad array)."""
