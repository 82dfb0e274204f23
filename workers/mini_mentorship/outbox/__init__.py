"""The outbox: its SQL API's Python face (queue), the handler registry, and the worker loop."""
