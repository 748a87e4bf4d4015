"""Statements in an article: who said what. Rule-based, for English, Russian, Ukrainian and
German news text, with no model to download.

    statements("Peskov told reporters that the claims were unfounded.")
    -> [Statement(speaker="Peskov", verb="told", content="the claims were unfounded", ...)]

What is found, per sentence (quotes in “…”, "…", «…», „…“, ‘…’, and a quote may run over
paragraphs when each new one opens with a quote mark), by `Statement.form`:

    quote         "…," Peskov said.   „…“, sagte Peskow.   «…», — заявил Песков.   "…," he added, "…"
                  whose words it is, after it: «…», — такие слова Пескова приводит ТАСС (his, not
                  the agency's)   «…», — такі слова Пєскова наводить ТАСС   "…," were Peskov's words
                  «…, — сказал Песков, отвечая на вопрос, — …» (two quotes of his)
    reported      Peskov said (that) …   Песков заявил, что …   Peskow sagte, …   …, Peskov said.
                  …, Peskov said, adding that …   (Peskov said: "…" is a quote)   …, so Peskow.
                  Berichte seien „Falschmeldungen“, sagte Peskow (a quote inside the clause: the
                  clause)   (an agency's credit after a statement's attribution is none: "…,"
                  Peskov told reporters, Interfax reported)
    according-to  According to Peskov, …   По словам Пескова, …   За словами / На думку Пєскова, …
                  Laut Peskow …   Nach Angaben Peskows …   Peskows Worten zufolge …   Peskow zufolge …
    headline      Peskov: "…"   …: Peskov
    passive       Peskov was quoted as saying …   Песковым было заявлено, что …   Пєсковим було заявлено
    coordinated   Peskov, the Kremlin spokesman, arrived in Minsk and told reporters that …
                  Песков … прокомментировал ситуацию и заявил, что …   Peskow traf … ein und sagte, …
    refusal       Peskov declined to comment on …   would not say whether …   Песков отказался
                  комментировать …   От комментариев Песков отказался.   Пєсков відмовився коментувати …
                  Peskow wollte sich dazu nicht äußern.   Der Kreml lehnte einen Kommentar ab.
                  (the content is what was declined: "comment on …"; silence, "did not comment", is none)
    named-later   «…». Об этом заявил Песков.   Так Песков прокомментировал …   Про це заявив Пєсков.
                  "…" Those were the words of Peskov.   That was the message from Peskov.
                  Das sagte Peskow am Montag.   (the content is the sentence before, or its quote)
                  «…». Такие слова Пескова приводит ТАСС.   "…" Those were Peskov's words.
    absolute      …, with Peskov saying (that) …   …, wobei Peskow betonte, dass …

A speaker is the name or noun phrase that says (with its apposition: "Dmitry Peskov, the
Kremlin spokesman,"; past an aside: "Peskov, asked about …, said", "Песков, отвечая на вопрос
…, заявил", "Peskow, nach … gefragt, sagte"; with a modifier before its role, which is theirs:
"the former Kremlin spokesman X", "der frühere Kremlsprecher", "бывший пресс-секретарь"), a role
alone ("a Kremlin spokesperson"), or a pronoun or a definite role ("he", "the spokesman", "the
official"), which refers back to the most recent compatible person the article named; a Slavic
surname in any case ("По словам Пескова" is his, "Песковой" hers; "Пескову задали вопрос. Он
ответил …" refers to him). "He" and "she" also refer to a person named elsewhere in the
sentences just before, when no speaker or subject came between ("Reporters asked Peskov about
the talks. "…," he said."; "журналисты задали Пескову", "с Песковым"; not when such a sentence
names two of the gender). A relative named by way of someone ("the daughter of the Kremlin
spokesman", "the spokesman's daughter", "Дочь пресс-секретаря Кремля Елизавета Пескова",
"Peskows Tochter") is not that someone. `Statement.identity` is what rules match speakers
against: the mention, its apposition, and the person it refers back to.

Why not a model: spaCy has no Russian model on the package index here and its English ones are
third-party uploads; the quotation extractors with published figures (BBC's citron, Quootstrap)
are machine-learned under licences we cannot ship or a single pattern. Patterns over reporting
verbs and quote marks are what those systems' rule baselines are, and their cost is a few regex
passes an article. The rarer forms (refusal, absolute, named-later, zufolge, the Slavic passive)
are tried only in the sentences that hold their words, found in the same scan as the verbs.

Modules: model (`Statement`), quotes (quote marks, quotes over paragraphs), sentences, verbs
(reporting verbs and the rarer forms' words where they stand), mentions (speakers, appositions,
relatives, gender), coreference (whom a pronoun or a role refers to), forms (quote, reported,
coordinated, according, headline, passive, refusal, later, absolute, words_of), find (`statements`: all of
it, sentence by sentence), tokens (what a word is), lexicon (the words looked for, one module per
language: en, ru, uk, de).
"""

from __future__ import annotations

from .find import statements
from .model import IDENTITY_SEPARATOR, MAX_TEXT_CHARS, Statement
from .sentences import sentences

__all__ = ["IDENTITY_SEPARATOR", "MAX_TEXT_CHARS", "Statement", "sentences", "statements"]
