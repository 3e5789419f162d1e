"""The one registry of kinds: names, lookups, and what an unknown name gets."""

import pytest

from assessor.kinds import DEFAULT_KIND, KindNotInstalled, find_kind, get_kind, kind_names, register
from assessor.kinds.code import PythonModuleKind
from assessor.kinds.registry import unregister
from assessor.models import ChallengeVersion


def test_the_four_kinds_are_registered_by_name():
    assert kind_names() == ("code", "http-api", "design", "service")
    assert DEFAULT_KIND in kind_names()
    labels = [get_kind(n).label for n in kind_names()]
    assert labels == ["code", "HTTP API", "written answer", "HTTP service"]
    assert get_kind("code").description == "Python module"


def test_an_unknown_name_is_not_installed():
    with pytest.raises(KindNotInstalled, match="kind 'quiz' is not installed"):
        get_kind("quiz")
    stand_in = find_kind("quiz")
    assert stand_in.name == "quiz" and not stand_in.installed


def test_a_second_kind_with_a_taken_name_is_refused():
    class Impostor(PythonModuleKind):
        pass

    with pytest.raises(ValueError, match="already registered"):
        register(Impostor())
    with pytest.raises(ValueError, match="not an installable kind"):
        register(find_kind("quiz"))


def test_a_new_kind_plugs_in_without_touching_the_platform():
    class Scratch(PythonModuleKind):
        name = "scratch"

    kind = register(Scratch())
    try:
        assert get_kind("scratch") is kind and "scratch" in kind_names()
    finally:
        unregister("scratch")
    assert "scratch" not in kind_names()


def test_a_version_can_only_be_stored_with_an_installed_kind():
    assert ChallengeVersion(kind="http-api").kind_plugin is get_kind("http-api")
    with pytest.raises(KindNotInstalled):
        ChallengeVersion(kind="quiz")
