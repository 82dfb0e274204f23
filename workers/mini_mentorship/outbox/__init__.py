"""The transactional outbox: its SQL API's Python face (queue), the handler registry, the worker loop, and
the operator commands' queries (ops)."""
