"""Discogs credentials kept in the system keyring instead of a plain ``.env`` file.

``scrapy discogs_login --keyring`` stores the OAuth access token and secret (and ``--token`` a
personal access token) with :func:`store`, under the service :data:`SERVICE` and the setting's
name as the user name. ``settings.py`` calls :func:`configured`: a credential missing from the
environment and ``.env`` is read from the keyring, unless the environment and ``.env`` already
hold a whole set (a token, or an OAuth token and secret), so a configured harvest never imports
the keyring (about 0.3 s). ``-s`` still wins over both.

The backend is the ``keyring`` library's (https://keyring.readthedocs.io): the desktop's
Secret Service, macOS Keychain or Windows Credential Locker; ``PYTHON_KEYRING_BACKEND`` picks
another, e.g. the file backends of ``keyrings.alt`` on a server without a desktop session (the
README says which work headless). A missing or failing backend reads as "nothing stored": the
harvest goes on as without credentials and says which settings it looked for.
"""

import logging

logger = logging.getLogger(__name__)

SERVICE = "discogs-harvest"
# Every secret the settings take, in the order settings.py declares them.
NAMES = ("DISCOGS_TOKEN", "DISCOGS_CONSUMER_KEY", "DISCOGS_CONSUMER_SECRET", "DISCOGS_OAUTH_TOKEN",
         "DISCOGS_OAUTH_TOKEN_SECRET")


def complete(values):
    """Whether ``values`` (name -> value) authenticate on their own: a token, or an OAuth token
    and secret (the consumer key and secret may come from elsewhere)."""
    return bool(values.get("DISCOGS_TOKEN")) or bool(
        values.get("DISCOGS_OAUTH_TOKEN") and values.get("DISCOGS_OAUTH_TOKEN_SECRET"))


def read(names):
    """``{name: value}`` of the ``names`` the keyring holds; ``{}`` when there is no usable backend."""
    try:
        import keyring  # imported only when needed: it enumerates backends on import

        found = {}
        for name in names:
            value = keyring.get_password(SERVICE, name)
            if value:
                found[name] = value
        return found
    except Exception as exc:  # noqa: BLE001 - read while the settings load: a backend's own
        # errors (D-Bus, a locked collection, a broken file) must not stop every command
        logger.debug("No credentials from the system keyring: %s", type(exc).__name__)
        return {}


def configured(env):
    """The secret settings: ``env(name, "")`` (the environment and ``.env``), the keyring for
    what they lack unless they hold a whole set already."""
    values = {name: env(name, "") for name in NAMES}
    if not complete(values):
        missing = [name for name in NAMES if not values[name]]
        values.update(read(missing))
    return values


def backend_name():
    import keyring

    backend = keyring.get_keyring()
    return f"{type(backend).__module__}.{type(backend).__name__}"


def store(values):
    """Store ``values`` (name -> value) in the keyring; returns the backend's name. Raises
    ``RuntimeError`` with one line when no backend can keep them."""
    try:
        import keyring
        from keyring.errors import KeyringError

        for name, value in values.items():
            keyring.set_password(SERVICE, name, value)
        return backend_name()
    except ImportError:
        raise RuntimeError("the keyring library is not installed (pip install -r requirements.txt)") from None
    except (KeyringError, OSError) as exc:
        raise RuntimeError(f"the system keyring cannot store the credentials ({type(exc).__name__}: {exc}); "
                           "on a server without a desktop session choose a file backend with "
                           "PYTHON_KEYRING_BACKEND (see the README)") from None
