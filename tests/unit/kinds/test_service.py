"""The service kind: its options, the runs it builds, and what it asks the backend to prepare."""

import socket

import pytest

import sandbox
from assessor.challenges.reader import ChallengeFormatError, read_challenge
from assessor.kinds import Material, get_kind
from tests.unit.kinds.conftest import FIXTURES

FOLDER = FIXTURES / "mini-service"


@pytest.fixture
def spec():
    return read_challenge(FOLDER)


def test_a_run_carries_one_language_without_its_folder_and_the_platform_fixtures(spec):
    kind = get_kind("service")
    files = {"node/server.js": "// mine\n"}
    job = kind.build_job(Material.of_spec(spec), files, which="public", image="img")
    assert dict(job.files) == {"server.js": "// mine\n"}
    assert job.service.language == "node" and job.service.start == "node server.js"
    assert job.service.port == 18731 and job.service.ready == "/health"
    assert "conftest.py" in job.tests and not any(p.startswith("hidden/") for p in job.tests)
    assert "def http(" in job.tests["conftest.py"] and "def db(" not in job.tests["conftest.py"]


def test_mixed_or_missing_languages_build_no_run_and_say_why(spec):
    kind = get_kind("service")
    material = Material.of_spec(spec)
    mixed = {"node/server.js": "", "python/app.py": ""}
    assert kind.build_job(material, mixed, which="all", image="img") is None
    assert kind.build_job(material, {}, which="all", image="img") is None
    assert "no language was chosen" in kind.unrunnable_reason({})
    assert "not those of one allowed language" in kind.unrunnable_reason(mixed)


def test_the_backend_prepares_the_images_of_each_language_and_datastore(spec):
    kind = get_kind("service")
    assert kind.image_variants(Material.of_spec(spec)) == ("python", "node")
    with_store = Material.of_spec(spec)
    with_store = Material(
        with_store.starter,
        with_store.tests,
        with_store.limits,
        {**with_store.options, "services": ["postgres"]},
    )
    assert kind.image_variants(with_store) == ("python", "node", "postgres")
    assert get_kind("code").image_variants(with_store) == ()


def test_validation_asks_the_backend_for_the_images_first(spec):
    prepared = []

    class Recording(sandbox.FakeBackend):
        def prepare(self, variants, progress=None):
            prepared.append(tuple(variants))

    report = get_kind("service").validate(spec, Recording(), "img")
    assert prepared == [("python", "node")] and report.ok, report.checks


@pytest.mark.parametrize(
    ("yaml", "message"),
    [
        ("languages: {cobol: {start: run, port: 8080}}", "unknown language"),
        ("languages: {python: {start: python3 app.py, port: 5432}}", "belongs to the postgres"),
        ("languages: {python: {port: 8080}}", "must be a shell command"),
        ("languages: {python: {start: x, port: 8080, ready: health}}", "must be an HTTP path"),
        ("languages: {python: {start: x, port: 8080}}\nservices: [mysql]", "unknown datastore"),
        ("languages: {python: {start: x, port: 8080}}\nstartup_s: 1", "from 5 to 900"),
        (
            "languages: {python: {start: x, port: 8080}, node: {start: y, port: 8081}}",
            "every language must use the same port",
        ),
    ],
)
def test_bad_service_fields_are_each_reported(tmp_path, yaml, message):
    folder = tmp_path / "svc"
    folder.mkdir()
    (folder / "challenge.yaml").write_text(
        f"title: T\nkind: service\nskills: [api-design]\n{yaml}\n"
    )
    (folder / "statement.md").write_text("# T\n")
    for part in ("starter", "solution", "wrong/w"):
        (folder / part / "python").mkdir(parents=True)
        (folder / part / "python" / "app.py").write_text("print(1)\n")
    for visibility in ("public", "hidden"):
        (folder / "tests" / visibility).mkdir(parents=True)
        (folder / "tests" / visibility / f"test_{visibility}.py").write_text(
            "def test_x():\n    pass\n"
        )
    with pytest.raises(ChallengeFormatError) as raised:
        read_challenge(folder)
    assert message in str(raised.value)


def test_the_fake_backend_refuses_a_port_someone_else_listens_on(spec):
    kind = get_kind("service")
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        material = Material.of_spec(spec)
        row = {**material.options["languages"]["python"], "port": port}
        options = {**material.options, "languages": {"python": row}}
        material = Material(material.starter, material.tests, material.limits, options)
        job = kind.build_job(material, {"python/app.py": "x = 1\n"}, which="all", image="img")
        result = sandbox.run(job, sandbox.FakeBackend())
    assert result.status is sandbox.RunStatus.INFRASTRUCTURE_ERROR
    assert f"port {port} is taken" in result.detail


def test_the_kind_offers_exactly_the_languages_and_stores_the_sandbox_has_images_for():
    from assessor.kinds.service_options import LANGUAGES, STORES
    from sandbox.image import LANGUAGES as IMAGE_LANGUAGES
    from sandbox.image import STORES as IMAGE_STORES

    assert set(LANGUAGES) == set(IMAGE_LANGUAGES)
    assert set(STORES) == set(IMAGE_STORES)
