"""The backend registry, the fake backend's script mode and engine failures as results."""

from __future__ import annotations

import gc
import warnings

import docker
import pytest

import sandbox
from sandbox.backend import Check

from .samples import make_job


def test_both_backends_are_registered():
    assert {"docker", "fake"} <= set(sandbox.backend_names())
    assert isinstance(sandbox.get_backend("fake"), sandbox.FakeBackend)
    assert isinstance(sandbox.get_backend("docker", image="x:y"), sandbox.DockerBackend)


def test_unknown_backends_are_a_precise_error():
    with pytest.raises(sandbox.BackendNotFound, match="no sandbox backend 'podman'"):
        sandbox.get_backend("podman")


def test_registering_a_backend_makes_it_available():
    class Null(sandbox.Backend):
        name = "null-for-test"

        def run(self, job):
            return sandbox.Result.infrastructure_error("null")

        def check(self):
            return [Check("null", True, "")]

    sandbox.register_backend("null-for-test", Null)
    backend = sandbox.get_backend("null-for-test")
    assert sandbox.run(make_job(), backend).detail == "null"
    with pytest.raises(ValueError):
        sandbox.register_backend("", Null)


def test_a_backend_must_implement_run_and_check():
    class Half(sandbox.Backend):
        def run(self, job):
            raise NotImplementedError

    with pytest.raises(TypeError):
        Half()


def test_the_fake_backend_can_script_results():
    scripted = sandbox.Result.infrastructure_error("scripted")
    backend = sandbox.FakeBackend(script=lambda job: scripted)
    assert sandbox.run(make_job(), backend) is scripted
    assert backend.check()[0].detail.startswith("fake backend: runs tests on the host WITHOUT")


def test_run_refuses_what_is_not_a_job():
    with pytest.raises(sandbox.InvalidJob):
        sandbox.run({"files": {}}, sandbox.FakeBackend())  # type: ignore[arg-type]


def test_infrastructure_exceptions_from_a_backend_become_results():
    def broken(job):
        raise sandbox.EngineUnavailable("engine down")

    result = sandbox.run(make_job(), sandbox.FakeBackend(script=broken))
    assert result.status is sandbox.RunStatus.INFRASTRUCTURE_ERROR
    assert result.detail == "EngineUnavailable: engine down"


def test_an_unreachable_engine_is_an_infrastructure_error(tmp_path):
    client = docker.DockerClient(base_url=f"unix://{tmp_path}/no-engine.sock", version="1.41")
    with warnings.catch_warnings():
        # docker-py leaks the socket of a failed connect; that is its bug, not ours.
        warnings.simplefilter("ignore", ResourceWarning)
        result = sandbox.run(make_job(), sandbox.DockerBackend(client=client))
        client.close()
        gc.collect()
    assert result.status is sandbox.RunStatus.INFRASTRUCTURE_ERROR
    assert "EngineUnavailable" in result.detail
    assert result.tests == ()


def test_the_docker_backend_reads_its_default_image_from_the_environment(monkeypatch):
    monkeypatch.setenv("SANDBOX_IMAGE", "registry.local/sandbox:7")
    backend = sandbox.DockerBackend(client=object())
    assert backend.image == "registry.local/sandbox:7"
    assert backend.image_for(make_job()) == "registry.local/sandbox:7"
    assert backend.image_for(make_job(image="other:1")) == "other:1"
