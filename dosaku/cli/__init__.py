"""The ``dosaku`` command (layer 5): :mod:`.main` parses the arguments and calls one named step
per subcommand; each step imports what it needs when it runs, so ``dosaku gtp`` starts fast.
"""
