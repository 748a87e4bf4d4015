"""The rule preview (workers.searching.preview, the page /rules/try): on both backends of the
history store, counts per day and the matches shown are those of reading every article when
there is time to; with no time, the newest are shown and the counts are estimates whose intervals
hold the truth, from the index's count of candidates per day."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.config import Config, load_config
from pipeline.models import Archived, Article, StoryRef, iso_time
from workers.history import History
from workers.history import articles as article_rows
from workers.searching import MIN_SAMPLE, PREVIEW_BATCH, preview

DAY = 86400.0
T0 = 1_800_000_000.0 - 1_800_000_000.0 % DAY  # midnight UTC
DAYS = 4
PER_DAY = 150


def _kind(n: int) -> str:
    """Which of the two queries article n holds: a warrant (edited), a judge (current), both,
    or neither (a candidate all the same: "court" is in every text). The newest batch all hold
    a warrant: a count that went by the newest rather than by the sample would be far off."""
    if n >= DAYS * PER_DAY - PREVIEW_BATCH:
        return "warrant"
    return ("warrant", "judge", "warrant judge", "court only")[n % 7 % 4]


def _article(n: int) -> Archived:
    day, at = divmod(n, PER_DAY)
    seen = iso_time(T0 + day * DAY + at * 60)
    return Archived(
        article=Article(url=f"https://news.example/{n}", title=f"Story {n}",
                        text=f"The court in The Hague. A {_kind(n)} today.", source="Example"),
        entry_key=f"entry-{n}", feed_url="https://news.example/feed.xml",
        story=StoryRef(id=f"story{n}", first_seen=seen), seen=seen,
    )  # fmt: skip


@pytest.fixture
def archive(history_url: str) -> Iterator[History]:
    history = History(history_url)
    with history.begin() as conn:
        article_rows.add(conn, [_article(n) for n in range(DAYS * PER_DAY)])
        # not a candidate: the index leaves it out of every count
        other = _article(DAYS * PER_DAY)
        rain = other.article.model_copy(update={"text": "Rain."})
        article_rows.add(conn, [other.model_copy(update={"article": rain})])
    yield history
    history.close()


@pytest.fixture
def config(tmp_path: Path) -> Config:
    (tmp_path / "rules.yaml").write_text("rules: []\n")
    (tmp_path / "wirewatch.yaml").write_text("rules: rules.yaml\nfeeds: []\nsinks: []\n")
    return load_config(tmp_path / "wirewatch.yaml")


EDITED = "court AND warrant*"
CURRENT = "court AND judge*"


def _truth(word: str) -> dict[str, int]:
    days: dict[str, int] = {}
    for n in range(DAYS * PER_DAY):
        if word in _kind(n):
            day = iso_time(T0 + n // PER_DAY * DAY)[:10]
            days[day] = days.get(day, 0) + 1
    return days


def test_with_time_to_read_every_candidate_the_counts_are_exact_and_the_newest_are_shown(
    archive: History, config: Config
) -> None:
    p = preview(archive, config, EDITED, T0, current=CURRENT, shown=5)
    assert p.exact and p.candidates == p.read == DAYS * PER_DAY
    assert {d: e.count for d, e in p.per_day.items()} == _truth("warrant")
    assert all(e.exact for e in p.per_day.values()) and p.total.count == sum(_truth("warrant").values())
    both = sum(1 for n in range(DAYS * PER_DAY) if _kind(n) == "warrant judge")
    assert p.only_edited_total.count == p.total.count - both
    assert p.only_current_total.count == sum(_truth("judge").values()) - both
    newest_warrants = [f"entry-{n}" for n in reversed(range(DAYS * PER_DAY)) if "warrant" in _kind(n)][:5]
    assert [f.item.entry_key for f in p.matched] == newest_warrants
    assert all(_kind(int(f.item.entry_key[6:])) == "warrant" for f in p.only_edited)
    assert all(_kind(int(f.item.entry_key[6:])) == "judge" for f in p.only_current)
    assert p.matched[0].hits[0].rule_id == "edited" and "warrant" in p.matched[0].hits[0].matches[0].terms
    assert p.only_current[0].hits[0].rule_id == "current"


def test_without_time_the_newest_are_shown_and_each_day_is_estimated_around_its_truth(
    archive: History, config: Config
) -> None:
    p = preview(archive, config, EDITED, T0, current=CURRENT, shown=5, max_seconds=0.0)
    assert not p.exact and p.candidates == DAYS * PER_DAY and p.read == PREVIEW_BATCH + MIN_SAMPLE
    newest_warrants = [f"entry-{n}" for n in reversed(range(DAYS * PER_DAY)) if "warrant" in _kind(n)][:5]
    assert [f.item.entry_key for f in p.matched] == newest_warrants  # the first batch is the newest
    truth = _truth("warrant")
    assert set(p.per_day) == set(truth)
    for day, e in p.per_day.items():
        assert not e.exact and e.low <= truth[day] <= e.high, (day, e, truth[day])
    assert not p.total.exact and p.total.low <= sum(truth.values()) <= p.total.high
    # the same preview again: the same sample, the same figures
    again = preview(archive, config, EDITED, T0, current=CURRENT, shown=5, max_seconds=0.0)
    assert again.per_day == p.per_day and again.total == p.total


def test_a_query_with_no_candidates_is_exactly_nothing(archive: History, config: Config) -> None:
    p = preview(archive, config, "extradition", T0, max_seconds=0.0)
    assert p.exact and p.candidates == p.read == 0 and p.per_day == {} and p.total.count == 0
