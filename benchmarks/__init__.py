"""Side-by-side benchmarks for issue 15 (`scripts/bench [--quick]`): every claim is a ratio measured in one run.

Each module measures one item of the issue and returns `Measure`s (harness.py): browse and the `from()` reads
under RLS (reads.py), claims under contention (claims.py), the outbox worker against a bare SQL loop and
procrastinate (outbox.py), the sweeps at two table sizes (sweeps.py) and provider pacing (pacing.py). The
data is generated set-based (datagen.py); report.py writes results.md and results.json.
"""
