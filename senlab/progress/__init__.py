"""The progress service: who learned what, measured against the province's targets.

A FastAPI app (``create_app(settings)``) run by JupyterHub as the hub-managed service
``progress`` under ``/services/progress/``. It keeps parks, enterprises, trainees,
courses, grades, lab check results, completions and certificates, fed by an idempotent
event log, and computes the plan's training indicators from them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from senlab.settings import Settings


def create_app(settings: Settings) -> FastAPI:
    """Build the service's app (imported late: importing the package stays cheap)."""
    from senlab.progress.app import create_app as build

    return build(settings)
