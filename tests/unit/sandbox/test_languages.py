"""Language and datastore images without an engine: the registry, labels, Dockerfile and CLI."""

from __future__ import annotations

import dataclasses
import importlib.util
import io
import json
import tarfile

import docker
import pytest
from click.testing import CliRunner

import sandbox.cli
from sandbox import image as image_api
from sandbox.cli import sandbox as sandbox_group
from sandbox.doctor import variant_checks
from sandbox.image import languages, recipe, variant_build
from sandbox.image.languages import LABEL_IMAGE, VARIANTS


class FakeApi:
    """Answer inspect_image from a dict of image name -> labels (absent: not found)."""

    def __init__(self, labels: dict[str, dict[str, str]]) -> None:
        self.labels = labels

    def inspect_image(self, name: str) -> dict:
        if name not in self.labels:
            raise docker.errors.ImageNotFound(name)
        return {"Config": {"Labels": self.labels[name]}}


class FakeClient:
    def __init__(self, labels: dict[str, dict[str, str]]) -> None:
        self.api = FakeApi(labels)


def test_the_registry_names_languages_and_stores():
    assert image_api.LANGUAGES == ("python", "node", "go", "java")
    assert image_api.STORES == ("postgres", "redis")
    assert image_api.language_image("python") == recipe.default_image()
    assert image_api.language_image("go") == "assessor-sandbox-go:latest"
    assert image_api.store_image("postgres") == "assessor-store-postgres:latest"
    with pytest.raises(KeyError, match="known: python, node"):
        image_api.language_image("cobol")
    with pytest.raises(KeyError):
        image_api.language_image("redis")  # a datastore is not a language
    with pytest.raises(KeyError):
        image_api.store_image("node")


def test_python_follows_sandbox_image(monkeypatch):
    monkeypatch.setenv("SANDBOX_IMAGE", "elsewhere/sandbox:9")
    assert image_api.language_image("python") == "elsewhere/sandbox:9"
    assert languages.variant_of_image("elsewhere/sandbox:9").name == "python"


def test_a_version_changes_with_its_row_the_harness_and_the_store_script(monkeypatch, tmp_path):
    node, before = VARIANTS["node"], VARIANTS["node"].version()
    assert VARIANTS["python"].version() == recipe.harness_version()
    assert len({row.version() for row in VARIANTS.values()}) == len(VARIANTS)
    assert dataclasses.replace(node, packages=(*node.packages, "jq")).version() != node.version()
    assert dataclasses.replace(node, env=(("A", "b"),)).version() != node.version()
    postgres = VARIANTS["postgres"].version()
    for script in languages.SCRIPT_DIR.glob("*.py"):
        (tmp_path / script.name).write_bytes(script.read_bytes())
    (tmp_path / "store_entrypoint.py").write_text("# changed\n")
    monkeypatch.setattr(languages, "SCRIPT_DIR", tmp_path)
    assert VARIANTS["postgres"].version() != postgres
    assert VARIANTS["node"].version() == before  # a language ships no store script
    monkeypatch.setattr(languages, "harness_version", lambda: "other-harness")
    assert VARIANTS["node"].version() != before


def test_image_status_reads_each_image_s_own_label():
    node, java = VARIANTS["node"], VARIANTS["java"]
    client = FakeClient(
        {
            node.image: {LABEL_IMAGE: node.version(), recipe.LABEL_HARNESS: "x"},
            java.image: {LABEL_IMAGE: "0000-old"},
            recipe.default_image(): {recipe.LABEL_HARNESS: recipe.harness_version()},
        }
    )
    assert image_api.image_status(client, node.image) == ("current", node.version())
    assert image_api.image_status(client, java.image) == ("stale", "0000-old")
    assert image_api.image_status(client, VARIANTS["go"].image) == ("missing", None)
    assert image_api.image_status(client)[0] == "current"


def test_import_changes_carry_both_labels_quoted_env_and_one_cmd():
    java = variant_build.variant_changes(VARIANTS["java"])
    assert f"LABEL {recipe.LABEL_HARNESS}={recipe.harness_version()}" in java
    assert f"LABEL {LABEL_IMAGE}={VARIANTS['java'].version()}" in java
    options = dict(VARIANTS["java"].env)["JAVA_TOOL_OPTIONS"]
    assert f"ENV JAVA_TOOL_OPTIONS={json.dumps(options)}" in java
    assert "USER 10001:10001" in java
    postgres = variant_build.variant_changes(VARIANTS["postgres"])
    commands = [change for change in postgres if change.startswith("CMD ")]
    assert commands == ["CMD " + json.dumps(list(VARIANTS["postgres"].command))]


def test_go_builds_offline_without_cgo():
    env = dict(VARIANTS["go"].env)
    assert env["GOPROXY"] == f"file://{languages.GOPROXY_DIR}" and env["GOSUMDB"] == "off"
    assert env["CGO_ENABLED"] == "0" and env["GOTOOLCHAIN"] == "local"
    assert env["GOCACHE"].startswith("/tmp/")  # the only writable place at run time


def test_the_dockerfile_of_a_store_installs_ships_labels_and_drops_root():
    text = variant_build.dockerfile(VARIANTS["postgres"], base="assessor-sandbox:latest")
    lines = text.splitlines()
    assert lines[0] == "FROM assessor-sandbox:latest"
    assert "apt-get install -y --no-install-recommends postgresql-15" in text
    assert f"COPY store_entrypoint.py {languages.STORE_SCRIPT_PATH}" in lines
    assert f"LABEL {LABEL_IMAGE}={VARIANTS['postgres'].version()}" in lines
    assert lines.index("USER 10001:10001") > lines.index(
        "RUN " + json.dumps(["python3", "-I", "-B", languages.STORE_SCRIPT_PATH, "init-postgres"])
    )
    with tarfile.open(
        fileobj=io.BytesIO(variant_build.dockerfile_context(VARIANTS["postgres"]))
    ) as tar:
        assert sorted(tar.getnames()) == ["Dockerfile", "store_entrypoint.py"]


def test_variant_checks_fail_only_for_required_images():
    node = VARIANTS["node"]
    client = FakeClient({node.image: {LABEL_IMAGE: node.version()}})
    checks = {check.name: check for check in variant_checks(client, required=("go",))}
    assert "language python" not in checks
    assert checks["language node"].ok and "current" in checks["language node"].detail
    assert checks["language java"].ok and "(optional)" in checks["language java"].detail
    assert "build-image --language java" in checks["language java"].detail
    assert not checks["language go"].ok and "missing" in checks["language go"].detail
    assert checks["store postgres"].ok


def test_cli_help_names_languages_and_stores():
    build = CliRunner().invoke(sandbox_group, ["build-image", "--help"])
    assert build.exit_code == 0
    text = " ".join(build.output.split()).replace("- ", "-")  # undo the wrapping
    for word in ("--language", "--all", "node", "postgres", "assessor-store-<datastore>"):
        assert word in text
    doctor = CliRunner().invoke(sandbox_group, ["doctor", "--help"])
    assert doctor.exit_code == 0 and "--language" in doctor.output
    wrong = CliRunner().invoke(sandbox_group, ["build-image", "--language", "cobol"])
    assert wrong.exit_code == 2


@pytest.fixture
def builds(monkeypatch):
    """Record build_image calls; every image is missing except node, which is current."""
    calls = []
    node = VARIANTS["node"]
    monkeypatch.setattr(
        image_api,
        "image_status",
        lambda client, image: ("current", "v") if image == node.image else ("missing", None),
    )
    monkeypatch.setattr(image_api, "build_image", lambda image, **kw: calls.append((image, kw)))
    return calls


def test_build_image_builds_each_named_image_once_and_skips_current_ones(builds):
    result = CliRunner().invoke(
        sandbox_group, ["build-image", "--language", "go", "--language", "go", "--language", "node"]
    )
    assert result.exit_code == 0, result.output
    assert [(image, kw["variant"]) for image, kw in builds] == [
        ("assessor-sandbox-go:latest", "go")
    ]
    assert "assessor-sandbox-node:latest is up to date" in result.output


def test_build_image_all_and_default(builds):
    assert CliRunner().invoke(sandbox_group, ["build-image", "--all"]).exit_code == 0
    assert [kw["variant"] for _, kw in builds] == ["python", "go", "java", "postgres", "redis"]
    builds.clear()
    assert CliRunner().invoke(sandbox_group, ["build-image"]).exit_code == 0
    assert builds == [(recipe.default_image(), builds[0][1])] and builds[0][1]["variant"] is None
    both = CliRunner().invoke(sandbox_group, ["build-image", "--image", "x:1", "--all"])
    assert both.exit_code == 2


def _script(name: str):
    spec = importlib.util.spec_from_file_location(name, languages.SCRIPT_DIR / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_redis_seed_runs_one_quoted_command_a_line():
    entrypoint = _script("store_entrypoint")
    sent = []

    class Client:
        def call(self, *args):
            if args[0] == "BOOM":
                raise entrypoint.RedisError("ERR unknown command 'BOOM'")
            sent.append(args)

        def close(self):
            sent.append("closed")

    entrypoint.seed_redis("SET greeting \"hello world\"\n\n# a comment\nRPUSH q a 'b c'\n", Client)
    assert sent == [("SET", "greeting", "hello world"), ("RPUSH", "q", "a", "b c"), "closed"]
    with pytest.raises(entrypoint.SeedFailed, match="line 2: ERR unknown command"):
        entrypoint.seed_redis("SET a 1\nBOOM\n", Client)
    with pytest.raises(entrypoint.SeedFailed, match="line 1: No closing quotation"):
        entrypoint.seed_redis('SET a "1\n', Client)
    assert entrypoint.main(["nonsense"]) == 2
    assert entrypoint.READY == image_api.READY_LINE  # the script cannot import the package


def test_the_cli_offers_every_row():
    assert set(sandbox.cli.VARIANT_NAMES) == set(VARIANTS)


def test_the_go_proxy_publishes_a_module_and_stubs_what_it_requires(tmp_path, monkeypatch):
    import zipfile

    goproxy = _script("goproxy")
    source = tmp_path / "src" / "github.com" / "Lib" / "pq"
    (source / "nested").mkdir(parents=True)
    (source / "vendor").mkdir()
    mod = "module github.com/Lib/pq\n\nrequire (\n\tgithub.com/x/testify v1.5.1 // indirect\n)\n"
    (source / "go.mod").write_text(mod)
    (source / "conn.go").write_text("package pq\n")
    (source / "nested" / "go.mod").write_text("module github.com/Lib/pq/nested\n")
    (source / "vendor" / "v.go").write_text("package v\n")
    monkeypatch.setattr(goproxy, "GOCODE", str(tmp_path / "src"))
    monkeypatch.setattr(goproxy, "debian_version", lambda directory: "v1.10.7")
    out = tmp_path / "proxy"
    assert goproxy.main([str(out), "github.com/Lib/pq"]) == 0
    published = out / "github.com" / "!lib" / "pq" / "@v"
    assert (published / "list").read_text() == "v1.10.7\n"
    assert (published / "v1.10.7.mod").read_text() == mod
    with zipfile.ZipFile(published / "v1.10.7.zip") as archive:
        assert sorted(archive.namelist()) == [
            "github.com/Lib/pq@v1.10.7/conn.go",
            "github.com/Lib/pq@v1.10.7/go.mod",
        ]
    stub = out / "github.com" / "x" / "testify" / "@v"
    assert (stub / "v1.5.1.mod").read_text() == "module github.com/x/testify\n"
    assert not (stub / "v1.5.1.zip").exists()


def test_a_dockerfile_build_refuses_a_stale_default_image(tmp_path):
    from sandbox.errors import ImageBuildFailed

    client = FakeClient({recipe.default_image(): {recipe.LABEL_HARNESS: "0000-old"}})
    with pytest.raises(ImageBuildFailed, match="build the default image first"):
        variant_build.build_variant(client, VARIANTS["node"], "dockerfile", tmp_path, print, False)


def test_compose_prunes_links_and_ships_a_row_s_files(tmp_path):
    from sandbox.image.offline import compose

    base = tmp_path / "base.tar"
    with tarfile.open(base, "w") as archive:
        for name, data in (("./etc/passwd", b""), ("./etc/group", b""), ("./big/llvm.so", b"x")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    (tmp_path / "libs").mkdir()
    out = tmp_path / "out.tar"
    row = VARIANTS["node"]
    extra = {"/usr/local/lib/assessor/x.py": b"print(1)\n"}
    compose(base, tmp_path / "libs", out, extra, ("./big/*",), row.links)
    with tarfile.open(out) as archive:
        members = {member.name: member for member in archive}
    assert "./big/llvm.so" not in members and "./etc/passwd" in members
    assert members["./node_modules"].issym()
    assert members["./node_modules"].linkname == "/usr/share/nodejs"
    assert members["./usr/local/lib/assessor/x.py"].mode == 0o755
    assert members["./usr/local/lib/assessor"].isdir()
