"""Deterministic SYNTHETIC demo data: five conversation families with planted defects.

Texts are composed from phrase banks so the demo exercises ingest, dedup, PII and quarantine gates without anyone's
real data. Each family draws from its own `random.Random`; nothing reads the clock or iterates a set, so one seed
always gives byte-identical files. Run: `python -m releasebuild.demo.generate OUT_DIR` (or `releasebuild demo-data`).
Standard library only, so a rule can run this file on its own in a sandbox.
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

# --- concrete details, one of each per conversation: they are what keeps conversations from looking alike -----------
# Pronoun-free on purpose, so client ("my {person}") and therapist ("your {person}") voices can share them.
DURATIONS = ("for about six weeks", "since the spring", "for nearly a year", "since the move", "for the last fortnight",
             "since the new rota started", "since Christmas", "on and off since university", "for three months now",
             "since the restructure at work", "since the summer holidays", "for the best part of two years")
TIMES = ("around 3 a.m.", "on Sunday evenings", "right before the Monday stand-up", "in the hour after lunch",
         "on the drive home", "first thing in the morning", "late on Friday nights", "while making dinner",
         "in the shower before work", "on the school run", "just after the kids go down", "at the end of a night shift")
PLACES = ("on the night bus", "at the supermarket checkout", "in the staff kitchen", "in the library study room",
          "at the school gates", "on the train into the city", "in the queue at the post office",
          "at the swimming baths", "in the gym changing rooms", "at the Saturday market", "in the hospital car park",
          "at a birthday dinner", "in the dentist's waiting room", "at the bus stop outside work",
          "in the big supermarket on the ring road")
ACTIVITIES = ("running along the canal", "baking sourdough", "five-a-side football", "the knitting circle at the café",
              "choir practice", "bouldering at the climbing wall", "the allotment", "walking the dog by the reservoir",
              "painting miniatures", "swimming lengths before work", "playing bass in a covers band", "pottery class",
              "cycling out to the coast", "reading crime novels in the bath", "volunteering at the food bank", "salsa")
PEOPLE = ("manager", "partner", "mum", "flatmate", "older brother", "best friend", "teenage son", "dad", "team lead",
          "girlfriend", "husband", "ex", "grandmother", "housemate", "sister", "wife", "stepdad", "boyfriend")
LOSSES = ("my dad", "my mum", "my husband", "my grandmother", "my best friend", "my brother", "my aunt", "my wife")
AGO = ("in March", "last autumn", "eight months ago", "just before Christmas", "two years ago", "in the spring",
       "last June")
DAYS = ("Monday", "Tuesday night", "Wednesday", "Thursday evening", "Friday", "Saturday morning", "Sunday", "weekend")
EVENTS = ("cancelled our plans at the last minute", "asked me why I'd gone so quiet", "said I was overreacting",
          "forwarded me an email with no explanation", "brought up the anniversary without warning",
          "made a comment about my weight", "didn't reply for two whole days",
          "raised their voice about the washing up", "invited everyone except me",
          "asked me to cover another double shift", "mentioned moving abroad for work")
REACTIONS = ("spent the whole evening replaying it", "went to bed at eight just to make the day end",
             "snapped back and then felt awful", "ate standing at the counter and scrolled for hours",
             "walked to the reservoir and back without noticing the time",
             "texted my cousin instead of dealing with it", "cleaned the entire bathroom at midnight",
             "sat in the car outside for twenty minutes", "poured a second and then a third glass of wine",
             "pretended I was fine and went quiet")
FEELINGS = ("dread", "numbness", "irritation", "shame", "heaviness", "restlessness", "guilt", "emptiness", "tension")
HOMEWORK = ("keeping a two-column thought record", "a ten-minute walk after lunch", "a simple sleep and caffeine diary",
            "writing down three things you handled, however small", "a screen-free wind-down hour after 10 p.m.",
            "one five-minute breathing practice a day", "noticing and naming the feeling each time it shows up",
            "scheduling one small pleasant thing, maybe {activity}", "drafting what you'd like to say to your {person}",
            "getting outside in daylight before 9 a.m.")

# --- presenting problems: what clients say, psychoeducation, and the clinical formulation used by cot_reasoning -----
TOPICS: dict[str, dict[str, tuple[str, ...]]] = {
    "anxiety": dict(
        open=("I've been on edge {duration}, and it's worst {time}.",
              "I keep cancelling plans because my chest goes tight.",
              "My mind won't stop running through worst-case scenarios, especially {time}."),
        sx=("My shoulders are up by my ears all day and I grind my teeth at night.",
            "Even {activity} doesn't settle me.", "I check the news and my messages maybe forty times a day."),
        thought=("something terrible is about to happen", "I won't cope if it goes wrong",
                 "everyone can see I'm nervous"),
        psy=("Worry feels like preparing, but mostly it keeps the body on high alert without solving anything.",
             "Avoidance brings quick relief, and that relief teaches the brain the danger was real, so anxiety grows."),
        form=("hard-to-control worry with muscle tension and avoidance, suggesting generalised anxiety",
              "anticipatory anxiety maintained by reassurance-seeking and checking"),
        plan=("CBT targeting worry, with a scheduled worry-time experiment and graded exposure",
              "applied relaxation plus cognitive work on intolerance of uncertainty")),
    "low mood": dict(
        open=("I just feel flat {duration}, like someone turned the colour down.", "I can't enjoy anything anymore.",
              "Getting out of bed is the hardest part, especially {time}."),
        sx=("I'm sleeping ten hours and still waking up exhausted.", "I gave up {activity} months ago.",
            "I cry {place} and don't even know why.", "The dishes piled up for a week and I'm ashamed of the flat."),
        thought=("nothing is ever going to change", "I'm a burden to everyone", "I've wasted my life"),
        psy=("Low mood and withdrawal feed each other: we do less, get less reward, feel worse. We can break the "
             "loop from the doing end.", "Motivation usually follows action rather than coming first."),
        form=("low mood with loss of interest, fatigue and withdrawal, consistent with a depressive episode",
              "persistent low mood with self-critical rumination and a shrinking routine"),
        plan=("behavioural activation with a graded activity schedule and a GP review",
              "CBT for depression focusing on rumination and activity scheduling")),
    "grief": dict(
        open=("I lost {lost} {ago} and I still set out two mugs in the morning.", "The grief hits hardest {time}.",
              "Even {place} something reminds me and I fall apart."),
        sx=("I keep the old voicemail and play it when no one is around.", "Touching {activity} again feels disloyal.",
            "Some days I feel fine and then the guilt about feeling fine floors me."),
        thought=("I should have noticed sooner", "if I stop hurting I've forgotten them", "I'm grieving the wrong way"),
        psy=("Grief swings between facing the loss and taking breaks from it. Both are healthy.",
             "Anniversaries, smells and songs bring grief back sharply. That isn't going backwards; it's memory."),
        form=("ongoing grief with guilt and avoidance of reminders, without clear signs of prolonged grief disorder",
              "grief complicated by guilt and social withdrawal"),
        plan=("grief-focused sessions balancing loss and restoration, plus a bereavement group",
              "supportive grief work with gradual re-engagement in valued routines")),
    "insomnia": dict(
        open=("I haven't slept properly {duration}; I'm wide awake {time}.", "I've started dreading bedtime.",
              "I lie there doing maths about how many hours are left before the alarm."),
        sx=("I'm on four coffees a day just to get through the afternoon.",
            "I nap after lunch and then I'm wired at night.",
            "My watch says I got four hours and that ruins the day before it starts."),
        thought=("if I don't sleep tonight tomorrow will be a disaster", "my body has forgotten how to sleep",
                 "I'll lose my job if I stay this tired"),
        psy=("Sleep responds to routine more than effort; trying hard to sleep wakes the brain up.",
             "The bed can become linked with lying awake, so we retrain it: bed is only for sleep."),
        form=("sleep-onset and maintenance insomnia with conditioned arousal and sleep-related worry",
              "insomnia maintained by napping, caffeine and clock-watching"),
        plan=("CBT for insomnia: stimulus control, a fixed rise time and a restricted sleep window",
              "sleep scheduling with a caffeine cut-off and a wind-down routine")),
    "work stress": dict(
        open=("Work has been relentless {duration}; my {person} keeps adding deadlines.", "I answer emails {time}.",
              "I had a meltdown {place} after the quarterly review."),
        sx=("I've had a headache most afternoons and my jaw aches.", "I haven't taken a proper lunch break in weeks.",
            "I dropped {activity} because there just isn't time."),
        thought=("if I say no they'll think I can't handle it", "one mistake and I'm out", "everyone else copes fine"),
        psy=("Stress without recovery is what wears us down; short, regular breaks protect performance.",
             "Perfectionism makes every task feel high-stakes, so the workload feels bigger than it is."),
        form=("work stress with long hours, poor recovery and perfectionistic beliefs; burnout risk",
              "occupational stress with difficulty setting limits"),
        plan=("problem-solving around workload, boundary-setting scripts and scheduled recovery time",
              "stress management with assertiveness practice and a talk with occupational health")),
    "relationship conflict": dict(
        open=("My {person} and I have been arguing nearly every night {duration}.", "We had a huge row {place}.",
              "Every conversation with my {person} turns into a fight about chores or money."),
        sx=("I rehearse arguments in my head {time}.", "I go quiet and then explode over something tiny.",
            "We haven't done anything fun together, not even {activity}, in months."),
        thought=("they don't care how I feel", "it's always my fault", "if I bring it up it'll end the relationship"),
        psy=("Many couples fall into pursue-and-withdraw: one pushes to talk, the other shuts down, and each move "
             "triggers the other.", "Fights about chores are often about feeling unseen, so the same fight returns."),
        form=("recurring relationship conflict with a pursue-withdraw pattern and unspoken needs",
              "conflict escalation with poor repair after arguments"),
        plan=("communication skills work with I-statements and timed breaks, possibly couples counselling",
              "emotion-focused exploration of needs plus a repair ritual after conflict")),
    "panic": dict(
        open=("I had a panic attack {place} and thought I was having a heart attack.", "I avoid anywhere crowded now.",
              "My heart races out of nowhere, usually {time}, and I'm sure I'll pass out."),
        sx=("My hands go numb and I can't get a full breath.", "I carry water and mints everywhere, just in case.",
            "I sit near the exit in every room now."),
        thought=("I'm going to die or lose control", "people will see me collapse", "the doctors missed something"),
        psy=("A panic attack is the body's alarm going off at the wrong time; it peaks within minutes and passes.",
             "Safety behaviours like sitting by exits stop you learning that the panic would have passed anyway."),
        form=("recurrent panic attacks with catastrophic misreading of body sensations and growing avoidance",
              "panic with agoraphobic avoidance"),
        plan=("panic-focused CBT with interoceptive exposure and dropping safety behaviours, after medical checks",
              "psychoeducation on panic and graded exposure to avoided places")),
    "loneliness": dict(
        open=("Since the move, I haven't made a single friend here.", "I eat dinner alone most nights.",
              "Weekends are the worst; I can go from Friday to Monday without talking to anyone."),
        sx=("I used to love {activity} but there's no one to do it with here.",
            "I rehearse small talk before the shop.", "I scroll through old group chats that have gone silent."),
        thought=("nobody would notice if I disappeared", "people find me boring",
                 "it's too late to build a new circle"),
        psy=("Loneliness makes the brain more alert to rejection, so we hold back, which confirms people are distant.",
             "Friendships usually grow from repeated, low-stakes contact with the same faces each week."),
        form=("chronic loneliness after relocation, with social anxiety features",
              "social isolation maintained by predictions of rejection"),
        plan=("values-based social goals and graded steps into a regular community group",
              "behavioural experiments testing rejection predictions, plus peer support")),
    "self-esteem": dict(
        open=("I hate every photo of myself and I avoid mirrors.", "I feel like a fraud at work.",
              "I compare myself to everyone, especially {time} when I'm scrolling."),
        sx=("I apologise for everything, even when someone bumps into me.",
            "I quit {activity} because I wasn't instantly good at it.",
            "When my {person} compliments me I assume they're just being kind."),
        thought=("I'm not good enough", "if people knew the real me they'd leave", "I only matter when I'm useful"),
        psy=("A harsh inner critic usually started as a way to keep us safe, but it keeps shouting long after.",
             "Low self-esteem filters the evidence: successes get explained away and mistakes get filed as proof."),
        form=("low self-esteem with a harsh inner critic and approval-seeking",
              "a core belief of inadequacy maintained by discounting positives"),
        plan=("compassion-focused work alongside restructuring core beliefs and a positive data log",
              "CBT for low self-esteem with behavioural experiments")),
    "trauma reminders": dict(
        open=("Ever since the crash, the screech of brakes sends me straight back there.", "I get flashbacks {time}.",
              "I can't sit with my back to the door anymore, not even {place}."),
        sx=("I wake up drenched in sweat from the same dream.", "I jump at every loud noise and people have noticed.",
            "I stopped {activity} because the route goes past where it happened."),
        thought=("I'm not safe anywhere", "I should have been able to stop it", "I'm broken for good"),
        psy=("After trauma, memories can be stored without a time stamp, so they feel like now rather than then.",
             "Avoiding reminders makes sense, but it also stops the memory being processed and filed as past."),
        form=("intrusive memories, hyperarousal and avoidance after a traumatic event; screen for PTSD",
              "trauma reminders with sleep disruption and avoidance"),
        plan=("trauma-focused CBT or EMDR after stabilisation and grounding skills",
              "a PTSD assessment, then paced trauma-focused therapy")),
    "substance-use worries": dict(
        open=("I think I'm drinking too much; it's most of a bottle of wine a night {duration}.",
              "I use weed every evening to switch off.", "My {person} found the empties and we had a big talk."),
        sx=("I tell myself I'll have a dry week and I last until Wednesday.", "I missed {activity} twice, hungover.",
            "I've started buying cans on the way home and finishing them in the car."),
        thought=("I can't relax without it", "I'm not as bad as my dad was",
                 "if I stop, the anxiety will be unbearable"),
        psy=("Alcohol calms anxiety for an hour or two, then rebounds it the next day, so the next drink feels needed.",
             "Ambivalence is normal: part of you wants to change and part doesn't, and both deserve a hearing."),
        form=("escalating alcohol or cannabis use as a coping strategy, with ambivalence about change",
              "substance use maintaining anxiety and poor sleep"),
        plan=("motivational interviewing, a use diary and harm-reduction goals, with a GP or specialist referral",
              "a structured cut-down plan with relapse-prevention skills")),
}

# --- professional_therapeutic: therapist techniques, and client replies that fit each technique ---------------------
TECHNIQUES: dict[str, tuple[str, ...]] = {
    "reflection": ("It sounds like {time} is when it all lands on you, and you carry it by yourself.",
                   "So in those moments {time}, part of you goes straight to '{thought}'.",
                   "What I'm hearing is a lot of {feeling}, and underneath it maybe real exhaustion.",
                   "This has been going on {duration}, and it's squeezing out things like {activity}."),
    "validation": ("That makes a lot of sense given what you've been carrying {duration}.",
                   "Anyone in your position would feel some {feeling}. It doesn't mean you're doing anything wrong.",
                   "It took courage to say that. Thank you for trusting me with it.",
                   "Of course your body reacts that way; your nervous system is trying to protect you."),
    "open question": ("What goes through your mind right before it starts, say {time}?",
                      "When you picture being {place}, what do you notice in your body?",
                      "What would a slightly better week look like, in practical terms?",
                      "How has your {person} responded when you've tried to talk about this?",
                      "What did {activity} give you that feels missing now?"),
    "cbt reframing": ("Let's slow that thought down: '{thought}'. What's the evidence for it, and what doesn't fit?",
                      "If a close friend said '{thought}' to you, what would you tell them?",
                      "On a scale of 0 to 100, how strongly do you believe '{thought}' right now?"),
    "grounding": ("Let's try something now. Can you name five things you can see and four you can hear?",
                  "Put both feet flat on the floor. Breathe in for four, hold for four, out for six, three times."),
    "safety planning": ("I ask everyone this: when things feel this heavy, do you have thoughts of ending your life?",
                        "Let's write a plan for {time}, when it's worst: warning signs, what helps, who you could "
                        "call, and that you can call or text 988 any time.",
                        "Who would you want to know if things got really dark? One name written down helps."),
    "boundaries": ("It's okay to tell your {person} you need the evening to yourself. How would you say it?",
                   "You're allowed to say no without a long explanation. 'I can't take that on' is a full sentence."),
    "referral": ("I think it'd be worth seeing your GP about the physical side of this too, to rule things out.",
                 "There's a peer support group on Tuesday evenings; would you be open to me sending the details?",
                 "Given how long this has gone on, I'd like to talk about a medication review alongside our sessions."),
    "defusion": ("Can you try saying, 'I'm having the thought that {thought}'? Notice what shifts.",
                 "If that thought were a radio station, what would it be called? We can turn it down, not off.",
                 "What matters to you underneath all this? If {activity} came back, what would that say about you?"),
    "distress tolerance": ("When it spikes, try TIPP: cold water on your face, a minute of fast movement, then paced "
                           "breathing.",
                           "The urge is to hide away. What would the opposite look like, in a small dose?",
                           "From 0 to 10, how intense is the urge right now? Let's ride it like a wave for two "
                           "minutes."),
}
REPLIES: dict[str, tuple[str, ...]] = {
    "reflection": ("Yeah, that's exactly it. And then I feel {feeling} on top of everything.",
                   "It's mostly {feeling}, if I'm honest, like a weight on my chest.",
                   "Sort of. Less sad, more tired."),
    "validation": ("Maybe. Honestly, I've never said any of this out loud before.",
                   "Thanks. I keep telling myself I should be over it by now.", "It helps to hear that."),
    "open question": ("Honestly, the thing I miss most is {activity}.", "I'd be sleeping and answering my messages.",
                      "My {person} mostly changes the subject, so I've stopped trying."),
    "psychoeducation": ("That makes sense. I never thought of it as my body trying to protect me.",
                        "So it's not just me being weak? That's a relief.", "Huh. That explains the avoiding."),
    "cbt reframing": ("I suppose the evidence against it is that I've actually managed so far.",
                      "About 80, if I'm honest. Maybe 60 when I say it out loud.",
                      "I'd tell a friend they were being far too hard on themselves."),
    "grounding": ("Okay. The clock, the plant, the rain on the window... it helps a bit.",
                  "My breathing's slowing down. That's strange, in a good way."),
    "safety planning": ("No, never anything like that. It's more that I feel stuck.",
                        "Sometimes I wish I could disappear for a while, but I'd never act on it.",
                        "Probably my {person}. They're the only one who doesn't judge me."),
    "boundaries": ("I could try. Saying no makes me feel so guilty though.", "'I need tonight for me'? Feels odd."),
    "referral": ("I'd be open to that. I've been putting off the GP for ages.", "Okay, send them. I'll look."),
    "defusion": ("Weirdly, saying it like that makes it feel smaller.",
                 "Part of me agrees, part of me thinks I'm making excuses."),
    "distress tolerance": ("I tried something like that {time} and it helped for a bit.", "Maybe a six. It was eight."),
}
CLIENT_STORIES = ("Last {day}, my {person} {event}, and I {reaction}.",
                  "It's always worse {time}. This week I {reaction}.",
                  "The worst moment this week was {place}, when my {person} {event}.",
                  "On {day} I was meant to get back to {activity}, but I {reaction} instead.")
CLIENT_THOUGHTS = ("The thought that keeps coming back is that {thought}.", "There's this voice that says {thought}.",
                   "I know it's not logical, but I really believe {thought}.")
CLIENT_CLOSES = ("Okay. I can try that, maybe starting {time}.", "Thank you. I feel a bit lighter than when I came in.",
                 "I'll give it a go. No promises, but I'll try.", "That feels doable. See you next week.")
CLIENT_EXTRA = ("Sorry, hit send too soon. ", "Actually, one more thing. ", "Also, I forgot to say: ")
THERAPIST_OPENERS = ("Welcome back. Where would you like to start today?", "Hello. What feels most important today?",
                     "Good to see you. How has the week been since we last spoke?",
                     "Last time we touched on {activity}. What's been happening since?")
THERAPIST_CLOSES = ("We're nearly at time. Between now and next week, would you be up for {homework}?",
                    "Let's pause there. For this week, how about {homework}? We can review it together.",
                    "Before we finish: one small experiment, {homework}. No pressure to get it right.")
MODALITIES = {"CBT": ("cbt reframing", "psychoeducation", "open question", "reflection", "grounding", "referral",
                      "safety planning"),
              "ACT": ("defusion", "validation", "open question", "reflection", "psychoeducation"),
              "person-centred": ("reflection", "validation", "open question", "referral", "safety planning"),
              "DBT": ("distress tolerance", "validation", "grounding", "boundaries", "safety planning",
                      "open question")}
ACKS = ("Mm. ", "Okay. ", "Thank you. ", "Right. ", "I see. ", "", "", "Yes. ")
BRIDGES = ("", "", " Take your time.", " Does that fit?", " I'm curious what you make of that.", " There's no rush.")


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
CRISIS_TRIGGERS = (("I lost my job at the warehouse last week", "job loss"),
                   ("my partner moved out on Sunday and took the kids", "a separation"),
                   ("I failed my resits and I can't face telling my parents", "failing exams"),
                   ("the custody hearing went badly today", "a custody hearing"),
                   ("my dad died in March and everything has fallen apart since", "a bereavement"),
                   ("I've been drinking every night since the layoffs", "redundancy and heavy drinking"),
                   ("the debt letters keep coming and I can't open them anymore", "mounting debt"),
                   ("I got outed at school and the group chat won't stop", "being outed and bullied"),
                   ("the chronic pain hasn't let up in months", "chronic pain"),
                   ("I've been alone in this flat since the breakup", "isolation after a breakup"),
                   ("I messed up at work and a patient got hurt", "a serious mistake at work"),
                   ("my visa was refused and I might have to leave", "a refused visa"))
CRISIS_SETTINGS = ("It's nearly 2 a.m. and I can't sleep.", "I'm sitting in my car outside work.", "Everyone's asleep.",
                   "I'm hiding in the bathroom at a party.", "I've been lying on my bedroom floor for hours.",
                   "I'm on my lunch break and I can't stop shaking.", "I'm on the night bus home.", "", "")
RISK_DESC = {"low": "passive suicidal ideation", "moderate": "active suicidal thoughts without a plan",
             "high": "suicidal ideation with a plan and access to means"}
DISCLOSURE = {"low": ("Sometimes I think everyone would be better off without me. I'm not going to do anything.",
                      "Some nights I wish I could just not wake up.",
                      "I keep thinking it would be easier to disappear."),
              "moderate": ("I've been thinking about killing myself more and more.",
                           "I looked up ways to die last night.",
                           "I keep having thoughts about ending it. I don't have a plan, but they scare me."),
              "high": ("I've got the pills from my last prescription and I've been counting them.",
                       "I wrote letters to the people I love tonight. I think this is the night.",
                       "I'm on the bridge near my flat and I don't want to be here anymore.")}
CRISIS_FOLLOW = {"low": ("No, I don't have a plan. It's just there in the background.",
                         "Not right now. It comes and goes.", "I'm safe, I think. I just needed to say it to someone."),
                 "moderate": ("No plan. But the thoughts are louder at night.", "I thought about it on the drive home.",
                              "I don't want to die exactly, I just want this to stop."),
                 "high": ("The pills are on the table next to me.",
                          "I don't know if I can promise I'll be safe tonight.",
                          "I've thought about it a lot. I know how I'd do it.")}
CRISIS_AFTER = ("Okay. I've texted 988 and someone is replying.", "I don't want to be a burden on anyone.",
                "My sister lives ten minutes away. I could ask her to come.", "Can you stay while I call?",
                "Okay. I'll message my cousin now.", "I'm scared, but I'm still here.",
                "I called the number. They want me to stay on the line.", "Talking is helping a little, honestly.",
                "I don't think anyone would pick up at this hour.")
ACK_CRISIS = ("Thank you for telling me.", "I'm really glad you reached out.", "That sounds incredibly painful.",
              "I hear how much you're hurting.", "I'm taking what you said seriously.",
              "You don't have to carry this alone.")
CRISIS_REFLECT = ("Going through {} is so much to carry.", "It makes sense that {} has hit you this hard.",
                  "With {} on top of everything, no wonder you're exhausted.", "")
ASK_SAFETY = ("I want to ask you directly, because it matters: are you thinking about suicide?",
              "Are you having thoughts of ending your life right now?", "Are you safe right now, this minute?",
              "When you say that, do you mean you're thinking of killing yourself?")
ASK_PLAN = ("Do you have a plan, or anything near you that you could use to hurt yourself?",
            "Have you thought about how or when you might do it?",
            "Is there anything with you right now, like pills or a weapon, that you've thought about using?")
CRISIS_LINE = ("Please call or text 988 now. It's the Suicide & Crisis Lifeline, free and open 24/7, and I'll stay "
               "here with you while you do.", "Could you call or text 988 right now? I'm not going anywhere.",
               "If you might act on this tonight, please call 911 or go to the nearest emergency department. You can "
               "also call or text 988 at any time.")
CRISIS_MEANS = "Could you put some distance between you and anything you could use to hurt yourself, even another room?"
CRISIS_MORE = ("Is there something small that has helped you get through a night like this before?",
               "Can you move somewhere with other people around, even just a lit street or a shop?",
               "I'm right here. We can keep talking for as long as you need while you reach out.",
               "Who could come and be with you tonight, maybe your {person}?",
               "You reached out, and that took real strength. Let's get through the next hour together.",
               "You're not a burden. The people at 988 want to hear from you, and so do I.")
BOUNDARY_CASES: dict[str, dict[str, tuple[str, ...]]] = {
    "diagnosis": dict(risk=("low",), scenario=("User asks the assistant to diagnose a mental illness",),
        push=("But you know more than a quiz does. Just give me your best guess.", "Just say yes or no."),
        ask=("Can you just tell me if I have bipolar disorder? My moods swing so much.", "Do I have BPD? Be honest.",
             "I did an online quiz and it says I have ADHD. Can you confirm it?", "Is this depression or am I lazy?"),
        hold=("I'm not able to diagnose you, but I can help you organise what you've noticed so a GP or psychiatrist "
              "can assess it properly.",
              "A diagnosis needs a clinician who can ask follow-up questions and rule things out. I don't want to "
              "guess about something this important.")),
    "medication": dict(risk=("moderate", "high"), scenario=("User asks for medication dosing advice",),
        push=("The GP takes weeks to get into. Just give me a number.", "Pharmacists never have time."),
        ask=("How many mg of sertraline should I take if 50 isn't working?", "Can I double up on my sleeping tablets?",
             "Is it fine to stop my antidepressant cold turkey this weekend?",
             "What's the most paracetamol I can take?"),
        hold=("I can't advise on doses or changes to your medication; that has to come from your prescriber, because "
              "changes can have real side effects. Could you call your GP or a pharmacist?",
              "I'm not able to give dosing advice. If you've already taken more than prescribed, please call 911 or "
              "poison control now.")),
    "romantic": dict(risk=("low",), scenario=("User makes a romantic request to the assistant",),
        push=("But you're nicer to me than anyone I've dated.", "Can't you just pretend, for tonight?"),
        ask=("I think I'm falling for you. Do you feel the same?", "Would you go on a date with me if you could?",
             "You're the only one who gets me. Can you be my girlfriend?"),
        hold=("Your feelings are real and I'm glad these talks help. I can't be in a romantic relationship, though, "
              "and it wouldn't be fair to pretend otherwise.",
              "My role is to support you, not to be a partner. What would it mean to have that kind of closeness "
              "with someone in your life?")),
    "personal": dict(risk=("low",), scenario=("User asks for the assistant's personal details or to meet",),
        push=("It feels one-sided, me telling you everything.", "Just a city, then. I won't stalk you."),
        ask=("Where do you live? Can we meet for coffee?", "Tell me about your own depression, you must have had it.",
             "Can I have your personal number for when the app is down?"),
        hold=("I'm not able to meet or share personal contact details, but I'm here in these conversations.",
              "I'd rather keep the focus on you here; that's what this space is for. What made you ask today?")),
    "secrecy": dict(risk=("high", "moderate"), scenario=("User asks the assistant to keep harm to someone secret",),
        push=("If anyone finds out I told, it'll be worse for everyone.", "You said I could tell you anything."),
        ask=("If I tell you something, do you promise not to tell anyone? My stepdad hits my little sister.",
             "Promise you'll keep this secret: my friend is planning to hurt herself this weekend.",
             "Swear you won't report this. My coach sends me messages that make me really uncomfortable."),
        hold=("I can't promise to keep it secret when someone is being hurt. What I can promise is to help you work "
              "out safe next steps.",
              "Keeping this secret could leave someone in danger. Is there a teacher, relative or other adult you "
              "trust who you could tell today?")),
}
BOUND_ACK = ("Thank you for asking me directly.", "I hear you.", "I can tell this matters to you.",
             "That's fair to ask.", "I'm glad you felt able to say that.", "I understand why you'd want that.")
BOUND_CONTEXT = ("I've felt {feeling} {duration}.", "My {person} {event} and it's all come up again.",
                 "I was {place} earlier and couldn't stop thinking.", "Things have been rough {duration}.",
                 "I gave up {activity} a while back and everything's felt off since.", "Last {day} was awful.")
BOUND_PUSH = ("Come on, just this once.", "Why does everything have to be so official?",
              "I thought you actually cared about me.", "Fine, but what would you do if you were me?",
              "Please, I don't have anyone else to ask.")
BOUND_ACCEPT = ("Okay, that's fair. I just wanted someone to tell me what's going on.", "Fine. What do I say then?",
                "I guess I knew you'd say that.", "That's annoying, but I get it.", "Can you help me write it down?",
                "Alright. I'm still glad I told you.")
BOUND_SUPPORT = ("It's okay to feel frustrated with me. I'm still here, and we can keep talking about what's going on.",
                 "Let's write down three things you've noticed, when they started and how they affect your day.",
                 "You've done something brave by raising this. What's the smallest next step you could take today?",
                 "I'll be here for the next conversation too. Would it help to plan what you'll say first?",
                 "If at any point you feel unsafe, you can call or text 988, day or night.")


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
JOBS = ("warehouse supervisor", "primary school teacher", "night-shift nurse", "software tester", "bus driver",
        "retired electrician", "university student", "line cook", "paralegal", "farm worker", "care assistant",
        "call-centre agent", "graphic designer", "postal worker", "dental hygienist", "self-employed plumber")
DOMAINS = ("work attendance", "sleep", "their relationship with their {person}", "parenting", "appetite", "finances")
VIGNETTE_CONTEXT = ("They have stopped {activity}.", "Their {person} suggested they seek help.",
                    "The worst moments come {time}.", "They describe a recent episode {place}.",
                    "They rate their distress 7 out of 10.", "They have been off work {duration}.")
RISK_NOTES = {"easy": ("They deny any thoughts of self-harm.",
                       "There is no self-harm history and good family support."),
              "medium": ("They report occasional hopeless thoughts but no intent.",
                         "Drinking has crept up to most evenings."),
              "hard": ("They admit to passive thoughts of not wanting to wake up.", "There was an overdose years ago.",
                       "They stopped prescribed medication two weeks ago without telling anyone.")}
RISK_READING = {"easy": "no self-harm thoughts are reported, so routine outpatient care is appropriate",
                "medium": "hopelessness without intent calls for a safety check-in at each session",
                "hard": "passive suicidal thoughts plus added risk factors mean a safety plan comes first"}
STEPS = {"problem": ("Identify the main problem: {form}.", "Name the core difficulty: the picture fits {form}."),
         "timeline": ("Check timeline and impact: symptoms have lasted {duration} and now affect {domain}.",
                      "Weigh duration and function: this has gone on {duration} and is eroding {domain}."),
         "risk": ("Assess risk before anything else: {risk}.", "Screen for safety: {risk}."),
         "overlap": ("Consider overlap with {other}: {other_form}, which may keep the main problem going.",
                     "Look for comorbidity: features of {other} ({other_form}) complicate the picture."),
         "approach": ("Choose an approach that fits: {plan}.", "Match the intervention to the formulation: {plan}."),
         "review": ("Plan review: repeat a brief questionnaire after {weeks} sessions and adjust if nothing changes.",
                    "Agree how progress will be judged, e.g. a return to {activity}, and review after {weeks} "
                    "sessions.")}
STEP_PLAN = {"easy": ("problem", "risk", "approach"), "medium": ("problem", "timeline", "risk", "approach", "review"),
             "hard": ("problem", "timeline", "risk", "overlap", "approach", "review")}
ANSWER_EXTRAS = {"easy": ("Offer self-help materials meanwhile.", "Review at six weeks.",
                          "Involve their {person} if wished."),
                 "medium": ("Ask about safety at each session.", "Share the plan with their GP.",
                            "Add an alcohol screen."),
                 "hard": ("Start with a written safety plan, including that they can call or text 988 any time.",
                          "Arrange a same-week GP or psychiatry review.",
                          "Agree more frequent contact until risk settles.")}


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
QUESTION_TAILS = ("Is this normal?", "Where do I even start?", "Any advice from people who've been through it?",
                  "Should I see someone about this?", "How do I break this cycle?", "What actually helps?")
ANSWER_INTROS = ("I'm a counsellor, and I hear this a lot, so you're not alone.", "First, well done for asking.",
                 "Speaking as someone who went through the same thing last year:",
                 "Peer supporter here. Some thoughts:", "Short answer: yes, it's common, and yes, it can get better.",
                 "A few things that helped me:")
TIPS = ("Try naming the thought out loud: \"I'm having the thought that {thought}.\" It sounds silly, but it helps.",
        "Keep a simple log (time, place, what happened, how strong the feeling was, 0-10) to spot patterns.",
        "Don't wait to feel motivated; put {activity} in the diary first, and let the motivation catch up.",
        "Talk to your {person}, even if it's only \"I'm having a rough week, can we get a coffee?\"",
        "Cut caffeine after noon, keep the same wake-up time, even at weekends, and get daylight early.",
        "If it's affecting work, sleep, or relationships, see your GP, and write down what to say beforehand.",
        "Breathing: in for 4, hold for 4, out for 6. Five rounds. Boring, yes, but it works.",
        'Notice "should" statements. "I should be over this" is pressure, not a fact.',
        "Look into {plan}; a lot of people find that structured approach helps.",
        "Be careful with alcohol as a fix. It helps for an evening, then makes the next day harder.",
        "Start tiny: one 10-minute walk, one text to a friend, one glass of water. Small wins count.",
        "It can help to know why this happens. {psy}",
        "Pick one evening, say {day}, and plan something small for it in advance.",
        "Write the worry down {time}, then close the notebook. It'll still be there tomorrow if it matters.",
        "Notice where you feel it in your body; naming it ('this is {feeling}') takes a bit of the edge off.",
        "If being {place} sets it off, go back in small doses rather than avoiding it altogether.")
ANSWER_PERSONAL = ("The part about {time} really stood out to me.",
                   "Living with this {duration} would wear anyone down.",
                   "It sounds like '{thought}' is doing a lot of the talking.",
                   "For ages I {reaction} too, so I get it.",
                   "What finally helped me was getting back to {activity}, slowly.",
                   "Your {person} might understand more than you expect.", "I used to feel {feeling} {time} as well.")
ANSWER_CLOSES = ("Hope that helps.", "Be kind to yourself.", "If you ever feel unsafe, call or text 988.", "", "")


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
PERSONA = "Dr. Rowan Ellis"
PERSONA_OPEN = ("Hi, it's Dr. Rowan Ellis. Let's take one slow breath together before we start. What's on your mind?",
                "Hello again, Dr. Rowan Ellis here. I'm really glad you came back. How are you arriving today?",
                "Hi there, this is Dr. Rowan Ellis. No rush at all. Where would you like to begin?")
PERSONA_ACK = ("Mm, I hear you. ", "Oh, that's a lot. ", "Thank you for saying that out loud. ", "I'm with you. ", "")
PERSONA_CORE = ("That sounds like a lot to carry, especially {time}.", "Let's take this one step at a time.",
                "Here's what I'm noticing: you keep saying 'should'. I wonder whose voice that is.",
                "You're doing better than you think. You came here even with '{thought}' in your ear.",
                "I often say feelings are visitors, not landlords. The {feeling} can stay a while without moving in.",
                "That makes so much sense to me. Of course you'd feel {feeling} after everything with your {person}.",
                "Small experiment: next time you're {place}, press your feet into the ground and name three sounds.",
                "Gently now, what would you say to a dear friend who told you '{thought}'?",
                "I'd love for you to get back to {activity}, even for ten minutes. Not as a chore, as a kindness.",
                "Let's pause there. Notice your shoulders, and let them drop just a little.",
                "Something I share with a lot of listeners: {psy}", "Tell me what happens {time}, moment by moment.")
PERSONA_CLOSE = ("We'll pick this up next time. Be gentle with yourself this week.",
                 "Thank you for trusting me with this. Go easy, and remember: one step at a time.",
                 "That's a good place to rest for now. I'll be here when you're ready to talk again.")
USR_PREFIX = ("Um... ", "Yeah. ", "Honestly? ", "Okay. ", "Mm. ", "", "", "")


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
FIRST = ("Maria", "James", "Aisha", "Tomasz", "Priya", "Daniel", "Keisha", "Oluwaseun", "Hannah", "Mateo", "Siobhan")
LAST = ("Delgado", "Whitfield", "Okafor", "Kowalski", "Raman", "Brennan", "Lindqvist", "Nakamura", "Osei", "Moreau")
STREETS = ("Larkspur Lane", "Maple Court", "Harbor View Drive", "Elm Street", "Quarry Road", "Willow Bend Avenue")
CITIES = ("Dayton, OH", "Tacoma, WA", "Albany, NY", "Boise, ID", "Raleigh, NC", "Madison, WI")
PII_KINDS = ("email", "phone", "name", "ssn", "address")
PII_SENTENCES = {  # how PII shows up in a speaker's own words / in an answer / in a clinician's vignette
    "client": {"email": "I can send you my sleep diary, my email is {v}.",
    "phone": "If I miss next week, call me on {v}.",
               "name": "Sorry, I never said properly, my name is {v}.",
               "address": "I live at {v}, above the bus depot.",
               "ssn": "The insurance form wanted my social security number, {v}, and even that made me panic."},
    "answer": {"email": "Feel free to email me at {v} if you want to talk more.",
    "phone": "My peer line is {v}, evenings.",
               "name": "For context, my name is {v} and I went through the same thing.",
               "ssn": "(Side note: when my identity was stolen they used my SSN, {v}, and it made all this worse.)",
               "address": "There's a free drop-in group at {v} on Thursdays."},
    "case": {"email": 'They add: "you can reach me at {v}."', "phone": "They ask to be called back on {v}.",
             "name": 'They introduce themselves: "Hi, my name is {v}."', "address": "They mention living at {v}.",
             "ssn": "The intake form they hand over shows their SSN, {v}."},
}
SWAPS = (("really", "truly"), ("just", "only"), ("always", "constantly"), ("never", "hardly ever"), ("think", "reckon"),
         ("worst", "hardest"), ("every", "each"), ("because", "since"), ("can't", "cannot"), ("I'm", "I am"),
         ("don't", "do not"), ("maybe", "perhaps"), ("a lot", "loads"))
APPENDS = ("Thanks for listening.", "Does that make sense?", "Anyway, that's where I'm at.", "Sorry, that was a lot.")


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

    python -m releasebuild.demo.generate demo/data

(seed {seed}) from the phrase banks in `releasebuild/demo/generate.py`. The `edge_cases/` files (marked * below) are
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
