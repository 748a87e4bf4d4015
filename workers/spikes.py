"""Spike notices, looked for by the leading scheduler once a minute: each rule watched for
spikes (`spike:`) has its stories of the last window counted in the history store
(workers.rates), pipeline.spikes decides, and a spike makes one `rule.spike` notice per rule per
cooldown (workers.store.spikes), queued to the sinks feed notices go to.

    notices = watch_spikes(services, time.time())
"""

from __future__ import annotations

import logging

from pipeline.models import Notice, SpikeStory, followed
from pipeline.spikes import decide_spike, spike_notice
from pipeline.stories import timeline
from pipeline.values import SpikeConfig

from .delivery import enqueue_delivery
from .history import alerts as alert_history
from .rates import spike_counts
from .services import Services
from .store import spikes as spike_store
from .store.stories import story_copies

log = logging.getLogger("wirewatch.spikes")


def watch_spikes(services: Services, now: float) -> list[Notice]:
    """Look for spikes now; the notices made (and queued)."""
    config = services.config
    rules = config.spike_rules
    if not rules:
        return []
    cooling = spike_store.cooling(services.redis, list(rules))
    watched = {rule_id: cfg for rule_id, cfg in rules.items() if rule_id not in cooling}
    made = []
    titles = {r.id: r.display_title for r in config.rules}
    for rule_id, counts in spike_counts(services.history, watched, now).items():
        cfg = watched[rule_id]
        spike = decide_spike(cfg, counts, now)
        if spike is None or not spike_store.take_cooldown(services.redis, rule_id, cfg.cooldown, now):
            continue
        notice = spike_notice(
            spike, titles.get(rule_id, rule_id), cfg, top_stories(services, rule_id, cfg, now), now
        )
        queued = 0
        try:
            for sink_id in config.notice_sinks():
                enqueue_delivery(services, notice, sink_id)
                queued += 1
        except Exception:
            # None queued: the next look makes it again. Some: the cooldown stays (the next
            # look's notice would have another id, and those sinks would get it twice).
            if not queued:
                spike_store.give_back(services.redis, rule_id)
            raise
        spike_store.remember(services.redis, notice, now)  # the digests that go next list it
        log.info("rule %s: spike: %d stories in the last %gs against %.2f usually (%s): notice %s",
                 rule_id, spike.count, cfg.window, spike.baseline, spike.basis, notice.notice_id)  # fmt: skip
        made.append(notice)
    return made


def top_stories(services: Services, rule_id: str, cfg: SpikeConfig, now: float) -> tuple[SpikeStory, ...]:
    """The rule's stories of the window that most outlets carried (its first copy's title and
    link, every outlet, the first outlet first), at most cfg.top."""
    alerts = alert_history.stories_between(services.history, rule_id, now - cfg.window, now)
    stories = {a.story.id: a for a in reversed(alerts) if a.story}  # each story once, its first alert
    copies = story_copies(services.redis, list(stories))
    ranked = []
    for story_id, alert in stories.items():
        line = timeline(copies.get(story_id) or [])
        outlets = tuple(dict.fromkeys(c.source for c in line)) or (alert.article.source,)
        first = line[0] if line else None
        ranked.append((followed(line), SpikeStory(
            story_id=story_id, title=first.title if first else alert.article.title,
            url=first.url if first else alert.article.url, outlets=outlets,
        )))  # fmt: skip
    ranked.sort(key=lambda pair: -pair[0])  # stable: the earliest first among equals
    return tuple(story for _, story in ranked[: cfg.top])
