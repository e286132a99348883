"""fieldapp: an offline notebook, leaflet printer and secure referral channel for outreach workers."""

__version__ = "0.1.0"
