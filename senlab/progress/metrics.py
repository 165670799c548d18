"""Prometheus metrics: ingest counters kept in memory, totals read from the database."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from senlab.progress.models import (
    Certificate,
    Completion,
    Enrolment,
    Enterprise,
    Event,
    Park,
    Trainee,
)

TOTALS = {"parks": Park, "enterprises": Enterprise, "trainees": Trainee,
          "enrolments": Enrolment, "completions": Completion, "certificates": Certificate}


class DatabaseTotals(Collector):
    """Counts rows at scrape time, so every replica reports the same truth."""

    def __init__(self, sessions: Callable[[], Session]):
        self.sessions = sessions

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self.sessions() as session:
            for name, model in TOTALS.items():
                gauge = GaugeMetricFamily(f"senlab_progress_{name}", f"Number of {name}.")
                gauge.add_metric([], session.scalar(select(func.count()).select_from(model)) or 0)
                yield gauge
            events = GaugeMetricFamily("senlab_progress_stored_events",
                                       "Events in the log, by type.", labels=["type"])
            for kind, count in session.execute(
                    select(Event.type, func.count()).group_by(Event.type)):
                events.add_metric([kind], count)
            yield events


class ServiceMetrics:
    """The registry /metrics serves, with the counters the events route bumps."""

    def __init__(self, sessions: Callable[[], Session]):
        self.registry = CollectorRegistry()
        self.accepted = Counter("senlab_progress_events_accepted", "Events stored.",
                                registry=self.registry)
        self.duplicates = Counter("senlab_progress_events_duplicate",
                                  "Events received again and not stored twice.",
                                  registry=self.registry)
        self.rejected = Counter("senlab_progress_events_rejected",
                                "Events rejected, each with its reason in the answer.",
                                registry=self.registry)
        self.batches = Counter("senlab_progress_event_batches", "Event batches committed.",
                               registry=self.registry)
        self.registry.register(DatabaseTotals(sessions))
