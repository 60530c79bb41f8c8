"""jixiao (绩效): Chinese budget-performance disclosures into clean, trustworthy data."""

__version__ = "0.1.0"
