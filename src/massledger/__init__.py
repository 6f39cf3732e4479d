"""massledger: waste-mass traceability (MassID) and a carbon-credit registry in one service."""

__version__ = "0.1.0"
