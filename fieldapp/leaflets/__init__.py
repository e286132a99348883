"""Client information sheets: per-language content catalogues, fonts and the PDF renderer.

Qt is imported only by the ``qt_*`` modules (the house exception for printing); the rest is plain Python.
"""
