"""kam: Key Account Management for B2B companies that live on a few big customers."""

__version__ = "0.1.0"
