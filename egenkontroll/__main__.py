"""``python -m egenkontroll`` runs the command line."""

import sys

from egenkontroll.cli import main

sys.exit(main())
