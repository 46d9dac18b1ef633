"""Precision and recall of `find_near_duplicates` against brute-force exact Jaccard, on real conversations.

    python bench/near_dup_eval.py [--bases 1000] [--thresholds 0.6,0.8,0.9] [--seed 7] [--json PATH]

Data (read in place from ../shared/data, never copied): all 1,300 ESConv conversations (usr -> user, sys ->
assistant, turns as stored) and all 2,129 CounselChat rows (questionText -> user, answerText -> assistant; the
corpus holds real exact duplicate rows). Then perturbed copies of `--bases` of them (60 % CounselChat, 40 %
ESConv), 1-4 copies each. Each copy draws a target similarity to its base (half uniform over 0.5-1.0, half
within +-0.04 of 0.6, 0.8 or 0.9, so many pairs fall on both sides of every threshold) and a profile:

- format: punctuation, case, whitespace, a system prompt only (identical normalized text, or Jaccard 1.0);
- words: word substitutions, deletions, insertions and adjacent swaps;
- structure: one of appended sentence, truncation, turn reordering or a dropped turn, then word edits;
- mixed: any of the above, at random.

Edits are applied (in batches sized from the remaining distance) until the copy's Jaccard to its base is at or
below the target. Copies of one base are also near each other, which adds pairs at other similarities. A few
texts too short to shingle (< 5 words) are added with case/whitespace variants: only exact matching finds those.

Ground truth: every pair (i < j) whose exact Jaccard is >= the threshold, computed with releasebuild's own
normalization and shingling (`kind_texts`, `shingle_hashes` under the default `TextRules`) through a sparse
matrix product of the doc x shingle incidence matrix (intersection counts for ALL pairs), plus every pair of
identical non-empty normalized texts. A sample of pairs is cross-checked with `releasebuild.dedup.text.jaccard`.
The finder's output is compared with it: precision, recall, counts, time, and recall per similarity bucket next
to what the LSH banding predicts for the same pairs (mean of 1 - (1 - J^r)^b).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
GOAL = 0.98
BUCKET_EDGES = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0)
SYSTEM_PROMPT = "You are a supportive counsellor. Listen first, then help the user plan a next step."

Doc = dict[str, Any]
Messages = list[dict[str, str]]


# ---------------------------------------------------------------- data


def load_real(data: Path) -> list[Doc]:
    docs: list[Doc] = []
    roles = {"usr": "user", "sys": "assistant"}
    for path in [data / "esconv" / f"{split}.txt" for split in ("train", "valid", "test")]:
        with path.open(encoding="utf-8") as fh:
            for line_no, line in enumerate(fh, 1):
                dialog = json.loads(line)["dialog"]
                docs.append({"id": f"esconv/{path.stem}/{line_no}", "source": "esconv", "origin": "real",
                             "messages": [{"role": roles[t["speaker"]], "content": t["text"]} for t in dialog]})
    with (data / "counsel_chat" / "20200325_counsel_chat.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            docs.append({"id": f"counsel_chat/{row['']}", "source": "counsel_chat", "origin": "real",
                         "messages": [{"role": "user", "content": row["questionText"]},
                                      {"role": "assistant", "content": row["answerText"]}]})
    return docs


# ---------------------------------------------------------------- perturbation


class Perturber:
    """Edits a copy of a conversation toward a target Jaccard with its base."""

    def __init__(self, docs: list[Doc], rng: random.Random, rules: Any):
        from releasebuild.dedup.text import kind_texts, shingle_hashes

        self.rng = rng
        self.rules = rules
        self._kind_texts, self._shingle_hashes = kind_texts, shingle_hashes
        words: list[str] = []
        sentences: list[str] = []
        for doc in rng.sample(docs, min(400, len(docs))):
            for message in doc["messages"]:
                words.extend(message["content"].split())
                sentences.extend(s.strip() + "." for s in message["content"].split(".") if len(s.split()) >= 4)
        self.vocab = words
        self.sentences = sentences

    def shingles(self, messages: Messages) -> set[int]:
        return set(self._shingle_hashes(self._kind_texts(messages, self.rules)["conversation"], self.rules))

    def similarity(self, base: set[int], messages: Messages) -> float:
        copy = self.shingles(messages)
        if not base or not copy:
            return 0.0
        shared = len(base & copy)
        return shared / (len(base) + len(copy) - shared)

    # word-level edits on one message, chosen by length
    def _message(self, messages: Messages) -> tuple[dict[str, str], list[str]]:
        spoken = [m for m in messages if m["role"] != "system"]
        message = self.rng.choices(spoken, weights=[len(m["content"].split()) + 1 for m in spoken])[0]
        return message, message["content"].split()

    def substitute(self, messages: Messages) -> None:
        message, words = self._message(messages)
        if words:
            words[self.rng.randrange(len(words))] = self.rng.choice(self.vocab)
            message["content"] = " ".join(words)

    def delete(self, messages: Messages) -> None:
        message, words = self._message(messages)
        if len(words) > 1:
            del words[self.rng.randrange(len(words))]
            message["content"] = " ".join(words)

    def insert(self, messages: Messages) -> None:
        message, words = self._message(messages)
        words.insert(self.rng.randint(0, len(words)), self.rng.choice(self.vocab))
        message["content"] = " ".join(words)

    def swap(self, messages: Messages) -> None:
        message, words = self._message(messages)
        if len(words) > 1:
            i = self.rng.randrange(len(words) - 1)
            words[i], words[i + 1] = words[i + 1], words[i]
            message["content"] = " ".join(words)

    def punctuation(self, messages: Messages) -> None:
        """Case, whitespace or punctuation: mostly invisible to the shingles (apostrophes and hyphens are not)."""
        message, words = self._message(messages)
        if not words:
            return
        i = self.rng.randrange(len(words))
        choice = self.rng.randrange(5)
        if choice == 0:
            words[i] = words[i] + self.rng.choice((",", ".", "!", "?", ";"))
        elif choice == 1:
            words[i] = "".join(c for c in words[i] if c.isalnum()) or words[i]
        elif choice == 2:
            words[i] = words[i].upper() if self.rng.random() < 0.5 else words[i].capitalize()
        elif choice == 3:
            message["content"] = self.rng.choice(("  ", "\n", " \t ")).join(words)
            return
        else:
            message["content"] = "  " + message["content"] + "\n"
            return
        message["content"] = " ".join(words)

    def system_prompt(self, messages: Messages) -> None:
        if messages[0]["role"] != "system":
            messages.insert(0, {"role": "system", "content": SYSTEM_PROMPT})

    def append(self, messages: Messages) -> None:
        sentence = self.rng.choice(self.sentences)
        if self.rng.random() < 0.5:
            message, _ = self._message(messages)
            message["content"] = message["content"].rstrip() + " " + sentence
        else:
            messages.append({"role": "assistant", "content": sentence})

    def truncate(self, messages: Messages) -> None:
        spoken = [i for i, m in enumerate(messages) if m["role"] != "system"]
        if len(spoken) >= 3 and self.rng.random() < 0.5:
            del messages[spoken[-1]]
        else:
            last = messages[spoken[-1]]
            words = last["content"].split()
            last["content"] = " ".join(words[:max(1, int(len(words) * self.rng.uniform(0.4, 0.9)))])

    def reorder(self, messages: Messages) -> None:
        spoken = [i for i, m in enumerate(messages) if m["role"] != "system"]
        if len(spoken) >= 2:
            k = self.rng.randrange(len(spoken) - 1)
            a, b = spoken[k], spoken[k + 1]
            messages[a], messages[b] = messages[b], messages[a]

    def drop_turn(self, messages: Messages) -> None:
        spoken = [i for i, m in enumerate(messages) if m["role"] != "system"]
        if len(spoken) >= 4:
            del messages[spoken[self.rng.randrange(1, len(spoken) - 1)]]

    @property
    def word_ops(self) -> list[Callable[[Messages], None]]:
        return [self.substitute, self.delete, self.insert, self.swap]

    @property
    def structure_ops(self) -> list[Callable[[Messages], None]]:
        return [self.append, self.truncate, self.reorder, self.drop_turn]

    def copy(self, base: Doc, profile: str, target: float) -> tuple[Messages, float, list[str]]:
        """(messages, Jaccard to the base, ops applied)."""
        messages = [dict(m) for m in base["messages"]]
        base_shingles = self.shingles(messages)
        applied: list[str] = []
        if profile == "format":
            for _ in range(self.rng.randint(1, 5)):
                op = self.rng.choice([self.punctuation, self.punctuation, self.system_prompt])
                op(messages)
                applied.append(op.__name__)
            return messages, self.similarity(base_shingles, messages), applied
        similarity = 1.0 if base_shingles else 0.0
        if profile == "structure":
            op = self.rng.choice(self.structure_ops)
            trial = [dict(m) for m in messages]
            op(trial)
            trial_similarity = self.similarity(base_shingles, trial)
            if trial_similarity >= target - 0.03:  # an edit that overshoots far below the target is not kept
                messages, similarity = trial, trial_similarity
                applied.append(op.__name__)
        ops = self.word_ops + ([self.punctuation, *self.structure_ops] if profile == "mixed" else [])
        size = max(len(base_shingles), 1)
        for _ in range(400):
            if similarity <= target or not base_shingles:
                break
            batch = max(1, int(0.5 * (similarity - target) * size / 10))
            trial = [dict(m) for m in messages]
            names = []
            for _ in range(batch):
                op = self.rng.choice(ops)
                op(trial)
                names.append(op.__name__)
            trial_similarity = self.similarity(base_shingles, trial)
            if batch == 1 and trial_similarity < target - 0.03 and names[0] not in {o.__name__ for o in self.word_ops}:
                continue  # a structural edit that jumps far past the target: try another
            messages, similarity = trial, trial_similarity
            applied.extend(names)
        return messages, similarity, applied


def build_eval_set(data: Path, bases: int, seed: int, rules: Any) -> list[Doc]:
    rng = random.Random(seed)
    real = load_real(data)
    perturber = Perturber(real, rng, rules)
    esconv = [d for d in real if d["source"] == "esconv"]
    counsel = [d for d in real if d["source"] == "counsel_chat"]
    n_counsel = int(bases * 0.6)
    chosen = rng.sample(counsel, min(n_counsel, len(counsel))) + rng.sample(esconv, min(bases - n_counsel,
                                                                                     len(esconv)))
    docs = list(real)
    profiles = ("format", "words", "words", "words", "structure", "structure", "mixed", "mixed")
    for base in chosen:
        for copy_no in range(rng.randint(1, 4)):
            if rng.random() < 0.5:
                target = rng.uniform(0.5, 1.0)
            else:
                target = rng.choice((0.6, 0.8, 0.9)) + rng.uniform(-0.04, 0.04)
            profile = rng.choice(profiles)
            messages, similarity, ops = perturber.copy(base, profile, target)
            docs.append({"id": f"{base['id']}~{copy_no}", "source": base["source"], "origin": f"copy:{profile}",
                         "base": base["id"], "target": round(target, 4), "to_base": round(similarity, 4),
                         "ops": dict(Counter(ops)), "messages": messages})
    # texts too short for one 5-word shingle: only exact (normalized) matching can pair them
    short = sorted({t["content"] for d in esconv for t in d["messages"] if 1 <= len(t["content"].split()) <= 4})
    for k, text in enumerate(rng.sample(short, min(40, len(short)))):
        docs.append({"id": f"short/{k}", "source": "esconv", "origin": "short",
                     "messages": [{"role": "user", "content": text}]})
        if k % 2 == 0:
            docs.append({"id": f"short/{k}~0", "source": "esconv", "origin": "copy:short", "base": f"short/{k}",
                         "messages": [{"role": "user", "content": "  " + text.upper() + " "}]})
    return docs


# ---------------------------------------------------------------- ground truth


def ground_truth(docs: list[Doc], rules: Any, floor: float) -> tuple[dict[tuple[int, int], float], set[tuple[int, int]],
                                                                     list[np.ndarray]]:
    """(pair -> exact Jaccard for every pair >= floor, pairs of identical non-empty normalized texts, shingles)."""
    from scipy import sparse

    from releasebuild.dedup.text import kind_texts, shingle_hashes

    texts = [kind_texts(d["messages"], rules)["conversation"] for d in docs]
    shingles = [np.array(shingle_hashes(t, rules), dtype=np.uint32) for t in texts]
    by_text: dict[str, list[int]] = {}
    for index, text in enumerate(texts):
        if text:
            by_text.setdefault(text, []).append(index)
    identical = {(a, b) for members in by_text.values() for n, a in enumerate(members) for b in members[n + 1:]}
    sizes = np.array([len(s) for s in shingles], dtype=np.int64)
    flat = np.concatenate(shingles) if shingles else np.empty(0, dtype=np.uint32)
    _, columns = np.unique(flat, return_inverse=True)
    indptr = np.concatenate([[0], np.cumsum(sizes)])
    incidence = sparse.csr_matrix((np.ones(len(flat), dtype=np.int32), columns.ravel(), indptr),
                                  shape=(len(docs), int(columns.max()) + 1 if len(flat) else 0))
    transposed = incidence.T.tocsr()
    pairs: dict[tuple[int, int], float] = {}
    block = 512
    for start in range(0, len(docs), block):
        counts = (incidence[start:start + block] @ transposed).tocoo()  # shared shingles, all pairs of the block
        rows, cols, shared = counts.row + start, counts.col, counts.data.astype(np.int64)
        keep = cols > rows
        rows, cols, shared = rows[keep], cols[keep], shared[keep]
        similarity = shared / (sizes[rows] + sizes[cols] - shared)
        hit = similarity >= floor
        pairs.update(zip(zip(rows[hit].tolist(), cols[hit].tolist(), strict=True), similarity[hit].tolist(),
                         strict=True))
    return pairs, identical, shingles


def cross_check(pairs: dict[tuple[int, int], float], shingles: list[np.ndarray], floor: float, rng: random.Random,
                count: int = 2000) -> int:
    """Pairs whose sparse-product Jaccard disagrees with releasebuild's `jaccard` (sample of found + random)."""
    from releasebuild.dedup.text import jaccard

    sample = rng.sample(sorted(pairs), min(count, len(pairs)))
    n = len(shingles)
    sample += [tuple(sorted(rng.sample(range(n), 2))) for _ in range(count)]
    wrong = 0
    for a, b in sample:
        expected = jaccard(shingles[a], shingles[b])
        got = pairs.get((a, b))
        if got is None:
            wrong += expected >= floor
        elif got != expected:
            wrong += 1
    return wrong


# ---------------------------------------------------------------- evaluation


def lsh_check(pairs: dict[tuple[int, int], float], shingles: list[np.ndarray],
              thresholds: list[float]) -> dict[str, dict[str, Any]]:
    """Per similarity bucket: how often the signatures agree slot by slot (should be J on average) and how often
    each threshold's banding makes the pair a candidate, measured against 1 - (1 - J^r)^b. Below the threshold
    the candidate rate is far from 0 and 1, so this tests the MinHash family where recall alone cannot."""
    from releasebuild.dedup.minhash import band_keys, bands_for, signatures
    from releasebuild.gates.dedup import DedupGateConfig

    config = DedupGateConfig()
    sigs = signatures(shingles, config.num_perm, config.seed)
    keys = {t: (bands_for(t, config.num_perm), band_keys(sigs, *bands_for(t, config.num_perm))) for t in thresholds}
    order = sorted(pairs)
    a = np.array([p[0] for p in order], dtype=np.int64)
    b = np.array([p[1] for p in order], dtype=np.int64)
    similarity = np.array([pairs[p] for p in order])
    agree = (sigs[a] == sigs[b]).mean(axis=1)
    labels = np.array([bucket_of(j) for j in similarity])
    out: dict[str, dict[str, Any]] = {}
    for label in sorted(set(labels.tolist()), key=_bucket_order):
        mask = labels == label
        entry: dict[str, Any] = {"pairs": int(mask.sum()), "mean_j": float(similarity[mask].mean()),
                                 "mean_agreement": float(agree[mask].mean())}
        for t, ((bands, rows), band) in keys.items():
            candidate = (band[a[mask]] == band[b[mask]]).any(axis=1)
            entry[f"candidate@{t}"] = float(candidate.mean())
            entry[f"theory@{t}"] = float((1 - (1 - similarity[mask] ** rows) ** bands).mean())
        out[label] = entry
    return out


def bucket_of(similarity: float) -> str:
    if similarity >= 1.0:
        return "1.0"
    for low, high in zip(BUCKET_EDGES, BUCKET_EDGES[1:], strict=False):
        if low <= similarity < high:
            return f"{low:.2f}-{high:.2f}"
    return f"<{BUCKET_EDGES[0]}"


def evaluate(docs: list[Doc], pairs: dict[tuple[int, int], float], identical: set[tuple[int, int]],
             shingles: list[np.ndarray], threshold: float) -> dict[str, Any]:
    from releasebuild import find_near_duplicates
    from releasebuild.dedup.minhash import bands_for
    from releasebuild.dedup.text import jaccard

    query = [{"id": d["id"], "messages": d["messages"]} for d in docs]
    started = time.perf_counter()
    found = find_near_duplicates(query, threshold=threshold)
    seconds = time.perf_counter() - started
    truth = {pair for pair, similarity in pairs.items() if similarity >= threshold} | identical
    hits = found & truth
    false = found - truth
    missed = truth - found
    bands, rows = bands_for(threshold, 128)
    buckets: dict[str, dict[str, Any]] = {}
    for pair in truth:
        label = "identical" if pair in identical else bucket_of(pairs[pair])
        entry = buckets.setdefault(label, {"truth": 0, "found": 0, "expected": 0.0})
        entry["truth"] += 1
        entry["found"] += pair in found
        similarity = 1.0 if pair in identical else pairs[pair]
        entry["expected"] += 1.0 if pair in identical or similarity >= 1.0 else 1 - (1 - similarity ** rows) ** bands
    for entry in buckets.values():
        entry["recall"] = entry["found"] / entry["truth"]
        entry["expected"] = entry["expected"] / entry["truth"]
    by_kind: dict[str, list[int]] = {}
    for pair in truth:
        entry_kind = by_kind.setdefault(pair_kind(docs, pair), [0, 0])
        entry_kind[0] += 1
        entry_kind[1] += pair in found
    below = [pair for pair, similarity in pairs.items() if similarity < threshold and pair not in identical]
    edge = [pair for pair in truth if pair not in identical and pairs[pair] < threshold + 0.01]
    false_similarity = [jaccard(shingles[a], shingles[b]) for a, b in sorted(false)]
    missed_rows = sorted(((pairs.get(p, 1.0), docs[p[0]]["id"], docs[p[1]]["id"]) for p in missed), reverse=True)
    return {"threshold": threshold, "docs": len(docs), "truth": len(truth), "identical": len(identical),
            "returned": len(found), "true_positives": len(hits), "false_positives": len(false),
            "missed": len(missed), "precision": len(hits) / len(found) if found else 1.0,
            "recall": len(hits) / len(truth) if truth else 1.0, "seconds": seconds, "bands": [bands, rows],
            "buckets": dict(sorted(buckets.items(), key=lambda item: _bucket_order(item[0]))),
            "by_kind": {kind: {"truth": n, "found": f} for kind, (n, f) in sorted(by_kind.items())},
            "just_above": {"pairs": len(edge), "found": len(found.intersection(edge))},
            "below": {"pairs": len(below), "returned": len(found.intersection(below)),
                      "just_below": sum(1 for p in below if pairs[p] >= threshold - 0.01)},
            "false_positive_similarities": false_similarity[:50], "missed_pairs": missed_rows[:50]}


def pair_kind(docs: list[Doc], pair: tuple[int, int]) -> str:
    """real-real (both from the corpus as is), base-copy, copy-copy (two copies of one base), or other."""
    one, other = docs[pair[0]], docs[pair[1]]
    if one["origin"] in ("real", "short") and other["origin"] in ("real", "short"):
        return "real-real"
    bases = [d.get("base", d["id"]) if d["origin"].startswith("copy:") else d["id"] for d in (one, other)]
    if bases[0] == bases[1]:
        return "copy-copy" if one["origin"].startswith("copy:") and other["origin"].startswith("copy:") \
            else "base-copy"
    return "other"


def _bucket_order(label: str) -> float:
    return 2.0 if label == "identical" else 1.0 if label == "1.0" else float(label.split("-")[0])


def table(headers: list[str], body: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in body)) if body else len(h) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(headers, widths,
                                                                                        strict=True)))]
    lines.append("  ".join("-" * w for w in widths))
    for r in body:
        lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths,
                                                                                              strict=True))))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bases", type=int, default=1000, help="real conversations that get perturbed copies")
    parser.add_argument("--thresholds", default="0.6,0.8,0.9")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", type=Path, default=DATA, help="the shared data folder (read in place)")
    parser.add_argument("--json", type=Path, help="also write the full results here")
    args = parser.parse_args()
    thresholds = [float(t) for t in args.thresholds.split(",")]

    from releasebuild.dedup.text import TextRules

    rules = TextRules()
    started = time.perf_counter()
    docs = build_eval_set(args.data, args.bases, args.seed, rules)
    built = time.perf_counter() - started
    started = time.perf_counter()
    floor = round(max(0.0, min(thresholds) - 0.1), 6)  # pairs below the lowest threshold show false positives too
    pairs, identical, shingles = ground_truth(docs, rules, floor)
    brute = time.perf_counter() - started
    disagreements = cross_check(pairs, shingles, floor, random.Random(args.seed))
    origins = Counter(d["origin"].split(":")[0] for d in docs)
    print(f"eval set: {len(docs):,} docs ({', '.join(f'{k} {v:,}' for k, v in sorted(origins.items()))}), "
          f"built in {built:.1f} s; brute force over {len(docs) * (len(docs) - 1) // 2:,} pairs in {brute:.1f} s; "
          f"{len(identical):,} identical-text pairs; sparse-product vs releasebuild jaccard disagreements on a "
          f"sample: {disagreements}")
    copies = [d for d in docs if d["origin"].startswith("copy:") and "to_base" in d]
    print("copy-to-base similarity: " + ", ".join(
        f"{bucket_of(low)}: {sum(1 for d in copies if bucket_of(d['to_base']) == bucket_of(low))}"
        for low in (*BUCKET_EDGES[:-1], 1.0)) + f", below 0.5: {sum(1 for d in copies if d['to_base'] < 0.5)}")
    results = [evaluate(docs, pairs, identical, shingles, t) for t in thresholds]
    lsh = lsh_check(pairs, shingles, thresholds)
    print()
    body = [[f"{r['threshold']:.2f}", f"{r['bands'][0]}x{r['bands'][1]}", f"{r['truth']:,}", f"{r['returned']:,}",
             f"{r['true_positives']:,}", f"{r['false_positives']:,}", f"{r['missed']:,}", f"{r['precision']:.4f}",
             f"{r['recall']:.4f}", f"{r['seconds']:.2f}",
             "met" if r["precision"] >= GOAL and r["recall"] >= GOAL else "NOT MET"] for r in results]
    print(table(["threshold", "bands x rows", "true pairs", "returned", "TP", "FP", "missed", "precision",
                 "recall", "find s", f"goal P,R >= {GOAL}"], body))
    for r in results:
        print(f"\nrecall by true similarity, threshold {r['threshold']:.2f} (expected = mean LSH candidate "
              f"probability 1-(1-J^{r['bands'][1]})^{r['bands'][0]} over the same pairs)")
        body = [[label, f"{e['truth']:,}", f"{e['found']:,}", f"{e['truth'] - e['found']:,}", f"{e['recall']:.4f}",
                 f"{e['expected']:.4f}"] for label, e in r["buckets"].items()]
        print(table(["J bucket", "true pairs", "found", "missed", "recall", "expected"], body))
        print("true pairs by kind (found/true): " + ", ".join(f"{kind} {e['found']:,}/{e['truth']:,}"
                                                             for kind, e in r["by_kind"].items()))
        print(f"pairs in [{r['threshold']:.2f}, {r['threshold'] + 0.01:.2f}): {r['just_above']['pairs']:,}, found "
              f"{r['just_above']['found']:,}; pairs in [{floor:.2f}, {r['threshold']:.2f}): {r['below']['pairs']:,} "
              f"({r['below']['just_below']:,} within 0.01 below), returned {r['below']['returned']:,}")
        if r["missed_pairs"]:
            print("missed (J, a, b): " + "; ".join(f"{j:.4f} {a} {b}" for j, a, b in r["missed_pairs"][:10]))
        if r["false_positive_similarities"]:
            print(f"false positives' exact J: {r['false_positive_similarities'][:10]}")
    print("\nsignatures and banding by true similarity (agreement = share of the 128 slots equal, should be ~J; "
          "candidate = shares a band key at that threshold's banding, theory = mean 1-(1-J^r)^b)")
    headers = ["J bucket", "pairs", "mean J", "agreement"]
    for t in thresholds:
        headers += [f"cand@{t}", f"theory@{t}"]
    body = []
    for label, e in lsh.items():
        row = [label, f"{e['pairs']:,}", f"{e['mean_j']:.4f}", f"{e['mean_agreement']:.4f}"]
        for t in thresholds:
            row += [f"{e[f'candidate@{t}']:.4f}", f"{e[f'theory@{t}']:.4f}"]
        body.append(row)
    print(table(headers, body))
    if args.json:
        args.json.write_text(json.dumps({"docs": len(docs), "origins": origins, "brute_seconds": brute,
                                         "cross_check_disagreements": disagreements, "results": results,
                                         "lsh": lsh}, indent=2))
    ok = all(r["precision"] >= GOAL and r["recall"] >= GOAL for r in results) and not disagreements
    return 0 if ok else 1


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
