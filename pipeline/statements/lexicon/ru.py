"""Russian: the words the statement patterns look for in Russian news text. Words are lowercase
unless they are matched as written (names, capitalised words); regex fragments are
alternations, kept in their order."""

from __future__ import annotations

import re

from .wordlist import words

_PAST_STEMS = """
заявил сказал сообщил отметил подчеркнул добавил пояснил заверил предупредил ответил указал
признал рассказал констатировал прокомментировал уточнил напомнил утверждал опроверг отверг
посетовал пообещал призвал выразил заметил настаивал написал
"""


def _past_forms(stems: str) -> frozenset[str]:
    """A past-tense verb in every gender and number: заявил, заявила, заявило, заявили
    (опроверг: опровергла, опровергли)."""
    out = set()
    for stem in stems.split():
        base = stem[:-1] if stem.endswith("л") else stem
        out.update({stem, base + "ла", base + "ло", base + "ли"})
    return frozenset(out)


# Reporting verbs as they are written: the past tense in every form, and the present.
VERBS = _past_forms(_PAST_STEMS) | words("""
заявляет говорит сообщает отмечает подчеркивает подчёркивает считает утверждает уверяет
поясняет добавляет полагает
""")
PARTICIPLES = words("заявив сказав отметив подчеркнув добавив пояснив напомнив уточнив призвав")

# Words that head a speaker's noun phrase though lowercase: roles, offices, institutions.
ROLES = words("""
спецпредставитель спецпредставителя спецпосланник
пресс-секретарь пресс-секретаря представитель представителя глава министр президент премьер
генсек секретарь секретаря председатель председателя руководитель руководителя
посол прокурор судья суд мид кремль адвокат соратник сторонник эксперт источник помощник вдова тренер
главы министра посла прокурора адвоката помощника источника
жена дочь сын брат официальный
""")
RELATIVES = words("дочь сын жена вдова брат сестра мать отец адвокат")
PERSON_ROLES = words("""
пресс-секретарь представитель глава министр президент посол прокурор судья адвокат соратник
эксперт помощник вдова жена дочь сын брат
""")
GENERIC_ROLES = words("представитель")
WOMEN_ROLES = words("вдова жена дочь")

PRONOUNS = words("он она они")
FEMININE_PRONOUNS = words("она")
MASCULINE_PRONOUNS = words("он")
# "По его словам": whose words, with the gender the possessive says ("" for "их": not known).
GENITIVE_PRONOUNS = {"его": "m", "её": "f", "ее": "f", "их": ""}
DETERMINERS = words("его её их")
# Capitalised words that do not name anyone (sentence starts).
NOT_NAMES = words("""
Но И В На А Это Как Когда После До По Во Он Она Они Также Однако При Об О С Со За Из К
Так Такое Такую Такие Обо От
""")
INSTITUTIONS = words("""
Суд Кремль Россия Украина Москва Совет Министерство Госдума Фонд Киев Киева Киеву Киевом Киеве Штатов
Штатам Штатами Эмиратов
""")

FEMALE_FIRST = words("""
Юлия Мария Елизавета Лиза Анна Ольга Ирина Наталья Татьяна Елена Любовь Кира Екатерина
""")
MALE_FIRST = words("""
Дмитрий Алексей Владимир Иван Сергей Виктор Андрей Олег Михаил Юрий Борис Леонид Николай Вадим
""")
FEMININE_ENDINGS = ("ова", "ева", "ина", "ая")
MASCULINE_ENDINGS = ("ов", "ев", "ин", "ский", "ий", "ову", "еву", "ым")  # and dative, instrumental
# The endings that say a person named outside the subject ("журналисты задали Пескову", "с
# Песковым") is a man or a woman, in any case: not "-ова", his genitive and her nominative, nor
# "-ину", "-ым" (Украину, Белым домом).
OBJECT_MASCULINE = (
    "ов", "ев", "ёв", "ову", "еву", "ёву", "овым", "евым", "ёвым",
    "ский", "ского", "скому", "ским", "цкий", "цкого", "цкому", "цким",
)  # fmt: skip
OBJECT_FEMININE = ("овой", "евой", "ёвой")
# Capitalised adjectives of places and institutions that end as a surname does ("Российского
# фонда", "Московского университета"), by their stems: no one's name.
NOT_SURNAME_STEMS = (
    "Российск", "Московск", "Петербургск", "Ленинградск", "Украинск", "Белорусск", "Американск",
    "Европейск", "Британск", "Французск", "Немецк", "Турецк", "Китайск", "Японск", "Польск", "Крымск",
    "Курск", "Донецк", "Луганск", "Брянск", "Белгородск", "Херсонск", "Запорожск", "Харьковск",
    "Киевск", "Одесск", "Сирийск", "Израильск", "Иранск", "Кремлевск", "Кремлёвск", "Азовск",
    "Черноморск", "Балтийск", "Арктическ", "Международн", "Государственн", "Федеральн",
)  # fmt: skip
# After these a surname is in the genitive ("спросили у Пескова": his), whose endings say the
# gender otherwise.
GENITIVE_PREPOSITIONS = words("у от для без против около возле")
LOCATIVES = words("в во на из под над")

# The first word of an aside between commas, after which the speaker's verb still comes:
# "Песков, отвечая на вопрос о переговорах, заявил …".
ASIDES = words("отвечая комментируя говоря выступая отвечавший")
# Words before a role that say it was once or is only in part theirs: "бывший пресс-секретарь",
# "заместитель пресс-секретаря", "временно исполняющий обязанности", "экс-пресс-секретарь" (a
# prefix: MODIFIER_PREFIXES).
MODIFIERS = words("""
бывший бывшая бывшего бывшей бывшему бывшим бывшем экс врио заместитель заместителя заместителю
заместителем временно исполняющий исполняющая исполняющего исполняющему исполняющим обязанности
""")
MODIFIER_PREFIXES = ("экс-",)

# Words that end a role's genitive words before a name ("пресс-секретарь президента Дмитрий
# Песков"): prepositions, conjunctions, whom it was told.
CHAIN_STOPS = words("в во на о об у с со к из за до от после и а но что как журналистам")

# Regex fragments (alternations), joined with the other languages' in the order en, ru, uk, de.
JOINS = "и|но|а|хотя"
THAT = ("что", ", что")
AUDIENCES = "журналистам|репортерам|ТАСС|РИА Новости|Интерфаксу"
WHEN = (
    "ещё|еще|также|тоже|ранее|в понедельник|во вторник|в среду|в четверг|в пятницу|в субботу|"
    "в воскресенье|накануне|сегодня|вчера|в свою очередь|затем|позднее|позже|тогда"
)

PARENTHETICALS = "в частности|в свою очередь|однако|при этом|также|кроме того|впрочем|тем не менее"

# "По словам X, …", "Как заявил X, …"; it starts with a letter, not \b (see en.ACCORDING).
ACCORDING = re.compile(
    r"(?:[Пп]о (?:его|её|ее|их) (?:словам|мнению)|[Пп]о словам|[Пп]о мнению|[Пп]о информации|[Сс]о слов|"
    r"[Кк]ак (?:заявил|сообщил|отметил|сказал|пояснил|подчеркнул|добавил|уточнил|рассказал|напомнил)"
    r"(?:а|и)?)[\s,]+",
    re.U,
)
ACCORDING_HINTS = (
    "словам", "мнению", "информации", "о слов", "ак заявил", "ак сообщил", "ак отметил", "ак сказал",
    "ак пояснил", "ак подчеркнул", "ак добавил", "ак уточнил", "ак рассказал", "ак напомнил",
)  # fmt: skip

# Reporting verbs that name what they are about unless "что", a colon or a quote follows:
# "прокомментировал ситуацию", "опроверг сообщения", "ответил на вопрос" say no words of his
# (as "denied the reports" does not in English); "…, — ответил он" still does.
NOT_BARE = _past_forms("""
прокомментировал опроверг отверг пообещал выразил посетовал признал напомнил предупредил
ответил указал рассказал уточнил настаивал заметил написал
""")

_SPEECH_INFINITIVES = (
    "комментировать|прокомментировать|отвечать|ответить|уточнять|уточнить|раскрывать|раскрыть|называть|"
    "назвать|обсуждать|обсудить|говорить|сказать|сообщать|сообщить|подтверждать|подтвердить|опровергать|"
    "опровергнуть|оценивать|оценить|давать|дать|вдаваться|пояснять|пояснить|высказываться|высказаться|"
    "распространяться|общаться|пообщаться|разговаривать|беседовать"
)
_FROM_COMMENTS = r"от\s+(?:комментари\w*|ответ\w*|подробност\w*|оцен\w*)"
# A refusal reported as such (issue 24): "отказался комментировать …", "отказался от
# комментариев", "не стал комментировать …", "воздержался от комментариев", and with what was
# declined first: "От комментариев Песков отказался", "Отвечать на вопрос он не стал". Not
# "отказался от поездки".
REFUSAL = (
    re.compile(
        r"(?P<verb>\b(?:отказал(?:ся|ась|ось|ись)|отказывает(?:ся)|отказываются|отказывал(?:ся|ась|ись)|"
        r"воздержал(?:ся|ась|ись)|уклонил(?:ся|ась|ись)|не\s+стал[аи]?|не\s+станет|не\s+станут))\s+"
        rf"(?P<what>(?:бы\s+|наотрез\s+|публично\s+|пока\s+)?(?:{_FROM_COMMENTS}|(?:{_SPEECH_INFINITIVES})\b))",
        re.U,
    ),
    re.compile(
        rf"(?P<what>(?<!\w)(?:[Оо]т\s+(?:комментари\w*|ответ\w*|оцен\w*)|(?i:{_SPEECH_INFINITIVES})\b"
        r"[^.,;!?]{0,40}?)),?\s+[^.;!?]{0,60}?(?P<verb>\b(?:отказал(?:ся|ась|ось|ись)|воздержал(?:ся|ась|ись)|"
        r"не\s+стал[аи]?))\b",
        re.U,
    ),
)
REFUSAL_WORDS = words("""
отказался отказалась отказалось отказались отказывается отказываются отказывался отказывалась
отказывались воздержался воздержалась воздержались уклонился уклонилась уклонились стал стала
стали станет станут
""")
# The speaker named in the sentence after the words (issue 24): "Об этом заявил Песков.", "Об
# этом журналистам сообщил …", "Так Песков прокомментировал …", "Такое заявление сделал …". Not
# "Так называемые …", "Так как …", "Так что …" (nor Ukrainian's, the patterns being tried on
# either language's text).
LATER = re.compile(
    r"(?:Об этом(?: же)?|Обо вс[её]м этом|Так(?!\s+(?:называем|зван|как|як|что|що|же|ж\b|и\b|і\b|вот))|"
    r"Такое заявление|"
    r"Такую оценку|Такое мнение|Такие слова|С таким заявлением)\s+",
    re.U,
)
# Verbs of a sentence that names who said the one before, besides the reporting verbs.
LATER_VERBS = words("""
пишет написал написала написали сообщает сообщают сообщили высказался высказалась высказались
сделал сделала сделали выступил выступила выступили привел привёл привела считает полагает
""")
# Whose words a quote is, after it: "«…», — такие слова Пескова приводит ТАСС", "«…», — приводит
# ТАСС слова Пескова". The verbs of an agency quoting someone (also after a pointer back: "Такие
# слова Пескова приводит ТАСС.").
CITE_VERBS = (
    "приводит|приводят|привел|привёл|привела|привели|цитирует|цитируют|процитировал|процитировала|"
    "процитировали|передает|передаёт|передают|передал|передала|передали"
)
WORDS_OF = r"(?:[Тт]акие|[Ээ]ти)"  # "такие слова", "эти слова"
LATER_VERBS = LATER_VERBS | frozenset(CITE_VERBS.split("|"))

# "Песковым было заявлено, что …": the speaker in the instrumental before a passive participle.
PASSIVE_VERBS = "заявлено|сказано|отмечено|подчеркнуто|подчёркнуто|сообщено|указано"
INSTRUMENTAL_ENDINGS = ("ым", "им", "ом", "ем", "ой", "ей")
# Genitive endings of a surname after "по словам": Пескова is his, Песковой hers.
GENITIVE_FEMININE = ("овой", "евой", "иной", "ской", "цкой")
GENITIVE_MASCULINE = ("ова", "ева", "ина", "ына", "ского", "цкого")
# Verbs of a call ("призвала депутатов не признавать …"): the object and the infinitive are what
# was said, after the subject's other verbs too ("прибыла в Брюссель и призвала …").
CALLS = _past_forms("призвал") | words("призывает призывают")
