"""Statements in an article: who said what. Rule-based, for English, Russian, Ukrainian and
German news text, with no model to download.

    statements("Peskov told reporters that the claims were unfounded.")
    -> [Statement(speaker="Peskov", verb="told", content="the claims were unfounded", ...)]

What is found, per sentence (quotes in “…”, "…", «…», „…“, ‘…’, and a quote may run over
paragraphs when each new one opens with a quote mark):

    "…," Peskov said.            „…“, sagte Peskow.        «…», — заявил Песков.
    Peskov said (that) …         Песков заявил, что …      Peskow sagte, …
    Peskov said: "…"             "…," he added, "…"        …, Peskov said, adding that …
    According to Peskov, …       По словам Пескова, …      За словами Пєскова, …   Laut Peskow …
    Peskov: "…" (a headline)     Peskov was quoted as saying …

A speaker is the name or noun phrase that says (with its apposition: "Dmitry Peskov, the
Kremlin spokesman,"), a role alone ("a Kremlin spokesperson"), or a pronoun or a definite role
("he", "the spokesman", "the official"), which refers back to the most recent compatible person
the article named. A relative named by way of someone ("the daughter of the Kremlin spokesman")
is not that someone. `Statement.identity` is what rules match speakers against: the mention,
its apposition, and the person it refers back to.

Why not a model: spaCy has no Russian model on the package index here and its English ones are
third-party uploads; the quotation extractors with published figures (BBC's citron, Quootstrap)
are machine-learned under licences we cannot ship or a single pattern. Patterns over reporting
verbs and quote marks are what those systems' rule baselines are, and their cost is a few regex
passes an article.

Modules: model (`Statement`), quotes (quote marks, quotes over paragraphs), sentences, verbs
(reporting verbs where they stand), mentions (speakers, appositions, relatives, gender),
coreference (whom a pronoun or a role refers to), forms (quote, reported, according, headline,
passive), find (`statements`: all of it, sentence by sentence), tokens (what a word is), lexicon
(the words looked for, one module per language: en, ru, uk, de).
"""

from __future__ import annotations

from .find import statements
from .model import IDENTITY_SEPARATOR, MAX_TEXT_CHARS, Statement
from .sentences import sentences

__all__ = ["IDENTITY_SEPARATOR", "MAX_TEXT_CHARS", "Statement", "sentences", "statements"]
