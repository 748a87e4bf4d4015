"""`said_by:` and `quote:`: scopes over the article's statements (pipeline.statements). Side by
side in one AND they ask for one statement; the matcher (with its prefilter) agrees with the
reference evaluator on random statement-shaped texts and random queries."""

from __future__ import annotations

import random
import re

import pytest

from pipeline.config import RuleConfig
from pipeline.rules import Document, Matcher, QuerySyntaxError, explain, parse_query, tree
from pipeline.rules.reference import ReferenceMatcher

PEOPLE = {"peskov": ["Dmitry Peskov", "Peskov", "Kremlin spokesman"]}


def _matches(query: str, text: str, title: str = "") -> bool:
    matcher = Matcher([RuleConfig(id="r", query=query)], {"Peskov": ["Песков"]}, people=PEOPLE)
    return bool(matcher.match(Document(title=title, text=text)))


def test_side_by_side_scopes_are_one_statement() -> None:
    node = parse_query("said_by:peskov quote:sanctions kremlin")
    assert explain(node) == "AND(STATEMENT(said_by:(term:peskov), quote:(term:sanctions)), term:kremlin)"
    assert explain(parse_query("said_by:a OR quote:b")) == (
        "OR(STATEMENT(said_by:(term:a)), STATEMENT(quote:(term:b)))"
    )
    assert tree(parse_query("said_by:a quote:b")) == [
        "a statement (one of the article's)", "  said by:", "    term:a", "  saying:", "    term:b",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        ("said_by:@peskov quote:sanctions", '"The sanctions will hurt Europe," Peskov said.', True),
        # one statement by him, another about sanctions: not one statement by him about them
        ("said_by:@peskov quote:sanctions", "Peskov said talks were over. Navalny said sanctions were weak.",
         False),
        ("said_by:@peskov", "Navalny said Peskov had lied.", False),  # about him, not by him
        ("said_by:@peskov", "Peskov told reporters that the claims were unfounded.", True),
        ("said_by:@peskov", "Dmitry Peskov, the Kremlin spokesman, spoke. He added that it was over.", True),
        ("said_by:@peskov", "Elizaveta Peskova, the daughter of the Kremlin spokesman, said she was tired.",
         False),
        ("said_by:(@peskov -envoy)", "Dmitry Peskov, the president's special envoy, said the forum opened.",
         False),
        ("quote:санкци*", "Песков заявил, что санкции не сработают.", True),
        ("-said_by:@peskov kremlin", "The Kremlin said nothing.", True),
    ],
)  # fmt: skip
def test_statement_scopes(query: str, text: str, expected: bool) -> None:
    assert _matches(query, text) is expected


def test_a_headline_statement_counts() -> None:
    assert _matches("said_by:@peskov quote:respond", "Nothing else.", title='Peskov: "We will respond"')


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("said_by:(title:peskov)", "'said_by:' looks in one statement: a field scope (title:) cannot be"),
        ("quote:(a said_by:b)", "'quote:' looks in one statement: said_by: or quote: cannot be inside it"),
        ("saidby:peskov", "unknown field 'saidby'"),
        ("(said_by:a) NEAR/3 b", "NEAR/3 works on words, phrases, prefixes and OR-groups"),
    ],
)
def test_statement_scope_errors(query: str, message: str) -> None:
    with pytest.raises(QuerySyntaxError, match=re.escape(message)):
        parse_query(query)


def test_the_snippet_marks_the_speaker_the_verb_and_the_words_of_the_quote() -> None:
    matcher = Matcher([RuleConfig(id="r", query="said_by:@peskov quote:sanctions")], None, people=PEOPLE)
    text = 'Talks went on. "The sanctions will hurt Europe," Peskov said.'
    [hit] = matcher.match(Document(title="", text=text))
    [match] = hit.matches
    marked = [match.snippet[a:b] for a, b in match.highlights]
    assert marked == ["sanctions", "Peskov", "said"]


NAMES = ["Peskov", "Navalny", "the spokesman", "Dmitry Peskov", "he", "officials"]
WORDS = ["sanctions", "talks", "kremlin", "court", "warrant", "peskov", "navalny", "war", "said"]


def _sentence(rng: random.Random) -> str:
    who = rng.choice(NAMES)
    what = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 6)))
    shape = rng.randrange(5)
    if shape == 0:
        return f'"{what.capitalize()}," {who} said.'
    if shape == 1:
        return f"{who[0].upper() + who[1:]} said that {what}."
    if shape == 2:
        return f"According to {who}, {what}."
    if shape == 3:
        return f"{who[0].upper() + who[1:]} told reporters: “{what}”."
    return f"{what.capitalize()} {rng.choice(WORDS)}."  # no statement


def _scope(rng: random.Random) -> str:
    word = rng.choice(WORDS)
    part = rng.choice([word, f"-{word}", f"({word} OR {rng.choice(WORDS)})", f"{word}*"[:4] + "*"])
    if part.startswith("-"):
        part = f"({rng.choice(WORDS)} {part})"
    return f"{rng.choice(['said_by', 'quote'])}:{part}"


def _query(rng: random.Random) -> str:
    parts = [_scope(rng) for _ in range(rng.randint(1, 2))]
    if rng.random() < 0.4:
        parts.append(rng.choice(WORDS))
    if rng.random() < 0.2:
        parts.append(f"-{_scope(rng)}")
    joined = " ".join(parts)
    return f"({joined}) OR {_scope(rng)}" if rng.random() < 0.2 else joined


def test_random_statement_queries_agree_with_the_reference() -> None:
    rng = random.Random(1402)
    rules, nodes = [], []
    for n in range(400):
        query = _query(rng)
        try:
            node = parse_query(query)
        except QuerySyntaxError:
            continue
        rules.append(RuleConfig(id=f"q{n}", query=query))
        nodes.append((f"q{n}", node))
    assert len(rules) >= 300
    matcher, reference = Matcher(rules), ReferenceMatcher(nodes)
    matched = 0
    for _ in range(120):
        text = " ".join(_sentence(rng) for _ in range(rng.randint(1, 5)))
        document = Document(title=_sentence(rng) if rng.random() < 0.3 else "", text=text)
        expected = reference.match_ids(document)
        shown = [r.query for r in rules if r.id in expected][:3]
        assert matcher.match_ids(document) == expected, (text, shown)
        matched += len(expected)
    assert 0.02 < matched / (120 * len(rules)) < 0.9


def test_a_statement_match_carries_the_statement_into_the_webhook_payload() -> None:
    from pipeline.alerts import sample_alert
    from pipeline.sinks.payload import payload

    matcher = Matcher([RuleConfig(id="r", query="said_by:@peskov quote:sanctions")], None, people=PEOPLE)
    text = 'Talks went on. "The sanctions will hurt Europe," Dmitry Peskov said.'
    [hit] = matcher.match(Document(title="", text=text))
    [match] = hit.matches
    st = match.statement
    assert st is not None
    assert (st.speaker, st.verb, st.content) == ("Dmitry Peskov", "said", "The sanctions will hurt Europe")
    assert text[st.speaker_start : st.speaker_end] == st.speaker
    assert text[st.content_start : st.content_end] == st.content
    body = payload(sample_alert("2026-12-01T10:00:00+00:00").model_copy(update={"matches": (match,)}))
    sent = body["matches"][0]["statement"]
    assert sent["speaker"] == "Dmitry Peskov" and sent["content_start"] == st.content_start
    plain = Matcher([RuleConfig(id="r", query="sanctions")]).match(Document(title="", text=text))
    assert plain[0].matches[0].statement is None  # only statement scopes carry one
