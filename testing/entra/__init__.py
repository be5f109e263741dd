"""A fake Microsoft Entra ID and Graph, and the sample trust kept in it, for the sync's tests."""
