"""Errors raised by kam_analytics: both are ValueErrors, so callers may catch either broadly."""


class AnalyticsInputError(ValueError):
    """The input arrays are malformed: wrong shape, mismatched lengths, NaN, impossible values."""


class ModelNotApplicableError(ValueError):
    """The inputs are well-formed, but the model cannot describe them (e.g. no repeat buyers)."""
