"""Read a challenge folder and check its format, collecting every problem at once."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from pathlib import Path
from typing import Any

import yaml

from assessor.challenges.spec import (
    DEFAULT_LIMITS,
    DIFFICULTIES,
    LIMIT_BOUNDS,
    SKILLS,
    ChallengeSpec,
    RubricCriterion,
)
from assessor.kinds.base import ChallengeKindPlugin, FolderParts
from assessor.kinds.registry import DEFAULT_KIND, find_kind, kind_names
from assessor.wording import plural
from sandbox import SubmissionRefused, check_submission

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CRITERION_RE = SLUG_RE
KNOWN_KEYS = {"title", "kind", "skills", "difficulty", "minutes", "editable", "limits", "summary"}
REQUIRED_KEYS = ("title", "kind", "skills")
KNOWN_ENTRIES = {
    "challenge.yaml",
    "statement.md",
    "starter",
    "solution",
    "wrong",
    "tests",
    "rubric.yaml",
    "README.md",
}
# Files that never belong to the content (editor and Python droppings) and are not hashed.
IGNORED = re.compile(r"(^|/)(__pycache__|\.pytest_cache|\.DS_Store|.*\.pyc|\.git)(/|$)")
MAX_FILE_BYTES = 512 * 1024  # a challenge file is source text; anything bigger is a mistake


@dataclasses.dataclass(frozen=True)
class Problem:
    """One format problem: the file (relative to the folder), the field, and what is wrong."""

    file: str
    message: str
    field: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}: {self.field}" if self.field else self.file
        return f"{where}: {self.message}"


class ChallengeFormatError(ValueError):
    """The folder is not a valid challenge; `problems` lists every reason."""

    def __init__(self, folder: Path, problems: list[Problem]) -> None:
        self.folder = folder
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{folder.name}: {plural(len(problems), 'problem')}\n{lines}")


def content_hash(folder: Path) -> str:
    """Hash every content file of the folder (paths and bytes), in a stable order."""
    digest = hashlib.sha256()
    for path in sorted(_files(folder)):
        rel = path.relative_to(folder).as_posix()
        digest.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _files(folder: Path) -> list[Path]:
    return [
        p
        for p in folder.rglob("*")
        if p.is_file() and not IGNORED.search(p.relative_to(folder).as_posix())
    ]


class _Reader:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.problems: list[Problem] = []

    def problem(self, file: str, message: str, field: str | None = None) -> None:
        self.problems.append(Problem(file, message, field))

    def yaml_file(self, name: str, required: bool, why: str = "every challenge needs one") -> Any:
        path = self.folder / name
        if not path.is_file():
            if required:
                self.problem(name, f"missing ({why})")
            return None
        try:
            return yaml.safe_load(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            self.problem(name, "is not UTF-8 text")
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            reason = getattr(exc, "problem", None) or str(exc)
            self.problem(name, f"malformed YAML{where}: {reason}")
        return None

    def tree(self, name: str, required: bool) -> dict[str, str]:
        root = self.folder / name
        if not root.is_dir():
            if required:
                self.problem(f"{name}/", "missing folder")
            return {}
        files: dict[str, str] = {}
        for path in sorted(_files(root)):
            rel = path.relative_to(root).as_posix()
            shown = f"{name}/{rel}"
            if path.is_symlink():
                self.problem(shown, "symbolic links are not allowed")
                continue
            if path.stat().st_size > MAX_FILE_BYTES:
                self.problem(shown, f"larger than {MAX_FILE_BYTES // 1024} KB")
                continue
            try:
                files[rel] = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                self.problem(shown, "is not UTF-8 text")
        if required and not files:
            self.problem(f"{name}/", "is empty")
        return files

    def metadata(self, data: Any) -> dict[str, Any]:
        file = "challenge.yaml"
        if data is None:
            return {}
        if not isinstance(data, dict):
            self.problem(file, "must be a mapping of keys to values")
            return {}
        meta: dict[str, Any] = {"kind": self._kind(data.get("kind", DEFAULT_KIND))}
        known = KNOWN_KEYS | meta["kind"].option_keys
        for key in sorted(set(data) - known, key=str):
            self.problem(file, f"unknown key (known: {', '.join(sorted(known))})", str(key))
        for key in REQUIRED_KEYS:
            if key not in data:
                self.problem(file, "is required", key)
        title = data.get("title")
        if "title" in data and (not isinstance(title, str) or not title.strip()):
            self.problem(file, "must be a non-empty string", "title")
        meta["title"] = title.strip() if isinstance(title, str) else ""
        meta["skills"] = self._skills(data.get("skills"))
        difficulty = data.get("difficulty", "medium")
        if difficulty not in DIFFICULTIES:
            self.problem(
                file, f"must be one of {', '.join(DIFFICULTIES)}, got {difficulty!r}", "difficulty"
            )
        meta["difficulty"] = difficulty
        minutes = data.get("minutes", 30)
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not 5 <= minutes <= 480:
            self.problem(
                file, f"must be a whole number of minutes from 5 to 480, got {minutes!r}", "minutes"
            )
        meta["minutes"] = minutes if isinstance(minutes, int) else 30
        summary = data.get("summary", "")
        if not isinstance(summary, str):
            self.problem(file, "must be a string", "summary")
        meta["summary"] = summary if isinstance(summary, str) else ""
        meta["limits"] = self._limits(data.get("limits"))
        meta["editable"] = data.get("editable")
        return meta

    def _kind(self, name: Any) -> ChallengeKindPlugin:
        kind = find_kind(name if isinstance(name, str) else repr(name))
        if not kind.installed:
            self.problem(
                "challenge.yaml", f"must be one of {', '.join(kind_names())}, got {name!r}", "kind"
            )
        return kind

    def _skills(self, skills: Any) -> tuple[str, ...]:
        file = "challenge.yaml"
        if skills is None:
            return ()
        if not isinstance(skills, list) or not skills:
            self.problem(file, "must be a non-empty list of skills", "skills")
            return ()
        for skill in skills:
            if skill not in SKILLS:
                self.problem(
                    file,
                    f"unknown skill {skill!r} (see docs/authoring.md for the "
                    f"vocabulary: {', '.join(SKILLS)})",
                    "skills",
                )
        if len(set(skills)) != len(skills):
            self.problem(file, "lists a skill twice", "skills")
        return tuple(s for s in skills if isinstance(s, str))

    def _limits(self, limits: Any) -> dict[str, Any]:
        file = "challenge.yaml"
        merged = dict(DEFAULT_LIMITS)
        if limits is None:
            return merged
        if not isinstance(limits, dict):
            self.problem(
                file, "must be a mapping such as {timeout_s: 20, memory_mb: 256}", "limits"
            )
            return merged
        for key, value in limits.items():
            if key not in LIMIT_BOUNDS:
                self.problem(
                    file, f"unknown limit (known: {', '.join(LIMIT_BOUNDS)})", f"limits.{key}"
                )
                continue
            low, high = LIMIT_BOUNDS[key]
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not low <= value <= high
            ):
                self.problem(
                    file, f"must be a number from {low} to {high}, got {value!r}", f"limits.{key}"
                )
                continue
            merged[key] = value
        return merged

    def editable(self, declared: Any, starter: dict[str, str]) -> tuple[str, ...]:
        file = "challenge.yaml"
        if declared is None:
            return tuple(sorted(starter))
        if (
            not isinstance(declared, list)
            or not all(isinstance(p, str) for p in declared)
            or not declared
        ):
            self.problem(file, "must be a non-empty list of starter file paths", "editable")
            return ()
        for path in declared:
            if path not in starter:
                self.problem(file, f"{path!r} is not a file in starter/", "editable")
        return tuple(declared)

    def rubric(self, data: Any) -> tuple[RubricCriterion, ...]:
        file = "rubric.yaml"
        if data is None:
            return ()
        items = data.get("criteria") if isinstance(data, dict) else None
        if isinstance(data, dict) and set(data) - {"criteria"}:
            for key in sorted(set(data) - {"criteria"}, key=str):
                self.problem(file, "unknown key (known: criteria)", str(key))
        if not isinstance(items, list) or not items:
            self.problem(file, "must hold a non-empty list under 'criteria'", "criteria")
            return ()
        criteria, seen = [], set()
        for i, item in enumerate(items):
            where = f"criteria[{i}]"
            if not isinstance(item, dict):
                self.problem(file, "must be a mapping with id, title, points, guidance", where)
                continue
            for key in sorted(set(item) - {"id", "title", "points", "guidance"}, key=str):
                self.problem(file, "unknown key", f"{where}.{key}")
            cid, title = item.get("id"), item.get("title")
            points, guidance = item.get("points"), item.get("guidance", "")
            if not isinstance(cid, str) or not CRITERION_RE.match(cid):
                self.problem(file, "must be lowercase-with-dashes", f"{where}.id")
            elif cid in seen:
                self.problem(file, f"duplicate id {cid!r}", f"{where}.id")
            seen.add(cid)
            if not isinstance(title, str) or not title.strip():
                self.problem(file, "must be a non-empty string", f"{where}.title")
            if isinstance(points, bool) or not isinstance(points, int | float) or points <= 0:
                self.problem(file, "must be a positive number", f"{where}.points")
            if not isinstance(guidance, str):
                self.problem(file, "must be a string", f"{where}.guidance")
            criteria.append(
                RubricCriterion(
                    str(cid),
                    str(title or ""),
                    float(points) if isinstance(points, int | float) else 0.0,
                    str(guidance or ""),
                )
            )
        return tuple(criteria)


def read_challenge(folder: str | Path) -> ChallengeSpec:
    """Read and check a challenge folder; raise ChallengeFormatError listing every problem."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ChallengeFormatError(folder, [Problem(str(folder), "is not a folder")])
    reader = _Reader(folder)
    if not SLUG_RE.match(folder.name):
        reader.problem(folder.name, "folder name (the slug) must be lowercase-with-dashes")
    for entry in sorted(folder.iterdir()):
        if entry.name not in KNOWN_ENTRIES and not IGNORED.search(entry.name):
            reader.problem(
                entry.name, f"unexpected entry (known: {', '.join(sorted(KNOWN_ENTRIES))})"
            )
    data = reader.yaml_file("challenge.yaml", required=True)
    meta = reader.metadata(data)
    kind: ChallengeKindPlugin = meta.get("kind") or find_kind(DEFAULT_KIND)
    rules = kind.folder
    statement_path = folder / "statement.md"
    statement = ""
    if not statement_path.is_file():
        reader.problem("statement.md", "missing (what the candidate reads)")
    else:
        statement = statement_path.read_text(encoding="utf-8", errors="replace")
        if not statement.strip():
            reader.problem("statement.md", "is empty")
    starter = reader.tree("starter", required=True)
    _check_parts(reader, kind)
    solution = reader.tree("solution", required=rules.needs("solution"))
    tests = reader.tree("tests", required=rules.needs("tests"))
    wrong: dict[str, dict[str, str]] = {}
    wrong_root = folder / "wrong"
    if wrong_root.is_dir():
        for sub in sorted(p for p in wrong_root.iterdir() if p.is_dir()):
            wrong[sub.name] = reader.tree(f"wrong/{sub.name}", required=True)
        for stray in sorted(p for p in wrong_root.iterdir() if p.is_file()):
            reader.problem(f"wrong/{stray.name}", "each wrong solution must be a folder")
    elif rules.needs("wrong"):
        reader.problem(
            "wrong/",
            f"missing: a {kind.description} challenge needs at least one known-wrong solution",
        )
    editable = reader.editable(meta.get("editable"), starter)
    options = kind.read_options(data if isinstance(data, dict) else {}, starter, reader.problem)
    kind.check_folder(
        FolderParts(starter, solution, wrong, tests, editable, options), reader.problem
    )
    rubric = reader.rubric(
        reader.yaml_file(
            "rubric.yaml",
            required=rules.needs("rubric"),
            why=f"a {kind.description} challenge needs one",
        )
    )
    _check_submission_policy(reader, starter, editable)
    if reader.problems:
        raise ChallengeFormatError(folder, reader.problems)
    return ChallengeSpec(
        slug=folder.name,
        title=meta["title"],
        kind=kind.name,
        skills=meta["skills"],
        difficulty=meta["difficulty"],
        minutes=meta["minutes"],
        editable=editable,
        limits=meta["limits"],
        summary=meta["summary"],
        statement=statement,
        starter=starter,
        solution=solution,
        wrong=wrong,
        tests=tests,
        rubric=rubric,
        options=options,
        content_hash=content_hash(folder),
    )


def _check_parts(reader: _Reader, kind: ChallengeKindPlugin) -> None:
    entries = {"solution": "solution", "tests": "tests", "wrong": "wrong", "rubric": "rubric.yaml"}
    for part, entry in entries.items():
        if (reader.folder / entry).exists() and not kind.folder.accepts(part):
            shown = entry if part == "rubric" else f"{entry}/"
            reader.problem(shown, f"a {kind.description} challenge does not use it: remove it")


def _check_submission_policy(reader: _Reader, starter: dict[str, str], editable) -> None:
    # The sandbox refuses some names (conftest.py, stdlib shadows...): a challenge whose editable
    # files it would refuse could never be submitted.
    try:
        check_submission({p: starter[p] for p in editable if p in starter}, editable)
    except SubmissionRefused as exc:
        for message in exc.problems:
            reader.problem("challenge.yaml", message, "editable")
