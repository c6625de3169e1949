# locusta's container image: the `locusta` command (installed from the wheel
# in dist/) in a virtual environment, run as an unprivileged user.
#
#   scripts/build-wheel.sh          # makes dist/locusta-*.whl
#   docker build -t locusta .
#   docker run --rm -p 127.0.0.1:8089:8089 -v "$PWD/examples:/mnt/locust:ro" locusta \
#       -f /mnt/locust/locustfile.py -H http://host-under-test:8080
#
# Build arguments:
#   BASE_IMAGE   a Debian-like image with python3 (3.9 to 3.13) and its venv
#                module; the same image is used for both stages.
#   PIP_OFFLINE  1 installs from dist/ and dist/deps only (a machine whose
#                containers cannot reach a package index: put the dependency
#                wheels there first with `pip download`, see docs/deployment.md).
ARG BASE_IMAGE=python:3.12-slim

FROM ${BASE_IMAGE} AS build
ARG PIP_OFFLINE=0
COPY dist/ /tmp/dist/
RUN set -eu; \
    python3 -m venv /opt/locusta; \
    set -- --no-cache-dir --disable-pip-version-check; \
    if [ -d /tmp/dist/deps ]; then set -- "$@" --find-links /tmp/dist/deps; fi; \
    if [ "$PIP_OFFLINE" = 1 ]; then set -- "$@" --no-index; fi; \
    wheels=$(ls /tmp/dist/locusta-*.whl 2>/dev/null || true); \
    if [ -z "$wheels" ]; then echo "no dist/locusta-*.whl: run scripts/build-wheel.sh first" >&2; exit 1; fi; \
    /opt/locusta/bin/pip install "$@" $wheels; \
    /opt/locusta/bin/locusta --version

FROM ${BASE_IMAGE}
COPY --from=build /opt/locusta /opt/locusta
ENV PATH=/opt/locusta/bin:$PATH \
    PYTHONUNBUFFERED=1
RUN useradd --create-home --uid 1000 --shell /bin/sh locusta
USER locusta
WORKDIR /home/locusta
EXPOSE 8089 5557
ENTRYPOINT ["locusta"]
