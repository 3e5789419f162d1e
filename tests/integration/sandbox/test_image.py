"""The image: labelled with the harness version, never pulled, stale or missing is retryable."""

from __future__ import annotations

import io
import tarfile

import pytest

import sandbox
from sandbox.image import LABEL_HARNESS, ensure_image, harness_version, image_status
from tests.unit.sandbox.samples import make_job

pytestmark = pytest.mark.docker


def test_the_session_image_is_current_and_labelled(docker_client, sandbox_image):
    assert ensure_image(sandbox_image, client=docker_client) == "current"
    labels = docker_client.api.inspect_image(sandbox_image)["Config"]["Labels"]
    assert labels[LABEL_HARNESS] == harness_version()
    assert image_status(docker_client, sandbox_image) == ("current", harness_version())


def test_a_missing_image_is_an_infrastructure_error_and_is_never_pulled(docker_client, host_guard):
    image = "assessor-sandbox:never-built"
    backend = sandbox.DockerBackend(client=docker_client, image=image)
    result = sandbox.run(make_job(), backend)
    assert result.status is sandbox.RunStatus.INFRASTRUCTURE_ERROR
    assert "ImageMissing" in result.detail and "assessor sandbox build-image" in result.detail
    assert image_status(docker_client, image) == ("missing", None)


@pytest.fixture
def stale_image(docker_client):
    """Import a tiny image labelled with another harness version."""
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as archive:
        info = tarfile.TarInfo("marker")
        info.size = 0
        archive.addfile(info, io.BytesIO())
    name = "assessor-sandbox:stale-test"
    docker_client.api.import_image_from_data(
        data.getvalue(),
        repository="assessor-sandbox",
        tag="stale-test",
        changes=[f"LABEL {LABEL_HARNESS}=0000-old-harness"],
    )
    yield name
    docker_client.api.remove_image(name, force=True)


def test_a_stale_image_is_an_infrastructure_error(docker_client, stale_image, host_guard):
    result = sandbox.run(make_job(image=stale_image), sandbox.DockerBackend(client=docker_client))
    assert result.status is sandbox.RunStatus.INFRASTRUCTURE_ERROR
    assert "ImageStale" in result.detail and "0000-old-harness" in result.detail
    assert image_status(docker_client, stale_image) == ("stale", "0000-old-harness")
