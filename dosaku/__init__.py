"""dosaku: AlphaGo and AlphaGo Zero, small enough to read, fast and strong enough to use.

Importing the package is cheap: it never imports torch (GTP start-up stays fast).
"""

__version__ = "0.1.0"
