"""Project commands (``COMMANDS_MODULE``): ``crawl`` with clear errors and exit statuses,
``discogs_login`` (OAuth 1.0a), ``rebuild`` (every table again from the kept API bodies)."""
