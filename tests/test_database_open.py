"""Opening a SQLite file that another harvest is opening at the same moment (database.connect_sqlite)."""

import pytest
from peewee import OperationalError, SqliteDatabase

from discogs_harvest import database as database_module
from discogs_harvest.database import connect_sqlite, open_database
from discogs_harvest.exceptions import HarvestConfigError


def locked_for(monkeypatch, attempts, message="database is locked"):
    """Make the pragmas of the next ``attempts`` connections fail as SQLite does while another
    connection switches a new file to WAL; returns the list of attempts made."""
    made = []
    set_pragmas = SqliteDatabase._set_pragmas

    def failing(self, conn):
        made.append(conn)
        if len(made) <= attempts:
            raise OperationalError(message)
        return set_pragmas(self, conn)

    monkeypatch.setattr(SqliteDatabase, "_set_pragmas", failing)
    return made


def test_a_file_locked_while_its_pragmas_are_set_is_opened_once_the_lock_is_gone(tmp_path, monkeypatch):
    made = locked_for(monkeypatch, 2)
    database = open_database(f"sqlite:///{tmp_path / 'shared.db'}")
    assert len(made) == 3
    assert database.execute_sql("PRAGMA journal_mode").fetchone() == ("wal",)
    assert "albums" in database.get_tables()
    database.close()


def test_a_file_locked_for_longer_than_the_timeout_is_a_one_line_error(tmp_path, monkeypatch):
    locked_for(monkeypatch, 10**6)
    connect = database_module.connect_sqlite
    monkeypatch.setattr(database_module, "connect_sqlite", lambda database: connect(database, timeout=0.3))
    with pytest.raises(HarvestConfigError, match=r"^cannot open database .*shared\.db: database is locked$"):
        open_database(f"sqlite:///{tmp_path / 'shared.db'}")


def test_other_errors_are_not_retried(tmp_path, monkeypatch):
    made = locked_for(monkeypatch, 1, "disk I/O error")
    with pytest.raises(OperationalError, match="disk I/O error"):
        connect_sqlite(SqliteDatabase(str(tmp_path / "other.db"), pragmas={"foreign_keys": 1}))
    assert len(made) == 1
