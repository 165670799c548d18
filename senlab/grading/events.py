"""The grader's events for the progress service, and the spool they wait in.

The grader posts ``grade.recorded`` (and the ``course.published`` that publishing a
course puts in the same spool, from `senlab up` and `senlab course publish`) to
`POST {progress_url}/api/events` with the hub service token of `grader`
(`Authorization: token ...`). Events are built by `senlab.events` and wait in
`SENLAB_HOME/spool/grader/` (`senlab.spool`) until the service has answered for each.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from senlab.spool import HttpPoster, Spool, events_url, progress_url, spool_folder

if TYPE_CHECKING:
    from senlab.settings import Settings

SERVICE_NAME = "grader"
__all__ = ["SERVICE_NAME", "grader_poster", "grader_spool", "progress_url", "service_token"]


def service_token(settings: Settings) -> str:
    """The grader's hub API token: the one the hub gave it, or the shared secret file."""
    if settings.hub_service_token is not None:
        return settings.hub_service_token.get_secret_value()
    return settings.secret("grader-api-token")


def grader_spool(settings: Settings) -> Spool:
    """Where the grader's events wait until the progress service has answered for them."""
    return Spool(spool_folder(settings.home, SERVICE_NAME))


def grader_poster(settings: Settings, *, url: str | None = None,
                  token: str | None = None) -> HttpPoster:
    """Posts the grader's batches to the progress service, as the grader."""
    return HttpPoster(events_url(url or progress_url(settings)),
                      token or service_token(settings))

