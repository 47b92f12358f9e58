"""inburgering: linked-data publisher for the Dutch civic-integration domain (Wet inburgering 2021)."""

__version__ = "0.1.0"
