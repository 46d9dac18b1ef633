"""Mapping a raw source row onto a ChatML record: pure functions, declarative rules, no per-dataset code."""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from typing import Any

from releasebuild.config.models import CHATML_ROLES, FieldRule, RecordRules, TemplateRule, ValueRule
from releasebuild.keys import canonical_json, record_content

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_MISSING = object()


class Rejected(Exception):
    """A row that cannot become a record; it is quarantined with this code and detail, never dropped."""

    def __init__(self, code: str, detail: str):
        self.code = code
        self.detail = detail
        super().__init__(f"{code}: {detail}")


@dataclass(frozen=True)
class Record:
    id: str
    group: str
    messages: list[dict[str, str]]
    metadata: dict[str, Any]
    content_json: str  # canonical JSON of (id, messages, metadata): what `digest` is computed over
    digest: str

    def shard_body(self, family: str, source: str) -> str:
        """The published ChatML line without its split, as canonical JSON.

        Assembled around the already-encoded content, which is valid because canonical JSON sorts keys and
        "family" < "id" < "messages" < "metadata" < "provenance" < "split"; tests check the result re-encodes
        to itself."""
        provenance = canonical_json({"family": family, "record_digest": self.digest, "record_id": self.id,
                                     "source": source})
        return f'{{"family":{_json_text(family)},{self.content_json[1:-1]},"provenance":{provenance}}}'


def value_digest(value: str) -> str:
    """How a quarantine row names a raw value it rejects: a short SHA-256 and the length, never the text (a row is
    published, and the value may be PII)."""
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:12]  # a lone surrogate, too
    return f"sha256:{digest} ({len(value)} chars)"


def with_split(shard_body: str, split: str) -> str:
    """Close a shard body with its split ("split" is the last key in sorted order)."""
    return f'{shard_body[:-1]},"split":{_json_text(split)}}}'


@functools.lru_cache(maxsize=64)
def _json_text(name: str) -> str:
    """A family or split name as a JSON string; the same few names recur on every record."""
    return canonical_json(name)


def lookup(row: Any, path: str) -> Any:
    """A field by name, or by dotted path into nested objects; a literal key with dots wins."""
    if type(row) is dict:
        value = row.get(path, _MISSING)
        if value is not _MISSING or "." not in path:
            return value
    current = row
    for part in path.split("."):
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return _MISSING
    return current


def _scalar_text(row: Any, path: str, what: str, text_only: bool = False) -> str:
    """A field as text. Ids and keys may be numbers; message content must already be text (schema drift)."""
    value = lookup(row, path)
    if type(value) is str:  # the common case, first
        return value
    if value is _MISSING or value is None:
        raise Rejected("missing_field", f"{what}: field '{path}' is missing")
    if text_only and not isinstance(value, str):
        raise Rejected("wrong_type", f"{what}: field '{path}' is {type(value).__name__}, expected text")
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise Rejected("wrong_type", f"{what}: field '{path}' is {type(value).__name__}, expected text")
    return str(value)


def render(rule: ValueRule, row: Any, what: str, text_only: bool = False) -> str:
    """A plain string is a field name, or a template when it holds '{'."""
    if isinstance(rule, FieldRule):
        return _scalar_text(row, rule.field, what, text_only)
    template = rule.template if isinstance(rule, TemplateRule) else rule
    if "{" not in template:
        return _scalar_text(row, template, what, text_only)
    return _PLACEHOLDER.sub(lambda m: _scalar_text(row, m.group(1), what, text_only), template)


def _messages_from_list(row: Any, family: RecordRules) -> list[dict[str, str]]:
    spec = family.mapping.messages
    assert spec is not None
    turns = lookup(row, spec.field)
    if turns is _MISSING or turns is None:
        raise Rejected("missing_field", f"messages: field '{spec.field}' is missing")
    if not isinstance(turns, list):
        raise Rejected("wrong_type", f"messages: field '{spec.field}' is {type(turns).__name__}, expected a list")
    messages = []
    for index, turn in enumerate(turns):
        what = f"turn {index}"
        if not isinstance(turn, dict):
            raise Rejected("wrong_type", f"{what} is {type(turn).__name__}, expected an object")
        source_role = _scalar_text(turn, spec.role, what)
        role = spec.roles.get(source_role, source_role if source_role in CHATML_ROLES else None)
        if role is None:
            known = sorted(set(spec.roles) | set(CHATML_ROLES))
            # the value is named by a digest: a field that holds a name instead of a role would echo it
            raise Rejected("unknown_role", f"{what}: role value {value_digest(source_role)} is not mapped "
                                           f"(known: {', '.join(known)})")
        messages.append({"role": role, "content": _scalar_text(turn, spec.content, what, text_only=True)})
    return messages


def _normalize(messages: list[dict[str, str]], family: RecordRules) -> list[dict[str, str]]:
    mapping = family.mapping
    out: list[dict[str, str]] = []
    for index, message in enumerate(messages):
        content = message["content"].strip() if mapping.strip else message["content"]
        if not content.strip():
            raise Rejected("empty_content", f"turn {index} ({message['role']}) has no text")
        if mapping.consecutive == "merge" and out and out[-1]["role"] == message["role"]:
            out[-1] = {"role": message["role"], "content": out[-1]["content"] + mapping.merge_separator + content}
        else:
            out.append({"role": message["role"], "content": content})
    if family.system_prompt and not (out and out[0]["role"] == "system"):
        out.insert(0, {"role": "system", "content": family.system_prompt})
    present = {message["role"] for message in out}
    missing = [role for role in mapping.require_roles if role not in present]
    if missing:
        raise Rejected("missing_role", f"no {' or '.join(missing)} turn")
    return out


def map_record(row: Any, family: RecordRules) -> Record:
    """Raw row -> Record, or Rejected naming what is wrong (no raw content in the reason)."""
    if not isinstance(row, dict):
        raise Rejected("not_an_object", f"row is {type(row).__name__}, expected an object")
    if family.mapping.messages is not None:
        raw_messages = _messages_from_list(row, family)
    else:
        raw_messages = [{"role": turn.role, "content": render(turn.content, row, f"{turn.role} turn", text_only=True)}
                        for turn in family.mapping.turns or ()]
    messages = _normalize(raw_messages, family)
    metadata = {}
    for name, path in sorted(family.metadata.items()):
        value = lookup(row, path)
        metadata[name] = None if value is _MISSING else value
    if family.id is None:
        record_id = _strict_content("", "", messages, metadata)[1].split(":", 1)[1]
    else:
        record_id = render(family.id, row, "id").strip()
        if not record_id:
            raise Rejected("empty_id", "the id rule gave an empty id")
    group = render(family.group_by, row, "group_by") if family.group_by is not None else record_id
    content_json, digest = _strict_content(record_id, group, messages, metadata)
    return Record(record_id, group, messages, metadata, content_json, digest)


def _strict_content(record_id: str, group: str, messages: list[dict[str, str]],
                    metadata: dict[str, Any]) -> tuple[str, str]:
    """The record's canonical JSON and digest, refusing what strict JSON and UTF-8 cannot carry: a value that
    could not be published as it is is rejected here, never shipped (NaN in a shard breaks strict readers)."""
    try:
        group.encode("utf-8")
        return record_content(record_id, messages, metadata)
    except UnicodeEncodeError:
        raise Rejected("lone_surrogate", "a text holds a lone UTF-16 surrogate, which UTF-8 cannot encode") from None
    except RecursionError:
        raise Rejected("too_deep", "a metadata value is nested too deep to encode") from None
    except ValueError:  # record_content encodes with allow_nan=False
        raise Rejected("non_finite_number", "a value is NaN or infinite, which JSON cannot carry") from None
