"""Testing support for the toolkit's users: call the database exactly as PostgREST would, as any Supabase user.

`mini_mentorship.testing.api.Api` runs each call as one PostgREST request (role, JWT claims, one transaction)
and raises `ApiError` with the HTTP status, code, message and hint the app would receive.
"""
