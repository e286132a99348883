"""PyInstaller entry point: the same as the `fieldapp` console script (fieldapp.cli:main)."""
from fieldapp.cli import main

raise SystemExit(main())
