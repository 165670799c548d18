"""Run the progress service: ``python -m senlab.progress`` (the hub starts it this way).

Applies the migrations, then serves on 127.0.0.1:SENLAB_PROGRESS_PORT.
"""

from __future__ import annotations

import gc

import uvicorn

from senlab.progress.app import create_app
from senlab.settings import get_settings, refuse_weak_settings


def main() -> None:
    settings = get_settings()
    refuse_weak_settings(settings, "senlab progress")
    app = create_app(settings)
    # The modules, app and settings live as long as the process: moved out of the
    # collector's reach, a full collection no longer walks them on every page.
    gc.freeze()
    uvicorn.run(app, host="127.0.0.1", port=settings.progress_port, log_level="info",
                proxy_headers=True, forwarded_allow_ips="127.0.0.1")


if __name__ == "__main__":
    main()
