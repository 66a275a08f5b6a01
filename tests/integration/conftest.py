import pytest

# The README check's lines assert in a helper module: pytest explains its failed asserts too.
pytest.register_assert_rewrite("tests.integration.readme")

from discogs_harvest.sandbox.process import SandboxProcess

# A 1 s window with room for 100 requests: Discogs' arithmetic, sixty times faster.
FAST_SANDBOX = ("--window", "1", "--limit-auth", "100", "--limit-anon", "100")


@pytest.fixture(scope="module")
def module_sandbox():
    with SandboxProcess(*FAST_SANDBOX) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def module_db(tmp_path_factory):
    return tmp_path_factory.mktemp("db") / "discogs.db"
