"""A review as one release requires it: what the sign-off gate, its pages, the review commands and the checks of a
record are given of it (`SignoffGateConfig.review_specs` makes them from the gate's settings and the release)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, SerializerFunctionWrapHandler, model_serializer, model_validator


class ReviewSpec(BaseModel):
    """One required review in this release. As JSON (the sign-off gate's params, which its step key digests) it is
    one flat object: each part a review may sign of a gate's report (`SignedPart.name`, such as `bias_report`) is a
    key beside the others, `true` where this review signs it. Here those keys are `signs`, so the shape the keys and
    release.lock have always digested stays as it was."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str
    description: str
    roles: list[str]  # the roles that may sign it; empty: any role
    families: list[str]  # the release's families in its scope
    size: int  # records drawn per family
    rubric: dict[str, str]  # item -> what to check
    signs: dict[str, bool]  # every part the release's gates let a review sign -> whether this review signs it

    @model_validator(mode="before")
    @classmethod
    def _parts_from_beside(cls, data: Any) -> Any:
        """Read the flat JSON shape: every key that is not a field names a part."""
        if isinstance(data, dict) and "signs" not in data:
            return {**{key: value for key, value in data.items() if key in cls.model_fields},
                    "signs": {key: value for key, value in data.items() if key not in cls.model_fields}}
        return data

    @model_serializer(mode="wrap")
    def _parts_beside(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Dump to the flat JSON shape, the parts after the fields."""
        data: dict[str, Any] = handler(self)
        return {**{key: value for key, value in data.items() if key != "signs"}, **data["signs"]}
