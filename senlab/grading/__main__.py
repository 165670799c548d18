"""`python -m senlab.grading [--once]`: the autograder service (the hub starts it)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading

from senlab.grading.sandbox import check_available
from senlab.grading.service import Autograder
from senlab.settings import get_settings, refuse_weak_settings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m senlab.grading", description=__doc__)
    parser.add_argument("--once", action="store_true", help="one pass, then exit")
    parser.add_argument("--workers", type=int, default=None, help="worker processes")
    args = parser.parse_args(argv)
    settings = get_settings()
    refuse_weak_settings(settings, "senlab grading")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    check_available()
    # Instructors' formgrader (their own system accounts, in the course's group) must be
    # able to change what the grader writes under the course folder.
    os.umask(0o002)
    grader = Autograder(settings, workers=args.workers)
    if args.once:
        grader.run_once()
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    grader.run(stop)


if __name__ == "__main__":
    main()
