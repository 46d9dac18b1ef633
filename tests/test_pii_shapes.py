"""The shapes of PII that leaked on unseen text (issue 23), each through `releasebuild.detect_pii` with the default
gate settings and the real analyzer: every identifier here was missed (or a word here was redacted) before.

These are regression tests of shapes, not a quality measure: quality is measured on evaluation data written apart
from the detector (bench/pii_eval.py, evaluation/pii/).
"""

from __future__ import annotations

import pytest

from releasebuild import detect_pii

# (shape, text, the values that must be redacted)
LEAKS = [
    ("multi-line US address", "Send it to:\n4821 Willow Bend Road\nApt 3C\nSpringfield, IL 62704",
     ["4821 Willow Bend Road", "Apt 3C", "Springfield", "62704"]),
    ("German address block", "my address is Hauptstraße 12\n10115 Berlin\nGermany", ["Hauptstraße 12", "10115"]),
    ("Swedish block, name, town and country lines", "Send it to:\nMagnus Lindqvist\nStorgatan 3\n111 22 Stockholm\n"
     "Sweden", ["Magnus Lindqvist", "Storgatan 3", "111 22", "Stockholm", "Sweden"]),
    ("Irish block, upper-case town on its own line", "ok so i live at 22 Wexford Close\nBALLYMORE EUSTACE\n"
     "Co. Kildare\nW91 X2Y3", ["BALLYMORE EUSTACE", "Kildare", "W91 X2Y3"]),
    ("building number alone", "we're at number 42 now", ["42"]),
    ("postcode without a cue", "we live near 75011 these days", ["75011"]),
    ("street then number, Spanish", "ok so i live on Calle Mayor 12 with my aunt", ["Calle Mayor 12"]),
    ("street then number, Dutch", "I stay at Kerkstraat 8 in the old town", ["Kerkstraat 8"]),
    ("street then number, Italian", "moved to the house at Via Roma 3", ["Via Roma 3"]),
    ("military PSC", "PSC 2345, Box 6789\nAPO AA 34567", ["PSC 2345, Box 6789", "APO AA 34567"]),
    ("military USNS", "USNS Harmon\nFPO AE 45678", ["USNS Harmon", "FPO AE 45678"]),
    ("military Unit", "Unit 8877 Box 1234\nDPO AP 99876", ["Unit 8877 Box 1234", "DPO AP 99876"]),
    ("intersection", "we met at the corner of Maple and 3rd", ["Maple", "3rd"]),
    ("name outside US lists, no cue", "Wojciech keeps texting me at night", ["Wojciech"]),
    ("name at the start of a sentence, upper case", "ANDRZEJ keeps calling", ["ANDRZEJ"]),
    ("possessive", "Hiroshi's mum was there too", ["Hiroshi"]),
    ("possessive, surname-style", "Tomasz's flat is tiny", ["Tomasz"]),
    ("lower-case name", "i told kasia everything last night", ["kasia"]),
    ("form field", "Patient: Aleksandra Wiśniewska", ["Aleksandra", "Wiśniewska"]),
    ("form field and date", "Name: Thandiwe Mokoena\nDOB: 04/03/1987", ["Thandiwe Mokoena", "04/03/1987"]),
    ("speaker label", "Oluwaseun: i cant sleep again", ["Oluwaseun"]),
    ("small non-US town", "I moved to Tønsberg last year", ["Tønsberg"]),
    ("non-Latin script name", "my friend 山田太郎 helped me", ["山田太郎"]),
    ("Cyrillic name", "Иван Петров is my brother", ["Иван", "Петров"]),
    ("12-digit card", "my card is 5018 0000 0009", ["5018 0000 0009"]),
    ("driver's licence, US", "driver license D1234567 expired", ["D1234567"]),
    ("driver's licence, UK", "licence number MORGA753116SM9IJ", ["MORGA753116SM9IJ"]),
    ("licence with dashes", "my licence number is D123-4567-8901", ["D123-4567-8901"]),
    ("passport", "passport number X12345678", ["X12345678"]),
    # second round: shapes the evaluation's tuning half showed leaking (written here afresh, not copied from it)
    ("@handle", "follow me, im @rina_draws22 on there", ["@rina_draws22"]),
    ("reddit user", "i posted it as u/quietotter77 last night", ["u/quietotter77"]),
    ("account after a platform word", "my discord is mossyfrog_9 if you wanna talk", ["mossyfrog_9"]),
    ("day-month-year with a month word", "she passed on 14-Feb-2017 and i still cant", ["14-Feb-2017"]),
    ("month and apostrophe year", "my bday is nov '91 btw", ["nov '91"]),
    ("ordinal day of May", "DOB: 3rd of May", ["3rd of May"]),
    ("phone after a cue, no separators", "Mobile: 61829374", ["61829374"]),
    ("phone in national grouping after 'on'", "ring my aunt on 47 22 91 03 tonight", ["47 22 91 03"]),
    ("national ID by its own name", "PPSN 7654321K is on the form", ["7654321K"]),
    ("licence after 'licence, number'", "they kept my licence, number K9921-55310-22871", ["K9921-55310-22871"]),
    ("Turkish street line", "bizim ev Gül Sokak No: 14 civarında, Moda Mahallesi", ["Gül Sokak No: 14"]),
    ("Russian street line", "пишите: ул. Садовая, д. 12, кв. 7", ["ул. Садовая, д. 12, кв. 7"]),
    ("Japanese street line", "Address: 2-8-3 Sakura-cho, Naka-ku", ["2-8-3 Sakura-cho", "Naka-ku"]),
    ("Indian house number line", "H.No. 47, Shanti Nagar is where we stay", ["H.No. 47, Shanti"]),
    ("Mexican colonia", "vivo en Col. Roma Norte desde enero", ["Col. Roma Norte"]),
    ("street line with a flat", "Rua das Acácias, 210, apto 31", ["Rua das Acácias, 210, apto 31"]),
    ("Norwegian street", "flytta til Solbakken 12 i fjor", ["Solbakken 12"]),
    ("Spanish PO box", "Apartado de Correos 4411, Sevilla", ["Apartado de Correos 4411"]),
    ("intersection without a cue", "let's meet at Oak and 5th after work", ["Oak and 5th"]),
    ("house number after 'house'", "postcode 90210, house 57", ["57"]),
    ("non-Latin street with its number", "Address: 中山路 88号", ["中山路", "88"]),
    ("name on card", "Name on card: PETRA HOLMQVIST", ["PETRA HOLMQVIST"]),
    ("lower-case name after a chat verb", "i live with wyatt and his dog", ["wyatt"]),
    ("lower-case surname after a cued first name", "my aunt kathleen gonzales rang", ["kathleen", "gonzales"]),
    ("possessive at the start of a sentence", "Siobhra's dad picked us up", ["Siobhra"]),
    ("lower-case name after 'its'", "hey its brannagh again, new phone", ["brannagh"]),
    ("lower-case pair of names", "talked to sigrunn and mirela today", ["sigrunn", "mirela"]),
    # third round (tuned on the dev halves written later by other helpers); each fails on 3d4375f
    ("name opening a sentence before a verb", "Gunilla thinks the app is silly", ["Gunilla"]),
    ("s' possessive", "I stayed over at Klaus' house last night", ["Klaus"]),
    ("lower-case possessive before a home", "went to mariah's place after group", ["mariah"]),
    ("name listed without its diacritics", "ok so rafał keeps texting me", ["rafał"]),
    ("lower-case name after a chat opening", "me n feraye had a fight bc she read my msgs", ["feraye"]),
    ("hyphenated first name", "antonia britt-marie and jakob were all there", ["britt-marie"]),
    ("romanised Korean given name", "Staying at Min-jae's for a bit because home is loud", ["Min-jae"]),
    ("name frequent only as a name", "I just want Clare to leave me alone.", ["Clare"]),
    ("surname that is also a word", "Had coffee with Danielle Carpenter after Somatic Experiencing", ["Carpenter"]),
    ("given name(s) field", "Surname: Reilly\nGiven name(s): Dawn\nDate of birth: 1994-04-10", ["Dawn"]),
    ("full name as shown", "Passport no.: 149585099\nFull name as shown: ANDREW KLINE", ["ANDREW KLINE"]),
    ("service member with a rank", "Address: CMR 435, Box 2001, APO AE 09937\nService member: Cpl Wright", ["Wright"]),
    ("nickname after 'calls him'", "Everyone calls him Thomo at work", ["Thomo"]),
    ("chat-log handle", "[11pm] cyn.sierra_: anyone else awake\n[3am] ivan_s: me", ["cyn.sierra_", "ivan_s"]),
    ("reddit name with a dot", "she blocked me except on reddit, where she's u/regina.moore_", ["regina.moore_"]),
    ("gamertag", "My tag on Xbox Live is kenneth_runs, add me", ["kenneth_runs"]),
    ("ID a little after its name", "They asked for my PPSN over the phone and I gave them 6719238T", ["6719238T"]),
    ("lower-case ID value", "do u need my henkilötunnus its 021274-274w", ["021274-274w"]),
    ("licence number in brackets", "My driver's licence number (S2599-96062-57045) was on the form",
     ["S2599-96062-57045"]),
    ("phone after 'txt me @'", "pls txt me @ 949 61 716 b4 ur session", ["949 61 716"]),
    ("Polish postcode after a cue", "my postcode is 11-548 does that count", ["11-548"]),
    ("Irish Eircode after a cue", "my postcode is n56 n9w6 does that count", ["n56 n9w6"]),
    ("corner in lower case", "meet me at willow street and lake avenue by the bus shelter", ["willow", "lake avenue"]),
    ("street and number before a postcode", "I had to leave the flat at Mathisenrøa 7, 6160 Hegehamn",
     ["Mathisenrøa 7"]),
    ("Nordic street word on its own", "send it here:\nKongens gate 46b\n9877 Lom", ["Kongens gate 46b"]),
    ("Korean road name", "we moved into 292 dongho-ro, seongnam-si last month", ["292 dongho-ro"]),
    ("Turkish street in lower case", "here u go\nyorulmaz cad. no:15/2\nbuzzer is broken", ["yorulmaz cad. no:15/2"]),
    ("door number", "It's the blue door, number 117, right next to the bakery.", ["117"]),
    ("street with a direction", "Jerome's place is 1362-146 Queen Street East, North Whitney", ["Queen Street East"]),
    ("postcode and town in lower case", "i typed it out\nstrandgata 10\n2612 mariahamn\nis that enough", ["2612"]),
    ("holiday with a year", "Halloween 2014 was when it all started", ["Halloween 2014"]),
    ("name opening a sentence, its surname in another script's letters", "Ayşeana Ülker came over on monday",
     ["Ayşeana Ülker"]),
    ("phone with its area code glued to the number", "my cell is (657)398-8699 and his is (265)993-2446x525",
     ["(265)993-2446x525"]),
    ("country code in brackets", "landlord: Eemeli Hirvonen, (+358) 749825783)", ["(+358) 749825783"]),
    ("phone after 'try X at'", "Text me or try Олимпиада at 8 181 191 04 14 if it's urgent", ["8 181 191 04 14"]),
    ("German insurance number", "Insurance: Versichertennummer W943570006", ["W943570006"]),
    ("Turkish door number", "Send the kit to\nYıldız Mah. Zorlu Sok. No: 57 D: 9\nKaş", ["D: 9"]),
    ("Norwegian street ending", "Vidar and I share a flat at Larsenengen 125.", ["Larsenengen 125"]),
    ("Australian street type", "im @ Unit 33, 24 Brooke Quadrant, Port Dianemouth ACT 2963", ["24 Brooke Quadrant"]),
    ("flat with a block number", "177 sejong-daero, apt 108-105\nyuseong-gu", ["apt 108-105"]),
    ("a post box", "We don't get post at the farm, use Box 327, Stockholm 462 53.", ["Box 327"]),
    ("lower-case name and surname after 'ok so'", "ok so sven gunnarsson keeps texting me at 11pm",
     ["sven gunnarsson"]),
    ("contact entry", "Phileine - +3194-9835051 - she's the one to call", ["Phileine"]),
    ("two fields on one line", "SURNAME: HAUGEN   FORENAME: ANDREAS\nDOB: 07.02.1952", ["HAUGEN", "ANDREAS"]),
    # guards for this round's own rules (these passed on 3d4375f too): someone's site, state or number stays redacted
    ("a town and postcode after an adverb", "Hopefully Beverly Hills 90210 is nice", ["90210"]),
    ("a blog on a platform", "she wrote about it: https://thedogintheroom.wordpress.com/2016/06/20/service-dog/",
     ["thedogintheroom"]),
    ("a practice site with a name in it", "Stephanie C, MA, LPCC www.stephanietherapy.com", ["stephanietherapy"]),
    ("a profile path", "find me at instagram.com/erik_art if you want", ["instagram.com/erik_art"]),
    ("a phone number in a link", "message me on https://wa.me/447700900123 tonight", ["447700900123"]),
    ("Georgia, the state", "Gulfstream in Georgia is close to me", ["Georgia"]),
    ("a practice's bare site of words", "I provide online counseling through proventherapy.com.", ["proventherapy"]),
    ("a US territory", "I am licensed in Texas and Puerto Rico, you can contact me", ["Puerto Rico"]),
    ("a city and a state code", "I live in Las Vegas NV USA which was real hard", ["NV"]),
    ("a word that is a name after 'my name is'", "Hello. My name is Spike. What is yours?", ["Spike"]),
    # fourth round (each fails on 8520874)
    ("a surname that is also a word, after a title", "my appointment with Dr Andrews got moved", ["Andrews"]),
    ("a spelled-out address in brackets", "write to ludo1987 [at] posteo [dot] de instead", ["ludo1987 [at] posteo"]),
    ("an address with (at)", "mine is kasia_w(at)wp.pl if that helps", ["kasia_w(at)wp.pl"]),
    ("an address spelled with at and dot", "reach me on mirela dot pop at yahoo dot ro", ["mirela dot pop at yahoo"]),
    ("a door number where the sentence is about a home", "We're in the flat over the chemist, number 14, ring the "
     "top bell", ["14"]),
    ("a door number opening the sentence", "No. 52, the one opposite the school.", ["52"]),
    ("a door number answering the question", "Operator: What number is the house?\nMaya: 17, please be quick",
     ["17"]),
    ("a shouted corner", "I'M AT OAK STREET AND 5TH AND I CAN'T BREATHE", ["OAK STREET AND 5TH"]),
    ("surname first, as a register writes it", "Re: NOWAKOWSKI, Piotr - reviewed today", ["NOWAKOWSKI", "Piotr"]),
    ("a patient field abbreviated", "Pt: Christian Mayer   DOB: 02.03.1980", ["Christian Mayer"]),
    ("who someone lives with, as a field", "Lives with: Bilge (partner).", ["Bilge"]),
    ("a speaker after a timestamp", "09:12 - Na Wen: are you there?", ["Na Wen"]),
    ("the name someone goes by", "she goes by Pip online but her name is Philippa", ["Pip"]),
    ("a surname that is a word too, from a department", "Jones from IT keeps asking me", ["Jones"]),
    ("a handle after 'discord,'", "add me on discord, moth_kid22, I'm on most nights", ["moth_kid22"]),
    ("a snake-case handle where the talk is of accounts", "she made another account, the newest is lily_draws_x",
     ["lily_draws_x"]),
    ("an initial and a surname after 'signed'", "it was signed B. Nwachukwu, Team Lead", ["B. Nwachukwu"]),
    ("a lower-case initial and surname", "my new gp is k. brannigan i think", ["k. brannigan"]),
    ("the addressee above a postal block, after 'a printer'", "can you post it, i dont have a printer\nElin Strand\n"
     "14 Birch Lane\nLeeds LS6 2AB", ["Elin Strand"]),
    ("the name everyone calls someone", "Tibo is what everyone calls me at work", ["Tibo"]),
    ("a passport of letters and few digits", "my passport K7RQZ2MWP is with my lawyer", ["K7RQZ2MWP"]),
    ("a licence number in lower case", "licence # is ab4471923z if needed", ["ab4471923z"]),
    ("a licence number with slashes", "my licence (55012/44/1290) was taken off me", ["55012/44/1290"]),
    ("an IBAN inside a lower-case sentence", "she pays from her account SE4550000000058398257466 because she wants to",
     ["SE4550000000058398257466"]),
    ("a number answering a question for it", "Receptionist: And your PPS number, please?\nAoife: 8765432WA",
     ["8765432WA"]),
    ("a corner in a location field", "Time: 10pm\nLocation: 3rd Ave and Elm", ["3rd Ave and Elm"]),
    ("a given name no list has, before a surname found", "Öykü Şahinoğlu was the only one who came.",
     ["Öykü Şahinoğlu"]),
    ("a street of any language after a cue", "meet me outside brinkhof 22 tonight ok", ["brinkhof 22"]),
    ("a street after 'moved into'", "we moved into kalamaki 5 last month and it's loud", ["kalamaki 5"]),
    ("a Russian street line, transliterated", "they live at all. Sadovaya, d. 4, kv. 17 now",
     ["all. Sadovaya, d. 4, kv. 17"]),
    ("a listed surname first, title case", "Schmidt, Dennis - that is the order on the register.", ["Schmidt"]),
    ("a lower-case name beside a name in a list, one letter from a word", "went out with maja and göran last night",
     ["göran"]),
    ("a lower-case name after 'talked to', one letter from a word", "talked to tonje today she was nice", ["tonje"]),
    ("a phone after a contact and a relation in brackets", "Emergency contact: Oskar Lind (brother) 00453 88120",
     ["00453 88120"]),
    ("a phone in pairs after a contact's name", "Emergency contact: Oskar Lind - 55 61 20 48", ["55 61 20 48"]),
    ("a lower-case subject doing what people do", "lol oskari always says that", ["oskari"]),
    ("a street after 'im at'", "im at kalliopis 17 right now", ["kalliopis 17"]),
    ("a Japanese block number and district", "im at 3-2-1 shimokita tonight", ["3-2-1 shimokita"]),
    ("a lower-case initial and surname after 'my therapist is'", "my new therapist is k. rautio i think",
     ["k. rautio"]),
    ("a speaker of a transcript whose name is a word", "Storm: i cant sleep\nCounsellor: I am here.\nStorm: ok",
     ["Storm"]),
    # guards for this round's own rules (these passed on 8520874 too)
    ("a surname after a title", "Dr Okonkwo wants me to stay on the sertraline", ["Okonkwo"]),
    ("a lower-case name after 'I'm', from a writer who capitalises", "Hi I'm sean. How are you doing today?",
     ["sean"]),
    ("a name owning something", "Marta's mum picked me up", ["Marta"]),
    ("a name in brackets after a role", "Client (Finn Walker): nothing helps.", ["Finn Walker"]),
    ("a surname no public figure's initialism hides (will.i.am reads william)", "SURNAME: WILLIAMS   FORENAME: JODI",
     ["WILLIAMS", "JODI"]),
    ("a mail header's display name", "Sevgül Akıncı <akinci.sevgul71@gmail.com> wrote: can we talk",
     ["Sevgül Akıncı"]),
    ("a name opening a sentence that is one letter from a word", "Vidar and I share a flat now.", ["Vidar"]),
    # fifth round: a name found in part is redacted whole; shouted lines are read as if cased
    ("a double given name found by its second half", "Klaus-Dieter, Arne and Frauke came over on Saturday",
     ["Klaus-Dieter"]),
    ("a lower-case double given name found by its first half", "the nurse said mari-liis was fine", ["mari-liis"]),
    ("a given name that is a rare word, before a surname", "Father (Ati Prasetyo) attended the session.",
     ["Ati Prasetyo"]),
    ("a Gaelic name with 'Mac' between given name and surname", "Letter re: Aodhán Mac Suibhne, seen today.",
     ["Aodhán Mac Suibhne"]),
    ("a signature run into the sentence before it", "Feel free to reach out for more informationMarta Kowalczyk, LPC",
     ["Marta Kowalczyk"]),
    ("a name in a shouted line", "I SWEAR IF TOMEK TEXTS ME AGAIN IM BLOCKING HIM", ["TOMEK"]),
    ("a short name in a shouted line", "IF JIN CALLS AGAIN I WILL SCREAM", ["JIN"]),
    ("a lower-case corner of two common street names", "can u come get me at maple and jefferson im scared",
     ["maple and jefferson"]),
    ("a house number's floor after a hyphen", "Kastanjelaan 41-III is where I sleep now", ["Kastanjelaan 41-III"]),
    ("an ID's letter group after a hyphen", "My card number for the clinic: 8812-443-907-KX, do you need it?",
     ["8812-443-907-KX"]),
    # a first name that a famous bearer makes frequent is no word: the lists no longer say it needs a cue
    ("a lower-case name a celebrity made frequent, doing what people do", "lol dylan always says that when hes tired",
     ["dylan"]),
    ("a lower-case name a celebrity made frequent, in a list", "talked to noah and simon today they were ok",
     ["noah", "simon"]),
    ("a lower-case name a celebrity made frequent, as a subject", "honestly chris is the only one who gets it",
     ["chris"]),
    # sixth round: a name wordfreq rates frequent (folding case) or web2 has as a rare word is a name all the same
    ("a lower-case name no dictionary has, after a relation", "if i dont pick up ring my cousin hassan instead",
     ["hassan"]),
    ("a lower-case name no dictionary has, before 'said'", "cant sleep, keep thinking about what anders said",
     ["anders"]),
    ("a full name of proper names that web2 lists as rare words", "Rohan Bose (52) was referred by his GP.",
     ["Rohan Bose"]),
    ("a USPS street suffix", "Send the forms to 812 Keller Parkways, Dunmore, PA 18512", ["812 Keller Parkways"]),
    ("an everyday-word USPS suffix after a capitalised name", "we live at 77 Ortega Mission now",
     ["77 Ortega Mission"]),
    ("a long number alone, in a national layout", "Sipho - 84412093377 - he is the one to ring", ["84412093377"]),
    ("a number after an ID word in another language", "мой СНИЛС 11223344595, если нужно", ["11223344595"]),
    ("eight digits after a number word", "the council gave me case # 44190327 last week", ["44190327"]),
    ("a mobile number in India that starts like a US toll-free one", "my new mobile is +91 888 412 0937",
     ["888 412 0937"]),
    ("ten digits that start like a US toll-free number, run together", "text me 8004120937 after 6",
     ["8004120937"]),
    ("a name with a number where the talk is of accounts", "she made another account, this one is dzmitryk7",
     ["dzmitryk7"]),
    ("a first name that is also a faith, after a title", "My GP is Dr. Christian Okonkwo-Hale now.", ["Christian"]),
    ("a first name that is also a faith, before a surname", "Referrer: Christian Lindqvist\nTel: later",
     ["Christian Lindqvist"]),
    ("a first name that is also a faith, in a list of names", "Saw Christian, Maren and Tobias at group.",
     ["Christian"]),
    ("an unlisted name one letter from a word, before 'here,'", "hiya! Sunne here, new number soon", ["Sunne"]),
    ("an unlisted name one letter from a word, after a relation", "ring my partner Evert, he knows", ["Evert"]),
    # seventh round: whose a site is, a year in a sentence about someone (guards marked so passed before too)
    ("a bare site of words the writer calls their own", "There is more on my website at www.brightpathwellness.com",
     ["brightpathwellness"]),
    ("a bare site of words signed run on to the answer", "Take it one day at a time.www.calmharborcounseling.com",
     ["calmharborcounseling"]),
    ("a site of a given name and a frequent surname", "my poems are up at https://chenliang.net now", ["chenliang"]),
    ("a year after 'till' in a sentence about someone (guard)", "we lived there till 2019", ["2019"]),
    ("an account in a log line", "[21:40] auth failed user=jonas.berg_ from 10.2.3.4", ["jonas.berg_"]),
    ("a door number with directions to it", "its number 12b on the right if ur coming from the station", ["12b"]),
    ("a door number answering a form's question", "Q: Flat number?\nA: 42\nQ: Town?", ["42"]),
    ("a shouted corner after 'from'", "HE FOLLOWED ME FROM ELM & MARKET TO THE BUS", ["ELM & MARKET"]),
    ("a lower-case subject who picks one up", "so mary picks me up from work and we drive", ["mary"]),
    ("a lower-case name one matched with (guard)", "i matched with solveig on bumble last week", ["solveig"]),
    ("a police rank before a surname that is a word", "I spoke to PC Baker and she took notes", ["Baker"]),
    ("a name that is a word, with an age in brackets", "Our two are Florence (6) and Bertrand (3).", ["Bertrand"]),
    ("a name that is a word, before ', my neighbour'", "if i'm not answering call Fang, my neighbour", ["Fang"]),
    ("an unlisted name in brackets after a relation", "came in with her brother (Dhruvil) today", ["Dhruvil"]),
    ("a name after 'full name is' (guard)", "they call him Wei but his full name is Kong Wei", ["Kong"]),
    ("the name a message is signed with", "I don't want to talk about it again.\n\nSmaragda", ["Smaragda"]),
    ("the name on a card, in lower case", "the name on it is ryohei mori if they ask", ["ryohei mori"]),
    ("a postal block's line where only the room was found (guard)",
     "Please post it:\nRina Kato\n3-8-2 Nishiki, Room 402\n"
     "Nagoya, Aichi 460-0003\nJapan", ["3-8-2 Nishiki"]),
    ("a Danish street in the definite form, and its floor", "Post to:\nNørregaden 14, 2. tv.\n8000 Aarhus",
     ["Nørregaden 14", "2. tv."]),
    ("a national number after a question", "do u need my ppsn too?? ok its 7654321kb", ["7654321kb"]),
    ("a number after 'which is'", "the tax office wants my pan which is bnzpm2501f asap", ["bnzpm2501f"]),
    ("a register's line with a given name no list has (guard)", "Triage - OKAFOR, Chidubem - DOB 02/03/1991",
     ["OKAFOR", "Chidubem"]),
    ("a field asking for surname and forename (guard)", "Surname, forename: FOX, Ilse\nReason: low mood",
     ["FOX", "Ilse"]),
    ("a register's line with a given name no list has", "Triage - SANDVIK, Eivor - DOB 02/03/1991",
     ["SANDVIK", "Eivor"]),
    ("a lower-case surname that is a word too, after a first name", "hi this is tamsin gates calling about it",
     ["tamsin gates"]),
    ("an unlisted lower-case given name before a surname (guard)", "hey this is yuxuan kim calling back", ["yuxuan"]),
    ("a state where someone lived, opening a sentence (guard)", "In Ohio, I lived with my aunt for a year", ["Ohio"]),
]
# Words therapy needs: none of these may be redacted.
KEPT = [
    ("Good Luck with everything!", "Good Luck"),
    ("not a penny left", "penny"),
    ("I got the Moderna shot", "Moderna"),
    ("I really need.Tel me more", "need.Tel"),
    ("it was two.You know", "two.You"),
    ("my housemate said I was overreacting", "housemate"),
    ("he was on percs and molly", "molly"),
    ("she has early onset Alzheimer's disease", "Alzheimer"),
    ("I was 100% sure he'd never love me", "100"),
    ("a great read is “Codependent No More” by Melody Beattie", "Melody Beattie"),
    # guards for the second round's own rules (a sentence-initial word, a time before a missing space, ...)
    ("Mark my words, this will pass", "Mark"),
    ("Rose early and went for a run", "Rose"),
    ("slept until 4am.is that normal", "4am.is"),
    ("the meetings are listed at https://www.aa.org/find-aa", "aa.org"),
    ("Desorden de Estrés Post Traumático es una condición que nos persigue", "Desorden"),
    ("she did the Columbia-Suicide Severity Rating Scale with me", "Columbia"),
    ("it was the right place to start over", "place to start"),
    ("you can handle yourself better than you think", "yourself"),
    ("if it gets bad tonight text Shout 85258", "Shout 85258"),
    ("I started St Johns Wort last month", "Johns"),
    ("Iam so tired of this", "Iam"),
    ("My partner lives in Canada while I live here.", "Canada"),
    ("Claramente tu estas interesada en ver a otra persona. Pero comprende que la vida sigue.", "Pero"),
    # third round; each was redacted on 3d4375f
    ("I wish America would have handled this properly", "America"),
    ("ever since he flew from Oregon to Scotland I have been angry", "Scotland"),
    ("only a fraction of that was crying with Ben & Jerry's!", "Ben"),
    ('There is a group called, "Harry House" that provides support', "Harry"),
    ("Ideas:A.) JournalingB) PaintingC) Exercise", "JournalingB"),
    ("you should try to take a 30 minute walk every day", "30 minute walk"),
    ("she kicked me out of her place at like 4 in the morning", "place at like 4"),
    ("I can offer sessions via Skype, if you are in Ohio", "via Skype"),
    ("right after that pandemic we had the roaring 20s", "roaring 20s"),
    ("My boyfriend brokeup with me 6 months ago", "brokeup"),
    ("the worksheets at http://www.therapistaid.com/therapy-worksheet/values are good", "therapistaid"),
    ("a great read from the past: https://www.nytimes.com/2016/05/29/opinion/marry-the-wrong-person.html", "2016/05"),
    ("I highly recommend Bessel van der Kolk's The Body Keeps the Score.", "Bessel"),
    ("do this work with a Gottman or Emotionally Focused Couples Therapist", "Emotionally Focused"),
    ("The books that I enjoy reading H.P. Lovecraft and Edgar Allen Poe.", "Edgar Allen Poe"),
    ("And abuse survivor and author, Kellie Jo Holly, offers other examples", "Kellie Jo Holly"),
    ("The CDC is a great resource as well as the John Hopkins site which tracks it", "John"),
    ("perhaps by calling 800-273-8255. They may be able to help", "800-273-8255"),
    ("Honestly Shout 85258 changed my life.", "Shout 85258"),
    # guards for this round's own rules (these passed on 3d4375f too)
    ("That is a cute name! I have a dog named Mamoa, he was a rescue", "Mamoa"),
    ("and said hes at the max on child support", "max"),
    ("reaccionar.\xa0¿Sera normal?Parece que no puedo experimentar ninguna otra emoción que\nno sea ansiedad, ni si "
     "quiera por mí misma.", "quiera"),
    ("Heyyy folks, long week.", "Heyyy"),
    ("I work nights at McDonald's and it's killing me.", "McDonald"),
    ("Imagine being in the Doctor’s office and taking deep breaths.", "Doctor"),
    ("Nope i am a born again Christian", "Christian"),
    ("Let's hope January brings better things for all of us.", "January"),
    # fourth round (each fails on 8520874)
    ("I feel so much bette now. Thanks for listening.", "bette"),  # a slip, from a writer who capitalises
    ("Sometimes I forget to clea my room. It piles up.", "clea"),
    ("Thath's why I stopped going. It was too much.", "Thath"),  # a slip of "that's", which owns nothing
    ("Another app I like is MyLife, it has short meditations.", "MyLife"),  # a brand in camel case
    ("My sister lent me The Davinci Code last week.", "Davinci"),  # a title
    ("Try the Gottman Card Decks app with your partner.", "Gottman Card"),
    ("You could look on Craig's List for a cheaper one.", "Craig"),  # a brand
    ("Our school only offers ELA and maths online.", "ELA"),  # an acronym in a lower-case sentence
    ("the landlord knows about ADA guidelines", "ADA"),
    ("You might notice things you would otherwise miss. Hope this helps!", "Hope"),
    ("He passed away last month because of Corona, and I still can't believe it.", "Corona"),
    ("I HATED high school. Every single day.", "HATED"),
    ("it is a 1 million square foot warehouse", "1 million square"),
    ("IBAN: DE44500105175407324931", "IBAN"),  # a field's label
    ("iban de44 5001 0517 5407 3249 31 thanks", "iban"),
    ("Helo, how are you doing tonight?", "Helo"),  # a slip opening a sentence
    ("Ober half the class failed the test.", "Ober"),
    ("Merci, that really helped.", "Merci"),
    ("My cat's name is Gunnar and he sleeps all day", "Gunnar"),  # a pet's name
    ("he keeps talking about Klopp and the Reds", "Klopp"),  # a public figure
    ("in Germany ring the TelefonSeelsorge, 0800 111 0 222, any time", "0800 111 0 222"),  # public crisis lines
    ("Ring 0800 58 58 58 (CALM) tonight", "0800 58 58 58"),
    ("Papyrus HOPELINE247 is 0800 068 41 41", "0800 068 41 41"),
    ("the kids helpline is 1800 55 1800", "1800 55 1800"),
    ("Planifica, organiza, delega: crea una agenda", "organiza"),  # a list in another language
    ("I also have another account with them called Patreon", "Patreon"),
    ("Support Team <help@clinic.org> wrote: hi", "Support Team"),
    ("contact me - 3 times a week is fine", "3"),
    ("INTAKE: Can I confirm your name?\nCLIENT: yes\nINTAKE: thanks", "INTAKE"),
    ("my therapist is great and I like her", "great"),
    ("my gp is a. ok sort of doctor", "ok"),
    ("im at work 5 days a week", "work 5"),
    ("SURNAME: WILLIAMS   FORENAME: JODI", "SURNAME"),
    # guards for this round's own rules (these passed on 8520874 too)
    ("I'm looking forward to meeting Mr Right one day.", "Right"),
    ("We use MS Teams at work now.", "Teams"),
    ("I had e. coli last year and it was awful", "coli"),
    ("Post goes to the PO box now, not the house.", "Post"),
    ("patient COVID19 positive, isolating", "COVID19"),
    ("Hansen asks us to imagine the brain as a garden.", "Hansen"),
    ("Hi, I'm Amelia, nice to meet you", "I'm"),  # the name, not the words before it
    ("i live at home 2 days a week", "home 2"),
    ("we moved to year 10 in september", "year 10"),
    ("Well, Anna I think you are right", "Well"),
    ("you can buy them anywhere, known as Plantain chips", "Plantain"),
    ("I was on the phone, number 3 in the queue for an hour", "3"),
    ("look at this dot com thing", "look at this dot com"),
    # guards for the fifth round: a shouted line keeps its words; the verb before a name is no part of it
    ("I HATE MY LIFE AND NOBODY CARES ABOUT ME", "I HATE MY LIFE AND NOBODY CARES ABOUT ME"),
    ("TELL DARIUSZ TO STOP TEXTING ME", "TELL"),
    ("I HAVE ADHD AND THE NHS WONT HELP ME", "I HAVE ADHD AND THE NHS WONT HELP ME"),
    ("i was at school and church all day", "school and church"),  # places one is at, not streets
    ("just hang in there, it gets better", "hang"),  # frequent words stay words
    ("Let's hope January brings better things", "January"),
    ("hai! how are you doing?", "hai"),
    # sixth round: interjections, authors, organisations' lines, a list's number glued to its last word
    ("Heh heh, I knew you'd say that", "Heh heh"),
    ("Yep... it's true, parents are imperfect.", "Yep"),
    ("If you haven't yet, read Greene's Explosive Child first.", "Greene"),
    ("You can call the Texas Crisis Hotline 800-989-6884 any time.", "800-989-6884"),
    ("The number is 1-800-4-A-CHILD (1-800-422-4453).", "(1-800-422-4453"),
    ("1. log when you smoke - time, place and activity2. Cut back 10%", "activity2"),
    ("we go to Christian Counseling on Tuesdays", "Christian"),
    ("Jesus Christ, help me through this", "Jesus Christ"),
    ("my Christian faith matters to me", "Christian"),
    # seventh round: public sites, slips after "it's", public figures, everyday words, years no one's
    ("try google and www.psychologytoday.com to find a group near you", "psychologytoday"),
    ("there is a list of ideas at this link: www.therapistaid.com", "therapistaid"),
    ("This book helps: https://www.amazon.com/Anxious-Mind-Workbook/dp/0062270451", "0062270451"),
    ("facebook.com has groups for this too", "facebook.com"),
    ("i just moved out and it's terrbile", "terrbile"),
    ("We could try work done from home, like Freelancing, etc.", "Freelancing"),
    ("Ok Good bye and have a merry Christmas", "Ok Good"),
    ("I will have to look up Mel Robbins -  I haven't heard of her", "Mel Robbins"),
    ("I will have to look up Mel Robbins -  I haven't heard of her", "-  I"),
    ("lately I listen to Evgeny Kissin, a Russian pianist", "Evgeny Kissin"),
    ("i don't know anyone other than family in this new city", "new city"),
    ("trying to stay positive about the dumpster fire of 2020 lol", "2020"),
    ("To do tomorrow:\n- Laundry", "Laundry"),
    ("and then it rings and nobody is there", "it rings"),
    ("- Fang, my neighbour\n- 116 123 if nobody answers", "neighbour"),
    ("My friend, My best friend, has a new friend now", "My best"),
    ("played Candy Crush till 4am again", "till"),
    ("Kela card number: 050673-676P", "card"),
    ("You can also ring the Ohio Crisis Hotline tonight.", "Ohio"),
    ("In Oregon, anyone over 14 can consent to counseling on their own.", "Oregon"),
    ("not sure how old you are, but in Vermont, if you are 16 you can see someone alone", "Vermont"),
]


def _covered(text: str, value: str, spans: list[tuple[int, int, str]]) -> bool:
    start = text.index(value)
    return all(any(s <= i < e for s, e, _ in spans) for i in range(start, start + len(value)) if not text[i].isspace())


@pytest.fixture(scope="module")
def found() -> dict[str, list[tuple[int, int, str]]]:
    """One analyzer load for every text of this module."""
    texts = [text for _, text, _ in LEAKS] + [text for text, _ in KEPT]
    return dict(zip(texts, detect_pii(texts), strict=True))


@pytest.mark.parametrize("shape, text, values", LEAKS, ids=[shape for shape, _, _ in LEAKS])
def test_each_shape_that_leaked_is_redacted(found: dict[str, list[tuple[int, int, str]]], shape: str, text: str,
                                            values: list[str]) -> None:
    spans = found[text]
    missed = [value for value in values if not _covered(text, value, spans)]
    assert not missed, (shape, missed, [(text[s:e], entity) for s, e, entity in spans])


@pytest.mark.parametrize("text, word", KEPT, ids=[word for _, word in KEPT])
def test_words_therapy_needs_are_kept(found: dict[str, list[tuple[int, int, str]]], text: str, word: str) -> None:
    start = text.index(word)
    hits = [(text[s:e], entity) for s, e, entity in found[text] if s < start + len(word) and start < e]
    assert not hits, (text, hits)


def test_the_date_policy_decides_on_years_ages_and_weekdays() -> None:
    from releasebuild.gates.privacy import PrivacyGateConfig

    text = "I'm 34 and my grandmother is 93. It started in 2019, on a Monday."
    strict = {text[s:e] for s, e, _ in detect_pii([text])[0]}
    assert strict == {"93", "2019"}  # default: bare years and ages over 89 go, other ages and weekdays stay
    keep_all = PrivacyGateConfig(dates={"years": "keep", "ages": "keep", "weekdays": "keep"})
    assert detect_pii([text], keep_all) == [[]]
    redact_all = PrivacyGateConfig(dates={"years": "redact", "ages": "redact", "weekdays": "redact"})
    assert {text[s:e] for s, e, _ in detect_pii([text], redact_all)[0]} == {"34", "93", "2019", "Monday"}
