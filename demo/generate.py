"""Deterministic SYNTHETIC demo data: five conversation families with planted defects.

Texts are composed from the phrase banks in phrases.json (beside this file) so the demo exercises ingest, dedup, PII
and quarantine gates without anyone's real data. Each family draws from its own `random.Random`; nothing reads the
clock or iterates a set, so one seed always gives byte-identical files. Run: `python demo/generate.py OUT_DIR`.
Standard library only, and not part of the releasebuild package: the demo's edge-case rule runs this file (with
phrases.json, both declared inputs) on its own in a sandbox.
"""

from __future__ import annotations

import copy
import csv
import functools
import io
import json
import pathlib
import random
import re
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

Record = dict[str, Any]
Slots = dict[str, str]
Log = list[dict[str, Any]]

# Every bank is a JSON list (or a mapping of lists) in the order it is drawn from: the order is part of the seed.
BANKS: dict[str, Any] = json.loads(pathlib.Path(__file__).with_name("phrases.json").read_text(encoding="utf-8"))

# --- concrete details, one of each per conversation: they are what keeps conversations from looking alike -----------
# Pronoun-free on purpose, so client ("my {person}") and therapist ("your {person}") voices can share them.
DURATIONS = BANKS["durations"]
TIMES = BANKS["times"]
PLACES = BANKS["places"]
ACTIVITIES = BANKS["activities"]
PEOPLE = BANKS["people"]
LOSSES = BANKS["losses"]
AGO = BANKS["ago"]
DAYS = BANKS["days"]
EVENTS = BANKS["events"]
REACTIONS = BANKS["reactions"]
FEELINGS = BANKS["feelings"]
HOMEWORK = BANKS["homework"]

# --- presenting problems: what clients say, psychoeducation, and the clinical formulation used by cot_reasoning -----
TOPICS = BANKS["topics"]

# --- professional_therapeutic: therapist techniques, and client replies that fit each technique ---------------------
TECHNIQUES = BANKS["techniques"]
REPLIES = BANKS["replies"]
CLIENT_STORIES = BANKS["client_stories"]
CLIENT_THOUGHTS = BANKS["client_thoughts"]
CLIENT_CLOSES = BANKS["client_closes"]
CLIENT_EXTRA = BANKS["client_extra"]
THERAPIST_OPENERS = BANKS["therapist_openers"]
THERAPIST_CLOSES = BANKS["therapist_closes"]
MODALITIES = BANKS["modalities"]
ACKS = BANKS["acks"]
BRIDGES = BANKS["bridges"]


def cap(text: str) -> str:
    """Sentences may start with a slot value ('my partner ...'): upper-case the first letter."""
    return text[:1].upper() + text[1:]


def fill(template: str, slots: Slots) -> str:
    return cap(template.format(**slots))


class Deck:
    """Draws without replacement within one conversation, so a speaker never repeats a sentence."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.piles: dict[str, list[str]] = {}

    def draw(self, name: str, bank: tuple[str, ...]) -> str | None:
        if name not in self.piles:
            self.piles[name] = list(bank)
            self.rng.shuffle(self.piles[name])
        return self.piles[name].pop() if self.piles[name] else None


def pick_slots(rng: random.Random, topic: str) -> Slots:
    """One consistent set of concrete details for a whole conversation."""
    slots = {"person": rng.choice(PEOPLE), "place": rng.choice(PLACES), "time": rng.choice(TIMES),
             "activity": rng.choice(ACTIVITIES), "duration": rng.choice(DURATIONS), "day": rng.choice(DAYS),
             "event": rng.choice(EVENTS), "reaction": rng.choice(REACTIONS), "feeling": rng.choice(FEELINGS),
             "thought": rng.choice(TOPICS[topic]["thought"]), "lost": rng.choice(LOSSES), "ago": rng.choice(AGO),
             "psy": rng.choice(TOPICS[topic]["psy"])}
    slots["homework"] = rng.choice(HOMEWORK).format(**slots)
    return slots


def client_turn(rng: random.Random, deck: Deck, topic: str, slots: Slots, after: str | None) -> str:
    """The opening complaint, or a reply fitting the therapist's last technique plus some new detail."""
    t = TOPICS[topic]
    if after is None:
        parts = [deck.draw("open", t["open"]), deck.draw("sx", t["sx"])]
    else:
        parts = [deck.draw(f"reply:{after}", REPLIES[after]) if rng.random() < 0.75 else None]
        if parts[0] is None or rng.random() < 0.6:
            parts.append(deck.draw(*rng.choice((("sx", t["sx"]), ("thought", CLIENT_THOUGHTS),
                                                ("story", CLIENT_STORIES)))))
    said = [p for p in parts if p] or ["I'm not sure. It's hard to put into words."]
    return " ".join(fill(p, slots) for p in said)


def therapist_turn(rng: random.Random, deck: Deck, topic: str, modality: str, slots: Slots) -> tuple[str, str]:
    technique = rng.choice(MODALITIES[modality])
    bank = TOPICS[topic]["psy"] if technique == "psychoeducation" else TECHNIQUES[technique]
    core = deck.draw(technique, bank) or deck.draw("open question", TECHNIQUES["open question"])
    text = rng.choice(ACKS) + fill(core or "Tell me more about that.", slots)
    if rng.random() < 0.3 and technique != "open question":
        text += " " + fill(deck.draw("open question", TECHNIQUES["open question"]) or "How does that land?", slots)
    return text + rng.choice(BRIDGES), technique


def make_session(rng: random.Random, rid: str, double: bool) -> Record:
    topic, modality = rng.choice(tuple(TOPICS)), rng.choice(tuple(MODALITIES))
    slots, deck = pick_slots(rng, topic), Deck(rng)
    n, speaker, technique = rng.randint(6, 14), "client" if rng.random() < 0.9 else "therapist", None
    dialog: list[dict[str, str]] = []
    for k in range(n):
        if speaker == "client":
            text = fill(rng.choice(CLIENT_CLOSES), slots) if k == n - 1 else \
                client_turn(rng, deck, topic, slots, technique if k > 1 else None)
        elif k == 0:
            text = fill(rng.choice(THERAPIST_OPENERS), slots)
        elif k == n - 1:
            text = fill(rng.choice(THERAPIST_CLOSES), slots)
        else:
            text, technique = therapist_turn(rng, deck, topic, modality, slots)
        dialog.append({"speaker": speaker, "text": text})
        speaker = "therapist" if speaker == "client" else "client"
    if double:  # a client sending two messages in a row
        at = next(k for k, turn in enumerate(dialog) if turn["speaker"] == "client")
        extra = rng.choice(CLIENT_EXTRA) + client_turn(rng, deck, topic, slots, "open question")
        dialog = (dialog[:at + 1] + [{"speaker": "client", "text": extra}] + dialog[at + 1:])[:14]
    return {"session_id": rid, "topic": topic, "modality": modality, "dialog": dialog}


# --- edge_cases: crisis (safety first) and boundaries ---------------------------------------------------------------
CRISIS_TRIGGERS = BANKS["crisis_triggers"]
CRISIS_SETTINGS = BANKS["crisis_settings"]
RISK_DESC = BANKS["risk_desc"]
DISCLOSURE = BANKS["disclosure"]
CRISIS_FOLLOW = BANKS["crisis_follow"]
CRISIS_AFTER = BANKS["crisis_after"]
ACK_CRISIS = BANKS["ack_crisis"]
CRISIS_REFLECT = BANKS["crisis_reflect"]
ASK_SAFETY = BANKS["ask_safety"]
ASK_PLAN = BANKS["ask_plan"]
CRISIS_LINE = BANKS["crisis_line"]
CRISIS_MEANS = BANKS["crisis_means"]
CRISIS_MORE = BANKS["crisis_more"]
BOUNDARY_CASES = BANKS["boundary_cases"]
BOUND_ACK = BANKS["bound_ack"]
BOUND_CONTEXT = BANKS["bound_context"]
BOUND_PUSH = BANKS["bound_push"]
BOUND_ACCEPT = BANKS["bound_accept"]
BOUND_SUPPORT = BANKS["bound_support"]


def alternate(users: list[str], bots: list[str], n: int) -> list[dict[str, str]]:
    return [m for k in range(n // 2) for m in ({"role": "user", "content": users[k]},
                                                {"role": "assistant", "content": bots[k]})]


def make_crisis(rng: random.Random, rid: str) -> Record:
    risk, (trigger, summary) = rng.choice(("low", "moderate", "moderate", "high")), rng.choice(CRISIS_TRIGGERS)
    slots, n = pick_slots(rng, "low mood"), rng.choice((4, 6, 6, 8, 8, 10))
    first = " ".join(x for x in (rng.choice(CRISIS_SETTINGS), cap(trigger) + ".", rng.choice(DISCLOSURE[risk])) if x)
    users = [first, rng.choice(CRISIS_FOLLOW[risk])] + rng.sample(CRISIS_AFTER, 3)
    reflect = rng.choice(CRISIS_REFLECT).format(summary)
    bots = [" ".join(x for x in (rng.choice(ACK_CRISIS), reflect, rng.choice(ASK_SAFETY)) if x)]
    bots += [rng.choice(ASK_PLAN)] if n >= 6 else []
    more = [fill(m, slots) for m in rng.sample(CRISIS_MORE, 3)]
    bots += [rng.choice(CRISIS_LINE)] + ([CRISIS_MEANS] + more[:2] if risk == "high" else more)
    return {"id": rid, "scenario": f"User discloses {RISK_DESC[risk]} after {summary}", "risk_level": risk,
            "messages": alternate(users, bots, n)}


def make_boundary(rng: random.Random, rid: str) -> Record:
    case = BOUNDARY_CASES[rng.choice(tuple(BOUNDARY_CASES))]
    slots, n = pick_slots(rng, "low mood"), rng.choice((4, 6, 6, 8, 10))
    context = [fill(c, slots) for c in rng.sample(BOUND_CONTEXT, 2)]
    users = [f"{context[0]} {rng.choice(case['ask'])}", f"{rng.choice(case['push'] + BOUND_PUSH)} {context[1]}"]
    users += rng.sample(BOUND_ACCEPT, 3)
    bots = [f"{ack} {hold}" for ack, hold in zip(rng.sample(BOUND_ACK, 2), rng.sample(case["hold"], 2), strict=False)]
    bots += rng.sample(BOUND_SUPPORT, 3)
    return {"id": rid, "scenario": case["scenario"][0], "risk_level": rng.choice(case["risk"]),
            "messages": alternate(users, bots, n)}


# --- cot_reasoning: vignettes with numbered clinical reasoning ------------------------------------------------------
JOBS = BANKS["jobs"]
DOMAINS = BANKS["domains"]
VIGNETTE_CONTEXT = BANKS["vignette_context"]
RISK_NOTES = BANKS["risk_notes"]
RISK_READING = BANKS["risk_reading"]
STEPS = BANKS["steps"]
STEP_PLAN = BANKS["step_plan"]
ANSWER_EXTRAS = BANKS["answer_extras"]


def make_case(rng: random.Random, rid: str) -> Record:
    difficulty, topic = rng.choice(("easy", "medium", "medium", "hard")), rng.choice(tuple(TOPICS))
    other = rng.choice([name for name in TOPICS if name != topic])
    slots, t = pick_slots(rng, topic), TOPICS[topic]
    slots.update(form=rng.choice(t["form"]), plan=rng.choice(t["plan"]), other=other, risk=RISK_READING[difficulty],
                 other_form=rng.choice(TOPICS[other]["form"]), weeks=str(rng.choice((4, 6, 8))),
                 domain=rng.choice(DOMAINS).format(**slots))
    quote = " ".join(fill(rng.choice(t[key]), slots) for key in ("open", "sx"))
    presentation = " ".join([f"A {rng.randint(18, 79)}-year-old {rng.choice(JOBS)} comes to a first appointment "
                             f"about {topic}. They say: \"{quote}\"", *(fill(c, slots) for c in
                             rng.sample(VIGNETTE_CONTEXT, 2)), rng.choice(RISK_NOTES[difficulty])])
    steps = [s for s in STEP_PLAN[difficulty] if s not in ("review", "overlap") or rng.random() < 0.6]
    reasoning = "\n".join(f"{k}. {fill(rng.choice(STEPS[s]), slots)}" for k, s in enumerate(steps, start=1))
    extras = [fill(x, slots) for x in rng.sample(ANSWER_EXTRAS[difficulty], 2)]
    answer = " ".join([f"Recommend {slots['plan']}.", *extras])
    return {"case_id": rid, "difficulty": difficulty, "presentation": presentation, "reasoning": reasoning,
            "answer": answer}


# --- priority: community Q&A, several answers per question ----------------------------------------------------------
QUESTION_TAILS = BANKS["question_tails"]
ANSWER_INTROS = BANKS["answer_intros"]
TIPS = BANKS["tips"]
ANSWER_PERSONAL = BANKS["answer_personal"]
ANSWER_CLOSES = BANKS["answer_closes"]


def make_question(rng: random.Random, topic: str) -> tuple[str, Slots]:
    slots, t = pick_slots(rng, topic), TOPICS[topic]
    slots["plan"] = rng.choice(t["plan"])
    parts = (rng.choice(t["open"]), rng.choice(t["sx"] + CLIENT_STORIES), rng.choice(QUESTION_TAILS))
    return " ".join(fill(x, slots) for x in parts), slots


def make_answer(rng: random.Random, slots: Slots) -> str:
    """Answers carry commas, quotes and (as numbered lists) embedded newlines, to exercise CSV quoting."""
    tips = [fill(x, slots) for x in rng.sample(TIPS, rng.randint(2, 4))]
    body = "\n".join(f"{k}) {tip}" for k, tip in enumerate(tips, start=1)) if rng.random() < 0.5 else " ".join(tips)
    intro = " ".join([rng.choice(ANSWER_INTROS), *(fill(x, slots) for x in rng.sample(ANSWER_PERSONAL, 2))])
    paragraphs = [x for x in (intro, body, rng.choice(ANSWER_CLOSES)) if x]
    return ("\n\n" if "\n" in body or rng.random() < 0.4 else " ").join(paragraphs)


# --- voice_persona: Dr. Rowan Ellis, a fictional warm public persona ------------------------------------------------
PERSONA = BANKS["persona"]
PERSONA_OPEN = BANKS["persona_open"]
PERSONA_ACK = BANKS["persona_ack"]
PERSONA_CORE = BANKS["persona_core"]
PERSONA_CLOSE = BANKS["persona_close"]
USR_PREFIX = BANKS["usr_prefix"]


def make_voice_session(rng: random.Random, sid: str, sizes: list[int]) -> list[Record]:
    """One continuous spoken conversation, cut into consecutive windows of the given turn counts."""
    topic = rng.choice(tuple(TOPICS))
    slots, deck, total = pick_slots(rng, topic), Deck(rng), sum(sizes)
    who, turns = rng.choice(("sys", "usr")), []
    for k in range(total):
        if who == "sys":
            core = deck.draw("core", PERSONA_CORE) or "Mm. Go on."
            text = PERSONA_OPEN[rng.randrange(3)] if k == 0 else PERSONA_CLOSE[rng.randrange(3)] if k == total - 1 \
                else rng.choice(PERSONA_ACK) + fill(core, slots)
        else:
            after = None if k < 2 else rng.choice(("reflection", "validation"))
            text = rng.choice(USR_PREFIX) + client_turn(rng, deck, topic, slots, after)
        turns.append({"who": who, "utterance": text})
        who = "usr" if who == "sys" else "sys"
    starts = [sum(sizes[:w]) for w in range(len(sizes) + 1)]
    return [{"conversation_id": f"{sid}-w{w + 1}", "session": sid, "window": w + 1, "persona": PERSONA,
             "turns": turns[starts[w]:starts[w + 1]]} for w in range(len(sizes))]


# --- planted defects: near-duplicates, synthetic PII, malformed records ---------------------------------------------
FIRST = BANKS["first"]
LAST = BANKS["last"]
STREETS = BANKS["streets"]
CITIES = BANKS["cities"]
PII_KINDS = ("email", "phone", "name", "ssn", "address")
# How PII shows up in a speaker's own words / in an answer / in a clinician's vignette.
PII_SENTENCES = BANKS["pii_sentences"]
SWAPS = BANKS["swaps"]
APPENDS = BANKS["appends"]


@dataclass
class Plan:
    """Record indices that carry a defect. Near-duplicate sources are earlier, clean records."""
    dups: dict[int, int] = field(default_factory=dict)
    pii: dict[int, str] = field(default_factory=dict)
    bad: dict[int, str] = field(default_factory=dict)


def plan_plants(rng: random.Random, n: int, n_dup: int, n_pii: int, bad_kinds: tuple[str, ...]) -> Plan:
    pool = list(range(10, n))
    rng.shuffle(pool)
    offset = rng.randrange(len(PII_KINDS))  # rotate so every PII kind appears across the families
    pii = sorted(pool[n_dup:n_dup + n_pii])
    plan = Plan(pii={i: PII_KINDS[(offset + k) % len(PII_KINDS)] for k, i in enumerate(pii)},
                bad=dict(zip(sorted(pool[n_dup + n_pii:n_dup + n_pii + len(bad_kinds)]), bad_kinds, strict=False)))
    for d in sorted(pool[:n_dup]):
        used = [*plan.pii, *plan.bad, *plan.dups, *plan.dups.values(), *pool[:n_dup]]
        plan.dups[d] = rng.choice([i for i in range(d) if i not in used])
    return plan


def pii_value(rng: random.Random, kind: str) -> str:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    if kind == "email":
        return f"{first.lower()}.{last.lower()}{rng.randrange(10, 99)}@{rng.choice(('example.com', 'example.org'))}"
    if kind == "phone":
        return f"{rng.choice(('212', '312', '415', '617', '503', '720'))}-555-01{rng.randrange(100):02d}"
    if kind == "ssn":  # area 200-665: never 078-05-1120 or 123-45-6789, which PII tools reject on purpose
        return f"{rng.randrange(200, 666)}-{rng.randrange(1, 100):02d}-{rng.randrange(1, 10000):04d}"
    if kind == "address":
        return f"{rng.randrange(100, 9999)} {rng.choice(STREETS)}, {rng.choice(CITIES)}"
    return f"{first} {last}"


def tweak_text(rng: random.Random, text: str) -> tuple[str, str]:
    """A small edit (word swap, punctuation, appended sentence) that keeps a near-duplicate near."""
    edit = rng.choice(("swap", "punct", "append"))
    swaps = [(a, b) for a, b in SWAPS if re.search(rf"\b{re.escape(a)}\b", text)]
    if edit == "swap" and swaps:
        a, b = rng.choice(swaps)
        return re.sub(rf"\b{re.escape(a)}\b", b, text, count=1), f"swap '{a}' -> '{b}'"
    if edit == "append":
        return f"{text} {rng.choice(APPENDS)}", "sentence appended"
    return (text[:-1] + "!" if text.endswith(".") else text.rstrip("?!") + "."), "punctuation"


@dataclass(frozen=True)
class Hooks:
    """How one family is edited into a near-duplicate, given PII, broken, and re-identified."""
    tweak: Callable[[random.Random, Record], str]
    add_pii: Callable[[random.Random, Record, str], str]
    corrupt: Callable[[random.Random, Record, str], Record | str]
    relabel: Callable[[Record, str], None]


def chat_hooks(turns: str, who: str, text: str, user: str, id_key: str, unknown: str) -> Hooks:
    """Hooks for a chat-shaped record: edits and PII go into a user-side turn."""
    def user_turn(rng: random.Random, rec: Record) -> dict[str, str]:
        return rng.choice([turn for turn in rec[turns] if turn[who] == user])

    def tweak(rng: random.Random, rec: Record) -> str:
        turn = user_turn(rng, rec)
        turn[text], how = tweak_text(rng, turn[text])
        return how

    def add_pii(rng: random.Random, rec: Record, kind: str) -> str:
        value = pii_value(rng, kind)
        user_turn(rng, rec)[text] += " " + PII_SENTENCES["client"][kind].format(v=value)
        return value

    def corrupt(rng: random.Random, rec: Record, kind: str) -> Record | str:
        if kind == "truncated_json":
            line = dumps(rec)
            return line[:len(line) * 3 // 5]
        if kind == "not_json":
            return f"### transcript export error: {rec[id_key]} (audio segment missing) ###"
        if kind == f"missing_{turns}":
            del rec[turns]
        elif kind == f"{who}_{unknown}":
            rng.choice(rec[turns][1:])[who] = unknown
        else:  # blank_text
            rng.choice(rec[turns])[text] = "   "
        return rec

    return Hooks(tweak, add_pii, corrupt, lambda rec, rid: rec.__setitem__(id_key, rid))


def case_tweak(rng: random.Random, rec: Record) -> str:
    key = rng.choice(("presentation", "answer"))
    rec[key], how = tweak_text(rng, rec[key])
    return f"{key}: {how}"


def case_pii(rng: random.Random, rec: Record, kind: str) -> str:
    value = pii_value(rng, kind)
    rec["presentation"] += " " + PII_SENTENCES["case"][kind].format(v=value)
    return value


def case_corrupt(rng: random.Random, rec: Record, kind: str) -> Record:
    if kind == "missing_presentation":
        del rec["presentation"]
    else:  # numeric_answer
        rec["answer"] = rng.choice((3, 7, 42))
    return rec


CASE_HOOKS = Hooks(case_tweak, case_pii, case_corrupt, lambda rec, rid: rec.__setitem__("case_id", rid))


def build_records(rng: random.Random, ids: list[str], make: Callable[[str], Record], plan: Plan, hooks: Hooks,
                  log: Log, file: str) -> list[Record | str]:
    """Make records in order, turning the planned indices into near-duplicates, PII carriers or malformed lines."""
    items: list[Record | str] = []
    for i, rid in enumerate(ids):
        entry = {"file": file, "index": i, "id": rid}
        if i in plan.dups:
            original = items[plan.dups[i]]
            assert not isinstance(original, str), "a near-duplicate copies a record, never a malformed line"
            rec = copy.deepcopy(original)
            hooks.relabel(rec, rid)
            how = hooks.tweak(rng, rec)
            log.append({**entry, "kind": "near-duplicate", "detail": f"of {ids[plan.dups[i]]} ({how})"})
        else:
            rec = make(rid)
        if i in plan.pii:
            log.append({**entry, "kind": "pii", "detail": f"{plan.pii[i]}: {hooks.add_pii(rng, rec, plan.pii[i])}"})
        if i in plan.bad:
            log.append({**entry, "kind": "malformed", "detail": plan.bad[i]})
        items.append(hooks.corrupt(rng, rec, plan.bad[i]) if i in plan.bad else rec)
    return items


def sizes_with_total(rng: random.Random, k: int, lo: int, hi: int, total: int) -> list[int]:
    """k random sizes in [lo, hi], nudged until they add up to total (keeps record counts exact)."""
    sizes = [rng.randint(lo, hi) for _ in range(k)]
    while sum(sizes) != total:
        i, step = rng.randrange(k), 1 if sum(sizes) < total else -1
        if lo <= sizes[i] + step <= hi:
            sizes[i] += step
    return sizes


# --- writers: deterministic bytes, and the line each record starts on -----------------------------------------------
def dumps(obj: Any, indent: int | None = None) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, indent=indent)


def write(path: pathlib.Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="")


def write_jsonl(path: pathlib.Path, items: list[Record | str]) -> list[int]:
    write(path, "".join((item if isinstance(item, str) else dumps(item)) + "\n" for item in items))
    return list(range(1, len(items) + 1))


def write_json_array(path: pathlib.Path, items: list[Record | str]) -> list[int]:
    """Same bytes as json.dumps(items, indent=1), built element by element to learn each element's first line."""
    parts, starts = [], [2]
    for item in items:
        parts.append("\n".join(" " + row for row in dumps(item, indent=1).split("\n")))
        starts.append(starts[-1] + parts[-1].count("\n") + 1)
    write(path, "[\n" + ",\n".join(parts) + "\n]\n")
    return starts[:-1]


def write_csv(path: pathlib.Path, header: list[str], rows: list[Record]) -> list[int]:
    """RFC 4180 quoting (csv module defaults) with '\\n' line ends, like the other files."""
    buf, starts = io.StringIO(), [2]
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        before = buf.tell()
        writer.writerow([row[h] for h in header])
        starts.append(starts[-1] + buf.getvalue().count("\n", before))
    write(path, buf.getvalue())
    return starts[:-1]


# --- families -------------------------------------------------------------------------------------------------------
def gen_professional(rng: random.Random, out: pathlib.Path, log: Log) -> dict[str, list[int]]:
    file, ids = "professional_therapeutic/sessions.jsonl", [f"pt-{i:05d}" for i in range(1, 301)]
    plan = plan_plants(rng, 300, 12, 6, ("truncated_json", "missing_dialog", "speaker_narrator", "blank_text"))
    hooks = chat_hooks("dialog", "speaker", "text", "client", "session_id", "narrator")
    doubles = rng.sample(ids, 30)  # exactly 10% of sessions have a client sending two messages in a row
    items = build_records(rng, ids, lambda rid: make_session(rng, rid, rid in doubles), plan, hooks, log, file)
    return {file: write_jsonl(out / file, items)}


def gen_edge(rng: random.Random, out: pathlib.Path, log: Log) -> dict[str, list[int]]:
    starts = {}
    hooks = chat_hooks("messages", "role", "content", "user", "id", "narrator")
    for name, prefix, n, bad, make in (
            ("crisis", "edge-crisis", 150, ("truncated_json", "blank_text"), make_crisis),
            ("boundaries", "edge-bound", 100, ("missing_messages", "role_narrator"), make_boundary)):
        file, ids = f"edge_cases/{name}.jsonl", [f"{prefix}-{i:04d}" for i in range(1, n + 1)]
        plan = plan_plants(rng, n, n // 25, n // 50, bad)
        starts[file] = write_jsonl(out / file, build_records(rng, ids, functools.partial(make, rng), plan, hooks,
                                                             log, file))
    return starts


def gen_cot(rng: random.Random, out: pathlib.Path, log: Log) -> dict[str, list[int]]:
    file, ids = "cot_reasoning/cases.json", [f"cot-{i:04d}" for i in range(1, 251)]
    plan = plan_plants(rng, 250, 10, 5, ("missing_presentation", "numeric_answer"))
    items = build_records(rng, ids, lambda rid: make_case(rng, rid), plan, CASE_HOOKS, log, file)
    return {file: write_json_array(out / file, items)}


def gen_priority(rng: random.Random, out: pathlib.Path, log: Log) -> dict[str, list[int]]:
    """One row per answer, grouped by question; a near-duplicate answer sits in its own question's block."""
    file, rows, dups = "priority/qa.csv", [], []
    sizes = sizes_with_total(rng, 90, 1, 4, 211)
    dup_questions = rng.sample([q for q, size in enumerate(sizes) if size < 4], 9)  # still at most 4 answers
    for q, size in enumerate(sizes):
        topic = rng.choice(tuple(TOPICS))
        question, slots = make_question(rng, topic)
        block = [{"question_id": f"q-{q + 1:04d}", "topic": topic, "question": question,
                  "answer": make_answer(rng, slots)} for _ in range(size)]
        if q in dup_questions:
            source = rng.choice(block)
            twin = dict(source)
            twin["answer"], how = tweak_text(rng, source["answer"])
            block.append(twin)
            dups.append((twin, source, how))
        rows.extend(block)
    for k, row in enumerate(rows, start=1):
        row["answer_id"] = f"a-{k:04d}"
    index = {row["answer_id"]: k for k, row in enumerate(rows)}
    for twin, source, how in dups:
        log.append({"file": file, "index": index[twin["answer_id"]], "id": twin["answer_id"],
                    "kind": "near-duplicate", "detail": f"of {source['answer_id']} ({how})"})
    planted = [index[row["answer_id"]] for pair in dups for row in pair[:2]]
    chosen = rng.sample([k for k in range(len(rows)) if k not in planted], 6)
    offset = rng.randrange(len(PII_KINDS))
    for n, k in enumerate(sorted(chosen[:4])):
        kind = PII_KINDS[(offset + n) % len(PII_KINDS)]
        value = pii_value(rng, kind)
        rows[k]["answer"] += " " + PII_SENTENCES["answer"][kind].format(v=value)
        log.append({"file": file, "index": k, "id": rows[k]["answer_id"], "kind": "pii", "detail": f"{kind}: {value}"})
    broken = (("answer", "empty_answer"), ("question", "missing_question"))
    for k, (column, kind) in zip(sorted(chosen[4:]), broken, strict=False):
        rows[k][column] = ""
        log.append({"file": file, "index": k, "id": rows[k]["answer_id"], "kind": "malformed", "detail": kind})
    return {file: write_csv(out / file, ["question_id", "answer_id", "topic", "question", "answer"], rows)}


def gen_voice(rng: random.Random, out: pathlib.Path, log: Log) -> dict[str, list[int]]:
    """60 sessions (192 windows) plus 8 near-duplicate windows, each filed as a new one-window session."""
    file = "voice_persona/persona.jsonl"
    windows = [window for s, n in enumerate(sizes_with_total(rng, 60, 2, 4, 192), start=1)
               for window in make_voice_session(rng, f"vp-s{s:03d}", [rng.randint(3, 7) for _ in range(n)])]
    plan = plan_plants(rng, 200, 8, 4, ("not_json", "who_bot"))
    queue, extra = iter(windows), iter(range(61, 69))
    ids = [f"vp-s{next(extra):03d}-w1" if i in plan.dups else next(queue)["conversation_id"] for i in range(200)]
    by_id = {window["conversation_id"]: window for window in windows}

    def relabel(rec: Record, rid: str) -> None:
        rec.update(conversation_id=rid, session=rid[:-3], window=1)

    hooks = replace(chat_hooks("turns", "who", "utterance", "usr", "conversation_id", "bot"), relabel=relabel)
    items = build_records(rng, ids, by_id.__getitem__, plan, hooks, log, file)
    return {file: write_jsonl(out / file, items)}


FAMILIES = (("professional_therapeutic", gen_professional), ("priority", gen_priority), ("cot_reasoning", gen_cot),
            ("edge_cases", gen_edge), ("voice_persona", gen_voice))


@dataclass(frozen=True)
class Inventory:
    """What generate() wrote: records per family (planted ones included) and every planted item."""

    counts: dict[str, int]
    planted: Log  # file, index, line, id, kind (near-duplicate | pii | malformed), detail


# Families the demo release makes at build time with a rule (families/edge_cases.yaml runs this file with --only):
# their files are not committed, and the README still documents what they plant.
RULE_MADE = ("edge_cases",)


def generate(out_dir: pathlib.Path, seed: int = 20261123, only: tuple[str, ...] | None = None) -> Inventory:
    """Write every family under out_dir plus README.md, except the families the demo makes with a rule (RULE_MADE,
    generated all the same for the inventory). `only`: exactly these families' files, and no README."""
    out_dir = pathlib.Path(out_dir)
    log: Log = []
    starts: dict[str, list[int]] = {}
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as elsewhere:
        for family, gen in FAMILIES:
            written = family in only if only is not None else family not in RULE_MADE
            target = out_dir if written else pathlib.Path(elsewhere)
            files = gen(random.Random(f"{seed}:{family}"), target, log)  # str seeds hash with sha512: stable
            starts.update(files)
            counts[family] = sum(len(lines) for lines in files.values())
    for entry in log:
        line = entry["line"] = starts[entry["file"]][entry["index"]]
        entry["where"] = f"element {entry['index']}, line {line}" if entry["file"].endswith(".json") else f"line {line}"
    if only is None:
        write(out_dir / "README.md", readme(seed, {file: len(lines) for file, lines in starts.items()}, log))
    return Inventory(counts, log)


README_HEAD = """\
# Demo data (SYNTHETIC)

Everything in this directory is **synthetic**. It was generated by

    python demo/generate.py demo/data

(seed {seed}) from the phrase banks in `demo/phrases.json`. The `edge_cases/` files (marked * below) are
not committed: the demo release makes them at build time with the rule `edge_cases_generator` declared in
`families/edge_cases.yaml`, which runs the same generator (`--only edge_cases --seed <its seed param>`) in a
sandbox; with the default seed they are byte-identical to what is documented here.

No real people, conversations or clients are involved. Every name, e-mail address (example.com / example.org),
phone number (555-01xx), SSN-shaped number and street address in these files is invented and was planted on
purpose to exercise the PII gate; "Dr. Rowan Ellis" is a fictional persona. The same seed gives byte-identical
files: regenerate rather than edit by hand.

## Files

| file | records | near-duplicates | PII | malformed |
|---|---|---|---|---|
"""
README_NOTES = """
Record counts include the planted ones. A near-duplicate is a copy of an earlier, clean record of the same file
with one word swapped, its punctuation changed or a sentence appended, under a new id (voice_persona: filed as a
new one-window session, `vp-s061` to `vp-s068`). PII sits inside a user-side message (cot_reasoning: the
presentation; priority: the answer). Malformed kinds: `truncated_json` (line cut mid-object), `not_json`,
`missing_<field>`, `<speaker field>_<unknown value>` (e.g. `speaker_narrator`, `who_bot`), `blank_text`
(whitespace-only turn), `numeric_answer` (a number where a string belongs), `empty_answer` and
`missing_question` (empty CSV field). Locations are 1-based physical lines; CSV answers span several lines.

## Planted items
"""


def readme(seed: int, per_file: dict[str, int], log: Log) -> str:
    """Inventory of the data and of every planted defect, so tests and demos can point at them."""
    lines = [README_HEAD.format(seed=seed).rstrip("\n")]
    for file, total in per_file.items():
        kinds = [sum(e["file"] == file and e["kind"] == k for e in log) for k in ("near-duplicate", "pii", "malformed")]
        made = " *" if file.split("/", 1)[0] in RULE_MADE else ""
        lines.append(f"| `{file}`{made} | {total} | {kinds[0]} | {kinds[1]} | {kinds[2]} |")
    lines.append(README_NOTES.rstrip("\n"))
    for file in per_file:
        lines += ["", f"### `{file}`", "", "| kind | id | location | detail |", "|---|---|---|---|"]
        entries = sorted((e for e in log if e["file"] == file), key=lambda e: e["index"])
        lines += [f"| {e['kind']} | {e['id']} | {e['where']} | {e['detail']} |" for e in entries]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> None:
    """`generate.py [OUT] [--seed N] [--only FAMILY]...`: the demo release's rule runs it with --only edge_cases."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="demo/data", type=pathlib.Path)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--only", action="append", choices=[name for name, _ in FAMILIES],
                        help="write only this family's files (repeat), and no README")
    args = parser.parse_args(argv)
    for name, count in generate(args.out, args.seed, tuple(args.only) if args.only else None).counts.items():
        if args.only is None or name in args.only:
            print(f"{name}: {count}")


if __name__ == "__main__":
    main(sys.argv[1:])
