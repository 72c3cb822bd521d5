"""Local doors onto the skill, for trying it and reaching it without an Echo: ``chat`` (the
terminal), ``console`` (a local web page) and ``mcp`` (tools for AI assistants).

Each runs the real skill through ``Skill.respond`` with request envelopes built here, on the
local recogniser, and binds to 127.0.0.1 unless told otherwise. None of it is part of
``cramp-coach serve`` or of the Lambda package.
"""
