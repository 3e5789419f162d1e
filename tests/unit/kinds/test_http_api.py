"""The http-api kind: the `app` field, the generated fixtures, and the library's Flask apps."""

import shutil

import pytest

import sandbox
from assessor.challenges.reader import ChallengeFormatError, read_challenge
from assessor.kinds import Material, get_kind
from assessor.kinds.http_api import CONFTEST_PATH
from tests.unit.kinds.conftest import FIXTURES, ROOT

# The library's challenges that are Flask applications: they read and run the same as `code`
# and as `http-api` (their tests build their own client, overriding the generated fixtures).
FLASK_CHALLENGES = (
    "products-rest-api",
    "document-access-control",
    "idempotent-payments",
    "optimistic-locking-etags",
    "audit-log-keyset-pagination",
)


@pytest.fixture
def folder(tmp_path):
    target = tmp_path / "mini-http-api"
    shutil.copytree(FIXTURES / "mini-http-api", target)
    return target


def with_yaml(folder, old, new):
    path = folder / "challenge.yaml"
    path.write_text(path.read_text().replace(old, new))
    return folder


def problems_of(folder):
    with pytest.raises(ChallengeFormatError) as info:
        read_challenge(folder)
    return "\n".join(str(p) for p in info.value.problems)


def test_a_declared_app_is_stored_with_the_version(folder):
    spec = read_challenge(folder)
    assert spec.options == {"app": "app:create_app"}
    assert spec.meta()["options"] == {"app": "app:create_app"}


def test_without_app_the_default_applies_when_the_starter_has_app_py(folder):
    assert read_challenge(with_yaml(folder, "app: app:create_app\n", "")).options == {
        "app": "app:create_app"
    }
    (folder / "starter" / "app.py").rename(folder / "starter" / "server.py")
    for sub in ("solution", "wrong/no-validation"):
        (folder / sub / "app.py").rename(folder / sub / "server.py")
    with_yaml(folder, "editable: [app.py]", "editable: [server.py]")
    assert read_challenge(folder).options == {}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("create_app", "app: must be 'module:factory' such as 'app:create_app', got 'create_app'"),
        ("app:create-app", "app: must be 'module:factory'"),
        ("[1, 2]", "app: must be 'module:factory'"),
        ("server:create_app", "app: module 'server' is not a file in starter/ (no server.py)"),
        ("api.app:make", "app: module 'api.app' is not a file in starter/ (no api/app.py)"),
    ],
)
def test_a_bad_app_field_names_file_and_field(folder, value, message):
    with_yaml(folder, "app: app:create_app", f"app: {value}")
    assert f"challenge.yaml: {message}" in problems_of(folder)


def test_app_is_a_field_of_http_api_only(folder):
    with_yaml(folder, "kind: http-api", "kind: code")
    assert "challenge.yaml: app: unknown key" in problems_of(folder)


def test_the_generated_conftest_serves_public_and_hidden_tests():
    spec = read_challenge(FIXTURES / "mini-http-api")
    kind, material = get_kind("http-api"), Material.of_spec(spec)
    for which in ("public", "all"):
        tests = kind.build_job(material, spec.solution, which=which, image="img").tests
        assert CONFTEST_PATH in tests and "/" not in CONFTEST_PATH
    conftest = kind.test_files(material, "public")[CONFTEST_PATH]
    compile(conftest, CONFTEST_PATH, "exec")
    assert "MODULE, FACTORY = 'app', 'create_app'" in conftest
    assert "def client(app):" in conftest and "app.test_client()" in conftest


def test_no_app_means_no_generated_conftest():
    spec = read_challenge(FIXTURES / "mini-http-api")
    material = Material.of_spec(spec)
    bare = Material(material.starter, material.tests, material.limits, {})
    assert CONFTEST_PATH not in get_kind("http-api").test_files(bare, "all")


def test_a_test_module_may_override_the_generated_fixtures():
    spec = read_challenge(FIXTURES / "mini-http-api")
    tests = {
        **spec.tests,
        "hidden/test_override.py": (
            "import pytest\n\n\n@pytest.fixture\ndef client():\n    return 'mine'\n\n\n"
            "def test_uses_its_own_client(client):\n    assert client == 'mine'\n"
        ),
    }
    material = Material(spec.starter, tests, spec.limits, spec.options)
    job = get_kind("http-api").build_job(material, spec.solution, which="all", image="img")
    result = sandbox.run(job, sandbox.FakeBackend())
    outcomes = {t.id: t.outcome for t in result.tests}
    assert outcomes["hidden/test_override.py::test_uses_its_own_client"] == "passed"
    assert set(outcomes.values()) == {"passed"}


def read_as(tmp_path, slug, kind):
    """Read a library challenge with challenge.yaml's kind set to `kind`."""
    folder = tmp_path / slug
    shutil.copytree(ROOT / "challenges" / slug, folder)
    path = folder / "challenge.yaml"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(f"kind: {kind}\n" if ln.startswith("kind:") else ln for ln in lines))
    return read_challenge(folder)


@pytest.mark.parametrize("slug", FLASK_CHALLENGES)
def test_the_librarys_flask_apps_run_alike_as_code_and_as_http_api(tmp_path, slug):
    specs = {kind: read_as(tmp_path / kind, slug, kind) for kind in ("code", "http-api")}

    def job(kind, which):
        spec = specs[kind]
        return get_kind(kind).build_job(
            Material.of_spec(spec), spec.solution, which=which, image="i"
        )

    # The same job plus the generated fixtures, which the challenges' own fixtures override.
    code, http = job("code", "all"), job("http-api", "all")
    assert dict(http.tests) == {CONFTEST_PATH: http.tests[CONFTEST_PATH], **code.tests}
    assert (http.files, http.limits, http.expected) == (code.files, code.limits, code.expected)
    # Their public tests pass either way (the full suites run in the Docker library test).
    outcomes = {}
    for kind in specs:
        result = sandbox.run(job(kind, "public"), sandbox.FakeBackend())
        outcomes[kind] = {t.id: str(t.outcome) for t in result.tests}
    assert outcomes["code"] == outcomes["http-api"]
    assert outcomes["code"] and set(outcomes["code"].values()) == {"passed"}
