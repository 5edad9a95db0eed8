"""``python -m sim`` is ``casim``."""

from sim.cli import main

raise SystemExit(main())
