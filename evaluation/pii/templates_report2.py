"""Template set for the ``report2`` half: the new frozen report half (ids ``r2_...``).

Written from scratch by an evaluator who read only ``README.md``, ``template_spec.py``, ``generate.py``,
``pii_values.py``, ``score.py`` and ``selfcheck.py`` of this folder: not the detector (nothing under ``releasebuild/``,
``bench/``, ``tests/``, ``gates/`` or ``docs/``), not the other four template sets and not any JSONL file under
``evaluation/``.  Same shapes as the other halves, new phrasings; it only uses slots that already exist.

Registers: lower-case chat turns with no punctuation, text-speak, run-ons, ALL-CAPS shouting, intake lines and
multi-field forms, speaker-labelled transcripts and chat logs, e-mails and letters pasted into chat, clinician notes,
postal addresses in several national layouts.  Labels follow the README guideline: titles, ranks, cue words and
labels stay literal (outside the spans); fillers (medications, times, weekdays, helplines, ...) are never labelled.
"""

from __future__ import annotations

from template_spec import (
    CT,
    DL_LOCALES,
    IBAN_LOCALES,
    INTERSECTION_LOCALES,
    POSTCODE_LOCALES,
    SMALL_TOWN_LOCALES,
    STREET_THEN_NUMBER_LOCALES,
    T,
    Template,
)

US = ("en_US",)
UK = ("en_GB",)
STN_PC = tuple(code for code in STREET_THEN_NUMBER_LOCALES if code in POSTCODE_LOCALES)
PO_EURO = ("de_DE", "nl_NL", "sv_SE", "fr_FR", "es_ES", "it_IT", "no_NO", "da_DK", "fi_FI")
CJK = ("ja_JP", "zh_CN", "ko_KR")

PII_TEMPLATES: list[Template] = [
    # ---------------------------------------------------------------------------------------------------------
    # Lower-case chat turns (the whole text, values included, is lower-cased)
    # ---------------------------------------------------------------------------------------------------------
    T("r2_low_01", "chat_lowercase single_line_address",
      "ok so my name is {name} and i live at {addr_line} if that matters for the referral thing", case="lower"),
    T("r2_low_02", "chat_lowercase name_sentence_start name_no_cue",
      "{first} is the only one who still checks on me texts every morning before work without fail", case="lower"),
    T("r2_low_03", "chat_lowercase typo_textspeak negatives_in_context",
      "can u ring me on {phone} after {time} i cant talk when my dad is home", case="lower"),
    T("r2_low_04", "chat_lowercase name_no_cue negatives_in_context",
      "im in {city} now moved in with my cousin {first2} [[last month|over the summer|a few weeks ago|after "
      "christmas]] still no job still no sleep", case="lower"),
    T("r2_low_06", "chat_lowercase dob_with_cue",
      "dob is {dob} if u need it for the form thing", case="lower"),
    T("r2_low_07", "chat_lowercase name_list name_sentence_start typo_textspeak",
      "{first} and {first2} and {first3} all unfollowed me on the same day idk what i did wrong", case="lower"),
    T("r2_low_09", "chat_lowercase standalone_postcode",
      "the postcode is {postcode} the taxi keeps going to the wrong end of the road", POSTCODE_LOCALES, case="lower"),
    T("r2_low_10", "chat_lowercase standalone_building_number",
      "its number {bldg} the one with the blue door next to the chippy", case="lower"),
    T("r2_low_12", "chat_lowercase name_middle_initial name_sentence_start",
      "{name_mi} thats the name on my bank card if the pharmacy asks", case="lower"),
    T("r2_low_13", "chat_lowercase name_possessive single_line_address",
      "my sister {first2}'s boyfriend keeps turning up at {addr_line} and i dont feel safe there anymore",
      case="lower", female=(2,)),
    T("r2_low_14", "chat_lowercase typo_textspeak negatives_in_context",
      "pls txt me @ {phone} b4 {time} ty", case="lower"),
    T("r2_low_15", "chat_lowercase run_on_sentence negatives_in_context name_no_cue",
      "so basically i got kicked out and now im at {street} with {first2} and her kids and its loud all the time and "
      "i cant sleep and the {med} isnt doing anything and i just keep thinking about going back to {city} but theres "
      "nothing there for me", case="lower", female=(2,)),
    T("r2_low_16", "chat_lowercase typo_textspeak",
      "wait do u need my {natid_label} its {natid}", case="lower"),
    T("r2_low_17", "chat_lowercase standalone_postcode intersection typo_textspeak",
      "zip is {postcode} and im like 10 min from {intersection}", INTERSECTION_LOCALES, case="lower"),
    T("r2_low_18", "chat_lowercase name_nickname name_sentence_start",
      "{nick} is what everyone calls me my real name is {first} but nobody uses it except my gran", case="lower"),
    T("r2_low_19", "chat_lowercase name_no_cue typo_textspeak",
      "my bf {name2} keeps going thru my phone and reading my messages", case="lower", male=(2,)),
    T("r2_low_20", "chat_lowercase name_possessive",
      "i think i left my wallet at {first2}'s place my whole life is in there licence {dl} and everything",
      DL_LOCALES, case="lower"),
    T("r2_low_21", "chat_lowercase run_on_sentence negatives_in_context single_line_address name_no_cue",
      "ok so last week was bad and then on {weekday} my landlord {name2} let himself into {addr_line} without telling "
      "me and i was in the shower and i havent stopped shaking since and i dont even know who to call",
      case="lower", male=(2,)),
    T("r2_run_01", "run_on_sentence name_no_cue",
      "I got pulled over on the way home and the officer took forever with my licence {dl} and I was shaking the "
      "whole time and then I had a full panic attack in the car and had to ring my sister {first2} to come and get "
      "me and she wasn't even cross which somehow made it worse", DL_LOCALES, female=(2,)),
    T("r2_run_02", "run_on_sentence chat_lowercase",
      "and then she screenshotted everything and put it up on {url2} and tagged half my year and i found out on the "
      "bus and got off three stops early and just walked for ages and i havent been back to school since",
      case="lower", female=(2,)),
    T("r2_run_03", "run_on_sentence negatives_in_context",
      "My dad says I owe him for the deposit so he sent his IBAN {iban2} and said pay it by {weekday} or don't bother "
      "coming home and then my card {card} got declined at the pharmacy so I couldn't even get my {med} and I don't "
      "know what to sort out first", IBAN_LOCALES, male=(2,)),
    # ---------------------------------------------------------------------------------------------------------
    # ALL-CAPS shouting (the whole text, values included, is upper-cased)
    # ---------------------------------------------------------------------------------------------------------
    T("r2_cap_01", "shouting_caps name_no_cue",
      "I TOLD {first} TO STOP CALLING AND THE CALLS STILL COME FROM {phone} EVERY SINGLE NIGHT", case="upper"),
    T("r2_cap_02", "shouting_caps",
      "WHY DOES NOBODY LISTEN. MY NAME IS {name}, NOT WHATEVER THE RECEPTIONIST TYPED IN", case="upper"),
    T("r2_cap_03", "shouting_caps single_line_address negatives_in_context",
      "DO NOT SEND ANYTHING ELSE TO {addr_line}. I MOVED OUT [[MONTHS AGO|LAST SPRING|IN THE SUMMER|TWO WEEKS "
      "AGO]]!!!", case="upper"),
    T("r2_cap_04", "shouting_caps name_sentence_start",
      "{first} IF YOU ARE READING THIS I AM DONE WITH YOU", case="upper"),
    T("r2_cap_05", "shouting_caps negatives_in_context",
      "THEY TOOK {price} OFF MY CARD {card} TWICE AND NOW I CANT EVEN PAY FOR MY {med}", case="upper"),
    T("r2_cap_06", "shouting_caps dob_with_cue",
      "I WAS BORN ON {dob}. I KNOW HOW OLD I AM, THANK YOU VERY MUCH", case="upper"),
    T("r2_cap_08", "shouting_caps standalone_building_number negatives_in_context",
      "THE GUY AT NUMBER {bldg} IS BANGING ON THE WALL AGAIN AT {time} I CANNOT DO THIS", case="upper"),
    T("r2_cap_09", "shouting_caps name_surname_first",
      "{last}, {first} - THAT IS WHAT IS PRINTED ON THE LETTER AND IT IS NOT EVEN MY ADDRESS", case="upper"),
    T("r2_cap_10", "shouting_caps name_no_cue",
      "MY EX {name2} IS POSTING MY PHOTOS ON {url2} AND I WANT THEM GONE", case="upper"),
    # ---------------------------------------------------------------------------------------------------------
    # Intake lines
    # ---------------------------------------------------------------------------------------------------------
    T("r2_frm_01", "intake_form_line name_nickname",
      "Client name: {name} (goes by {nick})"),
    T("r2_frm_02", "intake_form_line",
      "Emergency contact: {name2}, [[partner|flatmate|friend|cousin]], {phone2}"),
    T("r2_frm_04", "intake_form_line dob_with_cue",
      "D.O.B.: {dob} | Preferred language: English | Interpreter needed: no"),
    T("r2_frm_06", "intake_form_line name_middle_initial name_with_title",
      "Patient: {name_mi}    Referring clinician: Dr {last2}", script="latin"),
    T("r2_frm_08", "intake_form_line single_line_address",
      "Home address: {addr_line}  (lives with partner and two children)"),
    T("r2_frm_09", "intake_form_line dob_with_cue date_extra_format negatives_in_context",
      "Date of birth: {dob_more}    Country of birth: {country}"),
    T("r2_frm_10", "intake_form_line negatives_in_context",
      "Social security no.: {ssn}    Employer: {company}", US),
    T("r2_frm_11", "intake_form_line",
      "Passport No: {passport} (copy attached, expires soon)"),
    T("r2_frm_13", "intake_form_line",
      "Town/city of residence:\n{town:upper}\nLived there: [[all my life|about a year|since {year}]]",
      SMALL_TOWN_LOCALES),
    # ---------------------------------------------------------------------------------------------------------
    # Multi-field forms
    # ---------------------------------------------------------------------------------------------------------
    T("r2_mff_01", "intake_form_line multi_field_form dob_with_cue multiline_address name_with_title",
      "REFERRAL FORM\nSurname: {last}\nForename(s): {first}\nDate of birth: {dob}\nHome address:\n{addr}\nGP: "
      "Dr {last2}"),
    T("r2_mff_02", "intake_form_line multi_field_form dob_with_cue negatives_in_context",
      "Full name: {name}\nD.O.B.: {dob_num}\nMobile: {phone}\nE-mail: {email}\n"
      "Presenting concern: low mood, poor sleep; on {med} {dose} since [[last spring|the summer|Christmas|a few "
      "months ago]]"),
    T("r2_mff_03", "intake_form_line multi_field_form dob_with_cue single_line_address",
      "Patient Name: {name}\nSSN: {ssn}\nDOB: {dob}\nAddress: {addr_line}\n{health_label}: {health}", US),
    T("r2_mff_04", "intake_form_line multi_field_form standalone_postcode",
      "NAME  {name:upper}\nNHS NO  {health}\nPOSTCODE  {postcode}\nNEXT OF KIN  {name2} - {phone2}", UK),
    T("r2_mff_05", "intake_form_line multi_field_form dob_with_cue negatives_in_context",
      "New client registration\n1. Name - {name}\n2. Date of birth - {dob}\n3. Phone - {phone}\n"
      "4. OK to leave a message? No\n5. How did you find us? [[a friend|my GP|Google|Instagram|a leaflet at the "
      "library]]"),
    T("r2_mff_06", "intake_form_line multi_field_form multiline_address",
      "Name: {name}\n{natid_label}: {natid}\nMobile: {phone}\nAddress:\n{addr_nc}", ("en_IN", "hi_IN")),
    T("r2_mff_07", "intake_form_line multi_field_form multiline_address",
      "Nome / Name: {name}\n{natid_label}: {natid}\nEndereço / Address:\n{addr}", ("pt_BR",)),
    T("r2_mff_08", "intake_form_line multi_field_form dob_with_cue multiline_address",
      "Name (as in passport): {name}\nPassport no.: {passport}\nDate of birth: {dob}\nHome address:\n{addr_c}",
      script="native"),
    T("r2_mff_09", "intake_form_line multi_field_form standalone_postcode",
      "Payment details\nCardholder: {name:upper}\nCard number: {card_long}\nBilling postcode: {postcode}",
      POSTCODE_LOCALES),
    T("r2_mff_10", "intake_form_line multi_field_form",
      "Account holder: {name}\nIBAN: {iban}\nFirst collection: {date}\nReference: counselling fees", IBAN_LOCALES),
    T("r2_mff_11", "intake_form_line multi_field_form dob_with_cue",
      "Photo ID on file\nType: driving licence\nNumber: {dl}\nIssued to: {name}\nDOB: {dob_num}", DL_LOCALES),
    T("r2_mff_12", "multi_field_form name_list phone_extension negatives_in_context",
      "MY SAFETY PLAN\nPeople I can ring: {first2} ({phone2}), {first3} ({phone3})\n"
      "Care coordinator: {name4}, {phone_ext4}\nIf nobody picks up: {helpline}"),
    T("r2_mff_13", "intake_form_line multi_field_form multiline_address",
      "Name: {name}\n{natid_label}: {natid}\nDomicilio / Address:\n{addr_nc}\nTel.: {phone}", ("es_MX",)),
    T("r2_mff_14", "clinician_note multi_field_form intake_form_line name_surname_first dob_with_cue "
      "negatives_in_context",
      "DISCHARGE SUMMARY\nPatient: {last:upper}, {first}\nDOB: {dob}\nAdmitted: {date}   Discharged: {date2}\n"
      "Meds on discharge: {med} {dose}, {med2} PRN"),
    T("r2_mff_16", "intake_form_line multi_field_form military_address multiline_address",
      "Service member: {rank} {name}\nMailing address:\n{mil}\nSpouse: {first2}\nBest contact: {email2}", US),
    T("r2_mff_17", "intake_form_line multi_field_form multiline_address single_line_address",
      "Current address:\n{addr_nc}\nPrevious address (if there under 3 yrs): {addr_line2}\n{natid_label}: {natid}",
      ("en_GB", "en_IE")),
    T("r2_mff_18", "multi_field_form",
      "Username: {handle_bare}\nRecovery email: {email}\nLast sign-in IP: {ipv4}\nLast sign-in: {date}"),
    T("r2_mff_19", "multi_field_form dob_with_cue negatives_in_context single_line_address",
      "Rx for: {name}\nDOB {dob_num}\n{med} {dose} nocte x 28\nDeliver to: {addr_line}"),
    T("r2_mff_20", "intake_form_line multi_field_form dob_with_cue date_extra_format",
      "Surname: {last:upper}\nFirst name: {first}\nDate of birth: {dob_more}\nTown of residence: {town}",
      SMALL_TOWN_LOCALES),
    T("r2_mff_21", "intake_form_line multi_field_form single_line_address name_with_title",
      "Name: {name}\n{health_label}: {health}\nAddress: {addr_line}\nUsual GP: Dr {last2}", ("en_AU",)),
    T("r2_mff_22", "intake_form_line multi_field_form multiline_address",
      "Patient: {name}\nHealth card: {health}\nAddress:\n{addr_nc}", ("en_CA",)),
    T("r2_mff_23", "intake_form_line multi_field_form single_line_address",
      "Name: {name}\nPassport: {passport}\nLocal address: {addr_line}\nPhone: {phone}", CJK, script="latin"),
    # ---------------------------------------------------------------------------------------------------------
    # Speaker-labelled transcripts and chat logs
    # ---------------------------------------------------------------------------------------------------------
    T("r2_spk_01", "speaker_label dob_with_cue",
      "THERAPIST: Can you confirm your date of birth for me?\nCLIENT: {dob}. Same as last time."),
    T("r2_spk_02", "speaker_label name_no_cue negatives_in_context",
      "{first}: i cant do thursday\nCounsellor: That's okay. Is {date} any better?\n{first}: yeah ok"),
    T("r2_spk_03", "speaker_label negatives_in_context",
      "Client ({name}): my mum keeps turning up without warning\nTherapist: How does that leave you feeling?\n"
      "Client: {feeling}, mostly"),
    T("r2_spk_04", "speaker_label negatives_in_context",
      "[{time}] {handle_bare}: anyone else awake\n[{time2}] {handle_bare2}: always lol\n"
      "[{time3}] {handle_bare}: cant stop thinking about [[last night|what happened at christmas|the "
      "weekend|last winter]]"),
    T("r2_spk_05", "speaker_label single_line_address",
      "Worker: What's the best number to reach you?\nCaller: {phone}, but it's my mum's phone\n"
      "Worker: And where are you staying tonight?\nCaller: {addr_line}"),
    T("r2_spk_06", "speaker_label name_with_title name_no_cue negatives_in_context",
      "Dr {last2}: We'll go up to {dose} of the {med}.\n{first}: Okay. Will it make me sleepy?"),
    T("r2_spk_07", "speaker_label name_no_cue negatives_in_context",
      "PEER SUPPORT: Who's at home with you right now?\nMEMBER: just {first2} and the baby\n"
      "PEER SUPPORT: Could {first2} stay with you until {time}?"),
    T("r2_spk_08", "speaker_label name_no_cue negatives_in_context",
      "Facilitator: Let's go round the circle. {first}?\n{first}: pass\nFacilitator: {first2}?\n"
      "{first2}: I've been {feeling} since [[the weekend|my birthday|Christmas|the funeral]]"),
    T("r2_spk_09", "speaker_label single_line_address",
      "{name:upper}: I NEED HELP\nCall handler: Okay, I'm here. Where are you right now?\n{name:upper}: {addr_line}"),
    T("r2_spk_10", "speaker_label name_possessive typo_textspeak",
      "Me: whats {first2}'s number again\nMum: {phone2}\nMe: thx luv u"),
    T("r2_spk_11", "speaker_label",
      "{name}: 大丈夫です... sorry, I'm okay.\nCounsellor: Thank you, {first}. Which email should I send the "
      "follow-up to?\n{name}: {email}", ("ja_JP",), script="native"),
    # ---------------------------------------------------------------------------------------------------------
    # Clinician notes
    # ---------------------------------------------------------------------------------------------------------
    T("r2_cln_01", "clinician_note negatives_in_context",
      "Pt {name} seen in clinic {date}. Mood 4/10, sleep ~5h. Cont. {med} {dose} mane. F/u 2/52."),
    T("r2_cln_02", "clinician_note negatives_in_context name_no_cue",
      "Collateral from {first2} (sister) on {phone2}: reports pt has barely eaten since [[last week|the "
      "weekend|the break-up|Easter]].", female=(2,)),
    T("r2_cln_03", "clinician_note negatives_in_context name_no_cue",
      "S: {first} reports passive SI, no plan or intent.\nO: Kempt, good eye contact, speech normal rate.\n"
      "A: {dx}, risk low-moderate.\nP: Safety plan reviewed, {helpline} given. Review {date}."),
    T("r2_cln_04", "clinician_note single_line_address standalone_building_number",
      "Home visit to {addr_line} - no answer, card left. Neighbour at no. {bldg2} says pt has gone to family in "
      "{city2}."),
    T("r2_cln_05", "clinician_note name_with_title dob_with_cue negatives_in_context",
      "Referred by GP Dr {last2} ({email2}). DOB {dob}. Hx {dx}; {therapy} in {year} with partial response."),
    T("r2_cln_06", "clinician_note multiline_address",
      "Risk: lives alone at\n{addr_nc}\nNOK: {name2}, {phone2}. No access to firearms."),
    T("r2_cln_07", "clinician_note dob_with_cue",
      "Video session; client joined from IP {ipv6} (platform flagged unusual location). ID confirmed with DOB "
      "{dob_num}."),
    T("r2_cln_08", "clinician_note name_initial_surname negatives_in_context",
      "{name_init}, {age} y/o F, self-referral for {dx}. Lives with partner ({first2}). Nil illicit drugs, ETOH "
      "socially.", female=(1,)),
    T("r2_cln_09", "clinician_note phone_extension negatives_in_context",
      "Nursing note {time}: pt's brother {name2} on ward asking for update - advised to ring the ward on "
      "{phone_ext3} after handover.", male=(2,)),
    T("r2_cln_11", "clinician_note dob_with_cue postcode_no_cue",
      "Pt disclosed DV. Partner {name2}, DOB {dob2}, thought to be staying near {postcode2}. MARAC referral made.",
      POSTCODE_LOCALES),
    T("r2_cln_13", "clinician_note name_no_cue",
      "Safeguarding: child {first2}, aged 7, attends local primary; mother {name3} aware of referral. Strategy "
      "meeting {date}.", female=(3,)),
    T("r2_cln_14", "clinician_note name_surname_first dob_no_cue negatives_in_context",
      "{last:upper}, {first} - {dob_num} - seen with interpreter. Limited English; most of family still in "
      "{country}."),
    T("r2_cln_15", "clinician_note date_range",
      "Transfer of care: from {date_span} pt under home treatment team; key worker {name2}."),
    T("r2_cln_16", "clinician_note phone_no_separators negatives_in_context",
      "Pt's daughter {first2} rang from {phone_plain2}, asks for call back after {time}. Consent to share: yes.",
      female=(2,)),
    T("r2_cln_18", "clinician_note name_nickname dob_no_cue negatives_in_context",
      "{name} ('{nick}'), {dob}. Presented to ED [[last night|yesterday|over the weekend|this morning]] after "
      "OD of {med}; medically cleared, seen by liaison."),
    # ---------------------------------------------------------------------------------------------------------
    # E-mails and letters pasted into chat
    # ---------------------------------------------------------------------------------------------------------
    T("r2_eml_01", "pasted_email name_signoff",
      "fwd from my landlord, what do i even do??\n\nFrom: {name2} <{email2}>\nTo: {email}\nSubject: Notice re "
      "{street}\n\nYou are required to vacate the property by {date}.\n\nRegards,\n{first2}"),
    T("r2_eml_02", "pasted_email name_with_title phone_extension negatives_in_context",
      "this is the letter they sent me:\n\nDear {first},\nYour next appointment is on {date} at {time} with Dr "
      "{last2}.\nIf you cannot attend, please call {phone_ext3}.\n\nCommunity Mental Health Team"),
    T("r2_eml_03", "pasted_email name_signoff name_nickname",
      "-----Original Message-----\nFrom: {email}\nSent: {date}\nSubject: re: tomorrow\n\ncan't make it, sorry. "
      "not doing great.\n{nick}"),
    T("r2_eml_04", "pasted_email multiline_address",
      "copying it word for word:\n\n{name}\n{addr}\n\n{date}\n\nDear {first}, we are writing about your housing "
      "application..."),
    T("r2_eml_05", "pasted_email single_line_address name_signoff",
      "Subject: Please stop contacting me\n\n{name2}, I have asked you three times now. Do not come to {addr_line} "
      "again.\n\n{first}"),
    T("r2_eml_06", "pasted_email name_with_title name_initial_surname date_extra_format",
      "got this from the clinic, is this normal?\n\nDear Mr {last},\nWe have received a referral from {name_init2} "
      "and would like to offer you an assessment on {date_more}.\nKind regards,\nIntake Team", male=(1,)),
    T("r2_eml_07", "pasted_email name_signoff",
      "> On {date}, {name2} <{email2}> wrote:\n> are you coming to group this week?\n\nno. tell them i'm sick.\n"
      "{first}"),
    # ---------------------------------------------------------------------------------------------------------
    # Postal addresses over several lines
    # ---------------------------------------------------------------------------------------------------------
    T("r2_adr_02", "multiline_address",
      "my grandmother's address, for the card:\n{name2}\n{addr_c}", script="native", female=(2,)),
    T("r2_adr_04", "multiline_address",
      "{name}\n{street} {unit}\n{city}, {state} {postcode}", US),
    T("r2_adr_05", "multiline_address",
      "please send it to\n{unit}\n{street}\n{town:upper}\n{postcode}\nthanks", UK),
    T("r2_adr_06", "multiline_address street_then_number",
      "{name}\n{street_sn}\n{postcode} {city} ({state})", ("it_IT",)),
    T("r2_adr_07", "multiline_address",
      "{name}\nC/o {name2}\n{addr}", ("en_IN", "hi_IN")),
    T("r2_adr_08", "multiline_address street_then_number",
      "{name}\n{street_sn}\n{postcode} {town}", ("de_DE", "no_NO", "es_ES")),
    T("r2_adr_09", "multiline_address",
      "Destinatário / To: {name}\n{addr_c}", ("pt_BR",)),
    T("r2_adr_10", "multiline_address",
      "{addr_nc}\n{name} 様", ("ja_JP",), script="native"),
    T("r2_adr_11", "multiline_address",
      "{name}\n{street}\n{town:upper} {state} {postcode}", ("en_AU",)),
    T("r2_adr_12", "multiline_address po_box",
      "{name}\n{po_box}\n{postcode} {city}", PO_EURO),
    T("r2_adr_13", "multiline_address po_box",
      "{name}\n{po_box}\n{city}, {state} {postcode}", ("en_US", "en_CA")),
    T("r2_adr_14", "multiline_address",
      "Ship to:\n{name}\n{addr_c}\nTel. {phone}"),
    T("r2_adr_16", "multiline_address",
      "For the parcel:\n{addr_c}\n{name}", ("zh_CN", "ko_KR", "ru_RU", "el_GR", "ar_AA", "hi_IN"),
      script="native"),
    T("r2_adr_17", "multiline_address",
      "Address for the appointment letters:\n{name}\n{street}\n{town}\n{state}\n{postcode}", ("en_IE",)),
    # ---------------------------------------------------------------------------------------------------------
    # Addresses on one line, street-then-number, PO boxes, building numbers, postcodes
    # ---------------------------------------------------------------------------------------------------------
    T("r2_sla_01", "single_line_address",
      "I'm at {addr_line} - the buzzer's broken so just knock loudly."),
    T("r2_sla_03", "single_line_address po_box",
      "Post goes to {po_box}, {city} now, not the flat."),
    T("r2_sla_04", "single_line_address name_sentence_start",
      "{first} dropped me outside {addr_line} and just drove off."),
    T("r2_sla_05", "single_line_address street_then_number",
      "Sorry, I mean it's {street_sn} in {city}, second floor, my name's on the bell.", STREET_THEN_NUMBER_LOCALES),
    T("r2_sla_06", "single_line_address street_then_number",
      "The shelter was full so I'm at a friend's on {street_sn}, {postcode} {town}.", STN_PC),
    T("r2_sla_08", "street_then_number negatives_in_context",
      "Can the nurse visit me at {street_sn} instead? That's my mum's flat, I'm there till {weekday}.",
      STREET_THEN_NUMBER_LOCALES),
    T("r2_sla_09", "street_then_number chat_lowercase",
      "im staying on {street_sn} near the station for now dont tell anyone", STREET_THEN_NUMBER_LOCALES,
      case="lower"),
    T("r2_sla_10", "po_box",
      "Please use {po_box} for anything official - don't write to the house, my dad opens everything."),
    T("r2_bld_01", "standalone_building_number",
      "Which house? Number {bldg}, with the broken gate and the bins out front."),
    T("r2_pc_01", "standalone_postcode",
      "Is there a service that covers {postcode}? That's my postcode, I've searched everywhere.", POSTCODE_LOCALES),
    T("r2_pc_02", "postcode_no_cue negatives_in_context",
      "anyone else in {postcode} struggling to get a GP appointment?? been ringing since {time}", POSTCODE_LOCALES),
    T("r2_pc_03", "postcode_no_cue negatives_in_context",
      "I'm way out past {postcode}, no buses after {time}, so evening groups are impossible.", POSTCODE_LOCALES),
    T("r2_pc_04", "postcode_no_cue",
      "{postcode} area, if that helps you find someone local.", POSTCODE_LOCALES),
    # ---------------------------------------------------------------------------------------------------------
    # Military addresses, intersections
    # ---------------------------------------------------------------------------------------------------------
    T("r2_mil_01", "military_address multiline_address",
      "My husband's deployed, so letters go to:\n{rank} {name2}\n{mil}", US, male=(2,)),
    T("r2_mil_02", "military_address single_line_address negatives_in_context",
      "Can you send the forms to {mil_inline}? I'm stationed overseas until [[next spring|the end of the "
      "year|next summer|at least March]].", US),
    T("r2_mil_03", "military_address negatives_in_context",
      "APO address for my son: {name2}, {mil_inline}. He hasn't written back in [[six weeks|a month|ages|two "
      "months]].", US, male=(2,)),
    T("r2_int_01", "intersection",
      "I'm standing at {intersection} and I honestly don't know how I got here", INTERSECTION_LOCALES),
    T("r2_int_02", "intersection negatives_in_context",
      "We meet every {weekday} at the coffee place on {intersection}, you'd be welcome.", INTERSECTION_LOCALES),
    T("r2_int_03", "intersection",
      "he lives somewhere round {intersection}, I never actually went inside", INTERSECTION_LOCALES),
    # ---------------------------------------------------------------------------------------------------------
    # Names
    # ---------------------------------------------------------------------------------------------------------
    T("r2_nam_01", "name_sentence_start name_no_cue",
      "{first} said I was being dramatic and maybe I was, but it still hurt."),
    T("r2_nam_03", "name_list",
      "Me, {first2}, {first3} and {first4} used to be inseparable. Now it's just me."),
    T("r2_nam_04", "name_possessive name_sentence_start",
      "{first2}'s dad was the one who found me. I never thanked him."),
    T("r2_nam_05", "name_possessive name_no_cue",
      "I'm staying at {first_s2}' place while the heating's fixed."),
    T("r2_nam_06", "name_middle_initial negatives_in_context",
      "Hi, this is {name_mi}, I had an intake call [[last week|yesterday|on Monday|a few days ago]] and was told to "
      "message here.", script="latin"),
    T("r2_nam_07", "name_with_title",
      "My counsellor, Mrs {last2}, retired and I don't want to start over with someone new.", female=(2,)),
    T("r2_nam_08", "name_nickname name_sentence_start",
      "{nick} from group messaged me after, which was kind. I didn't reply though."),
    T("r2_nam_09", "name_signoff",
      "thanks for listening tonight, it helped more than you know\n\n{first}"),
    T("r2_nam_10", "name_signoff name_nickname negatives_in_context",
      "I'll try the breathing thing before bed. Talk {weekday}.\n- {nick}"),
    T("r2_nam_13", "name_initial_surname",
      "Do you know if {name_init2} still works at the practice? She was the only one I trusted.", female=(2,)),
    T("r2_nam_16", "name_list name_no_cue",
      "It was {first2} and {first3} who picked me up from the station, I couldn't have done it alone"),
    T("r2_nam_17", "name_no_cue negatives_in_context",
      "I hope {first2} is okay. Haven't heard from them since [[the weekend|last Tuesday|Christmas|the party]]."),
    T("r2_nam_18", "name_with_title name_sentence_start negatives_in_context",
      "Mr {last2} from the housing office said he'd call back [[on Friday|the same day|after the weekend|within "
      "48 hours]]. He never did.", male=(2,)),
    T("r2_nam_20", "name_no_cue",
      "I've been talking to {name2} from my old class - we message in our own language, it helps.",
      script="native"),
    T("r2_nam_21", "name_sentence_start negatives_in_context",
      "{name} here, {age}, first time trying online therapy."),
    T("r2_nam_22", "name_sentence_start",
      "{first:lower} {last:lower} is my full name if you need to look me up in the system"),
    T("r2_nam_23", "name_middle_initial",
      "Was it {name_mi2} who wrote the assessment? The report has my history all wrong.", script="latin"),
    T("r2_nam_25", "dob_no_cue name_sentence_start",
      "{first2} is a {dob_partial2} baby too, we always joked about that."),
    # ---------------------------------------------------------------------------------------------------------
    # Identifiers, contact details, online traces
    # ---------------------------------------------------------------------------------------------------------
    T("r2_id_01", "negatives_in_context",
      "{company} made me re-upload my licence ({dl}) and now I'm locked out of the app.", DL_LOCALES),
    T("r2_id_02", "intake_form_line",
      "Driving licence: {dl}, expires {date}", DL_LOCALES),
    T("r2_id_03", "negatives_in_context",
      "my passport number is {passport} - the embassy needs it for the emergency travel document by {weekday}"),
    T("r2_id_06", "",
      "They asked for my {health_label} over the phone: {health}. Was that okay to share?"),
    T("r2_id_07", "",
      "Someone opened a loan with my social, {ssn}. I feel sick.", US),
    T("r2_id_09", "negatives_in_context",
      "The gym charged {card} even after I cancelled. Bank says wait [[ten working days|two weeks|a month]]."),
    T("r2_id_10", "",
      "This is the card Mum gave me for emergencies: {card12}. I used it for the taxi home."),
    T("r2_id_11", "typo_textspeak",
      "paid for the session w my debit card {card12} but it says declined?? wtf"),
    T("r2_id_12", "",
      "Refund to IBAN {iban} please, I'm closing the other account.", IBAN_LOCALES),
    T("r2_id_14", "",
      "Here's my blog if you want to see the drawings: {url}"),
    T("r2_id_17", "",
      "Someone made a fake account, {handle_at}, pretending to be me."),
    T("r2_id_18", "",
      "He posts as u/{handle_bare2} and comments on everything I write.", male=(2,)),
    T("r2_id_19", "negatives_in_context",
      "My sister follows {handle_at2} and now she's eating 500 calories a day.", female=(2,)),
    T("r2_id_20", "negatives_in_context",
      "The VPN log shows a sign-in from {ipv4} at {time} - that wasn't me."),
    T("r2_id_21", "",
      "router keeps saying {ipv6} has a conflict, sorry, unrelated, just stressed"),
    T("r2_id_25", "phone_extension",
      "Work number is {phone_ext}, but please don't call there."),
    T("r2_id_26", "phone_no_separators",
      "The number that keeps ringing me is {phone_plain2} - I think it's him.", male=(2,)),
    T("r2_id_27", "phone_no_separators negatives_in_context",
      "Can you call me back on {phone_plain}? Any time after {time}."),
    T("r2_id_28", "email_obfuscated",
      "write to me at {email_spelled}, I don't want it scraped by bots"),
    T("r2_id_29", "email_obfuscated",
      "my email, spelled out cos autocorrect hates it: {email_spelled}"),
    T("r2_id_30", "email_obfuscated",
      "you can reach my mum at {email_spelled2} if I stop answering", female=(2,)),
    T("r2_id_31", "negatives_in_context",
      "My cell is {phone}, call after {time} when I'm off shift.", US),
    # ---------------------------------------------------------------------------------------------------------
    # Dates
    # ---------------------------------------------------------------------------------------------------------
    T("r2_dt_01", "dob_no_cue",
      "{dob} - that's my birthday, and every year it gets harder."),
    T("r2_dt_02", "",
      "My dad died on {date}. I still set a place for him some nights."),
    T("r2_dt_03", "",
      "Payday is {date_day}, so I can't afford a session before then."),
    T("r2_dt_04", "date_range",
      "We'll be away from {date_span}, so I'll miss two sessions."),
    T("r2_dt_05", "date_extra_format",
      "The court date got moved to {date_more}. I can't think about anything else."),
    T("r2_dt_06", "date_range",
      "I was off sick {date_span} and HR is now asking for a fit note"),
    T("r2_dt_07", "dob_no_cue name_sentence_start",
      "{name}, {dob} - I'm writing this down so someone knows who I am."),
]

CLEAN_TEMPLATES: list[Template] = [
    # interjections and greetings
    CT("r2_cl_01", "clean_interjection clean_name_words", "{interj}. ok. I will try it tonight and hope it helps."),
    CT("r2_cl_02", "clean_interjection", "{greet}! Long week. Still here though."),
    CT("r2_cl_03", "clean_interjection clean_numbers", "ugh, {time} and still wide awake. yikes."),
    CT("r2_cl_04", "clean_interjection clean_weekday_relative_date",
       "Cheers for yesterday. Good Luck to everyone in group on {weekday}!"),
    # words that are also names
    CT("r2_cl_05", "clean_name_words", "I will not let May beat me again this year. Every spring it's the same."),
    CT("r2_cl_06", "clean_name_words",
       "There's no grace period on the rent and no hope of an extension, so that's fun."),
    CT("r2_cl_07", "clean_name_words", "Faith isn't something I have much of lately. Joy neither."),
    CT("r2_cl_08", "clean_name_words clean_numbers",
       "The energy bill is {price} this month and I don't know how to mark it as urgent."),
    CT("r2_cl_09", "clean_name_words",
       "Don't tell me to sue them, I can't afford a lawyer. I just don't want them to rob me twice."),
    CT("r2_cl_10", "clean_name_words",
       "Pat yourself on the back, the nurse said. Frank advice, but it drew a laugh out of me."),
    CT("r2_cl_11", "clean_name_words clean_weekday_relative_date",
       "Up at dawn again. Summer was easier, sunny mornings help."),
    # typo spacing
    CT("r2_cl_12", "clean_typo_spacing", "sorry i need.Tel me honestly, is it normal to feel like this?"),
    CT("r2_cl_13", "clean_typo_spacing clean_name_words clean_weekday_relative_date",
       "it was fine.Will try again tomorrow.Hope that's ok"),
    CT("r2_cl_14", "clean_typo_spacing clean_name_words",
       "had two drinks and stopped at two.Rose early, went for a walk, felt ok.Grace under pressure or whatever"),
    CT("r2_cl_15", "clean_typo_spacing clean_numbers", "took {dose} at {time}.Still nothing.Should I wait?"),
    # medication, substances, diagnoses, apps
    CT("r2_cl_16", "clean_medication clean_numbers clean_weekday_relative_date",
       "Started {med} {dose} [[last week|a few days ago|on Monday|two weeks ago]]. The nausea is easing a bit."),
    CT("r2_cl_17", "clean_medication",
       "Is it safe to take {med} with {med2}? My pharmacist said probably but I'm nervous."),
    CT("r2_cl_18", "clean_medication clean_street_drugs",
       "Carrying Narcan everywhere now since my friend overdosed on {drug}. Never again."),
    CT("r2_cl_19", "clean_medication",
       "Had {vaccine} and felt flat for days - could that be interacting with my {med}?"),
    CT("r2_cl_20", "clean_street_drugs clean_weekday_relative_date",
       "used to do {drug} every weekend, now it's just [[weed|a few beers|vapes]] and honestly I want to stop "
       "that too"),
    CT("r2_cl_21", "clean_street_drugs", "Six weeks clean from {drug} today. Not sure what to do with myself."),
    CT("r2_cl_22", "clean_diagnosis_therapy",
       "Got diagnosed with {dx} and they want me to start {therapy}. What's that like?"),
    CT("r2_cl_23", "clean_diagnosis_therapy clean_eponym",
       "Is {dx} common with Asperger's? My assessor thinks I might have both."),
    CT("r2_cl_24", "clean_diagnosis_therapy",
       "My {therapy} group does a check-in every session, one to ten, and I always say five."),
    CT("r2_cl_25", "clean_devices_apps", "My [[Fitbit|Apple Watch|Oura ring|Garmin|sleep app]] says I slept "
        "under five hours again, which explains a lot."),
    CT("r2_cl_26", "clean_devices_apps clean_numbers",
       "Using {app} every day and {activity} when I can. Mood score went from 3 to 6."),
    CT("r2_cl_27", "clean_devices_apps",
       "The CPAP mask leaks and I wake up panicking. Has anyone tried the nasal pillows?"),
    # dates that are not dates, ages, years
    CT("r2_cl_28", "clean_weekday_relative_date",
       "{weekday} was rough, [[yesterday|last night|this morning]] was worse, today's a bit better."),
    CT("r2_cl_29", "clean_weekday_relative_date clean_year",
       "Back in {year} I had my first panic attack. Around Easter it always comes back."),
    CT("r2_cl_30", "clean_age", "I'm {age} and I still feel like a kid when my parents shout."),
    CT("r2_cl_31", "clean_year", "Quit smoking in {year}, started again during lockdown, quitting again now."),
    CT("r2_cl_32", "clean_date_lookalike clean_numbers clean_medication",
       "Plan: sertraline 50mg, r/v in 2/52, bloods x1, f/u 1/12 if stable. BP 128/84."),
    CT("r2_cl_33", "clean_date_lookalike clean_numbers",
       "Pain is 7/10 today. Anxiety is basically 24/7 at this point. PHQ-9 went from 19 to 14."),
    CT("r2_cl_34", "clean_date_lookalike clean_devices_apps",
       "The app updated to version 3.12.1 and wiped my mood log, 3/4 of a year gone."),
    # helplines, numbers
    CT("r2_cl_35", "clean_helpline clean_weekday_relative_date",
       "Called {helpline} last night. The person was kind. I'm still here."),
    CT("r2_cl_36", "clean_helpline",
       "If it gets bad again I'll text 741741 or ring Samaritans on 116 123, promise."),
    CT("r2_cl_37", "clean_numbers", "Room 4, bed 12. Visiting is 2 till 4 and 6 till 8, max two people."),
    # public figures, companies, places in passing
    CT("r2_cl_38", "clean_public_figure_company",
       "{figure} talking openly about therapy is what made me finally book a session."),
    CT("r2_cl_39", "clean_public_figure_company clean_numbers",
       "Quit my job at {company} because the 12-hour night shifts were wrecking me."),
    CT("r2_cl_40", "clean_public_figure_company clean_name_words",
       "Reading the Matthew Perry memoir. Hard going, but I will finish it."),
    CT("r2_cl_41", "clean_country_in_passing",
       "We came over from {country} when I was small and I still feel like I don't belong anywhere."),
    CT("r2_cl_42", "clean_region_in_passing clean_weekday_relative_date",
       "Moved from Kerala to Ontario for work last year and the winters are brutal."),
    CT("r2_cl_43", "clean_eponym clean_kinship_role_words",
       "Dad has Parkinson's and Mum's memory is going, maybe Alzheimer's. I'm the only carer left."),
    CT("r2_cl_44", "clean_games clean_numbers",
       "Playing Stardew Valley until 3am is the only thing that quiets my head."),
    CT("r2_cl_45", "clean_public_website",
       "Found a self-help booklet on mind.org.uk and another one on www.nhs.uk, both decent."),
    CT("r2_cl_46", "clean_public_website clean_helpline",
       "988lifeline.org has a chat option if you can't face calling 988."),
    CT("r2_cl_47", "clean_allcaps clean_name_words",
       "I WILL GET THROUGH THIS. I HAVE TO HOPE. MAY IS ALWAYS THE WORST MONTH FOR ME.", case="upper"),
    CT("r2_cl_48", "clean_blank_form clean_kinship_role_words",
       "Name: ____________\nDOB: N/A\nAddress: no fixed abode\nPhone: TBC\nNext of kin: Mother\nReferrer: Self"),
    CT("r2_cl_49", "clean_transcript",
       "THERAPIST: How has the week been?\nCLIENT: Up and down. Mostly down.\n"
       "THERAPIST: What helped, even a little?\nCLIENT: Walking, I think."),
    CT("r2_cl_50", "clean_generic_places clean_weekday_relative_date",
       "Went to the park, then the corner shop, then straight back home. That was the whole outing on {weekday}."),
]
