"""Project commands (``COMMANDS_MODULE``): ``crawl`` with clear errors and exit statuses."""
