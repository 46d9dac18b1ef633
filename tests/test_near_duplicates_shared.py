"""`find_near_duplicates` against an exact all-pairs similarity join, on real conversations from ../shared/data.

The ground truth does not use releasebuild's dedup code: texts are normalized (NFKC, casefold, whitespace) and cut
into word 5-gram *strings* here, and every pair at or above the threshold is found exactly by a prefix-filtered
join (a pair with Jaccard >= t must share a shingle among the first |A| - ceil(t|A|) + 1 shingles of each set in
one global order, so checking those candidates exactly misses nothing). Identical normalized texts, including
texts too short for one shingle, count as similarity 1.

Data: every CounselChat row (question -> user, answer -> assistant; it holds real exact duplicates and many
answers to one question) and ESConv's validation conversations, plus seeded copies of some of them with a spread
of word substitutions, so pairs fall on both sides of each threshold. bench/near_dup_eval.py is the larger study.
"""

from __future__ import annotations

import csv
import json
import math
import random
import re
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from releasebuild import find_near_duplicates

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
COUNSEL_CHAT = SHARED_DATA / "counsel_chat" / "20200325_counsel_chat.csv"
ESCONV_VALID = SHARED_DATA / "esconv" / "valid.txt"
GOAL = 0.98

if not (COUNSEL_CHAT.is_file() and ESCONV_VALID.is_file()):
    pytest.skip(f"shared datasets not found under {SHARED_DATA}", allow_module_level=True)

Doc = dict[str, Any]


def real_docs() -> list[Doc]:
    docs: list[Doc] = []
    with COUNSEL_CHAT.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            docs.append({"id": f"counsel_chat/{row['']}", "messages": [
                {"role": "user", "content": row["questionText"]}, {"role": "assistant", "content": row["answerText"]}]})
    roles = {"usr": "user", "sys": "assistant"}
    with ESCONV_VALID.open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, 1):
            docs.append({"id": f"esconv/valid/{line_no}", "messages": [
                {"role": roles[turn["speaker"]], "content": turn["text"]} for turn in json.loads(line)["dialog"]]})
    return docs


def perturbed_copies(docs: list[Doc], count: int, rng: random.Random) -> list[Doc]:
    """Copies with up to 8 % of their words replaced: Jaccard to their base spread from ~0.4 to 1."""
    copies = []
    for n, base in enumerate(rng.sample(docs, count)):
        messages = [dict(message) for message in base["messages"]]
        words = sum(len(message["content"].split()) for message in messages)
        for k in range(max(1, round(rng.uniform(0, 0.08) * words))):
            message = rng.choice(messages)
            tokens = message["content"].split() or [""]
            tokens[rng.randrange(len(tokens))] = f"replaced{n}x{k}"
            message["content"] = " ".join(tokens)
        if rng.random() < 0.2:  # formatting only: the same normalized text
            messages = [{"role": m["role"], "content": "  " + m["content"].upper() + " "} for m in messages]
        copies.append({"id": f"copy/{n}/{base['id']}", "messages": messages})
    return copies


def short_docs() -> list[Doc]:
    """Too short for one 5-word shingle: only identical normalized texts match."""
    texts = ["I feel so alone.", "i feel  SO alone.", "Help me please", "help me please", "Thank you."]
    return [{"id": f"short/{k}", "messages": [{"role": "user", "content": text}]} for k, text in enumerate(texts)]


def normalized(doc: Doc) -> str:
    texts = [unicodedata.normalize("NFKC", m["content"]).casefold() for m in doc["messages"]
             if m["role"] in ("user", "assistant")]
    return "\n".join(" ".join(text.split()) for text in texts)


def shingles(text: str) -> frozenset[str]:
    words = re.findall(r"\w+", text)
    return frozenset(" ".join(words[i:i + 5]) for i in range(len(words) - 4))


def exact_join(sets: list[frozenset[str]], threshold: float) -> dict[tuple[int, int], float]:
    """Every pair (i < j) with Jaccard >= threshold, exactly (prefix filtering, rarest shingles first)."""
    frequency = Counter(gram for grams in sets for gram in grams)
    index: dict[str, list[int]] = defaultdict(list)
    candidates: set[tuple[int, int]] = set()
    for j, grams in enumerate(sets):
        ordered = sorted(grams, key=lambda gram: (frequency[gram], gram))
        prefix = len(ordered) - math.ceil(threshold * len(ordered) - 1e-9) + 1
        for gram in ordered[:prefix]:
            candidates.update((i, j) for i in index[gram])
            index[gram].append(j)
    similar = {}
    for i, j in candidates:
        similarity = len(sets[i] & sets[j]) / len(sets[i] | sets[j])
        if similarity >= threshold:
            similar[(i, j)] = similarity
    return similar


@pytest.fixture(scope="module")
def corpus() -> tuple[list[Doc], list[str], list[frozenset[str]]]:
    docs = real_docs()
    docs += perturbed_copies(docs, 600, random.Random(5)) + short_docs()
    texts = [normalized(doc) for doc in docs]
    return docs, texts, [shingles(text) for text in texts]


@pytest.mark.parametrize("threshold", [0.6, 0.8, 0.9])
def test_finder_matches_an_exact_join_on_real_conversations(
        corpus: tuple[list[Doc], list[str], list[frozenset[str]]], threshold: float) -> None:
    docs, texts, sets = corpus
    truth = exact_join(sets, threshold)
    by_text: dict[str, list[int]] = defaultdict(list)
    for index, text in enumerate(texts):
        by_text[text].append(index)
    identical = {(i, j) for members in by_text.values() for n, i in enumerate(members) for j in members[n + 1:]}
    expected = set(truth) | identical

    found = find_near_duplicates(docs, threshold)

    # The truth is not trivial: real duplicates, short texts, and many pairs just above the threshold.
    assert len(expected) > 150
    assert sum(1 for s in truth.values() if s < threshold + 0.05) >= 20
    assert {(i, j) for i, j in identical if not sets[i]} >= {(len(docs) - 5, len(docs) - 4)}
    true_positives = len(found & expected)
    precision, recall = true_positives / len(found), true_positives / len(expected)
    missed = [(docs[i]["id"], docs[j]["id"]) for i, j in sorted(expected - found)[:5]]
    assert precision >= GOAL and recall >= GOAL, (precision, recall, missed)
    assert all(i < j for i, j in found)
