"""Why a step is (or may be) out of date: the one vocabulary the engine, the steps, the plan and its rendering
share. A leaf module, so that the steps need not import the plan to say it."""

from __future__ import annotations

from enum import Enum


class StaleReason(str, Enum):
    """Why a step is (or may be) out of date, as Dagster's StaleCause."""

    NEW = "new"
    CODE_CHANGED = "code_changed"
    PARAMS_CHANGED = "params_changed"
    SOURCES_CHANGED = "sources_changed"
    INPUT_CHANGED = "input_changed"
    OUTPUT_MISSING = "output_missing"
    NOT_PUBLISHED = "not_published"
    VERSION_IMMUTABLE = "version_immutable"  # a protected root holds this version with other content: refused
    UPSTREAM_PENDING = "upstream_pending"
    UPSTREAM_FAILED = "upstream_failed"
    UP_TO_DATE = "up_to_date"
