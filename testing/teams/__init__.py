"""The fake Bot Framework connector and token issuer, and the Teams test world."""
