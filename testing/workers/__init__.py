"""Child processes the storage tests start: each is run as a script or with ``python -m``."""
