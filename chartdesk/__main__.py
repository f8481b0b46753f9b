"""``python -m chartdesk``: the command line."""
from .cli import main

raise SystemExit(main())
