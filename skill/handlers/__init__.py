"""Request handlers, one module per feature. ``HANDLERS`` is the registration order: first match wins."""
