"""A forecast learned from the portfolio's own history and chosen by backtest (see choice.py)."""
