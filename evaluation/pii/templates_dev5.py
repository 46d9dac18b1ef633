"""Templates of the ``dev5`` half (ids ``d5_...``): a sixth tuning half, written from scratch after dev4.

Written by an independent evaluator who read only ``README.md``, ``template_spec.py``, ``generate.py``,
``pii_values.py``, ``score.py`` and ``selfcheck.py`` (no other template set, no JSONL file of another half, nothing of
the detector).  Registers the older halves may lack: support-group forum posts with quoted replies, school counsellor
notes, referral letters translated from other languages, telehealth booking confirmations, pharmacy collection slips,
housing and benefit appeals, crisis-text exchanges, diary entries, messages dictated to a voice assistant, rows pasted
from a spreadsheet, addresses given as directions.  Only existing slots are used.

Rules kept here (README label guideline): titles, ranks, cue words and field labels sit in the literal text, outside
the spans; literal text carries no private names, towns, streets, building numbers or specific dates; ``el_GR`` is
left out of every template with a national / health ID slot (its AMKA depends on the wall clock); every template with
an e-mail, handle or URL slot uses romanised names (``script="latin"``), since Faker's ``user_name()`` for a
native-script name may hold a year drawn up to today.
"""

from __future__ import annotations

from template_spec import (
    ALL_LOCALES,
    CT,
    DL_LOCALES,
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
NO_GR = tuple(code for code in ALL_LOCALES if code != "el_GR")
# Locales whose building number is the number printed in their street line.
BLDG = ("en_US", "en_GB", "en_AU", "en_CA", "en_IE", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pl_PL", "sv_SE",
        "no_NO", "da_DK", "fi_FI", "pt_BR", "es_MX")
# Postcodes outside the US (no "zip" cue).
PC_NON_US = tuple(code for code in POSTCODE_LOCALES if code != "en_US")
# A state / province / county part that is a region (ko_KR's "state" part may be a metropolitan city).
STATE_OK = tuple(code for code in STATE_LOCALES if code != "ko_KR")
# Surnames with particles (``name_particle``).
PARTICLE = ("nl_NL", "de_DE", "fr_FR", "es_ES", "es_MX", "it_IT", "pt_BR", "en_IE", "ar_AA")
UNIT_EN = ("en_GB", "en_IE", "en_AU", "en_US")
NORDIC = ("sv_SE", "no_NO", "da_DK", "fi_FI")
IBAN_PC = tuple(code for code in IBAN_LOCALES if code in POSTCODE_LOCALES)

PII_TEMPLATES = [
    # ---- chat turns about mental health, people from many countries ------------------------------------------
    T("d5_ch_01", "name_no_cue negatives_in_context",
      "Since we left {country} my panic attacks have got worse. The only person I really open up to is {name}, she "
      "lives two floors down and checks on me most evenings.", female=(1,)),
    T("d5_ch_02", "name_sentence_start",
      "{first} found me on the bathroom floor the other night and drove me to A&E herself. I still can't look her in "
      "the eye.", female=(1,)),
    T("d5_ch_03", "name_possessive small_town",
      "After the overdose I stayed at {first}'s in {town} for a week. Her mum made me eat something every three hours, "
      "which I hated and needed.", locales=SMALL_TOWN_LOCALES, female=(1,)),
    T("d5_ch_04", "name_list negatives_in_context",
      "The people on my safety plan are {first}, {first2} and my cousin {first3}. None of them know about the {drug} "
      "yet."),
    T("d5_ch_05", "name_middle_initial",
      "My case worker is {name_mi} and she hasn't returned a single call since {date}. Who do I complain to?",
      female=(1,)),
    T("d5_ch_07", "name_with_title negatives_in_context",
      "Dr {last} put my {med} up to {dose} and now I'm awake at {time} every night. Do I ring the out-of-hours line or "
      "wait for {weekday}?"),
    T("d5_ch_08", "name_vocative",
      "Thanks, {first}. That actually helped more than the last three sessions put together."),
    T("d5_ch_10", "name_nickname name_no_cue",
      "Everyone at work calls me {nick}. The name on my file is {name} but please don't use it in the group."),
    T("d5_ch_11", "name_no_cue",
      "My grandmother only writes her name as {name} and the pharmacy form keeps rejecting it because it isn't in "
      "English letters.", locales=NON_LATIN_LOCALES, script="native", female=(1,)),
    T("d5_ch_12", "name_no_cue",
      "On my visa it's {name}, but at home the family name comes first, so if the system can't find me try it the "
      "other "
      "way round.", locales=NON_LATIN_LOCALES, script="latin"),
    T("d5_ch_13", "name_sentence_start negatives_in_context",
      "{first:lower} from the tuesday group said the same thing happened to her with the {app} app", female=(1,)),
    T("d5_ch_14", "name_surname_first",
      "I was registered as {last:upper}, {first} and now every letter from the clinic has my names the wrong way "
      "round."),
    T("d5_ch_15", "name_initial_surname",
      "The letter about my assessment was just signed {name_init}. No first name, no extension, so who do I even ask "
      "for?"),
    T("d5_ch_16", "name_possessive name_sentence_start negatives_in_context",
      "{first_s}' husband phoned me at {time} to say she'd stopped eating again and wouldn't open the door.",
      female=(1,)),
    T("d5_ch_17", "name_is_word",
      "My sponsor {first_word} says ninety meetings in ninety days, but I work nights and the only meeting near me is "
      "at noon."),
    T("d5_ch_18", "name_particle",
      "My old therapist was {name_particle}. Can I ask her to send my notes over, or does it have to come from your "
      "side?", locales=PARTICLE, script="latin", female=(1,)),
    T("d5_ch_19", "name_double_barrelled",
      "My partner is {name_barrel}. We're not married, so does she count as my next of kin on the form?",
      locales=LATIN_LOCALES, female=(1,)),
    T("d5_ch_20", "small_town",
      "You asked where I grew up.\n{town}\nSmall enough that everyone knew about my dad before I did.",
      locales=SMALL_TOWN_LOCALES),
    T("d5_ch_23", "name_no_cue",
      "Kindly call my elder brother {name} on {phone}, he is handling my admission paperwork and I am not able to talk "
      "today.", locales=("en_IN", "hi_IN"), male=(1,)),
    T("d5_ch_24", "small_town negatives_in_context",
      "G'day. My GP out in {town} reckons it's {dx}, but honestly I reckon it's the drought and the bank.",
      locales=("en_AU",)),
    T("d5_ch_33", "name_is_word",
      "Can you let {first_word} know I'm not coming tonight? She's been texting me all morning and I can't answer.",
      female=(1,)),
    T("d5_ch_27", "name_sentence_start name_list",
      "{name} and {name2} are the only two people who know I relapsed. I'd like to keep it that way for now."),
    T("d5_ch_28", "speaker_label name_possessive",
      "{first}: are you safe right now?\nme: yeah sort of. at {first2}'s\n{first}: ok. stay there tonight, I'll come "
      "by in the morning"),
    T("d5_ch_29", "name_allcaps",
      "whoever {name:upper} is, they keep commenting on my posts about the eating disorder and I don't know them"),

    # ---- lower-case chat, text-speak, run-ons ------------------------------------------------------------------
    T("d5_lc_01", "chat_lowercase single_line_address",
      "hey its {first} again from tuesday. i moved back in with my dad at {addr_line} so if the letter goes to the old "
      "place thats why", case="lower"),
    T("d5_lc_02", "chat_lowercase",
      "cant sleep again. {name} blocked me everywhere and i keep checking {url} to see if shes posted",
      case="lower", female=(1,)),
    T("d5_lc_03", "chat_lowercase negatives_in_context",
      "my numbers {phone} if the counsellor can ring after {time}, im on shift till then", case="lower"),
    T("d5_lc_04", "chat_lowercase postcode_no_cue",
      "i live in {city} near {postcode} and theres literally nothing here for people like me", locales=PC_NON_US,
      case="lower"),
    T("d5_lc_05", "chat_lowercase name_list small_town negatives_in_context",
      "me {first} and {first2} used to do {drug} every weekend in {town} and now im the only one still alive",
      locales=SMALL_TOWN_LOCALES, case="lower"),
    T("d5_lc_07", "chat_lowercase dob_with_cue",
      "born {dob} so im technically an adult now right, my mum cant see my notes anymore?", case="lower"),

    T("d5_ts_01", "typo_textspeak",
      "pls msg me on {phone} b4 8 2nite cuz my mum reads my emails n i dont want her 2 c"),
    T("d5_ts_02", "typo_textspeak name_vocative",
      "thx {first} ur a legend, c u thurs @ group x"),
    T("d5_ts_03", "typo_textspeak",
      "omg {first} jus txtd me frm a new numbr {phone}, do i block?? she was the 1 who hurt me", female=(1,)),
    T("d5_ts_04", "typo_textspeak",
      "ma addy is {street} {postcode} if u wna send the leaflet lol", locales=POSTCODE_LOCALES),
    T("d5_ts_05", "typo_textspeak",
      "idk if this counts but {handle} keeps dm'ing me stuff abt cutting, can u report them pls", script="latin"),
    T("d5_ts_06", "typo_textspeak date_extra_format dob_with_cue",
      "my bday's {dob_more} n i jus wna sleep thru it tbh"),

    T("d5_ro_01", "run_on_sentence single_line_address",
      "so basically I got evicted from {addr_line} on {date} and then {first2} said I could crash at hers but her "
      "boyfriend scares me so I've been sleeping in the car and I can't keep doing this and I don't know who else to "
      "ask", female=(2,)),
    T("d5_ro_02", "run_on_sentence chat_lowercase name_with_title",
      "i told {first} i was fine and then i went home to {city} and took everything in the cupboard and woke up in "
      "hospital and nobody came and now they want me to see someone called dr {last2} and i dont even know where that "
      "is", case="lower"),
    T("d5_ro_04", "run_on_sentence small_town",
      "we were living at {street} and then after dad left we went to {town} and then to my nan's and I've moved "
      "schools four times so when you ask where home is I honestly don't know", locales=SMALL_TOWN_LOCALES),

    # ---- intake lines, multi-field forms, slips, confirmations, spreadsheet rows -------------------------------
    T("d5_fm_01", "multi_field_form intake_form_line name_nickname",
      "Preferred name: {nick}\nLegal name: {name}\nPronouns: she/her\nOK to leave voicemail: no", female=(1,)),
    T("d5_fm_02", "booking_confirmation multi_field_form date_with_weekday",
      "Your video appointment is confirmed.\nPatient: {name}\nWhen: {date_dow}, {time}\nJoining link sent to: "
      "{email}\nTo cancel, reply to this message at least 24 hours before.", script="latin"),
    T("d5_fm_03", "booking_confirmation pasted_sms date_extra_format name_with_title",
      "Hi {first}, reminder of your online session on {date_more} at {time} with Dr {last2}. Reply Y to confirm or N "
      "to cancel."),
    T("d5_fm_04", "pharmacy_slip multi_field_form intake_form_line name_surname_first negatives_in_context "
      "dob_with_cue",
      "COLLECTION SLIP\nPatient: {last:upper}, {first}\nDOB: {dob_num}\nItem: {med} {dose} x 28\nCollected by: {name2} "
      "(partner)\nID seen: yes"),
    T("d5_fm_05", "pharmacy_slip name_initial_surname",
      "Prescription ready to collect - {name_init} - we tried calling {phone}. Please bring photo ID; controlled drug, "
      "signature needed."),
    T("d5_fm_06", "spreadsheet_paste table_tabs dob_no_cue",
      "Name\tDOB\tPhone\tPostcode\n{name}\t{dob_num}\t{phone}\t{postcode}", locales=POSTCODE_LOCALES),
    T("d5_fm_07", "spreadsheet_paste table_tabs",
      "copied from the sign-up sheet, sorry about the formatting\n{name}\t{email}\t{phone}\t4 of 6 sessions\n"
      "{name2}\t{email2}\t{phone2}\t2 of 6 sessions", script="latin"),
    T("d5_fm_08", "multi_field_form intake_form_line phone_extension",
      "Emergency contact 1: {name2} ({phone2})\nRelationship: sister\nEmergency contact 2: {name3} (work: "
      "{phone_ext3})\nRelationship: neighbour", female=(2,)),
    T("d5_fm_09", "intake_form_line single_line_address",
      "Address (include flat or unit no.): {unit}, {street}", locales=UNIT_EN),
    T("d5_fm_10", "multi_field_form intake_form_line negatives_in_context",
      "Town / City: {city:upper}\nPostcode / ZIP: {postcode}\nCountry of birth: {country}", locales=LATIN_LOCALES),
    T("d5_fm_11", "multi_field_form intake_form_line dob_with_cue",
      "Section 2 - About you\nSurname: {last}\nFirst name(s): {first}\n{natid_label}: {natid}\nDate of birth: {dob}",
      locales=NO_GR),
    T("d5_fm_12", "allcaps_form multiline_address multi_field_form dob_with_cue",
      "NAME: {name}\nD.O.B: {dob}\nADDRESS:\n{addr}\nGP: SEE ATTACHED LETTER", case="upper"),
    T("d5_fm_13", "multi_field_form intake_form_line",
      "Student: {name}\nYear group: 10\nParent/carer: {name2}\nParent phone: {phone2}\nConsent to school counselling: "
      "YES"),
    T("d5_fm_16", "key_value_inline dob_with_cue",
      "patient_name={name}; dob={dob_num}; postcode={postcode}; consent=Y", locales=POSTCODE_LOCALES),
    T("d5_fm_17", "intake_form_line date_extra_format",
      "{health_label}: {health}\nRegistered with the practice since: {date_more}", locales=NO_GR),
    T("d5_fm_18", "intake_form_line",
      "Travel document: passport no. {passport}, valid until {date_words}"),
    T("d5_fm_19", "multi_field_form",
      "Self-pay sessions\nCard on file: {card}\nName on card: {name:upper}\nBilling postcode: {postcode}\nRefunds to "
      "IBAN: {iban}", locales=IBAN_PC),
    T("d5_fm_20", "multi_field_form intake_form_line dob_with_cue",
      "Photo ID checked: driving licence\nLicence no.: {dl}\nName as shown: {name}\nDOB as shown: {dob}",
      locales=DL_LOCALES),
    T("d5_fm_21", "bullet_list dob_no_cue",
      "Waiting list (copied):\n1. {name}, {dob_num}, {phone}\n2. {name2}, {dob_num2}, {phone2}"),
    T("d5_fm_23", "telehealth_log",
      "Session joined from IP {ip} on {date_num} - participant: {name} - duration 48 min"),
    T("d5_fm_24", "allcaps_form",
      "SURNAME: {last}\nFORENAMES: {first}\nPOSTCODE: {postcode}\nPHONE: {phone}", locales=POSTCODE_LOCALES,
      case="upper"),
    T("d5_fm_26", "multi_field_form intake_form_line",
      "Street: {street}\nCity: {city}\nState/Province/County: {state}\nZIP/Postal code: {postcode}", locales=STATE_OK),

    # ---- addresses: national layouts, directions, standalone parts, military, intersections -------------------
    T("d5_ad_02", "multiline_address",
      "Forwarding address while I'm staying with family:\n{addr_c}"),
    T("d5_ad_03", "directions standalone_building_number",
      "Hard to find us. Turn off by the petrol station, third house on the left, number {bldg}, the one with the blue "
      "gate.", locales=BLDG),
    T("d5_ad_04", "directions small_town",
      "Take the bus to {town}, get off after the bridge and walk up to {street}. {unit} is round the back, ring twice.",
      locales=("en_GB", "en_IE", "en_AU")),
    T("d5_ad_05", "intersection",
      "Can we meet at the corner of {intersection} instead? I can't face the waiting room today.",
      locales=INTERSECTION_LOCALES),
    T("d5_ad_06", "intersection chat_lowercase",
      "im standing at {intersection} rn and i cant breathe, what do i do", locales=INTERSECTION_LOCALES, case="lower"),
    T("d5_ad_07", "intersection negatives_in_context",
      "Pick-up point for the outreach van: {intersection}, outside the laundromat, {time}.",
      locales=INTERSECTION_LOCALES),
    T("d5_ad_08", "military_address",
      "My son's deployed. His mail goes to:\n{name}\n{mil}", locales=("en_US",), male=(1,)),
    T("d5_ad_09", "military_address name_with_title negatives_in_context",
      "Ship the refill to {rank} {name}, {mil_inline}. He runs out of {med} in ten days.", locales=("en_US",),
      male=(1,)),
    T("d5_ad_10", "military_address name_with_title",
      "Care package (military mail, so no lithium batteries please!):\n{rank} {last}\n{mil}", locales=("en_US",)),
    T("d5_ad_11", "po_box",
      "I don't get post at home anymore because of him. Use {po_box}, {postcode} {city}.", locales=POSTCODE_LOCALES),
    T("d5_ad_12", "po_box multiline_address",
      "Mailing address (no home visits please):\n{name}\n{po_box}\n{city} {postcode}", locales=POSTCODE_LOCALES),
    T("d5_ad_13", "standalone_postcode",
      "Postcode is {postcode} if that helps find the nearest crisis cafe.", locales=POSTCODE_LOCALES),
    T("d5_ad_14", "postcode_no_cue",
      "anything near {postcode}? I can't travel far with the kids", locales=PC_NON_US),
    T("d5_ad_15", "standalone_building_number",
      "The buzzer for number {bldg} is broken, just call up when you get there.", locales=BLDG),
    T("d5_ad_16", "street_then_number",
      "I moved to {street_sn} last month, it's the flat above the bakery.", locales=STREET_THEN_NUMBER_LOCALES),
    T("d5_ad_17", "street_then_number multiline_address",
      "[[New address|My new address|Moved! New address]]:\n{street_sn}\n{postcode} "
      "{city}", locales=STREET_THEN_NUMBER_LOCALES),
    T("d5_ad_18", "multiline_address",
      "宛先\n{addr}\n{name}様", locales=("ja_JP",), script="native"),
    T("d5_ad_19", "multi_field_form single_line_address",
      "收件人：{name}\n地址：{addr_line}\n电话：{phone}", locales=("zh_CN",), script="native"),
    T("d5_ad_20", "multi_field_form multiline_address",
      "받는 분: {name} 님\n주소: {addr}\n연락처: {phone}", locales=("ko_KR",), script="native"),
    T("d5_ad_21", "multiline_address",
      "Адрес для писем:\n{addr}\nПолучатель: {name}", locales=("ru_RU",), script="native"),
    T("d5_ad_22", "single_line_address",
      "Διεύθυνση αποστολής: {addr_line}\nΤηλέφωνο: {phone}", locales=("el_GR",), script="native"),
    T("d5_ad_23", "single_line_address multi_field_form",
      "العنوان: {addr_line}\nالاسم: {name}\nالهاتف: {phone}", locales=("ar_AA",), script="native"),
    T("d5_ad_24", "multiline_address name_with_title",
      "Please send the letter to my mother:\nश्रीमती {name}\n{addr}", locales=("hi_IN",), script="native",
      female=(1,)),
    T("d5_ad_25", "multiline_address street_then_number",
      "Endereço pra correspondência (my parents' place):\n{addr}", locales=("pt_BR",)),
    T("d5_ad_26", "multiline_address street_then_number",
      "Mi dirección / my address:\n{addr_c}", locales=("es_MX",)),
    T("d5_ad_27", "multiline_address",
      "C/o {name2}\n{addr}", locales=("en_IN", "hi_IN")),
    T("d5_ad_28", "single_line_address street_then_number",
      "Recapito per la posta: {addr_line}", locales=("it_IT",)),
    T("d5_ad_30", "standalone_postcode standalone_building_number",
      "Postcode {postcode}, huisnummer {bldg} - that's all the delivery app needs.", locales=("nl_NL",)),
    T("d5_ad_34", "town_own_line",
      "where are you based?\n\n{city:upper}\n\nsmall place, one GP, everyone talks", locales=LATIN_LOCALES),
    T("d5_ad_35", "town_own_line small_town",
      "Sent from a very slow phone somewhere outside\n{town}", locales=SMALL_TOWN_LOCALES),
    T("d5_ad_36", "postcode_no_cue",
      "Is the walk-in service still running for {postcode} and {postcode2}, or only in the centre?",
      locales=PC_NON_US),
    T("d5_ad_37", "single_line_address street_then_number",
      "Adressen min er {addr_line}, if you need to send the letter by post.", locales=NORDIC),
    T("d5_ad_38", "multiline_address street_then_number",
      "Adres zamieszkania:\n{addr}", locales=("pl_PL",)),
    T("d5_ad_39", "single_line_address street_then_number",
      "Adresim: {addr_line} (please use this for the appointment letter)", locales=("tr_TR",)),
    T("d5_ad_40", "multiline_address street_then_number",
      "Bitte an diese Adresse schicken:\n{name}\n{addr}", locales=("de_DE",)),
    T("d5_ad_47", "po_box",
      "Correspondence to {po_box}, {city} only please. I'm in a refuge and can't give the street."),
    T("d5_ad_48", "military_address",
      "Dad's at {mil_inline} until the spring, so letters take ages to reach him.", locales=("en_US",)),
    T("d5_ad_43", "directions",
      "Directions for the home visit: past the school, left at the lights, {street}, door next to the launderette. "
      "Buzz {unit}.", locales=UNIT_EN),
    T("d5_ad_44", "directions standalone_postcode standalone_building_number",
      "For the taxi: put {postcode} in the sat nav, it drops you at the back gate, we're number {bldg}.",
      locales=BLDG),
    T("d5_ad_46", "directions street_then_number",
      "From the tram stop it's two minutes: cross at the pharmacy, {street_sn} is the yellow building, third floor.",
      locales=STREET_THEN_NUMBER_LOCALES),

    # ---- letters: translated referrals, appeals, counsellor notes, diaries -----------------------------------
    T("d5_lt_01", "referral_letter translated_letter name_with_title dob_with_cue single_line_address "
      "street_then_number",
      "[Translated from German]\nDear colleague,\nwe are referring {name}, born {dob}, resident at {addr_line}, for "
      "further psychiatric assessment following a depressive episode.\nKind regards\nDr. med. {last2}",
      locales=("de_DE",)),
    T("d5_lt_02", "referral_letter translated_letter name_with_title negatives_in_context",
      "Translation of medical report (original in Spanish)\nPatient: {name}\n{natid_label}: {natid}\nDiagnosis: {dx}\n"
      "Referring physician: Dra. {name2}", locales=("es_ES", "es_MX"), female=(2,)),
    T("d5_lt_03", "referral_letter translated_letter name_with_title",
      "Skierowanie (English translation attached)\nPatient: {name}\nPESEL: {health}\nReferring doctor: lek. {name2}\n"
      "Reason: anxiety, sleep problems", locales=("pl_PL",)),
    T("d5_lt_04", "referral_letter translated_letter",
      "Dear colleague, I am sending you {name}, born in {city} on {dob_words}, whom I have followed for two years for "
      "{dx}. {natid_label}: {natid}", locales=("it_IT",), male=(1,)),
    T("d5_lt_05", "referral_letter translated_letter name_with_title dob_with_cue",
      "Translated letter from Dr {last2}, médecin traitant\nRe: {name}, né(e) le {dob}\nSocial security no.: {health}\n"
      "Thank you for seeing this patient, who has recently moved to your area, for follow-up of {dx}.",
      locales=("fr_FR",)),
    T("d5_lt_06", "referral_letter translated_letter single_line_address street_then_number",
      "Encaminhamento (tradução)\nPatient: {name}\n{natid_label}: {natid}\nCartão SUS: {health}\nAddress: {addr_line}",
      locales=("pt_BR",)),
    T("d5_lt_07", "referral_letter translated_letter dob_with_cue",
      "Referral from a clinic in {city} (translated)\nPatient: {name}\nDate of birth: {dob}\nHealth insurance card "
      "no.: "
      "{health}", locales=("ja_JP",)),
    T("d5_lt_08", "appeal_letter name_signoff negatives_in_context single_line_address",
      "To the Housing Tribunal,\nI, {name}, of {addr_line}, appeal against the notice served on {date}. Because of my "
      "{dx} I was unable to attend the hearing on {date2}.\nSigned\n{name}"),
    T("d5_lt_09", "appeal_letter multi_field_form negatives_in_context iban",
      "Mandatory reconsideration request\nName: {name}\n{natid_label}: {natid}\nDate of decision: {date_words}\nReason "
      "for lateness: I was in hospital with {dx} and could not open my post.\nPay any arrears to: {iban}",
      locales=("en_GB",)),
    T("d5_lt_10", "appeal_letter name_with_title dob_with_cue name_middle_initial",
      "RE: Appeal of denial of benefits\nClaimant: {name_mi}\nSSN: {ssn}\nDOB: {dob_num}\nI am requesting "
      "reconsideration "
      "because my treating psychiatrist, Dr. {last2}, was never contacted.", locales=("en_US",)),
    T("d5_lt_11", "counsellor_note clinician_note",
      "Counsellor note - {date}\nSeen: {first} (Year 9), self-referred. Friction with stepdad at home; says {first2} "
      "from class has been posting photos of her. Parent ({name3}) informed by phone on {phone3}.", female=(1,)),
    T("d5_lt_12", "counsellor_note chat_lowercase",
      "spoke w/ {first} at lunch, says {first2} keeps messaging at night, will follow up with head of year on "
      "{date_day}", case="lower"),
    T("d5_lt_13", "diary_entry small_town",
      "Dear diary, {date_words}.\nSaw {first} today for the first time since the funeral. She looks older. We sat by "
      "the "
      "river in {town} and hardly spoke.", locales=SMALL_TOWN_LOCALES, female=(1,)),
    T("d5_lt_15", "diary_entry date_with_weekday negatives_in_context",
      "Entry for {date_dow}: finally told {name} about the {drug}. He didn't shout. He just went quiet.", male=(1,)),
    T("d5_lt_16", "translated_letter dob_with_cue single_line_address",
      "Translation from Russian\nSTATEMENT\nI, {name}, born {dob}, registered at {addr_line}, consent to my daughter "
      "{first2} receiving psychological support.\n{date}, signature", locales=("ru_RU",), female=(2,)),
    T("d5_lt_17", "translated_letter date_range",
      "Translated from Korean. To whom it may concern: this certifies that {name} (resident registration no. {natid}) "
      "attended outpatient treatment at our clinic from {date_span}.", locales=("ko_KR",)),
    T("d5_lt_18", "translated_letter multi_field_form single_line_address street_then_number",
      "Tercüme / translation\nPatient: {name}\nTC Kimlik No: {natid}\nAddress: {addr_line}\nTel: {phone}",
      locales=("tr_TR",)),
    T("d5_lt_19", "translated_letter date_range negatives_in_context",
      "Medical certificate (translated from Chinese)\nName: {name}\nID number: {natid}\nThe above patient was treated "
      "in "
      "our department from {date_span} for {dx}.", locales=("zh_CN",)),
    T("d5_lt_20", "translated_letter multi_field_form",
      "Translation of a medical report issued in {city}\nPatient: {name}\n{natid_label}: {natid}\nPassport: {passport}",
      locales=("ar_AA",)),
    T("d5_lt_21", "referral_letter name_with_title dob_with_cue",
      "Dear Dr {last2},\nRe: {name}, DOB {dob}, NHS no. {health}\nYour patient was discharged from the ward on {date} "
      "and will be followed up by the community team.", locales=("en_GB",)),
    T("d5_lt_22", "official_letter name_signoff date_range negatives_in_context",
      "To,\nThe Medical Officer\nSubject: Leave on medical grounds\nRespected Sir/Madam,\nI, {name}, {natid_label} "
      "{natid}, request leave from {date_span} as I am under treatment for {dx}.\nYours faithfully,\n{name}",
      locales=("en_IN",)),
    T("d5_lt_23", "name_signoff name_nickname negatives_in_context",
      "This is a letter I wrote but never sent.\n\nDear {first2},\nI forgive you for the {year} stuff. I don't forgive "
      "you for leaving.\n\n{nick}"),
    T("d5_lt_24", "name_signoff",
      "Sorry for the long message, I've never told anyone this much before. Speak soon,\n{first}"),
    T("d5_lt_25", "appeal_letter name_with_title single_line_address",
      "To the Landlord and Tenant Board:\nTenant: {name}\nUnit: {addr_line}\nI am asking for more time because of a "
      "mental health crisis documented by Dr. {last2}.", locales=("en_CA",)),

    # ---- clinician notes, caps, pasted e-mails, lists, dates ---------------------------------------------------
    T("d5_cn_01", "clinician_note negatives_in_context",
      "Pt {name}, {age}yo, seen in clinic {date}. Collateral from sister {name2} ({phone2}). Low mood, poor sleep. "
      "Plan: titrate {med}, f/u 2/52.", female=(2,)),
    T("d5_cn_02", "clinician_note name_with_title single_line_address",
      "S/B Dr {last2} at {time}. {first} tearful, denies active SI. Lives alone at {addr_line}. Safety plan reviewed."),
    T("d5_cn_03", "clinician_note small_town",
      "Telephone contact w/ {name} ({phone}) re missed appt on {date}. Reports no transport from {town}. Rebooked.",
      locales=SMALL_TOWN_LOCALES),
    T("d5_cp_01", "shouting_caps",
      "I TOLD {name} I NEVER WANT TO SEE HIM AGAIN AND HE STILL TURNED UP AT {street} LAST NIGHT", case="upper",
      male=(1,)),
    T("d5_cp_02", "shouting_caps",
      "STOP CALLING ME. MY NAME IS {first} AND I DID NOT SIGN UP FOR THIS. TAKE {phone} OFF YOUR LIST", case="upper"),
    T("d5_cp_03", "shouting_caps",
      "WHY DOES THE CLINIC NEED MY {natid_label} ({natid}) WHEN I JUST WANT TO TALK TO SOMEONE", locales=NO_GR,
      case="upper"),
    T("d5_cp_04", "shouting_caps name_vocative single_line_address",
      "{first} IF YOU READ THIS I'M AT {addr_line} PLEASE COME", case="upper"),
    T("d5_em_01", "pasted_email name_signoff date_with_weekday",
      "From: {name} <{email}>\nSent: {date_dow} {time}\nSubject: can't make Thursday\n\nSorry, my anxiety is really "
      "bad this week.\n{first}", script="latin"),
    T("d5_em_02", "pasted_email ip_v4",
      "---------- Forwarded message ---------\nFrom: {email2}\nTo: {email}\nX-Originating-IP: {ipv4}\n\nI know "
      "where you live. {street}. Don't ignore me.", script="latin"),
    T("d5_em_03", "pasted_email",
      "Auto-reply: I'm off sick until {date_words}. For anything urgent contact {name2} on {phone2} or {email2}.",
      script="latin"),
    T("d5_em_04", "email_signature name_signoff",
      "Kind regards,\n{name}\nPeer Support Worker\nM: {phone}\nW: {url}", script="latin"),
    T("d5_bl_01", "bullet_list negatives_in_context",
      "People I can call:\n- {first} (work) {phone}\n- {first2} (gym) {phone2}\n- Samaritans 116 123"),
    T("d5_bl_02", "bullet_list negatives_in_context",
      "Timeline:\n* {date} - first panic attack at work\n* {date2} - signed off by GP\n* {date3} - started {therapy}"),
    T("d5_bl_03", "bullet_list name_list",
      "household:\n1. me\n2. {first} (partner)\n3. {first2}, 7, and {first3}, 4\n4. his mum at weekends", male=(1,)),
    T("d5_dr_01", "date_range",
      "I'll be in respite care {date_span}, so please don't send anything to the house."),
    T("d5_dr_02", "date_range",
      "Off work sick from {date_span}. Can you put exactly that in the fit note?"),
    T("d5_ds_01", "voice_transcript date_spoken",
      "um my appointment is on {date_spoken} i think, uh, with {first}", case="lower"),
    T("d5_sp_01", "speaker_label name_allcaps",
      "THERAPIST: And who's at home with you?\n{first:upper}: My nan. And my brother {first2} sometimes.",
      male=(2,)),
    T("d5_sp_02", "speaker_label name_sentence_start",
      "[group chat]\n{first}: anyone awake\n{first2}: yeah\n{first}: bad night\n{first3}: same. want to call?"),
    T("d5_sp_03", "speaker_label chat_log_timestamps",
      "{date_num}, 23:41 - {first}: are u coming to group tmrw\n{date_num}, 23:58 - {first2}: cant, too anxious"),

    # ---- phones --------------------------------------------------------------------------------------------------
    T("d5_ph_01", "phone_extension",
      "Call the care coordinator on {phone_ext} and ask for {first2}."),
    T("d5_ph_02", "phone_no_separators",
      "my number without the spaces because the form keeps rejecting it: {phone_plain}"),
    T("d5_ph_03", "phone_dotted",
      "Tel. {phone_dots} (mobile, texts only please)"),
    T("d5_ph_04", "phone_dashed name_sentence_start",
      "{name} - {phone_dash} - evenings only"),

    # ---- identifiers, cards, IBANs, IPs, e-mails, handles, URLs ------------------------------------------------
    T("d5_id_01", "",
      "I paid for the retreat with my mum's card, {card}, and now she's furious. Can they refund it?"),
    T("d5_id_02", "chat_lowercase",
      "the maestro number is {card12} if the clinic needs it for the deposit", case="lower"),
    T("d5_id_03", "multi_field_form negatives_in_context",
      "Cardholder: {name:upper}\nCard number: {card_long}\nAmount: {price}"),
    T("d5_id_04", "negatives_in_context",
      "They want ID for the methadone pick-up. My licence number is {dl}, is that enough?", locales=DL_LOCALES),
    T("d5_id_05", "chat_lowercase",
      "lost my wallet on a bender, licence was {dl}, do i report it to the police or the licensing office first",
      locales=DL_LOCALES, case="lower"),
    T("d5_id_06", "national_id",
      "Do I really have to give my {natid_label} ({natid}) just to see a counsellor?", locales=NO_GR),
    T("d5_id_07", "chat_lowercase",
      "my {health_label} is {health}, reception said it wasnt on the system", locales=NO_GR, case="lower"),
    T("d5_id_08", "passport",
      "My passport ({passport}) is still with immigration, so I can't show photo ID at the GP.",
      locales=NON_US_LOCALES),
    T("d5_id_09", "iban",
      "Please refund the cancelled sessions to {iban}, account holder {name}.", locales=IBAN_LOCALES),
    T("d5_id_10", "chat_lowercase",
      "can u send ur half of the rent to {iban} pls, im short this month and cant face asking again",
      locales=IBAN_LOCALES, case="lower"),
    T("d5_id_11", "telehealth_log negatives_in_context",
      "login from {ipv4} at {time} - user {handle_bare} - flagged for self-harm keywords", script="latin"),
    T("d5_id_12", "",
      "Someone keeps logging into my account from {ipv6}. I think it's my ex. Can you trace it?"),
    T("d5_id_13", "ip_with_port negatives_in_context",
      "My router shows {ipv4}:8080 connecting every night around {time}. Is that him?"),
    T("d5_id_14", "email",
      "My new e-mail is {email}, the old one got hacked.", script="latin"),
    T("d5_id_15", "email_obfuscated",
      "write to me at {email_spelled}, not my work address", script="latin"),
    T("d5_id_16", "url",
      "This is my art page, I post there when I'm struggling: {url}", script="latin"),
    T("d5_id_17", "markdown_link",
      "Wrote about my first year sober here: [my recovery blog]({url})", script="latin"),
    T("d5_id_18", "username",
      "People I trust on this forum: {handle_at}, {handle_at2} and {handle_at3}.", script="latin"),
    T("d5_id_19", "ssn",
      "The billing office asked for my SSN again ({ssn}). Why do they need it for therapy?", locales=("en_US",)),
    T("d5_id_20", "passport negatives_in_context",
      "Country of issue: {country}\nPassport no.: {passport}\nHolder: {name}"),

    T("d5_id_21", "csv_row spreadsheet_paste",
      "Refunds due (export from the booking system)\nname;iban;amount\n{name};{iban};120.00", locales=IBAN_LOCALES),
    T("d5_id_22", "",
      "Someone used my card {card_long} while I was on the ward. The bank wants a letter from the hospital, who do I "
      "ask?"),
    T("d5_id_23", "negatives_in_context",
      "Paying for the prescription over the phone: card {card}, name on the card {name}, billing postcode {postcode}.",
      locales=POSTCODE_LOCALES),
    T("d5_id_24", "booking_confirmation multi_field_form name_middle_initial",
      "ID verification for your video session\nDocument: driving licence\nNumber: {dl}\nHolder: {name_mi}\nStatus: "
      "verified", locales=DL_LOCALES),
    T("d5_id_25", "multi_field_form name_middle_initial",
      "New patient intake\nPatient: {name_mi}\nSSN: {ssn}\n{health_label}: {health}\nPreferred pharmacy: the one on "
      "{street}", locales=("en_US",)),

    # ---- support-group forum posts with quoted replies ---------------------------------------------------------
    T("d5_fo_01", "forum_post quoted_message name_sentence_start email_obfuscated",
      "> {handle_bare} wrote:\n> has anyone tried {therapy} for this?\n\nYes! {name} in {city} does it, PM me or email "
      "{email_spelled2} and I'll send her details.", script="latin", female=(1,)),
    T("d5_fo_02", "forum_post quoted_message",
      "Quoting {handle_at}: \"my husband {first2} says I'm overreacting\"\n\nYou are NOT overreacting. Please read the "
      "pinned post.", script="latin", male=(2,)),
    T("d5_fo_03", "forum_post quoted_message",
      "Re: Re: anyone near {city}?\n\n>> try the drop-in on {street}, Thursdays\n> thanks, went last week, {first} who "
      "runs it was lovely"),
    T("d5_fo_04", "forum_post name_signoff name_nickname negatives_in_context date_extra_format",
      "Thank you all for the replies, I'm going to call the GP tomorrow.\n--\n{nick} | {age} | {dx} | sober since "
      "{date_more}"),
    T("d5_fo_05", "forum_post small_town",
      "Member since 2019 | Posts: 412 | Location: {town}\n\nHi all, long-time lurker, first post. Things have been "
      "really dark lately.", locales=SMALL_TOWN_LOCALES),
    T("d5_fo_06", "forum_post username negatives_in_context",
      "Tagging u/{handle_bare} because you asked about the {app} thing last week", script="latin"),
    T("d5_fo_07", "forum_post single_line_address",
      "Mods please delete my last post, I pasted my address by accident ({addr_line}) and my ex reads this forum."),
    T("d5_fo_08", "forum_post quoted_message",
      "Original post by {handle_bare} - {date_words}\n> I finally told my parents\nSo proud of you!! How did they take "
      "it?", script="latin"),

    # ---- crisis-text exchanges -----------------------------------------------------------------------------------
    T("d5_ct_01", "crisis_text_exchange speaker_label name_vocative",
      "Texter: i cant do this anymore\nVolunteer: I'm here with you. Can I ask your first name?\nTexter: "
      "{first:lower}\n"
      "Volunteer: Thank you, {first}. Are you somewhere safe right now?"),
    T("d5_ct_02", "crisis_text_exchange speaker_label single_line_address",
      "Texter: my address is {addr_line} please send someone\nCounselor: I'm contacting emergency services now. Stay "
      "with me."),
    T("d5_ct_03", "crisis_text_exchange chat_log_timestamps name_possessive",
      "[02:14] TEXTER: he took my phone, im on {first}'s. her number is {phone}\n[02:15] COUNSELOR: Okay. Is he still "
      "in the house?", female=(1,)),
    T("d5_ct_04", "crisis_text_exchange negatives_in_context",
      "You texted HOME to 741741. A trained Crisis Counselor will be with you shortly.\nMe: hi its {name} again, last "
      "night i talked to someone called {first2}, can i get them again?"),
    T("d5_ct_05", "crisis_text_exchange small_town",
      "texter: im on the bridge outside {town}\ncounselor: thank you for telling me. are you near the edge right now",
      locales=SMALL_TOWN_LOCALES, case="lower"),
    T("d5_ct_07", "crisis_text_exchange intersection speaker_label",
      "texter: im at {intersection} by the bus stop and i dont want to go home\ncounselor: ok. can you stay somewhere "
      "with people around you?", locales=INTERSECTION_LOCALES, case="lower"),

    # ---- voice assistants and dictation ------------------------------------------------------------------------
    T("d5_va_01", "voice_assistant voice_transcript standalone_building_number",
      "hey siri text {first} i'm outside number {bldg} can you come down", locales=BLDG, case="lower"),
    T("d5_va_03", "voice_assistant date_spoken",
      "Message to {first}: running late period appointment moved to {date_spoken} period new address is {street} "
      "comma {postcode} full stop", locales=POSTCODE_LOCALES, script="latin"),
    T("d5_va_04", "voice_assistant phone_spoken",
      "ok google call {phone_spoken}", case="lower"),
    T("d5_va_05", "voice_assistant phone_spoken name_possessive",
      "Note to self: {name}'s number is {phone_spoken}, she's the peer worker from the ward.", female=(1,)),
    T("d5_va_06", "voice_transcript date_spoken dob_with_cue",
      "my date of birth is {dob_spoken} and my name is {name}", case="lower"),
]

CLEAN_TEMPLATES = [
    CT("d5_cl_01", "clean_interjection", "{greet} everyone, {interj} what a week. Still here though."),
    CT("d5_cl_02", "clean_interjection clean_weekday_relative_date",
       "Good Luck to whoever has their tribunal tomorrow. Ugh, I remember mine."),
    CT("d5_cl_03", "clean_name_words",
       "I will try, I may fail, but I hope it counts for something. Grace under pressure is not my thing lol"),
    CT("d5_cl_04", "clean_name_words",
       "My counsellor says to mark the good days on the calendar and bill the bad ones to experience. Don't laugh."),
    CT("d5_cl_05", "clean_name_words",
       "Faith in the process, joy in small things, patience with myself. That's the poster on the waiting room wall."),
    CT("d5_cl_06", "clean_name_words",
       "the rose bush outside the ward window finally bloomed and i cried. summer feels possible"),
    CT("d5_cl_07", "clean_typo_spacing", "i tried.Will it matter?idk.Nobody answers at night"),
    CT("d5_cl_08", "clean_typo_spacing",
       "slept 3 hrs.Mark my words the new dose is worse.Hope tmrw is better"),
    CT("d5_cl_09", "clean_medication",
       "{med} {dose} in the morning and {med2} at night, is that a normal combo or should I ask?"),
    CT("d5_cl_10", "clean_medication",
       "Had {vaccine} yesterday and my anxiety spiked for hours. Is that a thing or is it just me?"),
    CT("d5_cl_11", "clean_street_drugs",
       "Three weeks off {drug} and {drug2}. The cravings hit hardest around {time}."),
    CT("d5_cl_12", "clean_diagnosis_therapy",
       "Diagnosed with {dx} at {age}, started {therapy} this year and the worksheets are actually helping."),
    CT("d5_cl_13", "clean_diagnosis_therapy",
       "Is {therapy} or {therapy2} better for {dx}? The waitlist only offers one of them."),
    CT("d5_cl_14", "clean_devices_apps",
       "My {app} says I slept four hours. The {app2} streak is the only thing I've kept going."),
    CT("d5_cl_15", "clean_devices_apps",
       "{activity} and {activity2} are on my coping list now, plus the CPAP mask finally fits."),
    CT("d5_cl_16", "clean_weekday_relative_date",
       "Every {weekday} is rough, but {reldate} was the worst one in ages."),
    CT("d5_cl_17", "clean_weekday_relative_date",
       "see you {weekday} at group, same time as last week, I'll bring biscuits"),
    CT("d5_cl_18", "clean_age clean_year",
       "I'm {age} and I've been sober since {year}. Some days that still feels unreal."),
    CT("d5_cl_19", "clean_age",
       "My son is 16 and my daughter just turned 12, and both are asking why I'm in hospital."),
    CT("d5_cl_20", "clean_helpline",
       "Numbers on the fridge: 988, 116 123 and {helpline}. Just in case."),
    CT("d5_cl_21", "clean_helpline",
       "text SHOUT to 85258 if you cant talk out loud, thats what i do when my flatmates are home"),
    CT("d5_cl_22", "clean_numbers",
       "Took {dose} at {time}, spent {price} on takeaway, walked 6,000 steps, slept 5 hours. Bed 7 on the ward is "
       "the noisy one."),
    CT("d5_cl_23", "clean_numbers",
       "PHQ-9 was 19 last time and 14 today. GAD-7 down from 15 to 11. Progress, I guess."),
    CT("d5_cl_24", "clean_public_figure_company",
       "{figure} talking about therapy on a podcast is honestly why I booked my first session."),
    CT("d5_cl_25", "clean_public_figure_company",
       "I do nights at {company} and the rota is wrecking my sleep."),
    CT("d5_cl_26", "clean_country_in_passing",
       "We came over from {country} when I was little, and my parents don't believe depression is real."),
    CT("d5_cl_27", "clean_eponym",
       "They're assessing me for Asperger's and ADHD, and my dad has Parkinson's, so it's a lot at home."),
    CT("d5_cl_28", "clean_eponym",
       "Apparently Hashimoto's can look like depression. Graves' disease too. Bloods on Friday."),
    CT("d5_cl_29", "clean_games",
       "The only thing that calms me down is Stardew Valley or a long Minecraft build with headphones on."),
    CT("d5_cl_30", "clean_public_website",
       "The self-help guides on mind.org.uk and www.nhs.uk helped a bit while I waited."),
    CT("d5_cl_31", "clean_date_lookalike",
       "Review in 6/52, BP 132/86, pain 7/10, mood 4/10. Aware of 24/7 crisis line."),
    CT("d5_cl_32", "clean_ip_lookalike",
       "Firmware 4.1.0.12 fixed the sleep tracker, but app version 2.14.3 broke the mood chart again."),
    CT("d5_cl_33", "clean_allcaps",
       "I WILL GET THROUGH THIS. MAY IS ALWAYS HARD BUT HOPE IS A VERB, MY THERAPIST SAYS."),
    CT("d5_cl_34", "clean_region_in_passing",
       "Services in Texas were nothing like what I had back in Ontario, honestly."),
    CT("d5_cl_35", "clean_blank_form",
       "Name: prefer not to say\nDOB: N/A\nAddress: no fixed abode\nGP: not registered"),
    CT("d5_cl_36", "clean_kinship_role_words",
       "Mum says Nan won't come to the family session, Dad's still not speaking to me, and Sis has exams."),
    CT("d5_cl_37", "clean_transcript",
       "COUNSELLOR: How has the week been?\nSTUDENT: Bad. Exams.\nCOUNSELLOR: Out of ten?\nSTUDENT: Like a three."),
    CT("d5_cl_38", "clean_generic_places",
       "I sat in the park behind the library for an hour, then went to the chemist and the corner shop."),
    CT("d5_cl_39", "clean_id_lookalike",
       "ICD-10 F41.1 and F33.1 on the letter, and order #4471-2290 for the light box still hasn't shipped."),
    CT("d5_cl_40", "clean_structured",
       "Day\tMood\tSleep\nMon\t4\t6h\nTue\t3\t5h\nWed\t6\t7h"),
    CT("d5_cl_41", "clean_pasted_message",
       "Sent from my iPhone\n\n> On Mon at 09:12 the clinic wrote:\n> Your appointment has been moved to next week."),
    CT("d5_cl_42", "clean_voice_transcript",
       "um so yeah i just um i dont really know where to start uh its been a long week"),
    CT("d5_cl_43", "clean_scripture",
       "Psalm 34:18 and Matthew 11:28 are written on a card by my bed."),
    CT("d5_cl_44", "clean_forum_post",
       "> anyone else feel worse in winter?\nYes. Every single year. The light box helps a little."),
    CT("d5_cl_45", "clean_crisis_text",
       "Texter: i dont want to give my name\nVolunteer: That's completely fine. You don't have to share anything."),
    CT("d5_cl_46", "clean_diary",
       "Day 43. Slept badly, walked anyway. Ate breakfast. Answered one text. Small wins."),
    CT("d5_cl_47", "clean_voice_assistant",
       "hey siri set a reminder for 9 pm to take my meds"),
    CT("d5_cl_48", "clean_booking clean_weekday_relative_date",
       "Your appointment is confirmed for next Tuesday at 10:30. Please arrive 10 minutes early. Reply STOP to opt "
       "out."),
    CT("d5_cl_49", "clean_country_in_passing",
       "My parents are Nigerian and Irish, so mental health was never discussed in either house."),
    CT("d5_cl_50", "clean_public_figure_company",
       "Seeing Simone Biles talk about the twisties made me feel less broken."),
]
