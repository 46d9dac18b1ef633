"""Templates of the ``dev2`` half (ids ``d2_...``): a third tuning half, written from scratch.

Written without reading the detector, the other three template sets or any generated JSONL file: only the
README, ``template_spec.py``, ``generate.py``, ``pii_values.py``, ``score.py`` and ``selfcheck.py`` were read.
Same shapes as the other halves, new phrasings and registers (formal intake forms, lower-case chat with no
punctuation, text-speak, run-ons, ALL-CAPS shouting, speaker-labelled transcripts, e-mails pasted into chat,
clinician notes), plus a few shapes of its own (see the README's shape table, "dev2 only").

Labelling follows the README guideline: only slot values are labelled; literal text never holds a private name,
street, town, specific date or number.  Distractors (medications, helplines, weekdays, ages, doses...) are literal
or filler slots and stay unlabelled.
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
    NON_US_LOCALES,
    POSTCODE_LOCALES,
    SMALL_TOWN_LOCALES,
    STREET_THEN_NUMBER_LOCALES,
    T,
    Template,
)

NON_US_POSTCODE = tuple(code for code in NON_US_LOCALES if code in POSTCODE_LOCALES)
NON_US_LATIN = tuple(code for code in NON_US_LOCALES if code in LATIN_LOCALES)
NON_ENGLISH = tuple(code for code in ALL_LOCALES if code not in ENGLISH_LOCALES)
# Locales whose address writes the postcode before the town ("12345 Town").
POSTCODE_FIRST = ("de_DE", "nl_NL", "sv_SE", "no_NO", "da_DK", "fi_FI", "pl_PL", "fr_FR", "es_ES", "it_IT")
CITY_STATE_ZIP = ("en_US", "en_CA", "en_AU")
UK_IE = ("en_GB", "en_IE")
US = ("en_US",)
# US service members and their families abroad (names from the host countries too).
MILITARY_LOCALES = ("en_US", "en_US", "de_DE", "it_IT", "ja_JP", "ko_KR", "es_ES", "en_GB")
SMALL_TOWN_NON_EN = tuple(code for code in SMALL_TOWN_LOCALES if code not in ENGLISH_LOCALES)

PII_TEMPLATES: list[Template] = [
    # ---------------------------------------------------------------------------------------------------------
    # Multi-line and international address blocks
    # ---------------------------------------------------------------------------------------------------------
    T("d2_addr_01", "intake_form_line multi_field_form multiline_address",
      "NEW CLIENT REGISTRATION\nFull name: {name}\nResidential address:\n{addr}\n"
      "Preferred contact method: [[mobile|email|letter|text only]]"),
    T("d2_addr_02", "multiline_address negatives_in_context",
      "ok so the letter from the clinic went to my old place, can someone update it to\n{addr_nc}\n"
      "thanks. moved out [[last week|a month ago|over the weekend|at Easter]] and still living out of boxes"),
    T("d2_addr_03", "pasted_email multiline_address name_signoff address_with_country",
      "Copying what I sent them:\n\nFrom: {name} <{email}>\nSubject: change of address\n\n"
      "Hello, please send all future appointment letters to:\n{addr_c}\n\nKind regards,\n{first}",
      NON_US_LOCALES),
    T("d2_addr_04", "multiline_address",
      "Gran's address, in case the carers need it:\n{name}\n{addr}", script="native", female=(1,)),
    T("d2_addr_05", "clinician_note multiline_address negatives_in_context",
      "Home visit arranged. Pt {name} now living at\n{addr_nc}\nwith partner. Key safe by side door. "
      "Taking {med} {dose} nocte, reports adherence."),
    T("d2_addr_06", "multiline_address negatives_in_context",
      "can you mail the sliding scale form instead, i dont have a printer\n{name}\n{addr_nc}\n"
      "its {price} a session right now and i cant do that", US),
    T("d2_addr_07", "intake_form_line multiline_address address_with_country",
      "Correspondence address (if outside the country of treatment):\n{addr_c}", NON_US_LOCALES),
    T("d2_addr_08", "shouting_caps multiline_address",
      "I HAVE GIVEN YOU MY ADDRESS THREE TIMES\n{addr}\nWHY DOES NOBODY READ ANYTHING", case="upper"),
    T("d2_addr_09", "speaker_label multiline_address",
      "INTAKE WORKER: And where are you staying at the moment?\nCLIENT: my auntie's, it's\n{addr_nc}\n"
      "INTAKE WORKER: Thank you, I'll note that down."),
    T("d2_addr_10", "intake_form_line multi_field_form multiline_address",
      "Emergency contact\nName: {name2}\nRelationship: [[mother|sister|aunt|grandmother]]\nAddress:\n{addr2}\n"
      "Phone: {phone2}", female=(2,)),
    T("d2_addr_11", "multiline_address address_with_country negatives_in_context",
      "pls courier the tablets to my parents' home, I am there till Diwali\n{addr_c}\nfather's name {name2}",
      ("en_IN", "hi_IN"), male=(2,)),
    T("d2_addr_12", "multiline_address negatives_in_context",
      "Could the CMHT letter go to\n{addr_nc}\nand not the hostel please. Ta. Seeing the GP {weekday} anyway.",
      UK_IE),
    T("d2_addr_13", "multiline_address address_with_country",
      "My parents still live back home, the address is\n{addr_c}\nthey don't speak English so please write to me "
      "instead", ("ru_RU", "el_GR", "ar_AA", "tr_TR", "zh_CN", "ko_KR"), script="latin"),
    T("d2_addr_14", "chat_lowercase multiline_address",
      "my address is\n{addr_nc}\nbut like dont just turn up pls text first", case="lower"),

    # ---------------------------------------------------------------------------------------------------------
    # Single-line addresses
    # ---------------------------------------------------------------------------------------------------------
    T("d2_line_01", "single_line_address run_on_sentence chat_lowercase",
      "so basically im couch surfing again and the only place that will take post for me is my mates flat which "
      "is {addr_line} but dont put the clinic logo on anything because he doesnt know im in treatment and i "
      "really cant have that conversation right now", case="lower"),
    T("d2_line_02", "intake_form_line single_line_address dob_with_cue",
      "Address: {addr_line} | Tel: {phone} | DOB: {dob}"),
    T("d2_line_03", "clinician_note single_line_address",
      "Collateral obtained from sister ({name2}, resides at {addr_line2}). Corroborates pt's account.",
      female=(2,)),
    T("d2_line_04", "shouting_caps single_line_address",
      "MY ADDRESS IS {addr_line} AND IF THE POLICE SHOW UP AGAIN I WANT TO KNOW WHO SENT THEM", case="upper"),
    T("d2_line_05", "single_line_address negatives_in_context",
      "The {company} order confirmation said \"Deliver to: {name}, {addr_line}\". So they all have my address now?"),
    T("d2_line_06", "single_line_address",
      "My sister wrote it down for me: {addr_line}", script="native"),
    T("d2_line_07", "speaker_label single_line_address",
      "Caller: my address, yeah, it's {addr_line}\nCounsellor: Thank you. And is that where you are right now?"),

    # ---------------------------------------------------------------------------------------------------------
    # PO boxes
    # ---------------------------------------------------------------------------------------------------------
    T("d2_pobox_01", "po_box single_line_address",
      "My mail goes to {po_box}, {city}, {state} {postcode} because I don't want him finding where I sleep.",
      CITY_STATE_ZIP),
    T("d2_pobox_02", "po_box multiline_address intake_form_line",
      "Postal address for letters:\n{name}\n{po_box}\n{postcode} {city}",
      ("de_DE", "nl_NL", "sv_SE", "fr_FR", "es_ES", "it_IT", "no_NO")),
    T("d2_pobox_03", "po_box",
      "please use {po_box} for anything you post, the house letters get opened by my dad",
      ("en_GB", "en_IE", "ar_AA", "en_IN", "en_AU")),
    T("d2_pobox_04", "po_box chat_lowercase",
      "mail me at {po_box} not the house", ENGLISH_LOCALES, case="lower"),

    # ---------------------------------------------------------------------------------------------------------
    # Building numbers standing alone
    # ---------------------------------------------------------------------------------------------------------
    T("d2_bldg_01", "standalone_building_number",
      "Flat's above the bakery, number {bldg}, the buzzer doesn't work so just knock loud"),
    T("d2_bldg_02", "standalone_building_number chat_lowercase",
      "its the house with the green gate {bldg} u cant miss it", case="lower"),
    T("d2_bldg_03", "standalone_building_number",
      "No. {bldg}, the one next to the mosque. My brother will open the door."),
    T("d2_bldg_04", "standalone_building_number speaker_label",
      "Dispatcher: What number is the house?\n{first}: {bldg}!! please hurry"),

    # ---------------------------------------------------------------------------------------------------------
    # Postcodes standing alone / with no cue
    # ---------------------------------------------------------------------------------------------------------
    T("d2_pc_01", "standalone_postcode",
      "My postcode is {postcode} if that helps you find a service nearby", NON_US_POSTCODE),
    T("d2_pc_02", "standalone_postcode chat_lowercase",
      "whats available near zip {postcode}", US, case="lower"),
    T("d2_pc_03", "postcode_no_cue negatives_in_context",
      "Is there any {therapy} around {postcode}? I can't drive since the {med} makes me drowsy", NON_US_POSTCODE),
    T("d2_pc_04", "postcode_no_cue negatives_in_context",
      "I'm in {postcode} and the waiting list here is [[six months|a year|eight weeks|basically forever]] long",
      NON_US_POSTCODE),
    T("d2_pc_05", "postcode_no_cue",
      "{postcode} {city} - that's the area, I'm not giving the street", POSTCODE_FIRST),
    T("d2_pc_06", "standalone_postcode clinician_note",
      "Pt declined to give full address; postcode {postcode} only. Risk discussed.", NON_US_POSTCODE),

    # ---------------------------------------------------------------------------------------------------------
    # Street then number, no English street suffix
    # ---------------------------------------------------------------------------------------------------------
    T("d2_stn_01", "street_then_number",
      "I live on {street_sn}, the building with the pharmacy downstairs", STREET_THEN_NUMBER_LOCALES),
    T("d2_stn_02", "street_then_number",
      "{street_sn} is my mum's flat, I stay there most weekends", STREET_THEN_NUMBER_LOCALES),
    T("d2_stn_03", "street_then_number chat_lowercase negatives_in_context",
      "meet me outside {street_sn} at {time} ok", STREET_THEN_NUMBER_LOCALES, case="lower"),
    T("d2_stn_04", "street_then_number speaker_label",
      "Therapist: Where did it happen?\nClient: right outside my building. {street_sn}.", STREET_THEN_NUMBER_LOCALES),
    T("d2_stn_05", "street_then_number shouting_caps",
      "HE IS STILL PARKED OUTSIDE {street_sn} EVERY SINGLE NIGHT", STREET_THEN_NUMBER_LOCALES, case="upper"),

    # ---------------------------------------------------------------------------------------------------------
    # Military addresses
    # ---------------------------------------------------------------------------------------------------------
    T("d2_mil_01", "military_address multiline_address",
      "Care package address for my husband, is this right?\n{rank} {name2}\n{mil}", US, male=(2,)),
    T("d2_mil_02", "military_address single_line_address",
      "my brother's deployed and his mail goes to {mil_inline}, is it ok to put that on the form?", US),
    T("d2_mil_03", "military_address intake_form_line multi_field_form dob_with_cue",
      "Service member: {name}\nMailing address:\n{mil}\nDOB: {dob}", US),
    T("d2_mil_04", "military_address clinician_note",
      "Spouse {name2} stationed overseas ({mil_inline}); pt reports isolation since the deployment.",
      MILITARY_LOCALES),

    # ---------------------------------------------------------------------------------------------------------
    # Intersections
    # ---------------------------------------------------------------------------------------------------------
    T("d2_int_01", "intersection",
      "I'm sitting at the bus stop on the corner of {intersection}, can someone come", INTERSECTION_LOCALES),
    T("d2_int_02", "intersection chat_lowercase",
      "pick me up at {intersection} pls im not ok", INTERSECTION_LOCALES, case="lower"),
    T("d2_int_03", "intersection clinician_note negatives_in_context",
      "Mobile crisis met client at {intersection} at {time}; calm, accepted lift to ED.", INTERSECTION_LOCALES),
    T("d2_int_04", "intersection shouting_caps",
      "I'M AT {intersection} AND I DON'T KNOW HOW I GOT HERE", INTERSECTION_LOCALES, case="upper"),

    # ---------------------------------------------------------------------------------------------------------
    # Names: no cue, sentence start, lists, possessives, lower case, middle initial, forms, speakers
    # ---------------------------------------------------------------------------------------------------------
    T("d2_name_01", "name_no_cue name_sentence_start",
      "{name} was the only one who visited me in hospital.", NON_US_LOCALES),
    T("d2_name_02", "name_list name_no_cue",
      "People I trust: {first}, {first2}, {first3} and my dog."),
    T("d2_name_03", "name_list negatives_in_context",
      "For the family session {weekday}: {name}, {name2}, {name3}. My stepdad is not invited."),
    T("d2_name_04", "name_possessive name_sentence_start name_no_cue",
      "{first}'s new boyfriend scares me", NON_US_LOCALES),
    T("d2_name_05", "name_possessive name_no_cue negatives_in_context",
      "I've been sleeping on {first_s}' sofa for [[two weeks|a month|ages|five nights]] and I think they're "
      "getting fed up"),
    T("d2_name_06", "name_possessive name_no_cue chat_lowercase",
      "my ex is {first}'s cousin so every party is awkward", case="lower"),
    T("d2_name_07", "name_middle_initial intake_form_line",
      "Referred by: {name_mi}\nReason for referral: low mood, poor sleep"),
    T("d2_name_08", "name_middle_initial name_signoff",
      "I give consent for my records to be shared with the new team.\n\nSigned,\n{name_mi}"),
    T("d2_name_09", "speaker_label",
      "{first}: i cant do this anymore\nCounsellor: I'm here. Can you tell me where you are right now?\n"
      "{first}: home. in the bathroom"),
    T("d2_name_10", "speaker_label negatives_in_context",
      "{first:upper}: You never listen to me.\n{first2:upper}: That's not fair, I drove you to {therapy} every "
      "week."),
    T("d2_name_11", "speaker_label negatives_in_context",
      "Client ({name}): I haven't eaten properly since {weekday}.\nClinician: Okay. Let's start there."),
    T("d2_name_12", "name_no_cue",
      "My mother, {name2}, doesn't know I'm here.", script="native", female=(2,)),
    T("d2_name_13", "name_with_title negatives_in_context",
      "Dr {last} wants me to try {therapy} before upping the {med}"),
    T("d2_name_14", "name_initial_surname",
      "The letter was signed {name_init}, Team Manager, and it didn't answer a single question.", script="latin"),
    T("d2_name_15", "name_surname_first intake_form_line multi_field_form dob_with_cue",
      "SURNAME, Forename: {last:upper}, {first}\nD.O.B.: {dob}\nGP practice: [[on file|unknown|not registered]]"),
    T("d2_name_16", "name_nickname name_sentence_start",
      "{nick} is what everyone calls me, the full thing is {first} but only my gran uses that", script="latin"),
    T("d2_name_17", "name_nickname chat_lowercase",
      "lol {nick} always says that when shes nervous", case="lower", female=(1,)),
    T("d2_name_18", "name_nickname intake_form_line multi_field_form",
      "Preferred name: {nick}\nLegal name: {name}\nPronouns: [[she/her|he/him|they/them|she/they]]",
      script="latin"),
    T("d2_name_19", "name_sentence_start name_no_cue typo_textspeak chat_lowercase",
      "{first} came ova l8r n we just sat there 4 hrs not talkin but it helped", case="lower"),
    T("d2_name_20", "name_no_cue run_on_sentence chat_lowercase negatives_in_context",
      "and then {first} told {first2} who told my mum and by the time i got home everyone knew and {first3} had "
      "already texted me like [[five times|ten times|a million times]] asking if i was ok which was nice i guess "
      "but also i just wanted to disappear", case="lower"),
    T("d2_name_21", "shouting_caps name_no_cue",
      "TELL {first} TO STOP CALLING ME. I MEAN IT.", case="upper"),
    T("d2_name_22", "name_no_cue negatives_in_context",
      "Gday {first}! Thanks for yesterday's session, the breathing thing actually worked."),
    T("d2_name_23", "name_no_cue negatives_in_context",
      "my little brother {first2} passed away [[last spring|two years ago|at Christmas|in the summer]] and I keep "
      "setting the table for him", male=(2,)),
    T("d2_name_24", "clinician_note name_list",
      "Family present: mother ({name2}), stepfather ({name3}). Pt's sister {first4} joined by phone.",
      female=(2, 4), male=(3,)),
    T("d2_name_25", "pasted_email name_signoff name_sentence_start name_no_cue",
      "---------- Forwarded message ---------\nFrom: {email2}\nTo: {email}\n\n{first}, I can't keep covering for "
      "you at work. Please get help.\n\n{first2}"),
    T("d2_name_26", "name_list intake_form_line",
      "Household members: {name}, {name2}, {name3}", script="native"),
    T("d2_name_27", "name_sentence_start name_no_cue negatives_in_context",
      "{last} from HR keeps asking why I've been off sick and I don't want to say it's {dx}"),
    T("d2_name_28", "intake_form_line name_with_title",
      "Patient: {name}    Clinician: Dr {last2}    Session: [[initial|follow-up|review]]"),
    T("d2_name_29", "name_nickname name_possessive",
      "She goes by {nick} online but her real name is {name}, and she's been posting my stuff",
      script="latin", female=(1,)),
    T("d2_name_30", "speaker_label negatives_in_context",
      "[[23:01|23:04|23:07]] - {name}: are you still there?\n"
      "[[23:12|23:15|23:19]] - {name2}: yes sorry, the [[Zoom|WhatsApp|Teams|video]] call dropped again"),
    T("d2_name_31", "name_surname_first clinician_note",
      "Re: {last:upper}, {first} - seen in clinic, mood improved, plan unchanged.", NON_US_LOCALES),
    T("d2_name_32", "name_initial_surname chat_lowercase",
      "the new psychiatrist is {name_init} or something, cant read the letter", case="lower"),

    # ---------------------------------------------------------------------------------------------------------
    # Towns: on their own line, ALL CAPS, small non-US towns, native script
    # ---------------------------------------------------------------------------------------------------------
    T("d2_town_01", "town_own_line",
      "Where I grew up:\n{town}\nnobody talks about feelings there.", SMALL_TOWN_LOCALES),
    T("d2_town_02", "shouting_caps",
      "BORN AND RAISED IN {town} AND I CAN'T WAIT TO GET OUT", SMALL_TOWN_LOCALES, case="upper"),
    T("d2_town_03", "",
      "I'm from a tiny place called {town}, you won't have heard of it", SMALL_TOWN_NON_EN),
    T("d2_town_04", "name_signoff town_own_line",
      "Thanks again for everything.\n{name}\n{town:upper}\n{phone}", SMALL_TOWN_LOCALES),
    T("d2_town_05", "negatives_in_context",
      "Moved from {town} to {city2} for uni [[last year|in September|two years ago]] and it's been so lonely",
      SMALL_TOWN_LOCALES),
    T("d2_town_06", "intake_form_line town_own_line",
      "Place of birth:\n{town}\nFirst language: [[English|other|prefer not to say]]"),

    # ---------------------------------------------------------------------------------------------------------
    # Phones
    # ---------------------------------------------------------------------------------------------------------
    T("d2_phone_01", "negatives_in_context",
      "text me on {phone} if the video link fails again on {weekday}", NON_US_LOCALES),
    T("d2_phone_02", "phone_extension",
      "You can reach my social worker at {phone_ext}, she's usually in mornings"),
    T("d2_phone_03", "phone_no_separators negatives_in_context",
      "my number is {phone_plain} pls call after {time}"),
    T("d2_phone_04", "negatives_in_context",
      "I called {helpline} last night but today I'd rather you ring me: {phone}"),
    T("d2_phone_05", "speaker_label",
      "Operator: Can I take a number to call you back on?\nCaller: {phone2}, it's my sister's phone",
      female=(2,)),
    T("d2_phone_06", "pasted_email name_signoff",
      "pasting his signature so you know who I mean:\n\nBest,\n{name}\nPeer Support Worker\nM: {phone}\n"
      "E: {email}"),
    T("d2_phone_07", "phone_extension",
      "my cell is {phone} or try the office line {phone_ext2}", US),
    T("d2_phone_08", "clinician_note phone_no_separators",
      "Pt's new mobile {phone_plain}; old number disconnected. Consent to text reminders given."),

    # ---------------------------------------------------------------------------------------------------------
    # Payment cards (12-digit Maestro and 13-19 digits)
    # ---------------------------------------------------------------------------------------------------------
    T("d2_card_01", "",
      "the clinic charged my card {card12} twice for the same session, who do I talk to"),
    T("d2_card_02", "intake_form_line multi_field_form",
      "Payment method: debit card\nCard number: {card12}\nCardholder: {name}"),
    T("d2_card_03", "chat_lowercase",
      "can i pay the copay with {card12} its a debit card from home", case="lower"),
    T("d2_card_04", "",
      "I accidentally pasted my card number in here {card_long} can you delete it??"),
    T("d2_card_05", "run_on_sentence chat_lowercase negatives_in_context",
      "and then the {company} app wanted my card so i typed {card} and it said declined which just made "
      "everything worse because i only had {price} left till payday and i just sat in the car park crying",
      case="lower"),
    T("d2_card_06", "shouting_caps negatives_in_context",
      "WHY IS {card_long} BEING CHARGED {price} EVERY MONTH I CANCELLED", case="upper"),

    # ---------------------------------------------------------------------------------------------------------
    # Driver's licences
    # ---------------------------------------------------------------------------------------------------------
    T("d2_dl_01", "negatives_in_context",
      "They suspended my licence ({dl}) after the crash, and that's when the {drug} started", DL_LOCALES),
    T("d2_dl_02", "multi_field_form intake_form_line date",
      "ID type: driver's licence\nID number: {dl}\nChecked on: {date}", DL_LOCALES),
    T("d2_dl_03", "chat_lowercase",
      "license # is {dl} if u need it for the form", DL_LOCALES, case="lower"),
    T("d2_dl_04", "clinician_note",
      "ID verified via DL {dl}; address on licence out of date.", DL_LOCALES),
    T("d2_dl_05", "negatives_in_context",
      "my DL {dl} expires in [[two weeks|a month|ten days]] and I'm scared to go to the DMV alone", US),

    # ---------------------------------------------------------------------------------------------------------
    # National / tax / health IDs, passports, SSNs
    # ---------------------------------------------------------------------------------------------------------
    T("d2_id_01", "multi_field_form intake_form_line dob_with_cue",
      "Full name: {name}\n{natid_label}: {natid}\nDate of birth: {dob}"),
    T("d2_id_02", "clinician_note negatives_in_context",
      "Pt {name}, {health_label} {health}, seen for review of {dx}. Continue {med}."),
    T("d2_id_03", "speaker_label",
      "Receptionist: And your {health_label}, please?\n{first}: {health}"),
    T("d2_id_04", "run_on_sentence chat_lowercase negatives_in_context",
      "i gave them my {natid_label} {natid} and they still couldnt find me in the system and the lady was like "
      "come back {weekday} and i just started crying right there in the waiting room", case="lower"),
    T("d2_id_05", "shouting_caps negatives_in_context",
      "I WILL NOT GIVE MY {natid_label} TO A CHATBOT. FINE. {natid}. HAPPY?", case="upper"),
    T("d2_id_06", "pasted_email dob_with_cue name_signoff",
      "Subject: Re: registration\n\nHi, my {health_label} is {health} and my date of birth is {dob}.\n"
      "Thanks,\n{first}"),
    T("d2_pass_01", "",
      "Passport no. {passport} - I need it on the letter for the travel insurance"),
    T("d2_pass_02", "multi_field_form intake_form_line negatives_in_context",
      "Country of birth: {country}\nPassport number: {passport}\nInterpreter needed: [[yes|no]]"),
    T("d2_pass_03", "chat_lowercase",
      "my passport number is {passport} and its expiring soon which is a whole other panic", case="lower"),
    T("d2_pass_04", "clinician_note",
      "Asylum seeker; passport {passport} currently held by solicitor. Interpreter booked.", NON_US_LOCALES),
    T("d2_pass_05", "shouting_caps",
      "HE STILL HAS MY PASSPORT {passport} AND I CAN'T LEAVE", case="upper"),
    T("d2_ssn_01", "",
      "SSN {ssn} - sorry, billing said to put it here", US),
    T("d2_ssn_02", "multi_field_form intake_form_line dob_with_cue",
      "Social Security #: {ssn}\nDOB: {dob_num}\nInsurance: [[Medicaid|self-pay|employer plan]]", US),
    T("d2_ssn_03", "chat_lowercase typo_textspeak",
      "social is {ssn} tho idk why u need it", US, case="lower"),
    T("d2_ssn_04", "clinician_note",
      "Disability paperwork faxed (SSN {ssn}); awaiting response from the agency.", US),

    # ---------------------------------------------------------------------------------------------------------
    # E-mail, IBAN, IP addresses, URLs, usernames
    # ---------------------------------------------------------------------------------------------------------
    T("d2_mail_01", "negatives_in_context",
      "Could you email the thought record worksheet to {email}? The one from the [[Headspace|Woebot|Calm|group]] "
      "session"),
    T("d2_mail_02", "email_obfuscated",
      "my email is {email_spelled} (spelling it out so the filter doesn't eat it)"),
    T("d2_mail_03", "email_obfuscated chat_lowercase",
      "reach me at {email_spelled} not my work one", case="lower"),
    T("d2_mail_04", "chat_lowercase",
      "{email} is my school email dont use it pls my mum reads it", case="lower"),
    T("d2_mail_05", "shouting_caps",
      "STOP SENDING THINGS TO {email} I DON'T WORK THERE ANYMORE", case="upper"),
    T("d2_iban_01", "",
      "Refund to IBAN {iban}, account holder {name}", IBAN_LOCALES),
    T("d2_iban_02", "multi_field_form intake_form_line",
      "Bank details for the hardship grant\nAccount holder: {name}\nIBAN: {iban}", IBAN_LOCALES),
    T("d2_iban_03", "chat_lowercase",
      "can u refund it to {iban} pls", IBAN_LOCALES, case="lower"),
    T("d2_iban_04", "run_on_sentence negatives_in_context",
      "my mum wants to pay for the sessions straight from her account {iban} because she doesn't trust the online "
      "thing and honestly neither do I but {therapy} is helping so whatever works", IBAN_LOCALES),
    T("d2_ip_01", "",
      "The app says my IP {ipv4} is blocked? I'm not on a VPN or anything"),
    T("d2_ip_02", "",
      "it just shows this: \"session expired (client {ipv6})\" and kicks me out"),
    T("d2_ip_03", "chat_lowercase",
      "someone logged into my account from {ipv6} and it wasnt me", case="lower"),
    T("d2_ip_04", "clinician_note",
      "Threatening messages traced to {ipv4}; forwarded to safeguarding lead."),
    T("d2_url_01", "",
      "my drawings are on {url} if you want to see what I've been doing instead of sleeping"),
    T("d2_url_02", "",
      "He posted about me on {url2}, can they make him take it down?"),
    T("d2_url_03", "chat_lowercase",
      "follow me {url} i post when im doing ok", case="lower"),
    T("d2_url_04", "intake_form_line",
      "Website / portfolio (optional): {url}"),
    T("d2_user_01", "",
      "add me on discord, {handle_bare}, I'm on there most nights"),
    T("d2_user_02", "chat_lowercase",
      "my insta is {handle_at} dont judge", case="lower"),
    T("d2_user_03", "negatives_in_context",
      "He keeps making new accounts to message me, the latest one is {handle2}. Third one since "
      "[[last June|Christmas|the summer|the court date]]."),
    T("d2_user_04", "",
      "u/{handle_bare2} has been DMing me awful things"),
    T("d2_user_05", "speaker_label negatives_in_context",
      "{handle_at}: anyone else not sleeping\n{handle_at2}: same, [[3am|4:12|2 in the morning|5am]] and wide awake"),
    T("d2_user_06", "",
      "my gamertag is {handle_bare} if anyone wants to play quietly, no voice chat"),

    # ---------------------------------------------------------------------------------------------------------
    # Dates
    # ---------------------------------------------------------------------------------------------------------
    T("d2_date_01", "dob_no_cue",
      "I'm a {dob_partial} baby, if that explains anything"),
    T("d2_date_02", "",
      "Can we move my appointment from {date} to {date2}? I've got a shift."),
    T("d2_date_03", "date_range",
      "I'll be away {date_span}, can we pause the sessions till I'm back?"),
    T("d2_date_04", "date_extra_format dob_with_cue intake_form_line",
      "D.O.B.: {dob_more}"),
    T("d2_date_05", "date_extra_format clinician_note negatives_in_context",
      "Discharged {date_more}; re-presented [[ten days later|after two weeks|last night]] with the same symptoms."),
    T("d2_date_06", "",
      "the anniversary of her death is {date_words} and I always fall apart around then"),
    T("d2_date_07", "dob_with_cue name_no_cue chat_lowercase typo_textspeak",
      "{first} bday is {dob_partial} n i have no money for a present", case="lower"),
    T("d2_date_08", "clinician_note",
      "Last seen {date}; next review on {date_day} of next month."),
    T("d2_date_09", "dob_no_cue",
      "{name}, {dob_num}, {city}"),
    T("d2_date_10", "",
      "my visa appointment is {date} and I can't think about anything else", script="native"),
    T("d2_date_11", "date_extra_format multi_field_form intake_form_line intersection negatives_in_context",
      "Date of incident: {date_more}\nTime: {time}\nLocation: {intersection}", INTERSECTION_LOCALES),
    T("d2_date_12", "dob_no_cue",
      "Another year older on {dob_partial} and I don't feel like celebrating"),
    T("d2_date_13", "date_range chat_lowercase",
      "off work {date_span} on the sick note", case="lower"),

    # ---------------------------------------------------------------------------------------------------------
    # Mixed: several kinds of PII in one text, in every register
    # ---------------------------------------------------------------------------------------------------------
    T("d2_mix_01", "pasted_email multiline_address name_signoff",
      "this is the email my landlord sent, is it even legal?\n\nFrom: {name2} <{email2}>\nTo: {email}\n"
      "Subject: notice\n\nDear {first},\nYou must vacate\n{addr_nc}\nby {date}.\n\n{name2}"),
    T("d2_mix_02", "clinician_note multi_field_form dob_with_cue negatives_in_context",
      "ASSESSMENT NOTE\nPt: {name}   DOB: {dob}\nPresenting: {dx}, [[6 weeks|3 months|a fortnight]] of poor sleep.\n"
      "Lives with: {first2} (partner).\nContact: {phone}"),
    T("d2_mix_03", "run_on_sentence chat_lowercase negatives_in_context",
      "ok so my name is {name} and im {age} and i live at {addr_line} with my nan and i found this site "
      "through [[a tiktok|reddit|my gp|a poster at uni]] and i dont really know what to say except its been bad since "
      "[[christmas|last summer|the funeral|my birthday]] and my number is "
      "{phone} if someone can call", case="lower"),
    T("d2_mix_04", "shouting_caps multi_field_form",
      "NAME: {name}\nPHONE: {phone}\nEMAIL: {email}\nI FILLED THIS IN LAST WEEK ALREADY", case="upper"),
    T("d2_mix_05", "speaker_label dob_with_cue",
      "INTAKE: Can I confirm your full name and date of birth?\nCLIENT: {name}, {dob}\nINTAKE: And a contact "
      "number?\nCLIENT: {phone}"),
    T("d2_mix_06", "typo_textspeak chat_lowercase",
      "heyy its {first} frm b4 my new num is {phone} n email {email} thx", case="lower"),
    T("d2_mix_07", "intake_form_line multi_field_form multiline_address dob_with_cue",
      "Client details\n--------------\nName: {name}\nDate of birth: {dob}\nAddress:\n{addr}\nMobile: {phone}\n"
      "Email: {email}"),
    T("d2_mix_08", "clinician_note name_with_title",
      "Letter to GP, Dr {last2}, re: {name} ({health_label} {health}). Diagnosis: {dx}.", UK_IE),
    T("d2_mix_09", "multi_field_form intake_form_line dob_with_cue",
      "Patient name: {name}\nDate of birth: {dob_more}\nMRN: internal\nAllergies: none known", script="native"),
    T("d2_mix_10", "email_obfuscated phone_no_separators typo_textspeak",
      "dont want 2 post it here but ok: {email_spelled} or {phone_plain}, txt b4 calling pls"),
    T("d2_mix_11", "clinician_note date_range",
      "Inpatient stay {date_span}. Discharged to {addr_line}, under care of CMHT.", UK_IE),
    T("d2_mix_12", "multi_field_form intake_form_line name_middle_initial phone_extension",
      "Guarantor: {name_mi2}\nGuarantor phone (work): {phone_ext2}\nGuarantor email: {email2}"),
    T("d2_mix_13", "pasted_email name_with_title date",
      "Forwarding this from the clinic:\n\"Dear Mr/Ms {last}, your appointment with Dr {last2} is confirmed for "
      "{date_words} at {time}. Please bring photo ID.\""),
    T("d2_mix_14", "speaker_label name_middle_initial",
      "Chair: For the record, present are {name_mi}, {name_mi2} and myself.\nSecretary: Noted."),
]

CLEAN_TEMPLATES: list[Template] = [
    # interjections and greetings
    CT("d2_clean_01", "clean_interjection clean_weekday_relative_date",
       "Gday! Just checking in, feeling a bit better than [[last week|yesterday|a month ago|before Christmas]]."),
    CT("d2_clean_02", "clean_interjection",
       "Good Luck with the new job everyone, I'll be cheering from the sofa"),
    CT("d2_clean_03", "clean_interjection clean_medication",
       "{interj} {interj2} okay so the {med} is finally kicking in"),
    CT("d2_clean_04", "clean_interjection clean_devices_apps",
       "{greet} all, {feeling} today but I managed some {activity}"),
    # words that are also names
    CT("d2_clean_05", "clean_name_words",
       "Will it ever get easier? I hope so. May is always a hard month for me."),
    CT("d2_clean_06", "clean_name_words",
       "Saying grace at big family dinners makes me anxious and I don't know why"),
    CT("d2_clean_07", "clean_name_words clean_weekday_relative_date",
       "The gas bill came and I just froze. Mark my words, I'll sort it "
       "[[tomorrow|next week|by Friday|after payday]]."),
    CT("d2_clean_08", "clean_name_words",
       "Don't have a penny left after rent, had to don the old winter coat again"),
    CT("d2_clean_09", "clean_name_words clean_weekday_relative_date",
       "The sun rose and I was still awake. Hope {weekday} is better."),
    CT("d2_clean_10", "clean_name_words",
       "will try again tmrw, may just stay in bed tho, hope thats ok", case="lower"),
    CT("d2_clean_11", "clean_name_words clean_allcaps",
       "I WILL NOT GIVE UP. MAY THE FORCE BE WITH ME. HOPE IS A VERB APPARENTLY", case="upper"),
    CT("d2_clean_12", "clean_name_words",
       "A single rose on the doorstep and I burst into tears, in a good way. Faith restored, bit of joy."),
    # typos and missing spaces after a full stop
    CT("d2_clean_13", "clean_typo_spacing",
       "i dont know what i need.Tel me what you think i should do"),
    CT("d2_clean_14", "clean_typo_spacing clean_name_words",
       "it was two.You know how it goes.Will call the line later"),
    CT("d2_clean_15", "clean_typo_spacing clean_numbers",
       "Took my meds at {time}.Felt sick after.Hope it passes.Mum says its normal"),
    # medications, eponyms, street drugs
    CT("d2_clean_16", "clean_medication clean_numbers",
       "Switched from {med} to {med2}, {dose} in the morning, and the nausea is easing"),
    CT("d2_clean_17", "clean_medication clean_weekday_relative_date",
       "Had {vaccine} the other day and my arm is killing me, also feel low, is that a thing?"),
    CT("d2_clean_18", "clean_eponym",
       "My son has [[Asperger's|Tourette's|Crohn's|Hashimoto's|Graves' disease|Ménière's]] and honestly I think I "
       "might too"),
    CT("d2_clean_19", "clean_street_drugs clean_weekday_relative_date",
       "used {drug} again [[last week|a month ago|over the weekend|yesterday|on Friday]], back to day one"),
    CT("d2_clean_20", "clean_street_drugs",
       "people at the party were doing {drug} and {drug2} and I left early. Proud of myself."),
    CT("d2_clean_21", "clean_street_drugs clean_numbers",
       "been [[2 weeks|90 days|a month|6 months|12 days]] off the {drug} now", case="lower"),
    # diagnoses and therapies; clinician shorthand
    CT("d2_clean_22", "clean_diagnosis_therapy",
       "Got diagnosed with {dx} and they want me to start {therapy} straight away"),
    CT("d2_clean_23", "clean_diagnosis_therapy clean_date_lookalike clean_medication",
       "Pt reports low mood x 2/52, PHQ-9 17, GAD-7 12. No SI. Plan: titrate {med} to {dose}, f/u 1/12."),
    CT("d2_clean_24", "clean_diagnosis_therapy clean_numbers",
       "Week 3 of {therapy} for my {dx}, still sceptical but I did the homework"),
    # devices and apps
    CT("d2_clean_25", "clean_devices_apps clean_numbers",
       "My [[Fitbit|Apple Watch|Oura ring|Garmin]] says I slept 4 hours but it felt like none"),
    CT("d2_clean_26", "clean_devices_apps",
       "The CPAP mask is rubbing again and my [[Duolingo|Headspace|Finch|Daylio|I Am Sober]] streak reset, small "
       "things but still"),
    CT("d2_clean_27", "clean_devices_apps clean_date_lookalike",
       "Updated the app to version 3.12.1 and now it crashes every time I log a mood, 2.5 stars from me"),
    # weekdays, relative dates, ages, years
    CT("d2_clean_28", "clean_weekday_relative_date",
       "See you {weekday}? Mornings are bad though, that's when the meds make me groggy"),
    CT("d2_clean_29", "clean_age",
       "I'm {age} and I still don't know what I'm doing with my life"),
    CT("d2_clean_30", "clean_age clean_numbers",
       "my kids are 4 and 9 and neither of them sleeps so neither do I", case="lower"),
    CT("d2_clean_31", "clean_year",
       "Back in {year} I had a breakdown and lost my job, and I've been rebuilding since"),
    CT("d2_clean_32", "clean_year clean_numbers",
       "Sober since {year}. Some days it's one hour at a time, and 3 meetings a week"),
    # public helplines
    CT("d2_clean_33", "clean_helpline clean_weekday_relative_date",
       "I called {helpline} [[last week|a month ago|over the weekend|yesterday|on Friday]] and they were really kind"),
    CT("d2_clean_34", "clean_helpline",
       "UK folks: Samaritans on 116 123. Aussies: Lifeline 13 11 14. US: call or text 988. You're not alone."),
    CT("d2_clean_35", "clean_helpline",
       "In India you can call Tele MANAS on 14416, in Canada it's 9-8-8, and in Germany the Telefonseelsorge is "
       "0800 111 0 111"),
    # doses, times, prices, counts, scores, date look-alikes
    CT("d2_clean_36", "clean_numbers",
       "Took {dose} at {time}, then another {dose2} at {time2} because I panicked"),
    CT("d2_clean_37", "clean_numbers",
       "Therapy is {price} a session and I've only got 4 sessions left on the plan"),
    CT("d2_clean_38", "clean_date_lookalike clean_numbers",
       "Rated my anxiety 7/10 today, 24/7 worry basically, BP was 128/84 at the check-up, 50/50 on going back"),
    # public figures, companies, countries, regions, websites
    CT("d2_clean_39", "clean_public_figure_company",
       "{figure} talking about their mental health honestly helped me more than I can say"),
    CT("d2_clean_40", "clean_public_figure_company clean_weekday_relative_date",
       "Got a job at {company}!! First shift {weekday}, terrified"),
    CT("d2_clean_41", "clean_public_figure_company",
       "Reading Man's Search for Meaning by Viktor Frankl, and Matt Haig's Reasons to Stay Alive is next"),
    CT("d2_clean_42", "clean_country_in_passing clean_age",
       "We came from {country} when I was {age} and I still miss the food, the noise, all of it"),
    CT("d2_clean_43", "clean_region_in_passing",
       "My best friend moved to [[Texas|Ontario|Queensland|Bavaria|Kerala|Tasmania|Ohio|Andalusia]] and I've never "
       "felt so alone"),
    CT("d2_clean_44", "clean_public_website",
       "Found a worksheet on [[www.mind.org.uk|psychologytools.com|www.nimh.nih.gov|beyondblue.org.au|"
       "www.samaritans.org|www.verywellmind.com]] that actually helps with the spiralling"),
    CT("d2_clean_45", "clean_public_website clean_helpline",
       "The 988lifeline.org chat was busy so I came here instead"),
    # blank forms, role words, transcripts without names, generic places, games, shouting
    CT("d2_clean_46", "clean_blank_form",
       "Name: (prefer not to say)\nDOB: N/A\nAddress: no fixed abode\nPhone: none\nEmergency contact: nobody really"),
    CT("d2_clean_47", "clean_blank_form clean_kinship_role_words",
       "Patient: [withheld]\nDate of birth: ___\nReferrer: Self\nNext of kin: Mum\nNext appointment: TBC"),
    CT("d2_clean_48", "clean_kinship_role_words",
       "Mum says I'm too sensitive. Nan agrees. Dad says nothing, as usual. Sis is the only one who gets it."),
    CT("d2_clean_49", "clean_transcript clean_weekday_relative_date",
       "THERAPIST: How was the week?\nCLIENT: Honestly? Bad. [[Monday|Tuesday|Wednesday|Thursday]] I didn't get "
       "out of bed.\n"
       "THERAPIST: Okay. Let's talk about that."),
    CT("d2_clean_50", "clean_generic_places clean_games",
       "Walked to the park and the corner shop, first time out in days, then played "
       "[[Stardew Valley|Minecraft|Animal Crossing|Hollow Knight|Tetris]] till late"),
]
