"""mini-mentorship: one-time mentorship sessions for a Supabase app (SQL lifecycle + small Python workers)."""

__version__ = "0.1.0"
