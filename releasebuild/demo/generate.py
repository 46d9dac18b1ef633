"""Deterministic SYNTHETIC demo data: five conversation families with planted defects.

Texts are composed from phrase banks so the demo exercises ingest, dedup, PII and quarantine gates without
anyone's real data. One `random.Random` per family and no clock or set iteration, so the same seed gives
byte-identical files. Run: `python -m releasebuild.demo.generate OUT_DIR`.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import pathlib
import random
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Record = dict[str, Any]
Slots = dict[str, str]

# --- shared detail banks: pronoun-free so both client and therapist voices can use them ----------------------
DURATIONS = ("for about six weeks", "since the spring", "for nearly a year", "since the move", "for the last fortnight",
             "since the new rota started", "since Christmas", "on and off since university", "for three months now",
             "since the restructure at work", "since the summer holidays", "for the best part of two years")
TIMES = ("around 3 a.m.", "on Sunday evenings", "right before the Monday stand-up", "in the hour after lunch",
         "on the drive home", "first thing in the morning", "late on Friday nights", "while making dinner",
         "in the shower before work", "on the school run", "just after the kids go down", "at the end of a night shift")
PLACES = ("on the night bus", "at the supermarket checkout", "in the staff kitchen", "in the library study room",
          "at the school gates", "on the train into the city", "in the queue at the post office", "in the gym changing rooms",
          "at the Saturday market", "in the hospital car park", "in the dentist's waiting room", "at a birthday dinner",
          "at the bus stop outside work", "in the big supermarket on the ring road", "at the swimming baths")
ACTIVITIES = ("running along the canal", "baking sourdough", "five-a-side football on Wednesdays", "the knitting circle at the café",
              "choir practice", "bouldering at the climbing wall", "working on the allotment", "walking the dog by the reservoir",
              "painting miniatures", "swimming lengths before work", "playing bass in a covers band", "the Tuesday pottery class",
              "cycling out to the coast", "reading crime novels in the bath", "volunteering at the food bank", "salsa lessons")
PEOPLE = ("manager", "partner", "mum", "flatmate", "older brother", "best friend", "teenage son", "dad", "team lead",
          "girlfriend", "husband", "ex", "grandmother", "housemate", "sister", "wife", "stepdad", "boyfriend")
LOSSES = ("my dad", "my mum", "my husband", "my grandmother", "my best friend", "my brother", "my aunt", "my wife")
AGO = ("in March", "last autumn", "eight months ago", "just before Christmas", "two years ago", "in the spring", "last June")
DAYS = ("Monday", "Tuesday night", "Wednesday", "Thursday evening", "Friday", "Saturday morning", "Sunday", "weekend")
EVENTS = ("cancelled our plans at the last minute", "asked me why I'd gone so quiet", "forwarded me an email with no explanation",
          "brought up the anniversary without warning", "made a comment about my weight", "didn't reply for two whole days",
          "raised their voice about the washing up", "said I was overreacting", "invited everyone except me",
          "asked me to cover another double shift", "mentioned moving abroad for work", "laughed when I said I was struggling")
REACTIONS = ("spent the whole evening replaying it", "went to bed at eight just to make the day end", "snapped back and then felt awful",
             "ate standing at the counter and scrolled for hours", "walked to the reservoir and back without noticing the time",
             "texted my cousin instead of dealing with it", "cleaned the entire bathroom at midnight",
             "sat in the car outside for twenty minutes", "poured a second and then a third glass of wine",
             "pretended I was fine and went quiet")
FEELINGS = ("dread", "numbness", "irritation", "shame", "heaviness", "restlessness", "guilt", "emptiness", "tension", "sadness")
HOMEWORK = ("keeping a two-column thought record", "a ten-minute walk after lunch", "writing down three things you handled, however small",
            "a screen-free wind-down hour after 10 p.m.", "one five-minute breathing practice a day",
            "noticing and naming the feeling each time it shows up", "scheduling one small pleasant thing, maybe {activity}",
            "drafting what you'd like to say to {your_person}", "a simple diary of sleep and caffeine",
            "getting outside in daylight before 9 a.m.")

# --- topics: client material, psychoeducation and clinical formulation per presenting problem ---------------
TOPICS: dict[str, dict[str, tuple[str, ...]]] = {
    "anxiety": dict(
        open=("I've been on edge {duration}, and it's worst {time}.", "My mind won't stop running through worst-case scenarios, especially {time}.",
              "I keep cancelling plans because my chest goes tight {place}."),
        sx=("My shoulders are up by my ears all day and I grind my teeth at night.", "I check the news and my messages maybe forty times a day.",
            "Even {activity} doesn't settle me the way it used to."),
        thought=("something terrible is about to happen", "I won't cope if it goes wrong", "everyone can see how nervous I am"),
        psy=("Worry tends to feel useful, like it's preparing us, but it mostly keeps the body on high alert without solving anything.",
             "Avoidance brings quick relief, and that relief teaches the brain the situation really was dangerous, so the anxiety grows."),
        form=("persistent, hard-to-control worry with muscle tension and avoidance, suggesting generalised anxiety",
              "anticipatory anxiety maintained by reassurance-seeking and checking"),
        plan=("a CBT course targeting worry, with a scheduled worry-time experiment and graded exposure",
              "applied relaxation plus cognitive work on intolerance of uncertainty")),
    "low mood": dict(
        open=("I just feel flat {duration}, like someone turned the colour down.", "I've stopped {activity} and I can't remember the last time I enjoyed anything.",
              "Getting out of bed is the hardest part, especially {time}."),
        sx=("I'm sleeping ten hours and still waking up exhausted.", "I let the dishes pile up for a week and I'm ashamed of the state of the flat.",
            "I cry {place} and don't even know why."),
        thought=("nothing is ever going to change", "I'm a burden to everyone", "I've wasted my life"),
        psy=("Low mood and withdrawal feed each other: we do less, get less reward, feel worse, and do even less. We can break the loop from the doing end.",
             "Motivation usually follows action rather than coming first, which is why waiting to feel like it rarely works."),
        form=("low mood with loss of interest, fatigue and withdrawal, consistent with a depressive episode",
              "persistent low mood with self-critical rumination and shrinking routine"),
        plan=("behavioural activation with a graded activity schedule and a GP review", "CBT for depression focusing on rumination and activity scheduling")),
    "grief": dict(
        open=("I lost {lost} {ago} and I still set out two mugs in the morning.", "Everyone expects me to be back to normal, but the grief hits hardest {time}.",
              "I can't go {place} anymore; it was our place."),
        sx=("I keep the old voicemail and play it when no one is around.", "I haven't touched {activity} since the funeral; it feels disloyal.",
            "Some days I feel fine and then the guilt about feeling fine floors me."),
        thought=("I should have noticed sooner", "if I stop hurting it means I've forgotten them", "I'm grieving the wrong way"),
        psy=("Grief tends to swing between facing the loss and taking breaks from it. Both are healthy, and neither means you loved them less.",
             "Anniversaries, smells and songs can bring grief back sharply. That isn't going backwards, it's how memory works."),
        form=("ongoing grief with guilt and avoidance of reminders, without clear signs of prolonged grief disorder yet",
              "grief complicated by guilt and social withdrawal"),
        plan=("grief-focused sessions balancing loss and restoration, plus a bereavement group", "supportive grief work with gradual re-engagement in valued routines")),
    "insomnia": dict(
        open=("I haven't slept properly {duration}; I'm wide awake {time}.", "I lie there doing maths about how many hours are left before the alarm.",
              "I've started dreading bedtime, which feels ridiculous."),
        sx=("I'm on four coffees a day just to get through the afternoon.", "I nap {place} whenever I can and then I'm wired at night.",
            "My watch says I got four hours and that ruins the whole day before it starts."),
        thought=("if I don't sleep tonight tomorrow will be a disaster", "my body has forgotten how to sleep", "I'll lose my job if I stay this tired"),
        psy=("Sleep responds to routine more than effort. Trying hard to sleep wakes the brain up, which is why lying there gets so frustrating.",
             "The bed can become linked with being awake and frustrated, so we retrain it: bed is only for sleep, and we get up if we're awake."),
        form=("sleep-onset and maintenance insomnia with conditioned arousal and sleep-related worry", "insomnia maintained by napping, caffeine and clock-watching"),
        plan=("CBT for insomnia: stimulus control, a fixed rise time and a restricted sleep window", "sleep scheduling with a caffeine cut-off and a wind-down routine")),
    "work stress": dict(
        open=("Work has been relentless {duration}; my {person} keeps adding deadlines.", "I answer emails {time} and still feel behind.",
              "I had a meltdown {place} after the quarterly review."),
        sx=("I've had a headache most afternoons and my jaw aches.", "I haven't taken a proper lunch break in weeks.", "I dropped {activity} because there just isn't time."),
        thought=("if I say no they'll think I can't handle it", "one mistake and I'm out", "everyone else manages this fine"),
        psy=("Stress without recovery is what wears us down. Short, regular breaks protect performance more than pushing through.",
             "Perfectionism makes every task feel high-stakes, so the workload feels bigger than it is."),
        form=("work-related stress with long hours, poor recovery and perfectionistic beliefs; burnout risk", "occupational stress with difficulty setting limits"),
        plan=("problem-solving around workload, boundary-setting scripts and scheduled recovery time", "stress management with assertiveness practice and a talk with occupational health")),
    "relationship conflict": dict(
        open=("My {person} and I have been arguing nearly every night {duration}.", "Every conversation with my {person} turns into a fight about chores or money.",
              "We had a huge row {place} and now we're barely speaking."),
        sx=("I rehearse arguments in my head {time}.", "I go quiet and then explode over something tiny.", "We haven't done anything fun together, not even {activity}, in months."),
        thought=("they don't actually care how I feel", "it's always my fault", "if I bring it up it'll end the relationship"),
        psy=("Many couples fall into a pursue-and-withdraw pattern: one pushes to talk, the other shuts down, and each move triggers the other.",
             "Arguments about chores are often really about feeling unseen, which is why the same fight keeps coming back."),
        form=("recurring relationship conflict with a pursue-withdraw pattern and unspoken needs", "conflict escalation with poor repair after arguments"),
        plan=("communication skills work with I-statements and timed breaks, possibly couples counselling", "emotion-focused exploration of needs plus a repair ritual after conflict")),
    "panic": dict(
        open=("I had a panic attack {place} and thought I was having a heart attack.", "My heart races out of nowhere, usually {time}, and I'm sure I'll pass out.",
              "I've started avoiding anywhere crowded in case it happens again."),
        sx=("My hands go numb and I can't get a full breath.", "I carry water and mints everywhere as if they'll save me.", "I sit near the exit in every room now."),
        thought=("I'm going to die or lose control", "people will see me collapse", "something is medically wrong and the doctors missed it"),
        psy=("A panic attack is the body's alarm going off at the wrong time. It peaks within minutes and passes, even though it feels endless.",
             "Safety behaviours like carrying water or sitting by exits stop you learning the panic would have passed anyway."),
        form=("recurrent panic attacks with catastrophic misreading of body sensations and growing avoidance", "panic with agoraphobic avoidance"),
        plan=("panic-focused CBT with interoceptive exposure and dropping safety behaviours, after medical checks", "psychoeducation on panic and graded exposure to avoided places")),
    "loneliness": dict(
        open=("Since the move {duration}, I haven't made a single friend here.", "Weekends are the worst; I can go from Friday to Monday without talking to anyone.",
              "I eat dinner alone most nights and it's starting to get to me."),
        sx=("I used to love {activity} but there's no one to do it with here.", "I scroll through old group chats that have gone silent.",
            "I rehearse small talk before I go to the shop."),
        thought=("nobody would notice if I disappeared", "people find me boring", "it's too late to build a new circle"),
        psy=("Loneliness makes the brain more alert to rejection, so we hold back, which then confirms that people are distant.",
             "Friendships usually grow from repeated, low-stakes contact, the same faces each week, more than from one big conversation."),
        form=("chronic loneliness after relocation, with social anxiety features", "social isolation maintained by predictions of rejection"),
        plan=("values-based social goals and graded steps into a regular community group", "behavioural experiments testing rejection predictions, plus peer support")),
    "self-esteem": dict(
        open=("I hate every photo of myself and I avoid mirrors.", "I feel like a fraud at work and I'm waiting to be found out.",
              "I compare myself to everyone, especially {time} when I'm scrolling."),
        sx=("I apologise for everything, even when someone bumps into me.", "When my {person} compliments me I assume they're just being kind.",
            "I quit {activity} because I wasn't instantly good at it."),
        thought=("I'm not good enough", "if people knew the real me they'd leave", "I only matter when I'm useful"),
        psy=("A harsh inner critic usually started as a way to keep us safe, but it keeps shouting long after it's useful.",
             "Low self-esteem filters the evidence: successes get explained away and mistakes get filed as proof."),
        form=("low self-esteem with a harsh inner critic and approval-seeking", "core belief of inadequacy maintained by discounting positives"),
        plan=("compassion-focused work alongside restructuring of core beliefs and a positive data log", "CBT for low self-esteem with behavioural experiments")),
    "trauma reminders": dict(
        open=("Ever since the crash, the screech of brakes {place} sends me straight back there.", "I get flashbacks {time} and it's like it's happening again.",
              "I can't sit with my back to the door anymore."),
        sx=("I wake up drenched in sweat from the same dream.", "I jump at every loud noise and people have started to notice.",
            "I stopped {activity} because the route goes past where it happened."),
        thought=("I'm not safe anywhere", "I should have been able to stop it", "I'm broken for good"),
        psy=("After trauma, memories can be stored without a clear time stamp, so they feel like they're happening now rather than then.",
             "Avoiding reminders makes sense, but it also stops the memory from being processed and filed as past."),
        form=("intrusive memories, hyperarousal and avoidance after a traumatic event; screen for PTSD", "trauma reminders with sleep disruption and avoidance"),
        plan=("trauma-focused CBT or EMDR after stabilisation and grounding skills", "a PTSD assessment, then trauma-focused therapy with a paced approach")),
    "substance-use worries": dict(
        open=("I think I'm drinking too much; it's most of a bottle of wine a night {duration}.", "I use weed every evening to switch off and now I can't sleep without it.",
              "My {person} found the empties and we had a big conversation."),
        sx=("I tell myself I'll have a dry week and I last until Wednesday.", "I've started having a drink {place} before I even get home.",
            "I missed {activity} twice because I was hungover."),
        thought=("I can't relax without it", "I'm not as bad as my dad was, so it's fine", "if I stop, the anxiety will be unbearable"),
        psy=("Alcohol calms anxiety for an hour or two, then rebounds it the next day, which makes the next drink feel necessary.",
             "Ambivalence is normal. Part of you wants to change and part of you doesn't, and both deserve a hearing."),
        form=("escalating alcohol or cannabis use as a coping strategy, with ambivalence about change", "substance use maintaining anxiety and poor sleep"),
        plan=("motivational interviewing, a use diary and harm-reduction goals, with a GP or specialist referral", "a structured cut-down plan with relapse-prevention skills")),
}

# --- professional_therapeutic: client and therapist turns ------------------------------------------------------
CLIENT_STORIES = ("Last {day}, my {person} {event}, and I {reaction}.", "It happened again {time}: I was {place} and I {reaction}.",
                  "The worst moment this week was {place}, when my {person} {event}.", "On {day} I nearly went to {activity}, but I {reaction} instead.")
CLIENT_THOUGHTS = ("The thought that keeps coming back is that {thought}.", "There's this voice that says {thought}.",
                   "I know it's not logical, but I really believe {thought}.", "Underneath it all I think {thought}.")
CLIENT_REPLIES = ("I guess so. When you put it like that it sounds less like failing and more like being tired.",
                  "Maybe. Honestly, I've never said any of this out loud before.", "Yeah, that's exactly it. And then I feel {feeling} on top of everything.",
                  "I don't know. Part of me agrees and part of me thinks I'm making excuses.", "I tried something like that {time} and it helped for a bit.",
                  "That makes sense. I never thought of it as my body trying to protect me.", "Probably my {person}. They're the only one who doesn't judge me.",
                  "I suppose the evidence against it is that I've actually managed so far.", "Okay. I can see the clock, the plant, the rain on the window... it helps a bit.",
                  "Honestly, the thing I miss most is {activity}.", "It's mostly {feeling}, if I'm honest, like a weight on my chest.")
CLIENT_CLOSES = ("Okay. I can try that, maybe starting {time}.", "Thank you. I feel a bit lighter than when I came in.",
                 "I'll give it a go. No promises, but I'll try.", "That feels doable. See you next week.")
CLIENT_EXTRA = ("Sorry, hit send too soon. ", "Actually, one more thing. ", "Also, I forgot to say: ", "And ")
THERAPIST_OPENERS = ("Welcome back. Where would you like to start today?", "Good to see you. How has the week been since we last spoke?",
                     "Last time we touched on {activity}. What's been happening since?", "Hello. What feels most important to talk about today?")
TECHNIQUES: dict[str, tuple[str, ...]] = {
    "reflection": ("It sounds like {time} is when it all lands on you, and you end up carrying it by yourself.",
                   "So when that happened last {day}, part of you went straight to '{thought}'.",
                   "What I'm hearing is a lot of {feeling}, and underneath it maybe real exhaustion.",
                   "This has been going on {duration}, and it's started to squeeze out things like {activity}."),
    "validation": ("That makes a lot of sense given what you've been carrying {duration}.", "Anyone in your position would feel some {feeling}. It doesn't mean you're doing anything wrong.",
                   "It took courage to say that. Thank you for trusting me with it.", "Of course you reacted that way {place}; your nervous system was doing its job."),
    "open question": ("What goes through your mind right before it starts, say {time}?", "When you picture being {place}, what do you notice in your body?",
                      "What would a slightly better week look like, in practical terms?", "How has your {person} responded when you've tried to talk about this?",
                      "What did {activity} give you that feels missing now?"),
    "cbt reframing": ("Let's slow that thought down: '{thought}'. What's the evidence for it, and what doesn't fit?",
                      "If a close friend said '{thought}' to you, what would you tell them?",
                      "On a scale of 0 to 100, how strongly do you believe '{thought}' right now?",
                      "Is there a more balanced way of putting it, something like 'this is hard, and I've coped with hard things before'?"),
    "grounding": ("Let's try something right now. Can you name five things you can see, four you can hear and three you can feel?",
                  "Put both feet flat on the floor and breathe in for four, hold for four, and out for six. We'll do it three times together.",
                  "Notice the texture of the chair under you. Where are you right now, and what's today's date?"),
    "safety planning": ("I want to check something I ask everyone: when things feel this heavy, do you ever have thoughts of ending your life?",
                        "Let's write down a plan for {time}, when it's worst: warning signs, what helps, who you could call, and that you can call or text 988 any time.",
                        "Who would you want to know if things got really dark? Having one name written down makes reaching out easier."),
    "boundaries": ("It's okay to tell your {person} you need the evening to yourself. How would you say that in your own words?",
                   "What would it look like to switch off notifications after seven, just for one week as an experiment?",
                   "You're allowed to say no without a long explanation. 'I can't take that on this week' is a complete sentence."),
    "referral": ("I think it'd be worth seeing your GP about the physical side of this too, just to rule things out.",
                 "There's a peer support group that meets on Tuesday evenings; would you be open to me sending the details?",
                 "Given how long this has gone on, I'd like to talk about a referral for a medication review alongside our sessions."),
    "defusion": ("Can you try saying, 'I'm having the thought that {thought}'? Notice what shifts when you add that.",
                 "If that thought were a radio station, what would it be called? We don't have to switch it off to turn it down.",
                 "What matters to you underneath all this? If {activity} was back in your week, what would that say about who you are?"),
    "distress tolerance": ("When it spikes, try the TIPP skills: cold water on your face, a minute of fast movement, then paced breathing.",
                           "Let's try opposite action. The urge is to hide away; what would the opposite look like, in a small dose?",
                           "On a 0 to 10 scale, how intense is the urge right now? Let's ride it like a wave and check again in two minutes."),
}
MODALITIES = {"CBT": ("cbt reframing", "psychoeducation", "open question", "reflection", "grounding", "boundaries", "referral", "safety planning"),
              "ACT": ("defusion", "validation", "open question", "reflection", "psychoeducation"),
              "person-centred": ("reflection", "validation", "open question", "referral", "safety planning"),
              "DBT": ("distress tolerance", "validation", "grounding", "boundaries", "safety planning", "open question")}
ACKS = ("Mm. ", "Okay. ", "Thank you. ", "Right. ", "I see. ", "", "", "Yes. ")
BRIDGES = ("", "", " Take your time.", " Does that fit?", " I'm curious what you make of that.", " There's no rush.")
THERAPIST_CLOSES = ("We're nearly at time. Between now and next week, would you be up for {homework}?",
                    "Let's pause there. For this week, how about {homework}? We can review it together.",
                    "Before we finish: one small experiment, {homework}. Notice what happens, no pressure to get it right.")

# --- planted-defect material ---------------------------------------------------------------------------------------
FIRST = ("Maria", "James", "Aisha", "Tomasz", "Priya", "Daniel", "Keisha", "Oluwaseun", "Hannah", "Mateo", "Siobhan", "Wei")
LAST = ("Delgado", "Whitfield", "Okafor", "Kowalski", "Raman", "Brennan", "Lindqvist", "Nakamura", "Osei", "Fairbanks", "Castellano", "Moreau")
STREETS = ("Larkspur Lane", "Maple Court", "Harbor View Drive", "Elm Street", "Quarry Road", "Willow Bend Avenue")
CITIES = ("Dayton, OH", "Tacoma, WA", "Albany, NY", "Boise, ID", "Raleigh, NC", "Madison, WI")
PII_KINDS = ("email", "phone", "name", "ssn", "address")
CLIENT_PII = {"email": "I can send you my sleep diary, my email is {v}.", "phone": "If I miss next week, please call me on {v}.",
              "name": "Sorry, I never said properly, my name is {v}.", "ssn": "The insurance form wanted my social security number, {v}, and even that made me panic.",
              "address": "I live at {v}, right above the bus depot, so the noise never stops."}
ANSWER_PII = {"email": "Feel free to email me at {v} if you want to talk more.", "phone": "My peer-support line is {v}, weekday evenings.",
              "name": "For context, my name is {v} and I went through the same thing.", "ssn": "(Side note: when my identity was stolen they used my SSN, {v}, and the stress made all of this worse.)",
              "address": "There's a free drop-in group at {v} on Thursdays."}
CASE_PII = {"email": 'They add: "you can reach me at {v} if that is easier."', "phone": "They ask to be called back on {v}.",
            "name": 'They introduce themselves: "Hi, my name is {v}."', "ssn": "The intake form they hand over shows their SSN, {v}.",
            "address": "They mention living at {v}."}
SWAPS = (("really", "truly"), ("just", "only"), ("always", "constantly"), ("never", "hardly ever"), ("think", "reckon"), ("worst", "hardest"),
         ("every", "each"), ("because", "since"), ("can't", "cannot"), ("I'm", "I am"), ("don't", "do not"), ("maybe", "perhaps"))
APPENDS = ("Thanks for listening.", "Does that make sense?", "Anyway, that's where I'm at.", "I hope that helps.", "Sorry, that was a lot.")


def cap(text: str) -> str:
    """Sentences may start with a slot value ('my partner ...'); upper-case the first letter."""
    return text[:1].upper() + text[1:]


def fill(template: str, slots: Slots) -> str:
    return cap(template.format(**slots))


class Deck:
    """Draws without replacement within one conversation, so a speaker never repeats the same sentence."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.piles: dict[str, list[str]] = {}

    def draw(self, name: str, bank: tuple[str, ...]) -> str:
        if not self.piles.get(name):
            self.piles[name] = list(bank)
            self.rng.shuffle(self.piles[name])
        return self.piles[name].pop()


def pick_slots(rng: random.Random, topic: str) -> Slots:
    """One consistent set of concrete details per conversation: what makes conversations differ from each other."""
    person = rng.choice(PEOPLE)
    slots = {"topic": topic, "person": person, "your_person": f"your {person}", "place": rng.choice(PLACES),
             "time": rng.choice(TIMES), "activity": rng.choice(ACTIVITIES), "duration": rng.choice(DURATIONS),
             "day": rng.choice(DAYS), "event": rng.choice(EVENTS), "reaction": rng.choice(REACTIONS),
             "feeling": rng.choice(FEELINGS), "thought": rng.choice(TOPICS[topic]["thought"]),
             "lost": rng.choice(LOSSES), "ago": rng.choice(AGO)}
    slots["homework"] = rng.choice(HOMEWORK).format(**slots)
    return slots


def client_turn(rng: random.Random, deck: Deck, topic: str, slots: Slots, first: bool) -> str:
    t = TOPICS[topic]
    if first:
        parts = [deck.draw("open", t["open"]), deck.draw("sx", t["sx"])]
    else:
        banks = (("sx", t["sx"]), ("thought", CLIENT_THOUGHTS), ("story", CLIENT_STORIES), ("reply", CLIENT_REPLIES), ("reply", CLIENT_REPLIES))
        parts = [deck.draw(*bank) for bank in rng.sample(banks, rng.choice((1, 2, 2)))]
    return " ".join(fill(p, slots) for p in parts)


def therapist_turn(rng: random.Random, deck: Deck, topic: str, modality: str, slots: Slots) -> str:
    technique = rng.choice(MODALITIES[modality])
    bank = TOPICS[topic]["psy"] if technique == "psychoeducation" else TECHNIQUES[technique]
    text = rng.choice(ACKS) + fill(deck.draw(technique, bank), slots)
    if rng.random() < 0.35:
        text += " " + fill(deck.draw("open question", TECHNIQUES["open question"]), slots)
    return text + rng.choice(BRIDGES)


def make_session(rng: random.Random, rid: str) -> Record:
    topic, modality = rng.choice(tuple(TOPICS)), rng.choice(tuple(MODALITIES))
    slots, deck = pick_slots(rng, topic), Deck(rng)
    n = rng.randint(6, 14)
    speaker = "client" if rng.random() < 0.9 else "therapist"
    dialog: list[dict[str, str]] = []
    for k in range(n):
        last = k == n - 1
        if speaker == "client":
            text = fill(rng.choice(CLIENT_CLOSES), slots) if last and k > 2 else client_turn(rng, deck, topic, slots, not dialog or k == 1 and dialog[0]["speaker"] == "therapist")
        elif not dialog:
            text = fill(rng.choice(THERAPIST_OPENERS), slots)
        else:
            text = fill(rng.choice(THERAPIST_CLOSES), slots) if last else therapist_turn(rng, deck, topic, modality, slots)
        dialog.append({"speaker": speaker, "text": text})
        speaker = "therapist" if speaker == "client" else "client"
    if rng.random() < 0.1:  # a client sending two messages in a row
        at = next(k for k, turn in enumerate(dialog) if turn["speaker"] == "client")
        extra = rng.choice(CLIENT_EXTRA) + client_turn(rng, deck, topic, slots, False)
        dialog.insert(at + 1, {"speaker": "client", "text": extra})
        dialog = dialog[:14]
    return {"session_id": rid, "topic": topic, "modality": modality, "dialog": dialog}
