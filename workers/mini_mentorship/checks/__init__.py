"""Checks a DBA can run against any database where the migrations are applied (the security matrix)."""
