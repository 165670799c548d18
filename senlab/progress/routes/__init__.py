"""The service's routes, one module per concept; ROUTERS is the table the app mounts."""

from senlab.progress.routes import (
    certificates,
    dashboard,
    events,
    goals,
    health,
    labs,
    me,
    metrics,
    opendata,
    progress,
    registry,
    xapi,
)

ROUTERS = [health.router, events.router, progress.router, goals.router,
           certificates.router, metrics.router, xapi.router, dashboard.router, labs.router,
           me.router, registry.router, opendata.router]
