#!/usr/bin/env python
"""The same as the `kam` command."""

from kam.cli import main

if __name__ == "__main__":
    main()
