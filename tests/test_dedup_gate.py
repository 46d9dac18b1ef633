"""Dedup, leak-free splits and the leakage gate in real builds: planted exact and near duplicates (within and
across families, of taken-down records, too short to shingle), the keep-policy, no transitive merging, group-aware
and sticky splits, split conflicts, and a deliberately leaky assignment caught by the check."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from releasebuild import api, find_near_duplicates
from releasebuild.dedup.text import TextRules, jaccard, kind_texts, shingle_hashes
from releasebuild.errors import DefinitionError
from releasebuild.gates.leakage import find_leaks
from releasebuild.testing import ReleaseFixture, make_release

VERSION = "v2026-11-23"
_VOCAB = [f"{a}{b}" for a in ("cal", "mor", "vin", "tes", "lum", "dra", "pel", "sor") for b in
          ("ane", "ble", "cor", "dix", "eph", "fon", "gar", "hul", "ist", "jor", "kel", "lom")]


def words(seed: int, count: int = 100) -> list[str]:
    rng = random.Random(seed)
    return [rng.choice(_VOCAB) for _ in range(count)]


def row(cid: str, session: str, user: str, assistant: str) -> dict[str, Any]:
    return {"cid": cid, "session": session, "topic": "t",
            "dialog": [{"speaker": "usr", "text": user}, {"speaker": "sys", "text": assistant}]}


def record(cid: str, seed: int, session: str | None = None) -> dict[str, Any]:
    text = words(seed)
    return row(cid, session or f"s-{cid}", " ".join(text[:60]), " ".join(text[60:]))


def edited(source: dict[str, Any], cid: str, tail: int = 0, head: int = 0, seed: int = 99,
           session: str | None = None) -> dict[str, Any]:
    """A copy of `source` with its last `tail` and first `head` words replaced."""
    text = (source["dialog"][0]["text"] + " " + source["dialog"][1]["text"]).split()
    fresh = words(seed, len(text))
    text = fresh[:head] + text[head:len(text) - tail] + fresh[len(text) - tail:]
    return row(cid, session or f"s-{cid}", " ".join(text[:60]), " ".join(text[60:]))


def similarity(one: dict[str, Any], other: dict[str, Any]) -> float:
    rules = TextRules()

    def shingles(doc: dict[str, Any]) -> list[int]:
        messages = [{"role": "user" if turn["speaker"] == "usr" else "assistant", "content": turn["text"]}
                    for turn in doc["dialog"]]
        return shingle_hashes(kind_texts(messages, rules)["conversation"], rules)

    return jaccard(shingles(one), shingles(other))


def published(fixture: ReleaseFixture, version: str = VERSION) -> Path:
    return fixture.dir / "published" / "releases" / version


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def removed(fixture: ReleaseFixture, family: str) -> dict[str, dict[str, Any]]:
    return {entry["id"]: entry for entry in jsonl(published(fixture) / "gates" / "dedup" / f"{family}.jsonl")}


def shipped_ids(fixture: ReleaseFixture, family: str, version: str = VERSION) -> dict[str, str]:
    return {line["id"]: line["split"] for shard in sorted((published(fixture, version) / "data").rglob(f"{family}-*"))
            for line in jsonl(shard)}


def write_gate(fixture: ReleaseFixture, gate: str, settings: dict[str, Any]) -> None:
    import yaml

    (fixture.dir / "gates" / f"{gate}.yaml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    document = yaml.safe_load(fixture.release_yaml.read_text())
    fixture.edit_yaml(fixture.release_yaml, gates={**document["gates"], gate: f"gates/{gate}.yaml"})


def build(fixture: ReleaseFixture) -> api.ApplyReport:
    report = api.apply(fixture.release_yaml, jobs=2)
    assert report.outcome.error is None, report.outcome.error
    return report


@pytest.fixture
def dup_release(tmp_path: Path) -> ReleaseFixture:
    """alpha: ten distinct records, a09 a near copy of a01. beta: b00 an exact copy of a03 (case and spacing
    differ), b01 a near copy of a05, the rest distinct."""
    alpha = [record(f"a{i:02d}", seed=i) for i in range(9)]
    alpha.append(edited(alpha[1], "a09", tail=2))
    copy = record("b00", seed=3)
    copy["dialog"][0]["text"] = "  " + copy["dialog"][0]["text"].upper().replace(" ", "   ")
    beta = [copy, edited(alpha[5], "b01", tail=3)] + [record(f"b{i:02d}", seed=100 + i) for i in range(2, 8)]
    return make_release(tmp_path / "rel", {"alpha": alpha, "beta": beta})


def test_exact_and_near_duplicates_are_removed_by_the_keep_policy(dup_release: ReleaseFixture) -> None:
    build(dup_release)
    alpha, beta = removed(dup_release, "alpha"), removed(dup_release, "beta")
    assert set(alpha) == {"a09"} and set(beta) == {"b00", "b01"}
    assert alpha["a09"]["code"] == "near_duplicate" and alpha["a09"]["duplicate_of"] == "alpha/a01"
    assert 0.8 <= alpha["a09"]["similarity"] < 1.0
    assert (beta["b00"]["code"], beta["b00"]["duplicate_of"], beta["b00"]["similarity"]) == (
        "exact_duplicate", "alpha/a03", 1.0)
    assert (beta["b01"]["code"], beta["b01"]["duplicate_of"]) == ("near_duplicate", "alpha/a05")
    assert beta["b01"]["similarity"] == pytest.approx(similarity(record("a05", 5), edited(record("a05", 5), "x", 3)),
                                                      abs=1e-6)
    # Removed records ship nowhere, stay in the provenance index with the decision, and are counted.
    assert {"a09"}.isdisjoint(shipped_ids(dup_release, "alpha")) and len(shipped_ids(dup_release, "alpha")) == 9
    provenance = {row["id"]: row for row in jsonl(published(dup_release) / "provenance" / "beta.jsonl")}
    assert provenance["b00"]["split"] is None and provenance["b00"]["chain"][-1] == {
        "step": "dedup", "decision": "removed", "code": "exact_duplicate", "duplicate_of": "alpha/a03",
        "similarity": 1.0}
    manifest = json.loads((published(dup_release) / "manifest.json").read_text())
    assert manifest["families"]["beta"]["removed_duplicates"] == 2
    assert manifest["families"]["beta"]["records"]["total"] == 6
    report = json.loads((published(dup_release) / "gates" / "dedup.json").read_text())
    assert report["status"] == "pass" and report["keep_policy"]["family_priority"] == ["alpha", "beta"]
    keys = {art["key"]: art["sha256"] for art in manifest["artifacts"]}
    assert {"gates/dedup.json", "gates/dedup.md", "gates/leakage.json", "gates/dedup/beta.jsonl"} <= set(keys)
    summary = json.loads((published(dup_release) / "gates" / "summary.json").read_text())
    assert {gate["id"] for gate in summary["gates"]} >= {"dedup", "leakage"}


def test_the_declared_priority_decides_which_copy_stays(dup_release: ReleaseFixture) -> None:
    write_gate(dup_release, "dedup", {"priority": ["beta", "alpha"]})
    build(dup_release)
    assert set(removed(dup_release, "alpha")) == {"a03", "a05", "a09"}
    assert removed(dup_release, "alpha")["a03"]["duplicate_of"] == "beta/b00"
    assert removed(dup_release, "beta") == {}


def test_near_duplicates_never_merge_transitively(tmp_path: Path) -> None:
    """A~B and B~C, A !~ C: B goes (a copy of A), C stays: it is not similar to anything kept."""
    a = record("c1", seed=7)
    b = edited(a, "c2", tail=6)
    c = edited(b, "c3", head=6, seed=98)
    assert similarity(a, b) >= 0.8 and similarity(b, c) >= 0.8 and similarity(a, c) < 0.8
    fixture = make_release(tmp_path / "rel", {"alpha": [a, b, c, record("c4", seed=8)]})
    build(fixture)
    assert set(removed(fixture, "alpha")) == {"c2"}
    assert set(shipped_ids(fixture, "alpha")) == {"c1", "c3", "c4"}
    docs = [{"id": doc["cid"], "messages": [{"role": "user", "content": doc["dialog"][0]["text"]},
                                            {"role": "assistant", "content": doc["dialog"][1]["text"]}]}
            for doc in (a, b, c)]
    assert find_near_duplicates(docs, 0.8) == {(0, 1), (1, 2)}


def test_texts_too_short_to_shingle_match_exactly_and_are_counted(tmp_path: Path) -> None:
    rows = [row("h1", "s1", "Hi", "Hello there."), row("h2", "s2", "hi", "hello  there."),
            row("h3", "s3", "Hi", "Good evening."), record("r1", seed=1)]
    fixture = make_release(tmp_path / "rel", {"alpha": rows})
    build(fixture)
    assert {key: value["code"] for key, value in removed(fixture, "alpha").items()} == {"h2": "exact_duplicate"}
    report = json.loads((published(fixture) / "gates" / "dedup.json").read_text())
    assert report["families"][0]["short_texts"]["conversation"] == 3


def test_near_duplicates_of_a_taken_down_record_go_too(tmp_path: Path) -> None:
    alpha = [record(f"a{i:02d}", seed=i) for i in range(4)]
    beta = [edited(alpha[2], "b00", tail=2), record("b01", seed=50)]
    fixture = make_release(tmp_path / "rel", {"alpha": alpha, "beta": beta},
                           takedowns=[{"id": "a02", "family": "alpha", "reason": "consent withdrawn"}])
    build(fixture)
    entry = removed(fixture, "beta")["b00"]
    assert (entry["code"], entry["duplicate_of"], entry["duplicate_of_taken_down"]) == (
        "takedown_near_duplicate", "alpha/a02", True)
    assert set(shipped_ids(fixture, "beta")) == {"b01"} and "a02" not in shipped_ids(fixture, "alpha")


def _paired_family(count: int) -> list[dict[str, Any]]:
    """`count` pairs, each two records ~0.7 similar (below the 0.8 dedup threshold, above the 0.6 leakage one)."""
    rows = []
    for index in range(count):
        base = record(f"p{index:02d}a", seed=200 + index)
        rows += [base, edited(base, f"p{index:02d}b", tail=12, seed=300 + index)]
    return rows


def test_near_duplicates_below_the_dedup_threshold_share_a_split_and_nothing_leaks(tmp_path: Path) -> None:
    rows = _paired_family(12)
    assert all(0.6 <= similarity(rows[i], rows[i + 1]) < 0.8 for i in range(0, len(rows), 2))
    fixture = make_release(tmp_path / "rel", {"edge": rows})
    fixture.edit_yaml(fixture.family_yaml("edge"), holdout_sensitive=True, holdout_reason=None,
                      splits={"ratios": {"train": 0.5, "val": 0.25, "test": 0.25}})
    report = build(fixture)
    splits = shipped_ids(fixture, "edge")
    assert len(splits) == 24 and all(splits[f"p{i:02d}a"] == splits[f"p{i:02d}b"] for i in range(12))
    assert len(set(splits.values())) > 1
    assert report.outcome.results["edge/split"].meta["groups"]["joined"] == 12
    leakage = json.loads((published(fixture) / "gates" / "leakage.json").read_text())
    assert leakage["status"] == "pass" and leakage["leaking_pairs"] == 0


def test_a_leaky_assignment_is_caught_and_blocks_a_holdout_sensitive_family(tmp_path: Path) -> None:
    """With joining switched off (groups of one record), the pairs land apart; the check names them."""
    fixture = make_release(tmp_path / "rel", {"edge": _paired_family(12)})
    fixture.edit_yaml(fixture.family_yaml("edge"), holdout_sensitive=True, holdout_reason=None,
                      splits={"ratios": {"train": 0.5, "val": 0.25, "test": 0.25}})
    write_gate(fixture, "leakage", {"max_group_size": 1})
    report = api.apply(fixture.release_yaml, jobs=2)
    assert report.outcome.error is not None and "leakage" in str(report.outcome.error)
    assert not published(fixture).exists()
    blocked = fixture.dir / ".releasebuild" / "blocked" / VERSION / "gates"
    leaks = jsonl(blocked / "leakage" / "pairs.jsonl")
    # the pairs differ in the assistant turn only: linked by their conversation and by their identical user turn
    assert leaks and {leak["kind"] for leak in leaks} == {"conversation", "user"}
    assert all(leak["similarity"] >= 0.6 for leak in leaks)
    # each leak is one planted pair: p07a ~ p07b
    assert all(leak["train"].split("/")[1][:3] == leak["heldout"].split("/")[1][:3] for leak in leaks)
    family = json.loads((blocked / "leakage.json").read_text())["families"][0]
    assert family["status"] == "fail" and "holdout-sensitive" in family["why"]


def test_leaks_are_found_from_links_and_splits_alone() -> None:
    links = [("conversation", "a/1", "a/2", 0.7), ("user", "a/3", "b/4", 1.0), ("conversation", "a/5", "a/6", 0.9)]
    splits = {"a/1": "train", "a/2": "test", "a/3": "val", "b/4": "train", "a/5": "val", "a/6": "test"}
    assert list(find_leaks(links, splits)) == [
        {"kind": "conversation", "train": "a/1", "heldout": "a/2", "heldout_split": "test", "similarity": 0.7},
        {"kind": "user", "train": "b/4", "heldout": "a/3", "heldout_split": "val", "similarity": 1.0}]
    assert list(find_leaks(links, {**splits, "a/2": "train"}))[0]["train"] == "b/4"


def test_published_records_keep_their_split_when_records_are_added_and_ratios_change(tmp_path: Path) -> None:
    rows = [record(f"r{i:03d}", seed=i) for i in range(40)]
    fixture = make_release(tmp_path / "rel", {"alpha": rows})
    build(fixture)
    first = shipped_ids(fixture, "alpha")
    assert set(first.values()) == {"train", "val", "test"}
    index = jsonl(published(fixture) / "splits" / "alpha.jsonl")
    assert {entry["id"]: entry["split"] for entry in index} == first
    with fixture.data_file("alpha").open("a") as fh:
        for i in range(40, 60):
            fh.write(json.dumps(record(f"r{i:03d}", seed=i)) + "\n")
    fixture.edit_yaml(fixture.release_yaml, version="v2026-12-01",
                      splits={"ratios": {"train": 0.34, "val": 0.33, "test": 0.33}, "salt": "another-salt"})
    report = build(fixture)
    second = shipped_ids(fixture, "alpha", "v2026-12-01")
    assert {rid: second[rid] for rid in first} == first  # no published record moved
    assert len(second) == 60
    sticky = report.outcome.results["alpha/split"].meta["sticky"]
    assert (sticky["previous"], sticky["kept"], sticky["moved"], sticky["new"]) == ("v2026-11-23", 40, 0, 20)
    manifest = json.loads((published(fixture, "v2026-12-01") / "manifest.json").read_text())
    assert manifest["split_assignment"]["previous"] == "v2026-11-23"

    # A declared resplit reassigns from scratch, and says why.
    fixture.edit_yaml(fixture.release_yaml, version="v2026-12-02",
                      resplit={"reason": "rebalance after the intake change", "families": ["alpha"]})
    report = build(fixture)
    sticky = report.outcome.results["alpha/split"].meta["sticky"]
    assert sticky["resplit"] == "rebalance after the intake change" and sticky["previous"] == "v2026-12-01"
    third = shipped_ids(fixture, "alpha", "v2026-12-02")
    assert any(third[rid] != second[rid] for rid in second) and sticky["moved"] > 0
    # ... but a held-out record stays held out.
    assert {rid: third[rid] for rid, split in second.items() if split != "train"} == {
        rid: split for rid, split in second.items() if split != "train"}


def test_held_out_records_stay_held_out_after_an_absence_and_through_their_near_duplicates(tmp_path: Path) -> None:
    rows = [record(f"r{i:03d}", seed=i) for i in range(40)]
    fixture = make_release(tmp_path / "rel", {"alpha": rows})
    build(fixture)
    first = shipped_ids(fixture, "alpha")
    held = sorted(rid for rid, split in first.items() if split != "train")
    assert len(held) >= 4
    by_id = {r["cid"]: r for r in rows}

    def publish(version: str, data: list[dict[str, Any]]) -> dict[str, str]:
        fixture.data_file("alpha").write_text("".join(json.dumps(r) + "\n" for r in data), encoding="utf-8")
        # New records would almost all hash into train now.
        fixture.edit_yaml(fixture.release_yaml, version=version,
                          splits={"ratios": {"train": 0.98, "val": 0.01, "test": 0.01}, "salt": version})
        build(fixture)
        return shipped_ids(fixture, "alpha", version)

    # v2: the first two held-out records are withdrawn from the source; their index entries are carried forward.
    second = publish("v2026-12-01", [r for r in rows if r["cid"] not in held[:2]])
    assert not set(held[:2]) & set(second)
    index = {entry["id"]: entry for entry in jsonl(published(fixture, "v2026-12-01") / "splits" / "alpha.jsonl")}
    assert [(index[rid]["split"], index[rid]["in_release"]) for rid in held[:2]] == [
        (first[rid], False) for rid in held[:2]]
    # v3: they come back, and the next two held-out records get a near copy that the keep-policy prefers
    # (lower id): the copy survives dedup and takes the held-out split of the record it replaced.
    copies = [edited(by_id[rid], f"a{k}", tail=2, session=f"s-new-{k}") for k, rid in enumerate(held[2:4])]
    third = publish("v2026-12-02", rows + copies)
    assert {rid: third[rid] for rid in held[:2]} == {rid: first[rid] for rid in held[:2]}
    assert not set(held[2:4]) & set(third)  # removed as near duplicates of the copies
    assert [third[f"a{k}"] for k in range(2)] == [first[rid] for rid in held[2:4]]
    assert all(third[rid] == first[rid] for rid in first if rid in third)


def test_a_new_record_joining_groups_published_in_different_splits_is_quarantined(tmp_path: Path) -> None:
    rows = [record(f"r{i:03d}", seed=i) for i in range(30)]
    fixture = make_release(tmp_path / "rel", {"alpha": rows})
    write_gate(fixture, "leakage", {"compare": ["user", "assistant"]})
    build(fixture)
    first = shipped_ids(fixture, "alpha")
    train = next(rid for rid, split in sorted(first.items()) if split == "train")
    held = next(rid for rid, split in sorted(first.items()) if split != "train")
    by_id = {r["cid"]: r for r in rows}
    # Its user turn is the train record's, its assistant turn the held-out one's: it links to both.
    bridge = row("z999", "s-z999", by_id[train]["dialog"][0]["text"], by_id[held]["dialog"][1]["text"])
    with fixture.data_file("alpha").open("a") as fh:
        fh.write(json.dumps(bridge) + "\n")
    fixture.edit_yaml(fixture.release_yaml, version="v2026-12-01")
    report = build(fixture)
    second = shipped_ids(fixture, "alpha", "v2026-12-01")
    assert "z999" not in second and {rid: second[rid] for rid in first} == first
    quarantined = jsonl(published(fixture, "v2026-12-01") / "quarantine" / "split" / "alpha.jsonl")
    assert [(q["id"], q["code"]) for q in quarantined] == [("z999", "split_conflict")]
    assert f"train ({'s-' + train})" in quarantined[0]["detail"] and f"({'s-' + held})" in quarantined[0]["detail"]
    assert report.outcome.results["alpha/split"].meta["split_conflicts"] == 1


def test_dedup_and_leakage_definitions_are_checked(tmp_path: Path) -> None:
    fixture = make_release(tmp_path / "rel", {"alpha": [record("r1", 1)]})
    write_gate(fixture, "dedup", {"priority": ["alpah"]})
    write_gate(fixture, "leakage", {"families": {"beta": {"max_pairs": 2}}})
    with pytest.raises(DefinitionError) as caught:
        api.plan(fixture.release_yaml)
    text = str(caught.value)
    assert "gates/dedup.yaml:2:" in text and "unknown family 'alpah'" in text and "did you mean 'alpha'?" in text
    assert "gates/leakage.yaml:" in text and "unknown family 'beta'" in text
    write_gate(fixture, "dedup", {"shingle": {"unit": "token"}})
    write_gate(fixture, "leakage", {"compare": ["conversation"]})
    with pytest.raises(DefinitionError) as caught:
        api.plan(fixture.release_yaml)
    text = str(caught.value)
    assert "gates/dedup.yaml:" in text and "shingle.unit: input should be 'word' or 'char' (got 'token')" in text
    assert "gates/leakage.yaml:" in text and "compare.0" in text
    # Leaks are governed by the gate's thresholds, never waved through by an acknowledgement.
    write_gate(fixture, "dedup", {})
    write_gate(fixture, "leakage", {})
    fixture.edit_yaml(fixture.release_yaml, acknowledge=[{"gate": "leakage", "family": "alpha", "reason": "known"}])
    with pytest.raises(DefinitionError) as caught:
        api.plan(fixture.release_yaml)
    (message,) = [str(d) for d in caught.value.diagnostics]
    assert "release.yaml:" in message and "gate 'leakage' takes no acknowledgements" in message
    assert "only bias and distribution findings can be acknowledged" in message
