"""The exceptions ChartDesk raises for bad input; each message is one line a user can act on."""


class ChartDeskError(Exception):
    """Base class: anything the CLI reports as one line on stderr, never a traceback.

    The message is folded to one line whatever went into it (a repr of an array, a driver's
    multi-line text), and capped, so every caller can print it as it is."""

    MAX_CHARS = 600

    def __init__(self, message: object = "") -> None:
        text = " ".join(str(message).split())
        if len(text) > self.MAX_CHARS:
            text = text[: self.MAX_CHARS - 1] + "…"
        super().__init__(text)


class NotFound(ChartDeskError):
    """An unknown project, experiment, channel, alias or chart set."""


class StoreError(ChartDeskError):
    """The store cannot be opened or written (foreign file, newer schema, lock, I/O)."""


class InvalidInput(ChartDeskError):
    """A value the caller gave is not acceptable (bad name, bad series ref, bad array)."""


class Conflict(ChartDeskError):
    """An edit computed from a value the store no longer holds (another window or process
    changed it meanwhile) and that cannot be carried over to what it holds now: nothing was
    written. ``current`` is what the store holds (None: the object is gone)."""

    def __init__(self, message: object = "", current: object = None) -> None:
        super().__init__(message)
        self.current = current
