# syntax=docker/dockerfile:1
# SenLab's single-user image: JupyterLab (in Vietnamese and English), nbgrader and senlab,
# as `make up` installs them on one machine. The services pod (progress, fleet, grader)
# and the grading Job run this image too.
#
#   docker build -f docker/singleuser.Dockerfile -t REGISTRY/senlab-singleuser:0.1.0 .
#
# Base pinned on purpose: Python 3.11 (what the test suite runs on) on Debian 12
# "bookworm" (whose bubblewrap and Mosquitto clients the sandbox and labs are tested with).
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm
FROM ${PYTHON_IMAGE}

ENV DEBIAN_FRONTEND=noninteractive \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONUNBUFFERED=1 \
    LANG=C.UTF-8

# bubblewrap and util-linux (setpriv, prlimit): the grading sandbox. tini: reaps kernels.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      bubblewrap util-linux tini mosquitto-clients ca-certificates \
 && rm -rf /var/lib/apt/lists/*

# The user the chart's pods start as; KubeSpawner gives each hub user a uid of its own
# (senlab.hub.k8s.config.user_uid) with this group, which may write the home volume (fsGid 100).
RUN useradd --uid 1000 --gid 100 --create-home --home-dir /home/jovyan --shell /bin/bash jovyan

# senlab finds labs/ and hub_config/ beside its package (Settings.repo_root), so the repo
# keeps its layout under /usr/local, which the sandbox mounts read-only. courses/ is left
# out on purpose: its source notebooks hold the hidden tests.
WORKDIR /usr/local/src/senlab
COPY pyproject.toml README.md ./
COPY senlab ./senlab
COPY lab_devices ./lab_devices
COPY labs ./labs
COPY hub_config ./hub_config
# The services pod runs senlab.progress.app:app_from_environment and senlab.grading.k8s
# (the grading Jobs); fail the build, not the pod's start, if they cannot be imported.
RUN pip install --editable . \
 && python -c "import senlab.hub.courses, senlab.progress.app, senlab.grading.k8s, lab_devices" \
 && install -d -o 1000 -g 100 courses
# courses/ stays empty: an operator copies one course in to publish it, then removes it.

USER 1000
WORKDIR /home/jovyan
EXPOSE 8888
ENTRYPOINT ["tini", "--"]
CMD ["jupyterhub-singleuser"]
