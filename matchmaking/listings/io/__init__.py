"""Import and export of the `llm-match/v1` JSON format (see docs/llm-match-v1.md).

Sections (organizations, offerings, needs, and — registered by higher apps — cases) plug in
through :mod:`matchmaking.listings.io.registry`, so listings never imports a higher app.
"""
