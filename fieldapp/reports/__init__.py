"""Reports: aggregate statistics over a period with small-cell suppression; charts, PDF and CSV.

Public entry points: ``service.build_report``, ``service.shown``, ``service.aggregate_packet``,
``export.write_pdf``, ``export.write_csv`` and ``cli.register``.
"""
