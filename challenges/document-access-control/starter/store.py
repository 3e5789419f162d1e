"""In-memory data for the documents service (read-only). Tests build their own Store."""

from dataclasses import dataclass
from itertools import count


@dataclass
class User:
    id: int
    org_id: int
    role: str  # "member" or "admin" (admin of its own organisation only)


@dataclass
class Project:
    id: int
    org_id: int
    name: str


@dataclass
class Document:
    id: int
    project_id: int
    owner_id: int
    title: str
    body: str


class Store:
    """Users, projects and documents; ids are assigned per kind, starting at 1."""

    def __init__(self):
        self.users: dict[int, User] = {}
        self.projects: dict[int, Project] = {}
        self.documents: dict[int, Document] = {}
        self._tokens: dict[str, int] = {}
        self._ids = {"user": count(1), "project": count(1), "document": count(1)}

    def add_user(self, org_id: int, role: str = "member", token: str | None = None) -> User:
        user = User(next(self._ids["user"]), org_id, role)
        self.users[user.id] = user
        self._tokens[token or f"token-{user.id}"] = user.id
        return user

    def add_project(self, org_id: int, name: str) -> Project:
        project = Project(next(self._ids["project"]), org_id, name)
        self.projects[project.id] = project
        return project

    def add_document(self, project_id: int, owner_id: int, title: str, body: str = "") -> Document:
        document = Document(next(self._ids["document"]), project_id, owner_id, title, body)
        self.documents[document.id] = document
        return document

    def user_for_token(self, token: str) -> User | None:
        user_id = self._tokens.get(token)
        return None if user_id is None else self.users[user_id]
