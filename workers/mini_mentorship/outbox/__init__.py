"""The transactional outbox: jobs queued by the database (private.outbox), drained by the workers."""
