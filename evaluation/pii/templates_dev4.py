"""Template set for the ``dev4`` tuning half (ids ``d4_...``).

Written from scratch by an independent evaluator who read only ``README.md``, ``template_spec.py``, ``generate.py``,
``pii_values.py``, ``score.py`` and ``selfcheck.py``; no other template set, no JSONL file and nothing of the
detector was opened.  The aim is breadth of *register and layout*: lower-case chat, text-speak, voice-to-text and
dictation, intake / referral / registration forms with many field-label spellings, pipe and tab tables, CSV rows,
JSON and key=value snippets pasted from apps and logs, vCards, e-mail headers and signatures, court, benefit,
insurance, tenancy and school letters, SMS and messenger threads with timestamps, clinician and crisis-line notes,
bullet lists, quoted and forwarded messages, ALL-CAPS shouting.

Labels follow the README guideline: titles, ranks, cue words, field labels, ``u/``, ``〒``, ``様``, ``C/o`` and the
weekday in front of a date stay outside the spans; only slot values are labelled.  Literal text carries no private
names, towns, street or building numbers, or specific dates.  ``el_GR`` is left out of every template with a national
/ health ID slot (its AMKA depends on the wall clock, see README).

Dev4-only slots (``generate.Renderer``): ``phone_dash``, ``phone_spoken``, ``dob_spoken``, ``date_spoken``,
``date_dow``, ``first_word``, ``name_particle``, ``name_barrel``.
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
    POSTCODE_LOCALES,
    SMALL_TOWN_LOCALES,
    STREET_THEN_NUMBER_LOCALES,
    T,
)

# Locales whose national / health IDs do not depend on the wall clock (el_GR's AMKA does).
ID_LOCALES = tuple(code for code in ALL_LOCALES if code != "el_GR")
ID_LATIN = tuple(code for code in ID_LOCALES if code in LATIN_LOCALES)
LATIN_POSTCODE = tuple(code for code in POSTCODE_LOCALES if code in LATIN_LOCALES)
PARTICLE_LOCALES = ("nl_NL", "de_DE", "fr_FR", "es_ES", "es_MX", "it_IT", "pt_BR", "en_IE", "ar_AA")
# Countries whose PO-box word is not English and whose address ends "postcode town".
EURO_BOX = ("de_DE", "nl_NL", "sv_SE", "fr_FR", "es_ES", "it_IT", "pt_BR")
US = ("en_US",)
CJK = ("ja_JP", "zh_CN", "ko_KR")

PII_TEMPLATES = [
    # ---------------------------------------------------------------------------------------------------------
    # lower-case chat, text-speak, typos, run-ons
    # ---------------------------------------------------------------------------------------------------------
    T("d4_chat_01", "chat_lowercase typo_textspeak name_no_cue",
      "ok so {first} (thats my sister) keeps ringing me from {phone} n i cant pick up rn, what do i even say to her",
      case="lower", female=(1,)),
    T("d4_chat_02", "chat_lowercase name_no_cue",
      "hiii its {first} again lol the one from {city}, u said to come back if it got worse. it got worse",
      case="lower"),
    T("d4_chat_03", "chat_lowercase typo_textspeak name_no_cue",
      "my bf {name2} has my phone and my id card so if the worker needs me its my mums landline {phone3} only",
      case="lower", male=(2,), female=(3,)),
    T("d4_chat_04", "chat_lowercase single_line_address",
      "nvm found the letter, addy on it is {addr_line} so i guess thats where they think i live", case="lower"),
    T("d4_chat_05", "chat_lowercase dob_with_cue typo_textspeak",
      "wat do i put 4 dob?? its {dob_num} if that matters, the form keeps saying invalid", case="lower"),
    T("d4_chat_06", "chat_lowercase name_no_cue negatives_in_context",
      "pls dont tell {first2} i said any of this, shes my supervisor at {company} and she'd fire me on the spot",
      case="lower", female=(2,)),
    T("d4_chat_07", "typo_textspeak name_no_cue single_line_address",
      "my nmae is {name} and i liv at {street} , {city} i dont no who else to ask pls hlp"),
    T("d4_chat_09", "chat_lowercase typo_textspeak",
      "u can find me on insta {handle_at} or just txt {phone} after 6 when hes out", case="lower"),
    T("d4_chat_11", "run_on_sentence chat_lowercase name_possessive negatives_in_context",
      "so basically i moved out of {first2}'s place [[last month|a few weeks ago|over the summer|right after new "
      "year]] and now im at my aunts which is {addr_line} and she "
      "doesnt know about the {drug} and i dont want her finding out so if anyone calls its {phone} and ask for me not "
      "her", case="lower"),
    T("d4_chat_12", "run_on_sentence name_no_cue negatives_in_context",
      "and then {first} turned up at work again even though the order says he cant come near {street} or my job and "
      "the police said to write everything down so im writing it here too because i dont know where else it goes",
      male=(1,)),
    T("d4_chat_13", "chat_lowercase typo_textspeak name_nickname",
      "its me {nick} from yday, sry i left mid chat my battery died. still at {town} if that changes anything",
      case="lower"),
    T("d4_chat_15", "typo_textspeak name_list",
      "ppl who r allowed 2 pick up my kids: me, {name2}, {first3}. NOT their dad. thx"),

    # ---------------------------------------------------------------------------------------------------------
    # voice-to-text, dictation, voicemail
    # ---------------------------------------------------------------------------------------------------------
    T("d4_voice_01", "voice_transcript name_no_cue negatives_in_context",
      "um yeah hi my name is uh {name} and i'm calling because my uh my {med} ran out on {weekday} and the pharmacy "
      "said i need a new script", case="lower"),
    T("d4_voice_02", "voice_transcript phone_spoken",
      "so the number you can get me on is {phone_spoken} um that's my mobile not the house one", case="lower"),
    T("d4_voice_03", "voice_transcript dob_with_cue date_spoken",
      "my date of birth uh it's {dob_spoken} yeah", case="lower"),
    T("d4_voice_04", "voice_transcript postcode_no_cue single_line_address",
      "i live at um {street} in {city} and uh {postcode} i think is the yeah that's it", case="lower",
      locales=LATIN_POSTCODE),
    T("d4_voice_05", "voice_transcript email_obfuscated",
      "okay so the email is {email_spelled} did you get that or should i say it slower", case="lower"),
    T("d4_voice_07", "voice_transcript intersection name_no_cue",
      "my daughter {first2} she's um she's [[seven|nine|eleven|six]] she goes to the school by {intersection} and "
      "that's where he waits",
      case="lower", female=(2,), locales=INTERSECTION_LOCALES),
    T("d4_voice_08", "voice_transcript pasted_email date_with_weekday",
      "dear {name} comma new line thank you for seeing me on {date_dow} full stop i wanted to say i'm sorry i left "
      "early full stop", case="lower"),
    T("d4_voice_09", "voice_transcript",
      "uh my {health_label} is {health} i've got the card right here", case="lower", locales=ID_LATIN),
    T("d4_voice_10", "voice_transcript pasted_sms phone_spoken name_no_cue",
      "Voicemail (0:41) from Unknown\n\"hi it's {first} um can you call me back on {phone_spoken} whenever you get "
      "this, it's not urgent, well, it sort of is\""),
    T("d4_voice_12", "voice_transcript name_no_cue dob_no_cue date_spoken",
      "this is a message for the duty worker it's {name} {dob_spoken} i missed my call this morning", case="lower"),

    # ---------------------------------------------------------------------------------------------------------
    # intake, registration and referral forms
    # ---------------------------------------------------------------------------------------------------------
    T("d4_form_01", "multi_field_form intake_form_line name_surname_first dob_with_cue multiline_address",
      "PATIENT REGISTRATION\nSurname: {last}\nGiven name(s): {first}\nD.O.B.: {dob}\nTel (home): {phone}\n"
      "Postal address:\n{addr}"),
    T("d4_form_02", "multi_field_form intake_form_line name_nickname dob_with_cue phone_dashed",
      "Client Intake - page 1 of 3\nFull legal name .......... {name}\nPreferred name ........... {nick}\n"
      "Pronouns ................. she/her\nBirthdate ................ {dob_words}\nContact no. .............. "
      "{phone_dash}", female=(1,)),
    T("d4_form_03", "multi_field_form intake_form_line referral_letter name_with_title dob_with_cue "
      "negatives_in_context",
      "REFERRAL\nReferrer: Dr {last2}, community mental health team\nReferred person: {name}\nDoB {dob_num}   "
      "{health_label}: {health}\nReason: low mood, {dx}, stopped {med} without advice", locales=ID_LOCALES),
    T("d4_form_04", "multi_field_form intake_form_line single_line_address",
      "Name / Nombre: {name}\nFecha de nacimiento / Date of birth: {dob}\nDirección / Address: {addr_line}",
      locales=("es_ES", "es_MX")),
    T("d4_form_05", "intake_form_line name_no_cue",
      "Emergency contact (name, relationship, number): {name2}, older brother, {phone2}", male=(2,)),
    T("d4_form_06", "multi_field_form intake_form_line phone_no_separators",
      "Home ph#: {phone}\nAlt (cell, text ok): {phone_plain}\nBest time: after {time}"),
    T("d4_form_07", "multi_field_form name_signoff",
      "[x] I agree to appointment reminders by text to {phone}\n[ ] I do not agree\nSigned: {name}     "
      "Date: {date_num}"),
    T("d4_form_08", "multi_field_form intake_form_line standalone_building_number postcode_no_cue",
      "House no.: {bldg}\nFlat / floor: {unit}\nTown: {town}\nPost code: {postcode}", locales=LATIN_POSTCODE),
    T("d4_form_09", "multi_field_form intake_form_line name_middle_initial dob_with_cue",
      "Applicant ...... {name_mi}\nBorn ........... {dob_more}\nPlace of birth . {country}\n"
      "Household size . 3", script="latin"),
    T("d4_form_10", "multi_field_form intake_form_line name_with_title military_address",
      "Service member: {rank} {name}\nUnit mailing address:\n{mil}\nSpouse / NOK: {name2}", locales=US),
    T("d4_form_11", "multi_field_form intake_form_line allcaps_form dob_with_cue",
      "NAME: {name}\nDOB: {dob}\nADDRESS:\n{addr}\nGP: REGISTERED, DETAILS ON FILE", case="upper"),
    T("d4_form_13", "multi_field_form intake_form_line single_line_address name_no_cue",
      "Q3. Who do you live with?\nA: my nan ({name2}) and her partner\nQ4. Address\nA: {addr_line}", female=(2,)),
    T("d4_form_15", "intake_form_line name_surname_first",
      "Surname/Nom: {last:upper}   Given names/Prénoms: {first}   Passport No./N° du passeport: {passport}",
      locales=("fr_FR", "en_CA")),
    T("d4_form_17", "multi_field_form intake_form_line multiline_address address_with_country",
      "Permanent address (abroad):\n{addr_c}\nTemporary address: hostel, room 12"),
    T("d4_form_18", "multi_field_form intake_form_line name_no_cue",
      "ID check\n- document: driving licence\n- number: {dl}\n- holder: {name}\n- matches face: yes",
      locales=DL_LOCALES),
    T("d4_form_19", "multi_field_form intake_form_line street_then_number",
      "Straße & Hausnr. / street & no.: {street_sn}\nPLZ / postcode: {postcode}\nOrt / town: {city}",
      locales=("de_DE",)),

    # ---------------------------------------------------------------------------------------------------------
    # tables, CSV rows, JSON and key=value snippets, vCards
    # ---------------------------------------------------------------------------------------------------------
    T("d4_tab_01", "table_tabs dob_no_cue",
      "Name\tBorn\tPostcode\n{name}\t{dob_num}\t{postcode}", locales=POSTCODE_LOCALES),
    T("d4_tab_02", "table_pipes",
      "| field | value |\n|---|---|\n| name | {name} |\n| email | {email} |\n| ip at sign-up | {ipv4} |",
      script="latin"),
    T("d4_tab_03", "csv_row dob_no_cue",
      "id,first_name,last_name,dob,phone\n7,{first},{last},{dob_num},{phone}"),
    T("d4_tab_04", "csv_row",
      "surname;first name;date of birth;IBAN\n{last};{first};{dob_num};{iban}", locales=IBAN_LOCALES),
    T("d4_tab_05", "json_snippet",
      "{\"user\": {\"display_name\": \"{name}\", \"email\": \"{email}\", \"last_login_ip\": \"{ip}\"}}",
      script="latin"),
    T("d4_tab_06", "json_snippet",
      "{\"shipping\": {\"line1\": \"{street}\", \"city\": \"{city}\", \"postal_code\": \"{postcode}\"}, "
      "\"items\": 2}", locales=POSTCODE_LOCALES),
    T("d4_tab_07", "key_value_inline",
      "level=WARN msg=\"login failed\" user={handle_bare} email={email} src_ip={ipv4} attempts=5", script="latin"),
    T("d4_tab_08", "key_value_inline dob_with_cue",
      "BEGIN:VCARD\nVERSION:3.0\nFN:{name}\nTEL;TYPE=cell:{phone}\nEMAIL:{email}\nBDAY:{dob_num}\nEND:VCARD",
      script="latin"),
    T("d4_tab_09", "table_pipes name_list",
      "| who | relation | number |\n| --- | --- | --- |\n| {name2} | mum | {phone2} |\n| {name3} | best mate | "
      "{phone3} |", female=(2,)),
    T("d4_tab_11", "table_tabs",
      "doc\tnumber\tholder\npassport\t{passport}\t{name}\nlicence\t{dl}\t{name}", locales=DL_LOCALES),
    T("d4_tab_13", "table_pipes name_allcaps",
      "| SURNAME | FORENAME | {natid_label} |\n|---|---|---|\n| {last:upper} | {first} | {natid} |",
      locales=ID_LATIN),
    T("d4_tab_14", "key_value_inline",
      "name={first}+{last}&email={email}&tel={phone_plain}&consent=1", script="latin"),
    T("d4_tab_15", "emoji_fields dob_no_cue single_line_address",
      "\U0001F3E0 {addr_line}\n\U0001F4DE {phone}\n\U0001F382 {dob}"),

    # ---------------------------------------------------------------------------------------------------------
    # e-mail headers, signatures, forwards, auto-replies
    # ---------------------------------------------------------------------------------------------------------
    T("d4_mail_01", "pasted_email name_signoff date_with_weekday",
      "From: {name} <{email}>\nSent: {date_dow} {time}\nTo: intake team\nSubject: re: waiting list\n\nhi, still "
      "waiting to hear back, is there anything else you need from me\n{first}", script="latin"),
    T("d4_mail_02", "email_signature name_signoff",
      "Kind regards,\n\n{name}\nSupport Worker (she/her)\nM: {phone}\nE: {email}\n{url}", female=(1,), script="latin"),
    T("d4_mail_03", "pasted_email quoted_message",
      "---------- Forwarded message ---------\nFrom: {email2}\nDate: {date_words}\nSubject: your tenancy\n\n> Dear "
      "{name}, your tenancy at {street} ends on {date}. Please return all keys.", script="latin"),
    T("d4_mail_04", "pasted_email name_list",
      "To: {email}; {email2}\nCc: {name3}\nSubject: tonight\n\nis everyone ok with me bringing this up in the "
      "session", script="latin"),
    T("d4_mail_05", "pasted_email phone_extension date_extra_format",
      "Automatic reply: I am out of the office until {date_more}. For anything urgent please contact {name2} on "
      "{phone_ext2}."),
    T("d4_mail_06", "name_signoff name_nickname",
      "ok see u then x\n\n{nick}\n\nSent from my iPhone"),
    T("d4_mail_07", "email_signature name_with_title",
      "--\nDr {name} | Consultant Psychiatrist\nT {phone_dots} | {email}\nThis e-mail is confidential.",
      script="latin"),

    # ---------------------------------------------------------------------------------------------------------
    # court, benefit, insurance, tenancy and school letters
    # ---------------------------------------------------------------------------------------------------------
    T("d4_letter_01", "official_letter name_surname_first",
      "FAMILY COURT - NOTICE OF HEARING\nRe: {last:upper}, {first}\nThe hearing listed for {date_words} at "
      "[[10:00|2pm|09:30]] will go ahead as planned. Bring photo ID."),
    T("d4_letter_02", "official_letter multiline_address name_with_title",
      "{name}\n{addr_nc}\n\nDear Mx {last},\nYour {natid_label}: {natid}\nWe have reviewed your claim.",
      locales=("en_GB", "en_IE", "en_AU", "en_CA", "en_IN")),
    T("d4_letter_03", "official_letter name_allcaps",
      "EXPLANATION OF BENEFITS - THIS IS NOT A BILL\nMember: {name:upper}\n{health_label}: {health}\n"
      "Date of service: {date_num}\nYou may owe: {price}", locales=US),
    T("d4_letter_04", "school_note name_possessive",
      "Dear parents and carers of {first} {last} (Year 8),\nWe are writing because {first}'s attendance has dropped "
      "below 80% this term."),
    T("d4_letter_05", "school_note name_signoff",
      "to whom it may concern pls excuse {first2} from PE on {date}, they have a doctors appt. thanks {name}"),
    T("d4_letter_06", "official_letter multiline_address",
      "NOTICE SEEKING POSSESSION\nTo: {name}\nOf:\n{addr}\nThe landlord requires possession after {date_words}.",
      locales=ENGLISH_LOCALES),
    T("d4_letter_07", "official_letter",
      "Your application has been received.\nApplicant: {name}\nPassport number: {passport}\nNationality: {country}\n"
      "Do not travel until you receive a decision."),
    T("d4_letter_09", "official_letter",
      "A payment of {price} will be made to the account {iban} on {date}. Reference: HB-rent.", locales=IBAN_LOCALES),
    T("d4_letter_10", "official_letter",
      "Re: disputed transaction\nCardholder: {name}\nCard number: {card}\nWe have temporarily refunded the amount."),
    T("d4_letter_11", "referral_letter dob_with_cue name_with_title",
      "Dear Dr {last2},\nRe: {name}, born {dob_words}\nThank you for referring this young person. We saw them with "
      "their mother."),

    # ---------------------------------------------------------------------------------------------------------
    # SMS and messenger threads
    # ---------------------------------------------------------------------------------------------------------
    T("d4_sms_01", "pasted_sms chat_log_timestamps speaker_label",
      "[09:12] {first}: r u up\n[09:14] me: ya whats up\n[09:15] {first}: can u get me from {street} at 3"),
    T("d4_sms_02", "pasted_sms name_no_cue",
      "Today 21:04\n{name2} \u2764\ufe0f\nwhere are you. answer me\n\nToday 21:40\n{name2} \u2764\ufe0f\nim outside "
      "{street}"),
    T("d4_sms_03", "pasted_sms chat_log_timestamps speaker_label",
      "[{date_num}, 22:41] {name}: i cant do this anymore\n[{date_num}, 22:43] {name2}: call {helpline} or im "
      "calling them for you"),
    T("d4_sms_04", "pasted_sms name_with_title date_with_weekday",
      "Reminder: {first}, your appt with Dr {last2} is on {date_dow} at [[9:30|14:10|11am|4.15pm]]. Reply Y to "
      "confirm, N to cancel."),
    T("d4_sms_05", "pasted_sms standalone_postcode",
      "Your parcel for {name} will be delivered to {postcode} today between 1 and 3pm. Reply STOP to opt out.",
      locales=POSTCODE_LOCALES),
    T("d4_sms_06", "pasted_sms speaker_label name_list",
      "{first}: has anyone heard from {first2}\n{first3}: no. her mum said shes in {town}\n{first}: omg",
      female=(2,)),
    T("d4_sms_08", "pasted_sms quoted_message single_line_address",
      "she literally texted 'if you leave i'll post {addr_line} everywhere' what do i do"),
    T("d4_sms_09", "pasted_sms chat_log_timestamps",
      "12:01 PM \u00b7 from {handle_at}: i know where u are\n12:03 PM \u00b7 from {handle_at}: u cant hide",
      script="latin"),

    # ---------------------------------------------------------------------------------------------------------
    # clinician notes, crisis-line notes, ward handovers
    # ---------------------------------------------------------------------------------------------------------
    T("d4_note_01", "clinician_note name_initial_surname single_line_address",
      "Pt {name_init}, {age}yo, seen in ED {date_num}. c/o SI, no plan. Lives w/ partner ({first2}) at "
      "{addr_line}. Collateral via {phone2}."),
    T("d4_note_02", "crisis_call_note name_no_cue",
      "CALL LOG 02:14\nCaller gave first name only: {first}\nCalling from: {town} area\nCallback no.: {phone}\n"
      "Risk: moderate. Safety plan reviewed. Given {helpline} for out of hours."),
    T("d4_note_03", "clinician_note name_surname_first name_allcaps dob_with_cue",
      "Handover bed 7 - {last:upper} {first}, DOB {dob}, NOK mother {name2} {phone2}, obs 1:1 overnight",
      female=(2,)),
    T("d4_note_05", "clinician_note date_with_weekday",
      "SOAP {date_dow}\nS: 'not sleeping, {feeling}'\nA: {dx}\nP: f/u 2/52, results to {email}", script="latin"),
    T("d4_note_06", "crisis_call_note speaker_label name_no_cue",
      "Texter: my name is {first} and im at {street} rn\nVolunteer: thank you for telling me, {first}. are you safe "
      "right now?"),
    T("d4_note_09", "clinician_note speaker_label name_no_cue",
      "INTERPRETER: she says her husband {name2} took the passports and she does not know where he lives now",
      male=(2,)),
    T("d4_note_10", "crisis_call_note name_no_cue phone_dashed",
      "Outcome: caller ({first}) agreed to go to sister's tonight. Sister's no. {phone_dash2}. Pt consented to "
      "follow-up text.", female=(2,)),
    T("d4_note_11", "clinician_note name_middle_initial",
      "Client: {name_mi}   {health_label}: {health}\nPresenting: {dx}, poor sleep, {drug} use weekends",
      locales=ID_LOCALES, script="latin"),
    T("d4_note_13", "crisis_call_note run_on_sentence name_no_cue",
      "cllr tearful throughout, lives alone since wife died, son {first2} lives nearby but they have not spoken, "
      "cllr declined ambulance, gave postcode {postcode} voluntarily, agreed to call back", male=(2,),
      locales=LATIN_POSTCODE),

    # ---------------------------------------------------------------------------------------------------------
    # names: particles, double-barrelled, name-words, initials, surname first, possessives, native scripts
    # ---------------------------------------------------------------------------------------------------------
    T("d4_name_01", "name_particle name_no_cue",
      "my nan is {name_particle2}, she raised me after everything", female=(2,), locales=PARTICLE_LOCALES,
      script="latin"),
    T("d4_name_02", "name_particle",
      "can you fix my records please, my name is {name_particle} and the system keeps dropping half the surname",
      locales=PARTICLE_LOCALES, script="latin"),
    T("d4_name_04", "name_double_barrelled name_sentence_start",
      "{name_barrel} here - double-barrelled, with the hyphen, and yes both halves matter to me",
      locales=LATIN_LOCALES),
    T("d4_name_05", "name_double_barrelled name_with_title",
      "Ms {name_barrel2} from the council rang again about the arrears", female=(2,), locales=LATIN_LOCALES),
    T("d4_name_06", "name_is_word name_no_cue",
      "my sister {first_word2} is the only one who knows", female=(2,), locales=LATIN_LOCALES, script="latin"),
    T("d4_name_07", "name_is_word name_no_cue",
      "talked to {first_word} {last} from church and she said to reach out here", female=(1,),
      locales=LATIN_LOCALES, script="latin"),
    T("d4_name_08", "name_is_word name_sentence_start",
      "{first_word} said I should write it all down. So here it is.", locales=LATIN_LOCALES, script="latin"),
    T("d4_name_09", "name_is_word name_no_cue",
      "Will you tell {first_word2} for me? He's my brother and he won't pick up.", male=(2,),
      locales=LATIN_LOCALES, script="latin"),
    T("d4_name_11", "name_list name_nickname",
      "people i trust: {first}, {name2}, {first3} and my cousin {nick4}. nobody else."),
    T("d4_name_13", "name_surname_first name_allcaps",
      "{last:upper} {first} - that's how it's printed in my passport ({passport}), surname first"),
    T("d4_name_14", "name_possessive",
      "{first_s}' mum called the helpline, she's worried sick"),
    T("d4_name_15", "name_possessive",
      "it's {first2}'s birthday on {date_day} and I can't face the party"),
    T("d4_name_17", "name_non_latin",
      "her name written properly is {name2}, not the spelling on the visa", female=(2,), script="native"),
    T("d4_name_18", "name_non_latin",
      "the envelope only said {name}様 and nothing else", locales=("ja_JP",), script="native"),
    T("d4_name_19", "name_non_latin",
      "ФИО: {name}\n(that's how my mother's old papers write it)", locales=("ru_RU",), script="native",
      female=(1,)),
    T("d4_name_20", "name_non_latin",
      "he saved himself in my phone as {name2} so i wouldn't notice", locales=("ar_AA", "hi_IN", "el_GR"),
      script="native", male=(2,)),
    T("d4_name_21", "name_non_latin",
      "{name}님 this is the counsellor you spoke to, are you still there?", locales=("ko_KR",), script="native"),
    T("d4_name_22", "name_non_latin name_with_title",
      "my father {name2}先生 owns the shop downstairs", locales=("zh_CN",), script="native", male=(2,)),
    T("d4_name_23", "name_with_title military_address",
      "my husband {rank} {last} is deployed, mail goes to\n{mil}", locales=US, male=(1,)),
    T("d4_name_26", "name_list",
      "prayer list this week: {name}, {name2}'s mother, and {first3} (surgery on {date_day})"),
    T("d4_name_27", "name_romanised name_no_cue",
      "my flatmate {name2} translated the letter for me", locales=NON_LATIN_LOCALES, script="latin"),
    T("d4_name_30", "name_no_cue speaker_label",
      "CLIENT ({name}): I don't want him to know I came here\nTHERAPIST: that's ok, nothing leaves this room"),

    # ---------------------------------------------------------------------------------------------------------
    # addresses in national layouts
    # ---------------------------------------------------------------------------------------------------------
    T("d4_addr_01", "multiline_address",
      "Mailing addr (NOT the shelter one):\n{addr_nc}", locales=("en_US",)),
    T("d4_addr_03", "street_then_number",
      "it's {street_sn}, second floor, ring twice, the bell's broken", locales=STREET_THEN_NUMBER_LOCALES),
    T("d4_addr_05", "po_box",
      "send it to {po_box}, {city} {postcode} instead, i check it once a week", locales=POSTCODE_LOCALES),
    T("d4_addr_06", "po_box multiline_address name_no_cue",
      "for {name}:\n{po_box}\n{postcode} {city}\n(i pick it up fridays)", locales=EURO_BOX),
    T("d4_addr_07", "military_address typo_textspeak",
      "ship it 2 {mil_inline} pls hes deployed till [[spring|the autumn|after xmas|june]]", locales=US),
    T("d4_addr_08", "intersection",
      "meet me at {intersection}, by the bus shelter, i'll be in a grey hoodie", locales=INTERSECTION_LOCALES),
    T("d4_addr_09", "intersection shouting_caps",
      "IM AT {intersection} COME GET ME PLEASE", locales=INTERSECTION_LOCALES, case="upper"),
    T("d4_addr_10", "standalone_postcode",
      "postcode's {postcode} if that helps find something local", locales=POSTCODE_LOCALES),
    T("d4_addr_11", "postcode_no_cue quoted_message",
      "searched 'therapist {postcode}' and got nothing under 40 quid", locales=POSTCODE_LOCALES),
    T("d4_addr_12", "speaker_label",
      "Where do you live?\n{town}\nand is that where you are right now?\nyes"),
    T("d4_addr_14", "multiline_address name_non_latin address_non_latin",
      "送り先 / ship to:\n{name}様\n{addr}", locales=("ja_JP",), script="native"),
    T("d4_addr_15", "multiline_address name_non_latin address_non_latin",
      "{addr}\n{name} 귀하", locales=("ko_KR",), script="native"),
    T("d4_addr_16", "multiline_address name_non_latin address_non_latin",
      "收件人: {name}\n地址: {addr}", locales=("zh_CN",), script="native"),
    T("d4_addr_17", "multiline_address name_non_latin address_non_latin",
      "Адрес регистрации:\n{addr}\nПолучатель: {name}", locales=("ru_RU",), script="native"),
    T("d4_addr_18", "multiline_address address_non_latin",
      "العنوان:\n{addr}", locales=("ar_AA",), script="native"),
    T("d4_addr_19", "multiline_address address_non_latin name_non_latin",
      "पता:\n{addr}\nनाम: {name}", locales=("hi_IN",), script="native"),
    T("d4_addr_20", "multiline_address address_non_latin",
      "Διεύθυνση αποστολής:\n{addr}", locales=("el_GR",), script="native"),
    T("d4_addr_21", "single_line_address name_romanised",
      "c/o {name}, {addr_line}", locales=CJK, script="latin"),
    T("d4_addr_23", "multiline_address",
      "Endereço de entrega:\n{addr}", locales=("pt_BR",)),
    T("d4_addr_24", "single_line_address",
      "mi dirección / my address: {addr_line}", locales=("es_MX",)),
    T("d4_addr_25", "multiline_address",
      "the eircode alone never works for deliveries so here's the whole thing\n{addr}", locales=("en_IE",)),
    T("d4_addr_28", "allcaps_form multiline_address address_with_country",
      "ADDRESSEE\n{name}\n{addr_c}", case="upper"),
    T("d4_addr_30", "speaker_label multiline_address",
      "me: where should they send it\nthem: {street}\nthem: {city}\nthem: {postcode}", locales=POSTCODE_LOCALES),
    T("d4_addr_32", "single_line_address",
      "ride receipt - pickup: {street} / dropoff: {intersection}", locales=INTERSECTION_LOCALES),
    T("d4_addr_36", "single_line_address negatives_in_context",
      "order #A-55102 shipped to {name}, {addr_line} - but I moved [[months ago|in the spring|last year]]!!"),
    T("d4_addr_38", "street_then_number",
      "adres: {street_sn}, {postcode} {city}", locales=("nl_NL",)),

    # ---------------------------------------------------------------------------------------------------------
    # phones
    # ---------------------------------------------------------------------------------------------------------
    T("d4_phone_01", "phone_dashed",
      "call or text: {phone_dash} (leave a msg if i dont answer)"),
    T("d4_phone_02", "phone_extension name_no_cue",
      "reach me at work on {phone_ext}, ask for {first} at reception"),
    T("d4_phone_03", "phone_extension",
      "(m) {phone}   (w) {phone_ext}"),
    T("d4_phone_04", "phone_no_separators chat_lowercase",
      "my number is {phone_plain} whatsapp only", case="lower"),
    T("d4_phone_05", "phone_dotted shouting_caps",
      "CALL ME {phone_dots} I MEAN IT", case="upper"),
    T("d4_phone_07", "phone_spoken voice_transcript",
      "[auto-transcribed] call me back on {phone_spoken}", case="lower"),

    # ---------------------------------------------------------------------------------------------------------
    # e-mails, handles, URLs, IPs
    # ---------------------------------------------------------------------------------------------------------
    T("d4_web_01", "email_obfuscated",
      "{email_spelled} (spaced on purpose so the bots don't scrape it)", script="latin"),
    T("d4_web_03", "",
      "add me on discord: {handle_bare} - easier than this site", script="latin"),
    T("d4_web_04", "",
      "u/{handle_bare} on reddit, dm me there if this thread gets locked", script="latin"),
    T("d4_web_05", "",
      "he keeps posting about me from {handle_at}, screenshots attached", script="latin"),
    T("d4_web_06", "",
      "my art is at {url} if anyone's curious, it's what keeps me going", script="latin"),
    T("d4_web_07", "markdown_link",
      "[my fundraiser]({url}) - anything helps, rent is due", script="latin"),
    T("d4_web_08", "",
      "the account was accessed from {ipv4} and {ipv6}, neither of those is me"),
    T("d4_web_09", "ip_with_port",
      "router log: {ipv4}:[[443|8080|3389|22]] -> blocked, [[14|3|27]] attempts [[overnight|this week|in an hour]]"),
    T("d4_web_10", "key_value_inline",
      "GET /me 200 user={handle_bare} ip={ip} ua=\"Mozilla/5.0\"", script="latin"),
    T("d4_web_13", "",
      "Error: account {email} locked after 3 failed attempts from {ipv4}.", script="latin"),
    T("d4_web_15", "pasted_email date_with_weekday",
      "Invitation: Intake call @ {date_dow} {time}\nOrganiser: {email2}\nGuests: {email}", script="latin"),

    # ---------------------------------------------------------------------------------------------------------
    # national IDs, passports, licences, cards, IBANs
    # ---------------------------------------------------------------------------------------------------------
    T("d4_id_01", "",
      "SSN {ssn} - I know I shouldn't put it here but the portal won't load", locales=US),
    T("d4_id_02", "table_pipes",
      "| SSN | {ssn} |\n| DOB | {dob_num} |", locales=US),
    T("d4_id_04", "",
      "insurance card says {health_label} {health} but the clinic says it's not valid", locales=ID_LOCALES),
    T("d4_id_05", "negatives_in_context",
      "passport no. {passport}, expires next year, and I can't afford to renew it"),
    T("d4_id_06", "",
      "driver's licence # {dl} - they kept a photocopy, is that allowed?", locales=DL_LOCALES),
    T("d4_id_07", "name_non_latin",
      "{natid_label}: {natid}\n{name}", locales=("ja_JP", "zh_CN", "ko_KR", "ru_RU"), script="native"),
    T("d4_id_08", "chat_lowercase",
      "they asked for my {natid_label} over the phone and i gave it, {natid}, was that a scam", case="lower",
      locales=ID_LATIN),
    T("d4_pay_01", "",
      "card: {card}  exp **/**  cvv ***  (no idea who used it)"),
    T("d4_pay_02", "",
      "maestro {card12}, the old one, still getting charged on it"),
    T("d4_pay_03", "negatives_in_context",
      "autopay for {app} was set up on {card_long} without asking me"),
    T("d4_pay_04", "name_no_cue",
      "pls send the deposit back to {iban} (account holder {name})", locales=IBAN_LOCALES),
    T("d4_pay_05", "chat_lowercase",
      "iban {iban} and dont put anything in the reference pls he checks it", case="lower", locales=IBAN_LOCALES),

    # ---------------------------------------------------------------------------------------------------------
    # dates
    # ---------------------------------------------------------------------------------------------------------
    T("d4_date_01", "date_with_weekday",
      "can we move it from {date_dow} to {date_dow2}? I have court"),
    T("d4_date_02", "date_range",
      "signed off work {date_span}, sick note attached"),
    T("d4_date_03", "date_extra_format",
      "last time I saw him was {date_more}, he hasn't answered since"),
    T("d4_date_04", "dob_with_cue",
      "born {dob_partial}, if that's enough for the system"),
    T("d4_date_05", "dob_with_cue shouting_caps",
      "DOB {dob} WHY DO I HAVE TO KEEP TELLING YOU", case="upper"),
    T("d4_date_08", "date_spoken",
      "[voice note] the funeral is on {date_spoken} um and i don't think i can go", case="lower"),
    T("d4_date_09", "dob_no_cue date_extra_format name_sentence_start",
      "{name}, {dob_more}, {phone}"),
    T("d4_date_10", "bullet_list",
      "timeline:\n- {date}: first incident\n- {date2}: moved out\n- {date3}: police report"),

    # ---------------------------------------------------------------------------------------------------------
    # ALL CAPS, bullets, quotes, misc layouts
    # ---------------------------------------------------------------------------------------------------------
    T("d4_caps_01", "shouting_caps single_line_address",
      "WHY DOES {name} HAVE MY ADDRESS. {addr_line}. I NEVER GAVE IT TO HIM", case="upper", male=(1,)),
    T("d4_caps_02", "shouting_caps name_possessive name_sentence_start",
      "{first}'S DAD WON'T LET ME SEE HER. SHE IS [[SIX|EIGHT|TEN]].", case="upper", female=(1,)),
    T("d4_list_01", "bullet_list name_no_cue",
      "safety plan:\n- call {first2} ({phone2})\n- go to the park, not the bridge\n- text {helpline}"),
    T("d4_list_02", "bullet_list name_list",
      "1. me, {name}, {age}\n2. partner {name2}\n3. the kids (not naming them)"),
    T("d4_quote_01", "quoted_message street_then_number name_sentence_start",
      "> {first} wrote:\n> i'll be at {street_sn} after 6\nshould I go?", locales=STREET_THEN_NUMBER_LOCALES),
    T("d4_quote_02", "quoted_message name_no_cue",
      "my ex sent \"tell {first2} she's next\" and I don't know what it means", female=(2,)),
    T("d4_quote_03", "quoted_message",
      "On {date_dow} {time}, {name} <{email}> wrote:\n> please stop contacting me", script="latin"),
    T("d4_misc_01", "multi_field_form name_with_title dob_with_cue",
      "FAX\nTo: Dr {last2}\nFrom: {name}\nPages: 3\nRe: records request, DOB {dob_num}"),
    T("d4_misc_02", "negatives_in_context name_allcaps",
      "Rx# 0048812\n{name:upper}\n{med} {dose}, take one daily\nPrescriber: Dr {last2}"),
    T("d4_misc_03", "table_pipes",
      "{first}, {age} | {city} | ig {handle_at}", script="latin"),
    T("d4_misc_06", "dob_with_cue phone_dotted",
      "name {name} dob {dob_num} tel {phone_dots}"),
    T("d4_misc_08", "standalone_building_number street_then_number",
      "house number {bldg}, street name I'll send privately", locales=STREET_THEN_NUMBER_LOCALES),
    T("d4_misc_10", "town_own_line",
      "where I grew up:\n{town}\nwhere I live now: nowhere really", locales=SMALL_TOWN_LOCALES),
    T("d4_misc_14", "name_is_word",
      "Grace period's over, the letter says, and {first_word} from the housing office won't call back",
      locales=LATIN_LOCALES, script="latin"),
    T("d4_misc_15", "chat_lowercase name_particle",
      "ok so {name_particle2} is my lawyer and she said not to talk about the case here", female=(2,),
      locales=PARTICLE_LOCALES, script="latin", case="lower"),
    T("d4_misc_17", "date_with_weekday chat_log_timestamps",
      "{date_dow}\n06:10 woke up\n06:45 {med} {dose}\n09:00 call with {first2}"),
    T("d4_misc_19", "multi_field_form",
      "Name: {name}\n{natid_label}: {natid}\n{health_label}: {health}", locales=ID_LOCALES),
    T("d4_misc_21", "date_spoken dob_with_cue",
      "Caller confirmed DOB as \"{dob_spoken}\" (spoken)."),
    T("d4_misc_22", "voice_transcript phone_spoken name_no_cue",
      "so if you could pass that on to {first2} her number is {phone_spoken2} thank you bye", case="lower",
      female=(2,)),
]

CLEAN_TEMPLATES = [
    CT("d4_clean_01", "clean_interjection clean_numbers",
       "{greet} team, {interj} it's been {count} since the last panic attack"),
    CT("d4_clean_02", "clean_name_words clean_weekday_relative_date",
       "I will try. May is always [[rough|brutal|a blur]] for me, but there's some hope this year"),
    CT("d4_clean_03", "clean_name_words",
       "mark my words, I'm going to bill them for every [[hour|minute]] I lost on hold [[today|this week]]"),
    CT("d4_clean_04", "clean_name_words",
       "faith in myself is low, joy feels far away, grace is something I give [[everyone|the whole world]] but me"),
    CT("d4_clean_05", "clean_typo_spacing",
       "i tried.Nothing works.Will anyone [[even read this|actually answer|care]]"),
    CT("d4_clean_06", "clean_medication clean_numbers",
       "switched from {med} to {med2} at {dose}, the brain zaps are awful"),
    CT("d4_clean_07", "clean_street_drugs clean_numbers",
       "been off {drug} {count} now, {drug2} was the harder one to quit"),
    CT("d4_clean_08", "clean_diagnosis_therapy clean_weekday_relative_date",
       "{therapy} for {dx} starts {weekday}, the intake letter said bring nothing"),
    CT("d4_clean_09", "clean_devices_apps",
       "my {app} says I slept four hours and {app2} says six. who do I believe"),
    CT("d4_clean_10", "clean_weekday_relative_date",
       "{reldate} was bad and honestly every {weekday} feels exactly the same"),
    CT("d4_clean_11", "clean_age clean_kinship_role_words",
       "i'm {age} and i still ring my [[mum|mam|mom|dad]] every night before bed"),
    CT("d4_clean_12", "clean_year",
       "things went downhill around {year}, then again in {year2}"),
    CT("d4_clean_13", "clean_helpline",
       "rang {helpline} once and they were kind. saving {helpline2} too just in case"),
    CT("d4_clean_14", "clean_public_figure_company",
       "{figure} talking about therapy is what made me book one. paid for it with my {company} wages"),
    CT("d4_clean_15", "clean_country_in_passing",
       "we left {country} when I was small and [[lived in|spent years in|passed through]] {country2} after"),
    CT("d4_clean_16", "clean_eponym",
       "they think it might be [[Meniere's|Raynaud's|Addison's]], or Crohn's, and the GP also mentioned "
       "[[Hashimoto's|Cushing's|Sjogren's]]"),
    CT("d4_clean_17", "clean_games",
       "only thing that calms me down is [[Animal Crossing|Tetris|Stardew|Candy Crush|Zelda]] at 2am"),
    CT("d4_clean_18", "clean_public_website",
       "the worksheets on [[getselfhelp.co.uk|psychologytools.com|therapistaid.com]] and the [[NHS|Mind]] pages "
       "helped a bit"),
    CT("d4_clean_19", "clean_date_lookalike clean_numbers",
       "BP [[132/88|118/76|141/93]], pulse [[92|64|110]], PHQ-9 [[17/27|9/27|22/27]], GAD-7 [[15/21|6/21|19/21]]"),
    CT("d4_clean_20", "clean_id_lookalike",
       "Order #[[114-3924471-5573921|205-1187730-0046612|WEB-00918827]] never arrived and support keeps closing the "
       "ticket"),
    CT("d4_clean_21", "clean_id_lookalike clean_weekday_relative_date",
       "tracking says [[1Z 4X9 E28 03 1123 4567|JD014600006281723413|RR123456785GB]], out for delivery since "
       "{weekday}"),
    CT("d4_clean_22", "clean_id_lookalike clean_devices_apps",
       "the CPAP is an AirSense [[10|11]], firmware [[2.4.10|1.9.3]], mask size [[M|S|L]], and it still leaks"),
    CT("d4_clean_23", "clean_numbers clean_medication",
       "took {dose} at {time}, another at {time2}, and that's {price} a box"),
    CT("d4_clean_24", "clean_numbers clean_year",
       "ran 5k in [[27:41|31:05|24:58]], first time under [[28|32|25]] since {year}"),
    CT("d4_clean_25", "clean_voice_transcript",
       "um so yeah i i don't really know where to start uh it's been a long {weekday}"),
    CT("d4_clean_26", "clean_structured",
       "{\"mood\": [[3|6|2]], \"sleep_hours\": [[5.5|7|3.25]], \"meds_taken\": [[true|false]], \"note\": "
       "\"felt {feeling}\"}"),
    CT("d4_clean_27", "clean_structured clean_weekday_relative_date",
       "| day | mood | sleep |\n|---|---|---|\n| {weekday} | 4/10 | 5h |\n| {weekday2} | 6/10 | 7h |"),
    CT("d4_clean_28", "clean_structured clean_numbers",
       "week,mood,anxiety,drinks\n1,3,8,[[14|22|6]]\n2,4,7,[[9|15|3]]\n3,5,6,[[4|11|0]]"),
    CT("d4_clean_29", "clean_blank_form",
       "Name: ____________\nDOB: __/__/____\nAddress: [[n/a (sofa surfing)|NFA|prefer not to say]]\n"
       "Phone: [[none at the moment|cut off|n/a]]"),
    CT("d4_clean_30", "clean_kinship_role_words",
       "Mum says hi. Nan's not well. Dad's dad? Never met him. [[Auntie|Grandad|Big Sis]] does the school run."),
    CT("d4_clean_31", "clean_transcript",
       "COUNSELLOR: what would you like me to call you?\nCALLER: [[nothing|doesn't matter|anything]], I just need "
       "to talk for a bit"),
    CT("d4_clean_32", "clean_generic_places",
       "sat in the car park of the big supermarket for [[an hour|ages]], then drove to the [[beach|reservoir|"
       "retail park]] and back"),
    CT("d4_clean_33", "clean_allcaps clean_name_words",
       "I WILL GET THROUGH THIS. MAY IS NEARLY OVER. [[HOPE IS A VERB|GRACE UNDER FIRE, RIGHT|JOY WILL COME]].",
       case="upper"),
    CT("d4_clean_34", "clean_region_in_passing",
       "the floods in [[Queensland|Bavaria|Kerala]] and then the fires in [[California|Alberta|Attica]], I can't "
       "watch the news anymore"),
    CT("d4_clean_35", "clean_pasted_message chat_log_timestamps",
       "[07:02] me: awake\n[07:03] me: didn't sleep\n[07:30] me: [[ok going for a walk|gonna try a shower|back in "
       "bed]]"),
    CT("d4_clean_36", "clean_pasted_message",
       "thanks for listening\n\n[[Sent from my Galaxy|Sent from my iPhone|Get Outlook for Android|Sent via BT mail]]"),
    CT("d4_clean_37", "clean_helpline clean_numbers",
       "Samaritans 116 123, Shout text 85258, 988 in the US, Lifeline 13 11 14 - all saved in my phone now"),
    CT("d4_clean_38", "clean_scripture clean_name_words",
       "my gran used to read me [[Psalm 46|Psalm 23|Isaiah 41]] and [[John 14|Matthew 11|Mark 4]] when I couldn't "
       "sleep"),
    CT("d4_clean_39", "clean_public_figure_company",
       "[[Ben & Jerry's|Dunkin']] and a [[Wendy's|McDonald's]] drive-thru at 1am, then half a bottle of "
       "[[Jack Daniel's|Jim Beam|Captain Morgan]]. that's the whole evening"),
    CT("d4_clean_40", "clean_medication clean_eponym",
       "started St John's wort and my pharmacist said don't mix it with {med}"),
    CT("d4_clean_41", "clean_id_lookalike clean_diagnosis_therapy",
       "discharge letter codes: [[F41.1|F43.1|F32.2]] and [[F33.1|F60.3]], plus Z91.5 which I had to look up"),
    CT("d4_clean_42", "clean_ip_lookalike clean_devices_apps",
       "app version [[10.4.2.1|8.0.12.3|6.1.0.44]] keeps crashing on Android [[14|13]], support said reinstall"),
    CT("d4_clean_43", "clean_date_lookalike clean_numbers",
       "sleep [[23:30-06:15|01:10-05:40]], woke [[3x|5x]], anxiety [[7.5/10|9/10]], mood [[4/10|2/10]]"),
    CT("d4_clean_44", "clean_numbers",
       "rent went up by {price}, council tax band [[C|D|B]], and I'm [[430|95|1,200]] short this month"),
    CT("d4_clean_45", "clean_weekday_relative_date",
       "[[Mondays|Tuesdays]] are group, Wednesdays are the food bank, [[Fridays|weekends]] I just try to survive"),
    CT("d4_clean_46", "clean_age",
       "my son's [[7|4|15]], my daughter's [[12|9|17]] and I'm {age} - all three of us are in therapy now lol"),
    CT("d4_clean_47", "clean_year",
       "class of {year}, married {year2}, divorced {year3}, and here we are"),
    CT("d4_clean_48", "clean_public_figure_company clean_interjection",
       "{interj} {figure} and {figure2} both talked about it on a podcast and suddenly everyone cares"),
    CT("d4_clean_49", "clean_numbers typo_textspeak",
       "ngl idk wat 2 do, cant sleep, cant eat, lost [[6kg|a stone|10 lbs]], ttyl"),
    CT("d4_clean_50", "clean_helpline clean_typo_spacing",
       "text [[HOME|SHOUT|HELLO]] to [[741741|85258|686868]].They answered in like [[2|5|10]] minutes"),
]
