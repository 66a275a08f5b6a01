"""Where the project is: the folder ``.env`` and the default database are found from.

A harvest may start anywhere: in the project folder, in a subfolder of it, or as a Scrapyd
job whose working directory is the daemon's. None of these may change which token is read
or where rows go, so nothing here is relative to the working directory:

- :func:`project_root` is the source checkout holding this package (its folder has
  ``scrapy.cfg``), else the folder of the closest ``scrapy.cfg`` above the working
  directory (Scrapy's own search, ``scrapy.utils.conf.closest_scrapy_cfg``), else None
  (an installed package or a Scrapyd egg outside any project).
- :func:`dotenv_files` are the ``.env`` files read, first one wins per variable: the one
  python-dotenv's search finds from the working directory upwards (``find_dotenv``), then
  the one next to ``scrapy.cfg``. The environment wins over both.
- :func:`default_database_url` is ``<project>/data/discogs.db``, or, outside a project,
  ``discogs.db`` in the user's data folder (platformdirs), as an absolute path.
"""

import os
from pathlib import Path

from dotenv import find_dotenv
from platformdirs import user_data_path
from scrapy.utils.conf import closest_scrapy_cfg

PACKAGE_PARENT = Path(__file__).resolve().parents[1]
APP_NAME = "discogs-harvest"


def project_root():
    """The project folder (the one holding ``scrapy.cfg``), or None outside any project."""
    if (PACKAGE_PARENT / "scrapy.cfg").is_file():
        return PACKAGE_PARENT
    found = closest_scrapy_cfg()
    return Path(found).parent if found else None


def dotenv_files():
    """The ``.env`` files to load, most specific first, without duplicates."""
    files = []
    searched = find_dotenv(usecwd=True)
    if searched:
        files.append(Path(searched).resolve())
    root = project_root()
    if root is not None and (root / ".env").is_file():
        files.append((root / ".env").resolve())
    return list(dict.fromkeys(files))


def dotenv_target():
    """The ``.env`` a command that stores credentials writes: the one python-dotenv finds from
    the working folder upwards, else the one beside the closest ``scrapy.cfg``, else the
    working folder's. Settings read it first (:func:`dotenv_files`)."""
    searched = find_dotenv(usecwd=True)
    if searched:
        return Path(searched).resolve()
    found = closest_scrapy_cfg()
    return (Path(found).parent if found else Path.cwd()) / ".env"


def default_database_url():
    """``sqlite:////abs/project/data/discogs.db``, or the user data folder's ``discogs.db``."""
    root = project_root()
    if root is not None:
        folder = root / "data"
    else:
        folder = user_data_path(APP_NAME)
        os.makedirs(folder, exist_ok=True)
    return f"sqlite:///{folder / 'discogs.db'}"


def default_images_store():
    """``<project>/data/images``, or ``images`` in the user's data folder outside a project."""
    root = project_root()
    return str(root / "data" / "images") if root is not None else str(user_data_path(APP_NAME) / "images")
