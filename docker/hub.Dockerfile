# syntax=docker/dockerfile:1
# The hub image: the Zero to JupyterHub chart's own hub image with senlab's hub code.
#
#   docker build -f docker/hub.Dockerfile -t REGISTRY/senlab-hub:0.1.0 .
#
# Base pinned on purpose: k8s-hub 4.4.0 is the hub image of chart 4.4.0 (JupyterHub 5.5.0,
# KubeSpawner, psycopg2 for PostgreSQL, NativeAuthenticator). Its JupyterHub, KubeSpawner,
# SQLAlchemy, Alembic, Tornado and traitlets are kept as the chart tested them (senlab asks
# for JupyterHub 6.1 locally; its hub code also runs on 5.5), so senlab goes in without its
# dependencies and only what the hub side imports is added.
ARG HUB_IMAGE=quay.io/jupyterhub/k8s-hub:4.4.0
FROM ${HUB_IMAGE}

USER root
WORKDIR /usr/local/src/senlab
COPY pyproject.toml README.md ./
COPY senlab ./senlab
COPY lab_devices ./lab_devices
COPY hub_config ./hub_config
RUN pip freeze \
      | grep -iE '^(jupyterhub|jupyterhub-kubespawner|sqlalchemy|alembic|tornado|traitlets)==' \
      > /tmp/chart-pins.txt \
 && pip install --no-cache-dir --constraint /tmp/chart-pins.txt \
      "pydantic>=2.11" "pydantic-settings>=2.16.3" "pyyaml>=6.0" \
      "jupyterhub-nativeauthenticator>=1.3.0" "bcrypt>=4.0" \
 && pip install --no-cache-dir --no-deps --editable .
# hub.extraConfig imports senlab.hub.k8s.config; fail the build, not the hub's start, if it
# cannot.
RUN python -c "import senlab.hub.k8s.config, senlab.hub.auth, kubespawner"

WORKDIR /srv/jupyterhub
USER 1000
