"""Templates of the ``dev7`` half (ids ``d7_...``): an eighth tuning half, written from scratch after dev6.

Written by an independent evaluator (a helper session) who was given issue 23's list of shapes that leak and its
"What to build" item 1, and who read only ``README.md``, ``template_spec.py``, ``generate.py``, ``pii_values.py``,
``selfcheck.py`` and one older template file, ``templates_dev6.py`` (to learn the conventions; no wording taken from
it).  Nothing of the detector (``releasebuild/``, ``bench/``, ``tests/``, ``gates/``, ``docs/``) was opened, grepped,
imported or run.

Situations the README does not list for the older halves: stalking / harassment logs and protection-order
applications, CVs and cover letters pasted for job-seeking stress, parcel and food-delivery messages, ride-share
receipts, hospital wristbands, bed boards and medical-alert engravings, domestic-violence refuge and homeless-shelter
intakes (``c/o`` addresses), Discord / Slack-style server logs, social-media posts and captions, meeting phone lists
and sponsor lists, prayer-chain requests, crowdfunding pages, birth announcements (perinatal), account-security
alerts (new sign-in from an IP), scam and fraud reports, boarding passes / visa and hotel bookings, co-parenting app
messages and custody handovers, change-of-address notices, shared live locations, survey free-text answers, search
queries and chatbot prompts ("summarise this", "rewrite this letter"), screenshot descriptions / alt text, chosen
names and pronouns (trans and non-binary people), letters to and from prison, superbills, claims and lab reports,
dating-app profiles, marketplace listings, neighbourhood-app posts and lost-pet posters, household rosters, psychiatric
advance directives and powers of attorney, deed polls / name changes, payment-app requests, HL7 / SQL / YAML
fragments from health portals, family timelines and genograms, university mitigating-circumstances and disability
support requests, occupational-health and return-to-work notes, short texts to a counsellor, probation and
court-mandated-treatment check-ins, interpreter bookings.  Only existing slots are used.

Rules kept here (README label guideline): titles, ranks, honorifics, cue words and field labels sit in the literal
text, outside the spans; literal text carries no private names, towns, streets, building numbers or specific dates;
``el_GR`` is left out of every template with a national / health ID slot (its AMKA depends on the wall clock); every
template with an e-mail, handle or URL slot uses romanised names (``script="latin"``), since Faker's ``user_name()``
for a native-script name may hold a year drawn up to today.  Pets' names are not used.
"""

from __future__ import annotations

from template_spec import (
    ALL_LOCALES,
    CT,
    DL_LOCALES,
    ENGLISH_LOCALES,
    IBAN_LOCALES,
    INTERSECTION_LOCALES,
    LATIN_LOCALES,
    NON_LATIN_LOCALES,
    NON_US_LOCALES,
    POSTCODE_LOCALES,
    SMALL_TOWN_LOCALES,
    STATE_LOCALES,
    STREET_THEN_NUMBER_LOCALES,
    T,
)

# National / health ID templates: no el_GR (wall-clock AMKA).
NOGR = tuple(code for code in ALL_LOCALES if code != "el_GR")
NOGR_NON_US = tuple(code for code in NOGR if code != "en_US")
# Locales whose building number is the number printed in their street line.
HOUSE_NO = ("en_US", "en_GB", "en_AU", "en_CA", "en_IE", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pl_PL",
            "sv_SE", "no_NO", "da_DK", "fi_FI", "pt_BR", "es_MX", "tr_TR", "el_GR", "ru_RU")
PC_ABROAD = tuple(code for code in POSTCODE_LOCALES if code != "en_US")
PC_ABROAD_LATIN = tuple(code for code in PC_ABROAD if code in LATIN_LOCALES)
WITH_STATE = tuple(code for code in STATE_LOCALES if code != "ko_KR")
EN_UNITS = ("en_US", "en_GB", "en_CA", "en_AU", "en_IE")
NOT_EN = tuple(code for code in ALL_LOCALES if code not in ENGLISH_LOCALES)
NOT_EN_LATIN = tuple(code for code in LATIN_LOCALES if code not in ENGLISH_LOCALES)
IBAN_WITH_PC = tuple(code for code in IBAN_LOCALES if code in POSTCODE_LOCALES)
US = ("en_US",)
CJK = ("ja_JP", "zh_CN", "ko_KR")

PII_TEMPLATES = [
    # ---- stalking / harassment logs and protection-order applications ---------------------------------------
    T("d7_so_01", "protection_order name_no_cue date",
      "Incident log, entry 14: {date} - he was parked opposite the house again. I didn't go out. {name} from next "
      "door filmed it on her phone.", female=(1,)),
    T("d7_so_02", "protection_order multi_field_form intake_form_line multiline_address dob_with_cue",
      "APPLICATION FOR A NON-MOLESTATION ORDER\nApplicant: {name}\nDate of birth: {dob}\nAddress (keep "
      "confidential): {addr}\nRespondent: {name2}\nRelationship: former partner", female=(1,), male=(2,)),
    T("d7_so_03", "protection_order chat_lowercase name_no_cue",
      "he made a new account again this time as {handle} and messaged my sister {first2} pretending to be me",
      script="latin", case="lower", male=(1,), female=(2,)),
    T("d7_so_04", "protection_order name_sentence_start date_with_weekday",
      "{first} turned up at my work on {date_dow}. Security walked him out but he knows my shift pattern now.",
      male=(1,)),
    T("d7_so_05", "protection_order single_line_address",
      "The officer said put the address where he keeps waiting in the statement: {addr_line}. It's the bus stop "
      "outside my flat."),
    T("d7_so_06", "protection_order phone_non_us name_possessive",
      "Numbers he has called me from so far: {phone}, {phone2} and a withheld one. All of them are in {first3}'s "
      "name, not his.", locales=NON_US_LOCALES),
    T("d7_so_07", "protection_order intake_form_line date_range",
      "Dates he breached the order: {date_span}. Reported each time, reference numbers in my notes app."),
    T("d7_so_08", "protection_order name_surname_first speaker_label",
      "DUTY SOLICITOR: Full name of the respondent as it appears on his ID?\nME: {last:upper}, {first}. He also "
      "uses his middle name sometimes.", male=(1,)),
    T("d7_so_09", "protection_order town_own_line",
      "If anything happens to me, he lives here now:\n{name}\n{town}\nHe moved to be closer to the kids' school.",
      male=(1,)),
    T("d7_so_10", "protection_order email",
      "Screenshots of every email from {email} are in a folder my friend keeps. I can't keep them on my own phone.",
      script="latin"),

    # ---- CVs and cover letters pasted for job-seeking stress ------------------------------------------------
    T("d7_cv_01", "cv_paste multi_field_form single_line_address email",
      "Can someone check my CV header? Applying while on sick leave is making me spiral.\n\n{name:upper}\n"
      "{addr_line} | {phone} | {email}", script="latin"),
    T("d7_cv_02", "cv_paste url name_no_cue",
      "{name}\nPeer Support Worker (lived experience)\n{url}\nI put my recovery story on the portfolio and now I "
      "regret it.", script="latin"),
    T("d7_cv_03", "cv_paste name_with_title name_sentence_start",
      "Referee 1: Dr {last}, clinical lead, {phone}\nReferee 2: {name2}, former manager\n{first2} doesn't know "
      "about the breakdown. Should I tell her?", female=(2,)),
    T("d7_cv_04", "cv_paste date_range",
      "How do I explain the gap? Career break {date_span} - it was an inpatient stay, not travelling."),
    T("d7_cv_05", "cv_paste chat_lowercase multiline_address",
      "this is what the top of my cover letter looks like\n{name}\n{addr_nc}\ndoes it look too plain",
      case="lower"),
    T("d7_cv_06", "cv_paste name_middle_initial email",
      "Cover letter signed {name_mi}, sent from {email}, and I hit send before I fixed the typo in the first line.",
      script="latin"),
    T("d7_cv_07", "cv_paste postcode_no_cue",
      "The job is a 40 minute bus ride from {postcode} and the last time I commuted that far I had panic attacks on "
      "the bus. {city} is just too far?", locales=PC_ABROAD),
    T("d7_cv_08", "cv_paste name_non_latin",
      "My CV in my own language still starts with {name}, and I'm not sure whether to add an English version of my "
      "name.", locales=NON_LATIN_LOCALES, script="native"),

    # ---- parcel / food delivery / courier messages -----------------------------------------------------------
    T("d7_dl_01", "delivery_notice pasted_sms name_no_cue single_line_address",
      "Got this and I'm terrified because I didn't order anything:\n\"Your parcel for {name} will be delivered "
      "today to {addr_line}. Track: yrd.link/x\"\nDoes my ex know where I live now?"),
    T("d7_dl_02", "delivery_notice standalone_building_number",
      "Driver note for the food order: it's number {bldg}, the door with the blue bin, please don't knock, just "
      "leave it.", locales=HOUSE_NO),
    T("d7_dl_03", "delivery_notice phone_non_us",
      "Courier: I'm outside, call me on {phone}. Me: hiding under the duvet because answering the door makes me "
      "shake.", locales=NON_US_LOCALES),
    T("d7_dl_04", "delivery_notice chat_lowercase",
      "ordered groceries so i dont have to go out, delivery to {unit} again because the lift is broken",
      locales=EN_UNITS, case="lower"),
    T("d7_dl_05", "delivery_notice multiline_address address_with_country",
      "Ship to:\n{name}\n{addr_c}\nContents: books (gift). My first parcel home since I moved away and it's making "
      "me homesick."),
    T("d7_dl_06", "delivery_notice street_then_number",
      "The pharmacy delivery keeps going to {street_sn} instead of my flat, so my meds sit with a neighbour I "
      "don't know.", locales=STREET_THEN_NUMBER_LOCALES),
    T("d7_dl_07", "delivery_notice date_extra_format name_initial_surname",
      "Signed for by {name_init} on {date_more}. That isn't me. Someone is taking my post.", locales=LATIN_LOCALES),
    T("d7_dl_08", "delivery_notice postcode_no_cue standalone_postcode",
      "Delivery slots only go as far as {postcode}, and I'm just outside it. Story of my life.",
      locales=PC_ABROAD),

    # ---- ride-share receipts and taxi pickups ----------------------------------------------------------------
    T("d7_rd_01", "ride_receipt single_line_address date",
      "Trip receipt {date}\nPickup: {addr_line}\nDrop-off: Emergency Department\nThat was the night I decided to get "
      "help."),
    T("d7_rd_02", "ride_receipt intersection",
      "the driver dropped me at {intersection} instead of the clinic and I just stood there frozen",
      locales=INTERSECTION_LOCALES, case="lower"),
    T("d7_rd_03", "ride_receipt name_no_cue",
      "Your driver {first} is arriving in a grey hatchback. Rate your trip with {first}! I can't even face a star "
      "rating right now."),
    T("d7_rd_04", "ride_receipt street_then_number town_allcaps",
      "TAXI BOOKED FROM {street_sn:upper}, {city:upper} TO THE HOSPITAL FOR TOMORROW, SO THAT'S ONE THING DONE",
      locales=STREET_THEN_NUMBER_LOCALES, case="upper"),
    T("d7_rd_05", "ride_receipt name_possessive",
      "Booked the car in {first}'s account because mine got flagged. She doesn't know I went to the crisis cafe.",
      female=(1,)),
    T("d7_rd_06", "ride_receipt card_12_digit",
      "The taxi app charged {card12} twice for one ride and I can't afford that this week."),

    # ---- wristbands, bed boards, medical-alert engravings -----------------------------------------------------
    T("d7_wb_01", "id_band_engraving name_surname_first dob_no_cue allcaps_form",
      "What my wristband said for four days: {last:upper}, {first:upper} {dob_num} NKDA. I kept reading it to check "
      "I was still me."),
    T("d7_wb_02", "id_band_engraving multi_field_form negatives_in_context",
      "Engraving for my medical alert bracelet, does this fit?\nFRONT: {name:upper}\nBACK: EPILEPSY / ON LAMOTRIGINE\n"
      "ICE {phone}", script="latin"),
    T("d7_wb_03", "id_band_engraving intake_form_line",
      "Patient label: {name} | {health_label} {health} | Ward 6. I peeled it off my jumper after discharge.",
      locales=NOGR),
    T("d7_wb_04", "id_band_engraving name_list",
      "Bed board in the bay: {last}, {last2}, {last3}, and me. We all knew each other's surnames by the second "
      "night."),
    T("d7_wb_05", "id_band_engraving dob_with_cue name_non_latin",
      "The band had my name as {name} and DOB {dob}, and the nurse still called me by the wrong name.",
      locales=NON_LATIN_LOCALES, script="native"),
    T("d7_wb_06", "id_band_engraving phone_no_separators",
      "dog tag style necklace for my son who has autism and wanders: his name on one side, {phone_plain} on the "
      "other"),
    T("d7_wb_07", "id_band_engraving speaker_label name_middle_initial",
      "NURSE: Can you confirm your name and date of birth?\nPATIENT: {name_mi}, {dob_words}.\nNURSE: Thank you."),
    T("d7_wb_08", "id_band_engraving name_allcaps",
      "ALLERGY BAND - {name:upper} - PENICILLIN. Still in my coat pocket a month later."),

    # ---- refuge / shelter intakes, c/o addresses ---------------------------------------------------------------
    T("d7_rf_01", "refuge_intake multi_field_form name_no_cue",
      "Refuge referral\nName used here: {first}\nChildren: {first2} (7), {first3} (4)\nPerpetrator name: {name4}\n"
      "Risk: high", female=(1,), male=(4,)),
    T("d7_rf_02", "refuge_intake care_of_address",
      "I don't have an address, but post can go c/o the day centre, {street}, {city}. They hold it for a month."),
    T("d7_rf_03", "refuge_intake chat_lowercase name_no_cue",
      "the woman at the hostel desk is called {first} and shes the only one who doesnt talk to me like im dirt",
      female=(1,), case="lower"),
    T("d7_rf_04", "refuge_intake town_own_line small_town",
      "Last settled address (town only):\n{town}\nReason for leaving: violence at home", locales=SMALL_TOWN_LOCALES),
    T("d7_rf_05", "refuge_intake po_box",
      "Please don't use my real address on any letters. Send them to {po_box}. He goes through the post.",
      ),
    T("d7_rf_06", "refuge_intake date_extra_format intake_form_line dob_with_cue",
      "Rough sleeper assessment - DOB given as {dob_more}, no ID, first name only: {first}."),
    T("d7_rf_07", "refuge_intake standalone_postcode postcode_no_cue",
      "Outreach found me near {postcode} and said the shelter only takes people with a local connection.",
      locales=PC_ABROAD),
    T("d7_rf_08", "refuge_intake national_id",
      "The shelter wants my {natid_label} for housing benefit: {natid}. I only have it because I memorised it.",
      locales=NOGR_NON_US),
    T("d7_rf_09", "refuge_intake name_particle",
      "Caseworker {name_particle} got me into the women's refuge within a day. I didn't even have shoes.",
      locales=("nl_NL", "de_DE", "fr_FR", "es_ES", "es_MX", "it_IT", "pt_BR", "en_IE"), script="latin"),
    T("d7_rf_10", "refuge_intake phone_dotted",
      "Key worker number on the card they gave me: {phone_dots}. I've saved it under a fake name."),

    # ---- Discord / Slack-style server logs ---------------------------------------------------------------------
    T("d7_dc_01", "server_chat_log username chat_log_timestamps negatives_in_context",
      "{handle_bare} — Today at 01:12\ncan't sleep again\nmod-bot — Today at 01:12\nReminder: this server is not a "
      "crisis service. US 988, UK 116 123.", script="latin"),
    T("d7_dc_02", "server_chat_log name_no_cue",
      "#peer-support\n> i've been clean 40 days\nreplying to that: so proud of you, {first} told me you almost "
      "didn't make it past week one"),
    T("d7_dc_03", "server_chat_log email",
      "[pinned] if you want to be added to the private channel dm a mod with your email, e.g. mine is {email}",
      script="latin"),
    T("d7_dc_04", "server_chat_log username name_sentence_start",
      "{handle_at} joined the server.\n{first}: hi, my therapist suggested an online group, not sure how this works",
      script="latin"),
    T("d7_dc_05", "server_chat_log town_allcaps chat_lowercase",
      "anyone else from {city:upper}? would be nice to find an in person meetup that isnt aa"),
    T("d7_dc_06", "server_chat_log ip_v4",
      "Mod log: user banned for threats. Last login IP {ipv4}. Handed to platform safety."),
    T("d7_dc_07", "server_chat_log name_lowercase",
      "ok so {first:lower} from the art channel sent me a voice note and i cried for an hour, in a good way",
      case="lower"),
    T("d7_dc_08", "server_chat_log url",
      "shared my recovery blog in #wins: {url} (first post in a year!)", script="latin"),
    T("d7_dc_09", "server_chat_log name_list",
      "voice channel tonight: me, {first}, {first2} and {first3}. We just played cards and nobody talked about "
      "anything heavy. Perfect."),
    T("d7_dc_10", "server_chat_log phone_non_us negatives_in_context",
      "Slack DM from my team lead at 23:40: \"call me on {phone} if you're not coming in\". On my sick day.",
      locales=NON_US_LOCALES),

    # ---- social-media posts, captions, comments ----------------------------------------------------------------
    T("d7_sp_01", "social_post username name_no_cue",
      "Caption: one year since the hospital. Thank you {handle_at} for never giving up on me, and {name2} for the "
      "lifts to every appointment.", script="latin"),
    T("d7_sp_02", "social_post",
      "Posted a photo from the beach at {town} and now my ex knows where I'm staying. Should I delete it?"),
    T("d7_sp_03", "social_post name_possessive",
      "Comment under {name}'s post: \"this is exactly how the meds made me feel\". 300 likes. Apparently I'm not "
      "alone."),
    T("d7_sp_04", "social_post chat_lowercase name_lowercase",
      "some random account keeps tagging me in posts about {name} and saying its my fault she died",
      case="lower", female=(1,)),
    T("d7_sp_05", "social_post url",
      "Please report this page, it's pretending to be me: {url}", script="latin"),
    T("d7_sp_06", "social_post shouting_caps name_vocative",
      "{first:upper} IF YOU SEE THIS PLEASE JUST TEXT ME BACK, NOBODY IS ANGRY", case="upper"),
    T("d7_sp_07", "social_post",
      "Check-in at {city} airport. Leaving everything behind for a fresh start, terrified but hopeful."),
    T("d7_sp_08", "social_post name_romanised",
      "Reel by {name} about living with bipolar disorder in a family that doesn't believe in it. Watched it five "
      "times.", locales=NON_LATIN_LOCALES, script="latin"),

    # ---- meeting phone lists, sponsor lists, contact sheets -------------------------------------------------------
    T("d7_pl_01", "phone_list name_list",
      "Phone list from Tuesday's meeting (call anyone, any time):\n{first} - {phone}\n{first2} - {phone2}\n{first3} - "
      "{phone3}"),
    T("d7_pl_02", "phone_list name_initial_surname phone_dashed",
      "My sponsor's number is {phone_dash}, {name_init} on the list. I've never rung it. I just look at it.",
      locales=LATIN_LOCALES),
    T("d7_pl_03", "phone_list chat_lowercase name_lowercase",
      "numbers i have if it gets bad {first:lower} {phone} and my cousin {first2:lower} {phone2}", case="lower"),
    T("d7_pl_04", "phone_list phone_extension",
      "Night support line for our housing block is {phone_ext}, ask for whoever is on shift."),
    T("d7_pl_05", "phone_list phone_spoken",
      "my voicemail greeting literally says call {first} on {phone_spoken} if it's urgent, because I can't pick "
      "up when I'm low"),
    T("d7_pl_06", "phone_list name_sentence_start phone_non_us negatives_in_context",
      "{name} is my buddy for the first 90 days. Number {phone}. Morning and evening check-ins.",
      locales=NON_US_LOCALES),
    T("d7_pl_07", "phone_list name_non_latin",
      "Contacts on the fridge in my mum's handwriting:\n{name} {phone}\n{name2} {phone2}", locales=NON_LATIN_LOCALES,
      script="native"),
    T("d7_pl_08", "phone_list table_pipes",
      "| who | number |\n|---|---|\n| {first} (sponsor) | {phone} |\n| {first2} (sister) | {phone2} |"),

    # ---- prayer-chain and faith-community requests -------------------------------------------------------------
    T("d7_pr_01", "prayer_request name_no_cue",
      "Prayer request: please keep {name} of {town} in your prayers. Admitted to the psychiatric unit after a long "
      "fight with depression."),
    T("d7_pr_02", "prayer_request name_allcaps",
      "PRAYER CHAIN: {name:upper} - PANIC ATTACKS SINCE THE ACCIDENT, ASKING FOR PEACE."),
    T("d7_pr_03", "prayer_request name_possessive name_sentence_start",
      "{first}'s family asks for prayers as they mark a year since his passing. Anniversary Mass at ten.",
      male=(1,)),
    T("d7_pr_04", "prayer_request phone_non_us",
      "The imam said anyone can call him on {phone} after isha, he's been really kind about my brother's addiction.",
      locales=("ar_AA", "tr_TR", "en_GB", "en_IN", "hi_IN", "fr_FR", "de_DE")),
    T("d7_pr_05", "prayer_request name_with_title",
      "Pastor {last} told me depression is a lack of faith. Mrs {last2} from the choir told me to see a doctor. I "
      "listened to her.", female=(2,)),
    T("d7_pr_06", "prayer_request name_list",
      "Please remember in your prayers: {name}, recovering; {name2}, grieving; {name3}, waiting for a bed."),
    T("d7_pr_07", "prayer_request email",
      "Prayer requests can be sent privately to the pastoral team or to {email}. I sent mine at 3am.",
      script="latin"),
    T("d7_pr_08", "prayer_request chat_lowercase name_no_cue",
      "the temple aunties keep asking about {first} and i dont know how to say he is in rehab", case="lower",
      male=(1,)),

    # ---- crowdfunding pages ---------------------------------------------------------------------------------------
    T("d7_fr_01", "fundraiser_page name_no_cue",
      "Fundraiser: Help {name} get into residential treatment. Every bit helps cover the gap insurance won't."),
    T("d7_fr_02", "fundraiser_page name_possessive date",
      "Organised by {name} for {first2}'s funeral on {date}. He would have hated the fuss.", male=(2,)),
    T("d7_fr_03", "fundraiser_page url",
      "My sister set up {url} to pay for my therapy and I feel so ashamed I can't stop crying.", script="latin"),
    T("d7_fr_04", "fundraiser_page town_own_line",
      "Beneficiary: {name}\nLocation:\n{city}\nGoal: rent while I'm off work", locales=ALL_LOCALES),
    T("d7_fr_05", "fundraiser_page iban",
      "For anyone who can't use the website, the family account is {iban}, reference 'recovery'.",
      locales=IBAN_LOCALES),
    T("d7_fr_06", "fundraiser_page name_double_barrelled",
      "Update from {name_barrel}: the surgery went well, the depression afterwards did not. Thank you for the "
      "messages.", locales=LATIN_LOCALES),
    T("d7_fr_07", "fundraiser_page chat_lowercase",
      "is it tacky to share my gofundme in here its for {first:lower}'s rehab, my little brother", case="lower",
      male=(1,)),
    T("d7_fr_08", "fundraiser_page multiline_address",
      "Donations by cheque to:\n{name}\n{addr}\nThank you all.", locales=WITH_STATE),

    # ---- birth announcements, perinatal -----------------------------------------------------------------------
    T("d7_br_01", "birth_announcement name_no_cue date",
      "{first} arrived on {date}, three weeks early. Everyone keeps saying congratulations and I feel nothing. Is "
      "that normal?"),
    T("d7_br_02", "birth_announcement name_list",
      "Announcement: {name} and {name2} are proud to welcome {first3}. What it doesn't say is I haven't slept since."),
    T("d7_br_03", "birth_announcement date_spoken chat_lowercase",
      "baby was born {date_spoken} and i keep replaying the delivery every time i shut my eyes"),
    T("d7_br_04", "birth_announcement name_possessive name_sentence_start",
      "{first}'s heel prick test came back fine. My own bloods came back anaemic and my midwife wants me screened "
      "for postnatal depression."),
    T("d7_br_05", "birth_announcement multi_field_form dob_with_cue negatives_in_context",
      "Health visitor record\nBaby: {name}\nDOB: {date_num}\nMother: {name2}\nEPDS score: 17", female=(2,)),
    T("d7_br_06", "birth_announcement name_non_latin",
      "{name} was born in {city} and I was alone on the ward because visiting had closed.",
      locales=NON_LATIN_LOCALES, script="native"),
    T("d7_br_07", "birth_announcement chat_lowercase",
      "my rainbow baby {first:lower} is 6 weeks old today and the intrusive thoughts are getting worse not better",
      case="lower"),
    T("d7_br_08", "birth_announcement name_is_word",
      "We named her {first_word}. Some days I can't look at her without crying, and not the happy kind.",
      female=(1,)),

    # ---- account-security alerts and hacked accounts -----------------------------------------------------------
    T("d7_la_01", "login_alert ip_v4 negatives_in_context",
      "New sign-in to your account\nWhen: {date_dow}, 23:14\nWhere: near {city}\nIP: {ipv4}\nIt wasn't me. It's him "
      "again, isn't it."),
    T("d7_la_02", "login_alert ip_v6 email",
      "Security alert for {email}: a new device signed in from {ipv6}. I changed the password and I still feel "
      "watched.", script="latin"),
    T("d7_la_03", "login_alert chat_lowercase",
      "my ex logged into my icloud from {ip} and read my messages to my therapist, can i report that", case="lower"),
    T("d7_la_04", "login_alert username",
      "Someone reset the password on {handle_at} and posted my diary entries. Support hasn't answered in a week.",
      script="latin"),
    T("d7_la_05", "login_alert phone_non_us",
      "Got a code by text I didn't ask for, then a call from {phone} saying it was the bank. I nearly gave them "
      "everything.", locales=NON_US_LOCALES),
    T("d7_la_06", "login_alert multi_field_form ip_v4",
      "Recent activity\nDevice: Android phone\nLocation: {city}, {state}\nIP address: {ipv4}\nStatus: "
      "signed in", locales=WITH_STATE),
    T("d7_la_07", "login_alert name_no_cue",
      "The recovery email on my account was changed to one in {name}'s name. She's the woman he left me for.",
      female=(1,)),
    T("d7_la_08", "login_alert date_extra_format",
      "Last password change: {date_more}. That's the week I was in hospital, so it definitely wasn't me."),

    # ---- scam and fraud reports -------------------------------------------------------------------------------
    T("d7_sc_01", "scam_report card_13_19_digit",
      "Someone used my card {card_long} for three online orders while I was too depressed to open my banking app."),
    T("d7_sc_02", "scam_report iban name_no_cue",
      "The 'investment advisor' had me send my savings to {iban}, account name {name2}. I feel so stupid.",
      locales=IBAN_LOCALES),
    T("d7_sc_03", "scam_report phone_us",
      "Got a call from {phone} pretending to be the IRS and threatening arrest. I had a panic attack mid-call.",
      locales=US),
    T("d7_sc_04", "scam_report ssn",
      "They already had my SSN, {ssn}, when they called. How? I only ever gave it to the clinic.", locales=US),
    T("d7_sc_05", "scam_report email_obfuscated",
      "Don't reply to {email_spelled}, it's the romance scammer who took my mum's pension.", script="latin"),
    T("d7_sc_06", "scam_report multi_field_form card_12_digit",
      "Fraud claim form\nCardholder: {name}\nCard number: {card12}\nDisputed: 4 transactions\nReason: not "
      "authorised"),
    T("d7_sc_07", "scam_report passport",
      "I sent a photo of my passport ({passport}) to a 'landlord' who turned out not to exist. What do I do now?"),
    T("d7_sc_08", "scam_report chat_lowercase name_lowercase",
      "the scammer called himself {name:lower} and said he was from the hospital billing team", case="lower",
      male=(1,)),

    # ---- boarding passes, visas, hotel bookings ---------------------------------------------------------------
    T("d7_bp_01", "travel_document name_surname_first allcaps_form",
      "BOARDING PASS\n{last:upper}/{first:upper} MS\nSEAT 23C  GATE 14\nGoing home for the first time since the "
      "diagnosis.", female=(1,)),
    T("d7_bp_02", "travel_document passport dob_with_cue",
      "Visa form asks for passport {passport}, date of birth {dob}, and the reason for my last hospital stay. Why?"),
    T("d7_bp_03", "travel_document multi_field_form single_line_address",
      "Hotel booking under {name}, {addr_line}. I booked it so I'd have a quiet place to be alone for a few days."),
    T("d7_bp_04", "travel_document name_romanised",
      "My passport says {name} but my family calls me something completely different. Explaining that at "
      "immigration with anxiety is hell.", locales=NON_LATIN_LOCALES, script="latin"),
    T("d7_bp_05", "travel_document date_range town_allcaps",
      "RETREAT BOOKING: {date_span}, {city:upper}. NO PHONES ALLOWED. EXCITED AND SCARED.", case="upper"),
    T("d7_bp_06", "travel_document national_id",
      "Travel insurance wants my {natid_label} ({natid}) and a letter from my psychiatrist saying I'm fit to "
      "fly.", locales=NOGR),
    T("d7_bp_07", "travel_document chat_lowercase date",
      "flight home is {date} and i havent told my parents im on antidepressants yet", case="lower"),
    T("d7_bp_08", "travel_document address_with_country",
      "Address while abroad (for the embassy form):\n{addr_c}"),

    # ---- co-parenting apps and custody handovers -------------------------------------------------------------
    T("d7_cp_01", "coparenting_schedule name_no_cue date_with_weekday",
      "Co-parenting app message: Pickup for {first} moved to {date_dow}, 5pm, at my mum's. Please confirm."),
    T("d7_cp_02", "coparenting_schedule intersection",
      "Handover is at the petrol station on {intersection} because I don't want him at my door.",
      locales=INTERSECTION_LOCALES),
    T("d7_cp_03", "coparenting_schedule single_line_address name_sentence_start",
      "{first} stays at {addr_line} on alternate weekends. That's his dad's. I can't sleep when she's there.",
      female=(1,)),
    T("d7_cp_04", "coparenting_schedule date_range",
      "Summer split: kids with me {date_span}, then with their father. The empty house scares me."),
    T("d7_cp_05", "coparenting_schedule chat_lowercase name_list",
      "{first:lower} and {first2:lower} are with their dad this week so i have 7 days of silence and i dont know "
      "what to do with it", case="lower"),
    T("d7_cp_06", "coparenting_schedule speaker_label name_no_cue",
      "Him: I'm keeping {first} until Sunday.\nMe: That's not what the order says.\nHim: Take me to court then.",
      ),
    T("d7_cp_07", "coparenting_schedule street_then_number",
      "The contact centre is in {street_sn}, and the supervisor watches every visit through a window.",
      locales=STREET_THEN_NUMBER_LOCALES),
    T("d7_cp_08", "coparenting_schedule name_initial_surname",
      "Guardian ad litem {name_init} is visiting both homes next week. I've cleaned for three days.",
      locales=LATIN_LOCALES),

    # ---- change-of-address notices and moving ------------------------------------------------------------------
    T("d7_ca_01", "change_of_address multiline_address",
      "Old address:\n{addr}\nNew address:\n{addr_nc2}\nThe move went okay. The loneliness did not."),
    T("d7_ca_02", "change_of_address single_line_address",
      "Updating my GP: I've moved to {addr_line}. Please send the referral there, not to my parents'."),
    T("d7_ca_03", "change_of_address chat_lowercase street_then_number",
      "finally moved out of his place, new flat is {street_sn} and it has a window that gets sun", case="lower",
      locales=STREET_THEN_NUMBER_LOCALES),
    T("d7_ca_04", "change_of_address town_own_line small_town",
      "Moving back to\n{town}\nnext month. Small place, everyone knows everyone, including my history.",
      locales=SMALL_TOWN_LOCALES),
    T("d7_ca_05", "change_of_address standalone_building_number",
      "We're still on the same street, just moved from number {bldg} to number {bldg2}. The memories came with us.",
      locales=HOUSE_NO),
    T("d7_ca_06", "change_of_address postcode_no_cue",
      "Redirecting post from {postcode} to {postcode2} for six months. Costs a fortune but he can't find me.",
      locales=PC_ABROAD),
    T("d7_ca_07", "change_of_address multiline_address address_non_latin",
      "New address for my sister's letters:\n{addr}", locales=NON_LATIN_LOCALES, script="native"),
    T("d7_ca_08", "change_of_address po_box town_allcaps",
      "Forwarding to {po_box}, {city:upper}. No home delivery out there.", locales=LATIN_LOCALES),
    T("d7_ca_09", "change_of_address single_line_address",
      "moved to {city}, {state} for the treatment programme, {postcode} if anyone wants to send a card",
      locales=WITH_STATE),
    T("d7_ca_10", "change_of_address",
      "The council moved me into {unit}, ground floor. First time in years I've had my own front door.",
      locales=EN_UNITS),

    # ---- shared live location ---------------------------------------------------------------------------------
    T("d7_lc_01", "location_share single_line_address",
      "[Live location shared] {addr_line}\nIf I stop replying, that's where I am."),
    T("d7_lc_02", "location_share intersection chat_lowercase",
      "sharing my location w u, im at {intersection} and i dont feel safe walking home", case="lower",
      locales=INTERSECTION_LOCALES),
    T("d7_lc_03", "location_share name_no_cue",
      "{name} is sharing their location with you. I turned it on for my friend after the last overdose."),
    T("d7_lc_04", "location_share street_then_number",
      "pin dropped: {street_sn}. came here to think, the park by the river", locales=STREET_THEN_NUMBER_LOCALES),
    T("d7_lc_05", "location_share town_own_line",
      "Where I am right now:\n{city}\nAnd I have no idea how I got here.", locales=ALL_LOCALES),
    T("d7_lc_06", "location_share standalone_building_number",
      "I'm in the car outside number {bldg}. I can see my old bedroom window.", locales=HOUSE_NO),

    # ---- survey free-text answers, questionnaires --------------------------------------------------------------
    T("d7_sv_01", "survey_response name_no_cue",
      "Q12. Is there anything else you would like us to know?\nA: My keyworker {name} is the reason I engaged."),
    T("d7_sv_02", "survey_response multi_field_form dob_with_cue negatives_in_context",
      "PHQ-9 cover sheet\nName: {name}\nDOB: {dob}\nTotal score: 19\nItem 9: 2"),
    T("d7_sv_03", "survey_response chat_lowercase",
      "q: what area do you live in? a: {city:lower}, near the {postcode:lower} end", case="lower",
      locales=PC_ABROAD_LATIN),
    T("d7_sv_04", "survey_response name_with_title",
      "Feedback form: Dr {last} listened. The receptionist did not. Five stars for one, one star for the other."),
    T("d7_sv_05", "survey_response email",
      "Leave your email if you'd like to be contacted about the study: {email}", script="latin"),
    T("d7_sv_06", "survey_response csv_row",
      "respondent,age_band,postcode,comment\n{first},25-34,{postcode},waited nine months",
      locales=POSTCODE_LOCALES),

    # ---- search queries and chatbot prompts -------------------------------------------------------------------
    T("d7_sq_01", "search_query chat_lowercase",
      "therapist near {postcode} that takes sliding scale", case="lower", locales=POSTCODE_LOCALES),
    T("d7_sq_02", "search_query name_no_cue",
      "Search history from last night: \"{name} obituary\", \"{name} cause of death\", \"how to stop thinking about "
      "someone\""),
    T("d7_sq_03", "search_query chat_lowercase name_lowercase",
      "is {name:lower} a real counsellor or a fake one", case="lower"),
    T("d7_sq_04", "search_query",
      "crisis house {town} open now", locales=SMALL_TOWN_LOCALES),
    T("d7_sq_05", "chatbot_prompt pasted_email name_signoff",
      "Can you make this email to my manager sound less desperate?\n\nHi, I need to take a few days. I'm not "
      "coping. Sorry.\n{first}"),
    T("d7_sq_06", "chatbot_prompt multi_field_form",
      "Summarise this for me, I can't read it without crying:\nPatient: {name}\nDate of admission: {date}\n"
      "Diagnosis: severe depressive episode"),
    T("d7_sq_07", "chatbot_prompt name_possessive",
      "Write a text I can send to {first}'s mum to apologise for missing the funeral. I was in the hospital."),
    T("d7_sq_08", "chatbot_prompt multiline_address",
      "Help me write a complaint to the clinic. My address for the letter is:\n{addr}\nThey lost my referral twice."),
    T("d7_sq_09", "chatbot_prompt name_middle_initial dob_no_cue",
      "Fill in the blanks of this form for me: {name_mi}, {dob_words}, single, unemployed, depressed. Make it sound "
      "official."),
    T("d7_sq_10", "chatbot_prompt name_non_latin",
      "Translate this into English for my therapist: my grandmother {name} said I bring shame on the family.",
      locales=NON_LATIN_LOCALES, script="native", female=(1,)),

    # ---- screenshot descriptions / alt text ----------------------------------------------------------------------
    T("d7_im_01", "image_description name_no_cue",
      "[Image: screenshot of a text from {name} saying 'you're better off without me'. Sent at 02:17.]"),
    T("d7_im_02", "image_description phone_non_us",
      "[screenshot: missed calls x14 from {phone}]\nThis is every night now.", locales=NON_US_LOCALES),
    T("d7_im_03", "image_description multi_field_form negatives_in_context",
      "Alt text: photo of a prescription bag, label reads {name:upper}, SERTRALINE 50MG, and a due date of {date_num}.",
      script="latin"),
    T("d7_im_04", "image_description username",
      "(image description: a comment from {handle_at} under my post calling me attention seeking)", script="latin"),
    T("d7_im_05", "image_description date_extra_format",
      "[photo of my hospital bracelet with the admission date {date_more} circled in pen]"),
    T("d7_im_06", "image_description multiline_address",
      "[Image: envelope addressed to\n{name}\n{addr}\nwith FINAL NOTICE stamped in red]"),

    # ---- chosen names, pronouns, legal names --------------------------------------------------------------------
    T("d7_cn_01", "chosen_name name_no_cue",
      "My name is {first} (they/them). My legal name is {first2} and seeing it on the appointment letter ruined my "
      "week."),
    T("d7_cn_02", "chosen_name intake_form_line",
      "Preferred name: {first}\nLegal name: {name2}\nPronouns: he/him\nPlease use the first one.", male=(1,)),
    T("d7_cn_03", "chosen_name chat_lowercase name_lowercase",
      "i go by {first:lower} now, please dont call me {first2:lower} in the group, its not who i am", case="lower"),
    T("d7_cn_04", "chosen_name speaker_label",
      "{first} (she/her): the pharmacy called out my old name across the whole shop\n{first2} (he/they): i'm so "
      "sorry, that's awful", female=(1,)),
    T("d7_cn_05", "chosen_name name_sentence_start",
      "{first} is who I am at work, at group and with friends. At home I'm still someone else and it's killing me."),
    T("d7_cn_06", "chosen_name name_possessive",
      "Finally got {first}'s name changed on the school system. First time she smiled in months.", female=(1,)),

    # ---- letters to and from prison -----------------------------------------------------------------------------
    T("d7_pn_01", "prison_letter multiline_address name_no_cue",
      "Writing to my brother inside. Is this the right format?\n{name}\n{addr_nc}", male=(1,), locales=ENGLISH_LOCALES),
    T("d7_pn_02", "prison_letter name_sentence_start",
      "{first} gets out on {date}. I should be happy. I'm terrified of who he'll be.", male=(1,)),
    T("d7_pn_03", "prison_letter chat_lowercase name_no_cue",
      "got a letter from {first:lower} today he says the mental health team in there finally saw him", case="lower",
      male=(1,)),
    T("d7_pn_04", "prison_letter town_allcaps",
      "Visits at the prison in {city:upper} are two hours each way on the bus. I go anyway."),
    T("d7_pn_05", "prison_letter date_with_weekday",
      "Phone call slot booked for {date_dow}, fifteen minutes. I've written down what I want to say."),
    T("d7_pn_06", "prison_letter name_middle_initial",
      "Letter signed '{name_mi}, your son'. First one in four years.", male=(1,)),

    # ---- superbills, claims, lab reports ------------------------------------------------------------------------
    T("d7_sb_01", "superbill multi_field_form dob_with_cue negatives_in_context",
      "SUPERBILL\nPatient: {name}\nDOB: {dob_num}\n{health_label}: {health}\nCPT 90837 x1\nDx F33.1\nPlease "
      "submit for out-of-network reimbursement.", locales=NOGR),
    T("d7_sb_02", "superbill multiline_address",
      "Statement for services\nBill to:\n{name}\n{addr_nc}\nBalance due: $480. I can't pay this and stay in therapy.",
      locales=("en_US", "en_CA")),
    T("d7_sb_03", "lab_report multi_field_form dob_with_cue name_surname_first negatives_in_context",
      "LAB REPORT\nPatient: {last:upper}, {first}\nD.O.B.: {dob}\nCollected: {date_num}\nLithium level: 1.1 mmol/L"),
    T("d7_sb_04", "superbill national_id chat_lowercase",
      "the claim got denied because they typed my {natid_label:lower} wrong, its {natid} not what they put",
      locales=NOGR_NON_US, case="lower"),
    T("d7_sb_05", "superbill name_with_title phone_extension",
      "Provider: Dr {last}, LCSW. Billing questions: {phone_ext}. I've called four times."),
    T("d7_sb_06", "lab_report name_no_cue date_extra_format",
      "Results for {name} ({date_more}): TSH normal, B12 low, vitamin D very low. So not 'just in my head' after "
      "all."),
    T("d7_sb_07", "superbill ssn multi_field_form",
      "Claim form box 1a: {ssn}\nBox 2: {name:upper}\nBox 3: {dob_num}\nI filled it in myself and I'm terrified I "
      "got it wrong.", locales=US),
    T("d7_sb_08", "superbill iban",
      "Reimbursement goes to {iban}. Please double-check it, I'm not in a state to fix another mistake.",
      locales=IBAN_LOCALES),

    # ---- dating-app profiles and match safety ---------------------------------------------------------------------
    T("d7_dt_01", "dating_profile name_no_cue",
      "His profile said {first}, 31, works in finance. Turns out none of it was true and now he has my number.",
      male=(1,)),
    T("d7_dt_02", "dating_profile username chat_lowercase",
      "if anyone sees {handle} on the apps, swipe left, he threatened to post my photos", script="latin",
      case="lower"),
    T("d7_dt_03", "dating_profile",
      "Matched with someone from {town} and I panicked when she suggested meeting. Social anxiety wins again.",
      locales=SMALL_TOWN_LOCALES),
    T("d7_dt_04", "dating_profile phone_dashed",
      "He sent his number as {phone_dash} before we'd even talked. Is that a red flag or am I overthinking?"),
    T("d7_dt_05", "dating_profile name_sentence_start name_possessive",
      "{first} and I met on an app in lockdown. {first}'s the first person I told about the self-harm."),
    T("d7_dt_06", "dating_profile url",
      "Bio says 'find me on {url}'. Should I check before the date or is that stalking?", script="latin"),

    # ---- marketplace listings, neighbourhood-app posts, lost-pet posters -------------------------------------------
    T("d7_mk_01", "marketplace_listing street_then_number",
      "Selling my ex's guitar. Collection only from {street_sn}. I just want it out of the house.",
      locales=STREET_THEN_NUMBER_LOCALES),
    T("d7_mk_02", "marketplace_listing phone_non_us name_no_cue",
      "Free to a good home: a whole wardrobe of baby clothes. Text {first} on {phone}. I can't look at them any "
      "more.", locales=NON_US_LOCALES),
    T("d7_mk_03", "marketplace_listing postcode_no_cue",
      "weighted blanket for sale, barely used, pickup {postcode} area, it didn't help me but might help you",
      locales=PC_ABROAD),
    T("d7_mk_04", "marketplace_listing chat_lowercase intersection",
      "bike for sale meet at {intersection} cash only need rent money", case="lower", locales=INTERSECTION_LOCALES),
    T("d7_nb_01", "neighbourhood_post name_no_cue",
      "Neighbourhood app: Has anyone seen {name}? Elderly, has dementia, left home this morning in slippers."),
    T("d7_nb_02", "neighbourhood_post standalone_building_number",
      "LOST CAT - grey, shy, indoor only. If found please knock at number {bldg} or call {phone}. My only company "
      "since the divorce.", locales=HOUSE_NO),
    T("d7_nb_03", "neighbourhood_post single_line_address",
      "To whoever keeps leaving flowers at {addr_line}: thank you. It was my son's flat."),
    T("d7_nb_04", "neighbourhood_post name_with_title",
      "Shout-out to Mrs {last} on our road who checks on me every morning. Didn't think neighbours did that any "
      "more.", female=(1,)),
    T("d7_nb_05", "neighbourhood_post town_allcaps",
      "{town:upper} COMMUNITY GROUP: FREE WALK AND TALK EVERY SATURDAY FOR ANYONE STRUGGLING", case="upper"),
    T("d7_nb_06", "neighbourhood_post chat_lowercase name_lowercase",
      "whoever took the parcel from {first:lower}'s doorstep it had her insulin in it", case="lower", female=(1,)),

    # ---- household rosters and census-style forms ---------------------------------------------------------------
    T("d7_hh_01", "household_roster multi_field_form dob_with_cue",
      "Household members\n1. {name} - applicant - DOB {dob}\n2. {name2} - partner - DOB {dob2}\n3. {first3} - child "
      "- DOB {dob3}"),
    T("d7_hh_02", "household_roster name_list chat_lowercase",
      "living with me rn: {first:lower}, {first2:lower}, {first3:lower} and {first4:lower}, all in two bedrooms, "
      "no wonder i cant think", case="lower"),
    T("d7_hh_03", "household_roster table_tabs",
      "Name\tRelationship\tDate of birth\n{name}\tself\t{dob_num}\n{name2}\tmother\t{dob_num2}", female=(2,)),
    T("d7_hh_04", "household_roster name_non_latin",
      "The form had space for four names. We are seven. I wrote {name} and {name2} on the back.",
      locales=NON_LATIN_LOCALES, script="native"),
    T("d7_hh_05", "household_roster dob_with_cue",
      "Person 2: {name}, born {dob_partial}, occupation: carer for person 1"),
    T("d7_hh_06", "household_roster multiline_address address_with_country",
      "Usual residence on census night:\n{addr_c}\nNumber of people: 5"),

    # ---- psychiatric advance directives, powers of attorney, nominated persons --------------------------------------
    T("d7_ad_01", "advance_directive multi_field_form dob_with_cue negatives_in_context",
      "PSYCHIATRIC ADVANCE DIRECTIVE\nDeclarant: {name}\nDate of birth: {dob}\nAgent: {name2}, {phone2}\n"
      "Medications I do NOT consent to: haloperidol"),
    T("d7_ad_02", "advance_directive name_no_cue",
      "If I'm sectioned again I want {name} to be my nominated person, not my father. How do I make that "
      "official?"),
    T("d7_ad_03", "advance_directive single_line_address",
      "Lasting power of attorney for health: attorney is my partner, {name}, of {addr_line}."),
    T("d7_ad_04", "advance_directive name_signoff",
      "Signed this {date_day} day of the month in front of two witnesses.\n{name}"),
    T("d7_ad_05", "advance_directive chat_lowercase negatives_in_context",
      "my crisis plan says call {first:lower} first on {phone} and only then the crisis team", case="lower"),
    T("d7_ad_06", "advance_directive national_id",
      "Registered the advance statement with my {natid_label} {natid} so the hospital can find it.",
      locales=("en_GB", "en_IE", "de_DE", "nl_NL", "sv_SE", "no_NO", "da_DK", "fi_FI", "fr_FR", "es_ES")),

    # ---- deed polls and name changes ----------------------------------------------------------------------------
    T("d7_nc_01", "name_change name_no_cue",
      "Deed poll came through: I, {name}, formerly known as {name2}, absolutely renounce my former name. I cried in "
      "the post office."),
    T("d7_nc_02", "name_change date",
      "Name change effective {date}. Still getting letters in my dad's surname. Every one feels like a slap."),
    T("d7_nc_03", "name_change chat_lowercase name_lowercase",
      "changing my surname back to {last:lower} after the divorce, the bank wants three forms of id", case="lower"),
    T("d7_nc_04", "name_change name_double_barrelled",
      "Went from {name_barrel} to just my mum's name. The hyphen was his family and I'm done with them.",
      locales=LATIN_LOCALES),

    # ---- payment-app requests -------------------------------------------------------------------------------------
    T("d7_pa_01", "payment_app_note username",
      "Venmo request to {handle_at}: 'therapy copay, sorry, I'll pay you back'. Third one this month.",
      script="latin", locales=US),
    T("d7_pa_02", "payment_app_note email",
      "PayPal it to {email} and put 'gift' so they don't charge fees. It's for the rehab deposit.", script="latin"),
    T("d7_pa_03", "payment_app_note name_no_cue phone_us",
      "Zelle to {name} at {phone}. My last $50, but I owed her from when I was using.", locales=US, female=(1,)),
    T("d7_pa_04", "payment_app_note iban chat_lowercase",
      "can u transfer the rent to {iban} ill explain later, the bank froze my card", case="lower",
      locales=IBAN_LOCALES),
    T("d7_pa_05", "payment_app_note card_12_digit",
      "Top up the phone with card {card12}, it's my sister's but she said it's fine."),
    T("d7_pa_06", "payment_app_note name_possessive",
      "Splitting the cost of {first}'s birthday dinner and I'm pretending I'm not broke again."),

    # ---- HL7 / SQL / YAML fragments from health portals -----------------------------------------------------------
    T("d7_hl_01", "data_export_snippet hl7_message dob_no_cue",
      "Found this in the portal download, what does it mean?\n"
      "PID|1||{health}||{last:upper}^{first:upper}||{dob_more}|U",
      locales=NOGR, script="latin"),
    T("d7_hl_02", "data_export_snippet hl7_message multi_field_form",
      "NK1|1|{last}^{first}|SPO|{phone}\nPV1|1|I|PSYCH^04^B\nThe NK1 line is my husband, right?", male=(1,),
      script="latin"),
    T("d7_hl_03", "data_export_snippet",
      "My brother works in IT and showed me the clinic's database row for me:\nINSERT INTO patients VALUES ('{name}', "
      "'{dob_num}', '{email}');\nIs that a data breach?", script="latin"),
    T("d7_hl_04", "data_export_snippet multi_field_form",
      "patient:\n  name: {name}\n  phone: \"{phone}\"\n  address: {addr_line}\nrisk: medium", script="latin"),
    T("d7_hl_05", "data_export_snippet key_value_inline ip_v4",
      "export.log: user_email={email} client_ip={ipv4} action=download_notes", script="latin"),
    T("d7_hl_06", "data_export_snippet csv_row",
      "row;surname;given;city\n1;{last};{first};{city}"),

    # ---- family timelines and genograms --------------------------------------------------------------------------
    T("d7_gn_01", "genealogy_timeline name_list dob_no_cue",
      "Genogram homework: Grandad {name} ({dob_partial}), alcoholic; Nan {name2}, depression, never treated; Mum "
      "{first3}, anxiety.", male=(1,), female=(2, 3)),
    T("d7_gn_02", "genealogy_timeline date",
      "Timeline for therapy:\n{date} - Dad left\n{date2} - first panic attack\n{date3} - started uni"),
    T("d7_gn_03", "genealogy_timeline name_romanised",
      "My great-grandmother {name} survived the war and never spoke about it. I think the silence was passed down.",
      locales=NON_LATIN_LOCALES, script="latin", female=(1,)),
    T("d7_gn_04", "genealogy_timeline date_spoken dob_no_cue",
      "she was born {dob_spoken} and died the same year i was born, mum says i have her eyes", female=(1,)),
    T("d7_gn_05", "genealogy_timeline name_with_title name_possessive",
      "Uncle {first}'s suicide was never talked about. I found out from a cousin at 16.", male=(1,)),
    T("d7_gn_06", "genealogy_timeline town_own_line",
      "Where my family comes from:\n{town}\nI've never been. I think going might help."),

    # ---- university mitigating circumstances, disability support ---------------------------------------------------
    T("d7_un_01", "student_support name_with_title",
      "Extension request to Dr {last}: I have been unwell with depression and could not complete the essay. "
      "Evidence attached."),
    T("d7_un_02", "student_support multi_field_form email",
      "Mitigating circumstances form\nStudent name: {name}\nUniversity email: {email}\nCircumstance: bereavement "
      "(grandparent)", script="latin"),
    T("d7_un_03", "student_support chat_lowercase",
      "my tutor {first:lower} said i could resit in august but i dont think ill be ready", case="lower"),
    T("d7_un_04", "student_support date_range",
      "Support plan valid {date_span}. Extra time in exams, rest breaks, a separate room."),
    T("d7_un_05", "student_support name_initial_surname",
      "The disability adviser, {name_init}, finally read my letter from the psychiatrist.", locales=LATIN_LOCALES),
    T("d7_un_06", "student_support single_line_address",
      "Term-time address: {addr_line}. Home address: the same town as my abuser, so please don't send anything "
      "there."),

    # ---- occupational health, HR, return-to-work ----------------------------------------------------------------
    T("d7_oh_01", "employer_note name_no_cue",
      "HR sent a referral to occupational health with my manager {name2} copied in. Now everyone knows."),
    T("d7_oh_02", "employer_note multi_field_form date",
      "Return to work plan\nEmployee: {name}\nFirst day back: {date}\nHours: 4 per day, week 1-2\nReview with: "
      "{name2}"),
    T("d7_oh_03", "employer_note national_id",
      "Payroll asked for my {natid_label} again for the sick pay. {natid}. Third time I've sent it.",
      locales=NOGR_NON_US),
    T("d7_oh_04", "employer_note chat_lowercase name_possessive",
      "{first:lower}'s covering my shifts while im off and i feel so guilty i cant rest", case="lower"),
    T("d7_oh_05", "employer_note phone_extension",
      "Employee assistance line is {phone_ext}, but I'm scared they report back to my boss."),
    T("d7_oh_06", "employer_note name_middle_initial",
      "The fitness-for-work letter is signed by {name_mi}, Occupational Physician."),

    # ---- short texts to a counsellor --------------------------------------------------------------------------------
    T("d7_tx_01", "sms_to_counsellor name_vocative",
      "Hi {first}, it's me from Thursdays. Running 10 mins late, bus didn't come. Please don't give my slot away."),
    T("d7_tx_02", "sms_to_counsellor chat_lowercase",
      "hey {first:lower} can we move tomorrow to {date_day}, cant face leaving the house", case="lower"),
    T("d7_tx_03", "sms_to_counsellor name_signoff",
      "Sorry for the late message. I'm safe. Just needed someone to know. Talk tomorrow.\n- {first}"),
    T("d7_tx_04", "sms_to_counsellor phone_no_separators",
      "This is my new number {phone_plain}, old phone got smashed. Please update your notes."),
    T("d7_tx_05", "sms_to_counsellor date_with_weekday negatives_in_context",
      "Confirming {date_dow} 3pm. I'll bring the mood diary."),
    T("d7_tx_06", "sms_to_counsellor typo_textspeak",
      "hiya {first} cnt make it 2day, feel v rough, can we do nxt wk pls x", case="lower"),

    # ---- probation, parole, court-mandated treatment -----------------------------------------------------------------
    T("d7_pb_01", "probation_checkin name_with_title",
      "Probation officer Ms {last} wants proof I've attended every group. Sign-in sheet photos are on my phone.",
      female=(1,)),
    T("d7_pb_02", "probation_checkin date negatives_in_context",
      "Drug test on {date} came back clean. First clean one in the programme."),
    T("d7_pb_03", "probation_checkin chat_lowercase single_line_address",
      "they say i have to live at {addr_line} as part of my licence, its a hostel and theres drugs everywhere",
      case="lower"),
    T("d7_pb_04", "probation_checkin multi_field_form dob_with_cue",
      "Treatment compliance letter\nRe: {name}, DOB {dob}\nAttended 11 of 12 sessions.\nSigned: {name2}, "
      "counsellor"),

    # ---- interpreter bookings -----------------------------------------------------------------------------------
    T("d7_ip_01", "interpreter_booking name_no_cue",
      "Please book the same interpreter as last time, {name}. My mother won't speak with anyone else.",
      locales=NOT_EN),
    T("d7_ip_02", "interpreter_booking multi_field_form",
      "Interpreter request\nPatient: {name}\nLanguage: own language\nContact: {phone}\nAppointment: {date_dow}",
      locales=NOT_EN),
    T("d7_ip_03", "interpreter_booking name_non_latin",
      "The interpreter wrote my husband's name as {name} on the form, in our script, and the receptionist couldn't "
      "read it.", locales=NON_LATIN_LOCALES, script="native", male=(1,)),

    # ---- military families ----------------------------------------------------------------------------------------
    T("d7_ml_01", "military_address multiline_address name_with_title",
      "Care package address for my son's unit, does this look right?\n{rank} {name}\n{mil}", locales=US, male=(1,)),
    T("d7_ml_02", "military_address chat_lowercase",
      "my husband is deployed and his mail goes to {mil_inline} and i havent heard back in 5 weeks", locales=US,
      case="lower"),
    T("d7_ml_03", "military_address name_no_cue",
      "Send letters of support to our veteran group's member still serving:\n{name}\n{mil}", locales=US),
    T("d7_ml_04", "military_address speaker_label",
      "COUNSELOR: Where is he stationed?\nCALLER: {mil_inline}. He said he's fine but he isn't.", locales=US),
    T("d7_ml_05", "military_address name_possessive",
      "{first}'s last letter came from {mil_inline}. He wrote that he can't sleep without the light on.",
      locales=US, male=(1,)),
    T("d7_ml_06", "military_address change_of_address",
      "Please update the pharmacy mail-order address to:\n{mil}\nUntil the end of the tour.", locales=US),

    # ---- driver's licences as proof of identity ------------------------------------------------------------------
    T("d7_dv_01", "driver_license",
      "The pharmacy wouldn't hand over my prescription without ID, so I read out my licence number {dl} in front of a "
      "queue.", locales=DL_LOCALES),
    T("d7_dv_02", "driver_license chat_lowercase",
      "lost my licence in the er, number was {dl} if that helps anyone who finds it", locales=DL_LOCALES,
      case="lower"),
    T("d7_dv_03", "driver_license multi_field_form dob_with_cue",
      "ID verification\nDocument: driving licence\nNumber: {dl}\nName: {name}\nDOB: {dob}", locales=DL_LOCALES),
    T("d7_dv_04", "driver_license name_no_cue",
      "The DVLA letter about my medical fitness to drive had {name} and licence {dl} on it. I haven't opened the "
      "second page.", locales=("en_GB",)),
    T("d7_dv_05", "driver_license shouting_caps",
      "THEY SUSPENDED LICENCE {dl} BECAUSE I DECLARED MY EPILEPSY MEDS. HOW DO I GET TO WORK NOW", locales=DL_LOCALES,
      case="upper"),
    T("d7_dv_06", "driver_license travel_document",
      "Car hire desk asked for licence {dl} and a credit card, and I only have a debit card. I just sat in the "
      "airport and cried.", locales=DL_LOCALES),

    # ---- names in transcripts, speaker labels, odd positions ----------------------------------------------------
    T("d7_tr_01", "speaker_label name_no_cue",
      "{first}: I keep thinking if I'd answered the phone that night...\nFACILITATOR: Let's stay with that.\n{first2}: "
      "Same. Exactly the same."),
    T("d7_tr_02", "speaker_label name_surname_first",
      "[{last:upper}, {first}] 14:02: I'm here, can you hear me?\n[Clinician] 14:02: Yes, I can hear you."),
    T("d7_tr_03", "name_possessive",
      "Honestly {first_s}' text at midnight is what stopped me. Two words: 'still here?'", locales=LATIN_LOCALES),
    T("d7_tr_04", "name_no_cue name_allcaps chat_lowercase",
      "my therapist told me to write a letter to {first:upper} and burn it. did it. still angry"),
    T("d7_tr_05", "multiline_address address_non_latin",
      "I want to send a letter to my grandmother but I'm not sure about the address format:\n{name}\n{addr}",
      locales=CJK, script="native", female=(1,)),
    T("d7_tr_06", "multiline_address address_with_country name_nickname",
      "For {nick}, with love:\n{name}\n{addr_c}\nI hope you read it this time."),
    # ---- more identifiers in the new situations ------------------------------------------------------------------
    T("d7_id_01", "travel_document passport name_surname_first",
      "Emergency travel document request: surname {last:upper}, given names {first}, old passport {passport} "
      "reported lost during the admission."),
    T("d7_id_02", "refuge_intake passport chat_lowercase",
      "he kept my passport for two years, number {passport}, i got it back yesterday with the police there",
      case="lower"),
    T("d7_id_03", "scam_report card_13_19_digit chat_lowercase",
      "bank says the card {card_long} was used at a casino site at 4am, i was asleep on the ward", case="lower"),
    T("d7_id_04", "payment_app_note card_13_19_digit multi_field_form",
      "Sliding-scale payment\nName on card: {name}\nCard: {card_long}\nAmount: what I can manage this month"),
    T("d7_id_05", "employer_note ssn multi_field_form",
      "Short-term disability claim\nEmployee: {name}\nSSN: {ssn}\nLast day worked: {date}\nReason: "
      "psychiatric", locales=US),
    T("d7_id_06", "login_alert ip_v6 server_chat_log",
      "Mod note: ban evasion again, same person, new account, IPv6 {ipv6} this time. Targeting the grief channel."),
]

CLEAN_TEMPLATES = [
    # README distractor kinds, in new wording
    CT("d7_cl_01", "clean_interjection",
       "{greet} folks. {interj}. Made it through another week, barely, but made it."),
    CT("d7_cl_02", "clean_interjection clean_typo_spacing",
       "welp.Today was a lot.Going to bed at {time} and not apologising for it"),
    CT("d7_cl_03", "clean_name_words",
       "I will get there. Maybe not in May, maybe not in June, but I will. Hope is a habit, apparently."),
    CT("d7_cl_04", "clean_name_words",
       "Rob me of sleep, fine, but don't rob me of the one good morning a week. Pat on the back for getting up."),
    CT("d7_cl_05", "clean_name_words clean_allcaps",
       "I MAY BE SLOW BUT I WILL FINISH THIS COURSE. MARK MY WORDS."),
    CT("d7_cl_06", "clean_medication negatives_in_context",
       "Upped {med} to {dose}, added {med2} at night. Sleeping an hour more a night, mood still flat."),
    CT("d7_cl_07", "clean_medication clean_clinical_vocab",
       "Buprenorphine, naloxone, Narcan, Vivitrol: I know more about opioid treatment than I ever wanted to."),
    CT("d7_cl_08", "clean_street_drugs clean_drug_slang_names",
       "Charlie at parties, Molly at festivals, Tina at the weekends. That was my year. Now it's none of them."),
    CT("d7_cl_09", "clean_drug_slang_names clean_street_drugs",
       "He said he could get mandy or mary jane, I said no, and then I went home and shook for an hour."),
    CT("d7_cl_10", "clean_diagnosis_therapy",
       "Assessment said {dx}. Offered {therapy}, then {therapy2} if that doesn't work. Waiting list for both."),
    CT("d7_cl_11", "clean_devices_apps",
       "My {app} says I slept four hours. My body says zero. {activity} tomorrow if I can."),
    CT("d7_cl_12", "clean_weekday_relative_date",
       "Every {weekday} I tell myself next week will be different. {reldate} I almost believed it."),
    CT("d7_cl_13", "clean_age clean_year",
       "Diagnosed at {age}, medicated since {year}, and only now learning what I actually like doing."),
    CT("d7_cl_14", "clean_helpline",
       "If anyone here needs it: 988 in the US, 116 123 Samaritans, 13 11 14 Lifeline, or {helpline}."),
    CT("d7_cl_15", "clean_numbers",
       "Bus 42, platform 3, seat 17C, {price} for the ticket, two hours there and back. Small wins."),
    CT("d7_cl_16", "clean_public_figure_company",
       "Listening to {figure} talk about therapy on a podcast while stacking shelves at {company}."),
    CT("d7_cl_17", "clean_country_in_passing clean_region_in_passing",
       "Grew up between {country} and Texas, now in Ontario. Home doesn't mean a place any more."),
    CT("d7_cl_18", "clean_eponym",
       "Bell's palsy last year, Raynaud's this winter, and now the GP is asking about Hashimoto's. My mood is the "
       "least of it."),
    CT("d7_cl_19", "clean_games",
       "Tetris Effect and Unpacking got me through the worst weekend. No people, just shapes and boxes."),
    CT("d7_cl_20", "clean_public_website",
       "Found the grounding exercises on www.mind.org.uk and the sleep hygiene sheet on nhs.uk. Both printed."),
    CT("d7_cl_21", "clean_date_lookalike",
       "Mood 3/10 this morning, 6/10 by lunch. BP 132/88. Review in 4/52. Open 24/7 apparently."),
    CT("d7_cl_22", "clean_blank_form",
       "Name: ____________\nDate of birth: __/__/____\nAddress: (same as before)\nI just left it blank and handed "
       "it back."),
    CT("d7_cl_23", "clean_kinship_role_words",
       "Mum said ring Nan. Nan said ask Dad. Dad said ask Mum. So nobody is taking me to the appointment."),
    CT("d7_cl_24", "clean_transcript",
       "COUNSELLOR: What's been hardest?\nCLIENT: Mornings.\nCOUNSELLOR: Tell me about a morning.\nCLIENT: I wake "
       "and I'm already tired."),
    CT("d7_cl_25", "clean_generic_places",
       "Sat in the library car park for an hour, then the chemist, then home. That counts as going out."),
    CT("d7_cl_26", "clean_voice_transcript",
       "okay um so the thing is uh i did go to the appointment but i didnt say the real stuff"),
    CT("d7_cl_27", "clean_id_lookalike",
       "Order #100-4471823 arrived, the weighted blanket. Return label ref RMA-88213 in case it doesn't help."),
    CT("d7_cl_28", "clean_scripture",
       "Psalm 23 at the funeral. Romans 8:28 from the aunties. I just needed someone to sit with me."),
    CT("d7_cl_29", "clean_duration",
       "Fourteen months sober, six weeks back at work, two days since I last wanted a drink."),
    CT("d7_cl_30", "clean_place_words",
       "Reading before bed and a long walk on the common. Nice and simple. Split the day into small bits."),

    # new distractor kinds
    CT("d7_cl_31", "clean_name_idiom",
       "I'm such a Debbie Downer in group. Negative Nancy, my brother calls me. Billy no-mates at work too."),
    CT("d7_cl_32", "clean_name_idiom",
       "Didn't want to be a nosy parker but she looked like she was about to faint on the platform."),
    CT("d7_cl_33", "clean_name_idiom clean_allcaps",
       "I'M NOT A KAREN, I JUST WANT THE CLINIC TO RETURN ONE CALL."),
    CT("d7_cl_34", "clean_titled_brand",
       "Lived on Dr Pepper and Mr Kipling cakes all week. My dietitian would not be pleased."),
    CT("d7_cl_35", "clean_titled_brand",
       "Bought Dr. Martens to feel tough walking into the assessment. Didn't work but they're comfy."),
    CT("d7_cl_36", "clean_famous_address",
       "Watched Sesame Street with my nephew and it was the calmest half-hour of my week."),
    CT("d7_cl_37", "clean_famous_address clean_public_figure_company",
       "Whoever is in Downing Street, the waiting lists stay the same. Wall Street doesn't care either."),
    CT("d7_cl_38", "clean_fictional_character",
       "Bluey makes me cry every time. Eeyore is my spirit animal. Shrek is my therapist now."),
    CT("d7_cl_39", "clean_fictional_character",
       "My daughter wants to dress as Elsa for the party and I can't even get myself dressed. Harry Potter "
       "audiobooks on repeat."),
    CT("d7_cl_40", "clean_merge_field",
       "Got an automated message: 'Dear [First Name], your appointment is confirmed.' They couldn't even fill in my "
       "name."),
    CT("d7_cl_41", "clean_merge_field",
       "Hi <<PATIENT_NAME>>, we have missed you at the clinic. Lovely. Really personal."),
    CT("d7_cl_42", "clean_postcode_lookalike",
       "Stuck on the M25 for two hours, took B12 and vitamin D with my lunch, wore the N95, still got the cold."),
    CT("d7_cl_43", "clean_postcode_lookalike",
       "Filled in the W2 and a 1099, printed it on A4, and now my tax brain is fried."),
    CT("d7_cl_44", "clean_code_lookalike",
       "PHQ-9: 18, GAD-7: 14, code F33.1 on the letter and CPT 90837 on the bill. I'm a list of numbers."),
    CT("d7_cl_45", "clean_code_lookalike clean_helpline",
       "Called 111 option 2 for mental health, then 999 when it got worse. The ambulance took ages."),
    CT("d7_cl_46", "clean_named_event",
       "The storm knocked the power out on St Patrick's Day and I spent the evening alone in the dark. Valentine's "
       "Day was worse."),
    CT("d7_cl_47", "clean_named_event clean_public_figure_company",
       "Martin Luther King Day off work, and I spent it in bed. Hurricane season always makes my anxiety spike."),
    CT("d7_cl_48", "clean_pronouns",
       "New here (they/them). Three years of {therapy}, still learning. Please be gentle."),
    CT("d7_cl_49", "clean_clinical_vocab",
       "Kubler-Ross stages, Maslow's hierarchy, Dunning-Kruger: psychology class made me diagnose everyone."),
    CT("d7_cl_50", "clean_bot_account",
       "AutoModerator removed my post for having a phone number in it. It was the helpline."),
]
