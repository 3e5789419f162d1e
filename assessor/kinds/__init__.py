"""Challenge kinds as plugins: one contract (base.py), one registry, one module per kind."""

from assessor.kinds.base import ChallengeKindPlugin, FolderParts, FolderRules, Material, Scoring
from assessor.kinds.code import PythonModuleKind
from assessor.kinds.design import DesignKind
from assessor.kinds.errors import KindError, KindNotInstalled, NotRunnable, ReferenceFailed
from assessor.kinds.http_api import HttpApiKind
from assessor.kinds.registry import DEFAULT_KIND, find_kind, get_kind, kind_names, register
from assessor.kinds.service import ServiceKind

__all__ = [
    "DEFAULT_KIND",
    "ChallengeKindPlugin",
    "DesignKind",
    "FolderParts",
    "FolderRules",
    "HttpApiKind",
    "KindError",
    "KindNotInstalled",
    "Material",
    "NotRunnable",
    "PythonModuleKind",
    "ReferenceFailed",
    "Scoring",
    "ServiceKind",
    "find_kind",
    "get_kind",
    "kind_names",
    "register",
]

register(PythonModuleKind())
register(HttpApiKind())
register(DesignKind())
register(ServiceKind())
