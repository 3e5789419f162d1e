"""The image builders without an engine: the offline root fs and the Dockerfile stream."""

from __future__ import annotations

import io
import tarfile

import pytest

from sandbox.errors import ImageBuildFailed
from sandbox.image import _build_dockerfile
from sandbox.image.offline import compose
from sandbox.image.recipe import SITE_DIR, harness_files


@pytest.fixture
def base_tar(tmp_path):
    """Write a tiny base root fs tarball with accounts, /usr/local and a hard link."""
    path = tmp_path / "base.tar"
    with tarfile.open(path, "w") as archive:
        for name in (".", "./etc", "./usr", "./usr/local", "./usr/local/lib"):
            info = tarfile.TarInfo(name)
            info.type = tarfile.DIRTYPE
            archive.addfile(info)
        for name, data in (
            ("./etc/passwd", b"root:x:0:0::/root:/bin/sh\n"),
            ("./etc/group", b"root:x:0:\n"),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("./etc/passwd-link")
        link.type = tarfile.LNKTYPE
        link.linkname = "./etc/passwd"
        archive.addfile(link)
    return path


def test_compose_adds_the_user_libraries_and_compiled_harness(tmp_path, base_tar):
    libs = tmp_path / "libs"
    (libs / "pytest").mkdir(parents=True)
    (libs / "pytest" / "__init__.py").write_text("VERSION = 1\n")
    out = tmp_path / "rootfs.tar"
    compose(base_tar, libs, out)
    with tarfile.open(out) as archive:
        names = archive.getnames()
        passwd = archive.extractfile("./etc/passwd").read().decode()
        group = archive.extractfile("./etc/group").read().decode()
        library = archive.getmember(f".{SITE_DIR}/pytest/__init__.py")
    assert len(names) == len(set(names)), "the engine refuses duplicate paths"
    assert passwd.endswith("sandbox:x:10001:10001::/tmp:/usr/sbin/nologin\n")
    assert group.endswith("sandbox:x:10001:\n")
    assert (library.uid, library.mode) == (0, 0o644)
    assert "./etc/passwd-link" in names
    for source in harness_files():
        assert f".{SITE_DIR}/sandbox_harness/{source.name}" in names
        assert any(
            n.startswith(f".{SITE_DIR}/sandbox_harness/__pycache__/{source.stem}.") for n in names
        )


class _Api:
    def __init__(self, chunks):
        self.chunks = chunks
        self.calls = []

    def build(self, **kwargs):
        self.calls.append(kwargs)
        return iter(self.chunks)


class _Client:
    def __init__(self, chunks):
        self.api = _Api(chunks)


def test_the_dockerfile_build_passes_the_label_and_reports_steps():
    client = _Client([{"stream": "Step 1/9 : FROM python:3.11-slim\n"}, {"stream": "noise\n"}])
    steps = []
    _build_dockerfile(client, "img:1", "v42", steps.append)
    call = client.api.calls[0]
    assert call["dockerfile"] == "image/Dockerfile" and call["tag"] == "img:1"
    assert call["buildargs"] == {"HARNESS_VERSION": "v42"}
    assert steps == ["Step 1/9 : FROM python:3.11-slim"]


def test_a_failed_dockerfile_build_is_a_precise_error():
    client = _Client([{"error": "pull access denied for python\n"}])
    with pytest.raises(ImageBuildFailed, match="pull access denied"):
        _build_dockerfile(client, "img:1", "v42", lambda message: None)
