"""``cramp-coach console``: a local web page onto the skill (Flask, files shipped in static/)."""
