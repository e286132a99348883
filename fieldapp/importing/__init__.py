"""Old records from spreadsheets: reading a hostile file (``sources``), a mapping of columns and values
(``mapping``, ``values``), and the dry run and all-or-nothing import (``service``)."""
