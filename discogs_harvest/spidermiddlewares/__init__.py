"""Spider middlewares of discogs-harvest."""
