"""For ``scrapyd-deploy``, which builds its egg with ``python setup.py bdist_egg`` (and would
write a setup.py of its own, without our dependencies, were this one missing). Everything is
declared in pyproject.toml."""

from setuptools import setup

setup()
