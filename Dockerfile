# The artifact in containers, two targets from one file:
#
#   notebooks (the default, last stage): Python 3.11 + the locked pip set + the project, as a
#     non-root user (UID 1000). Figures, claims table, notebooks, JupyterLab. Small: no kernel
#     sources, no compiler. Binder/repo2docker-compatible (NB_USER/NB_UID, the clone in $HOME).
#   lab: the same plus the Debian packages of env/apt-packages.txt (kernel sources, build
#     tools, tshark, iproute2...) to rerun the software lab and `make test`; these need root
#     and privileges (network namespaces), given at `docker run` time.
#
#   docker build -t lwtbench .
#   docker run --rm -p 8888:8888 -v "$PWD/out:/home/lwtbench/out" lwtbench
#   docker run --rm -v "$PWD/out:/home/lwtbench/out" lwtbench make figures
#   docker build --target lab -t lwtbench-lab .
#   docker run --rm --privileged --user root lwtbench-lab make test
#
# Base image: Debian 12 (bookworm, point release 12.13), by its dated tag; its python3 is 3.11,
# the version the project is pinned to. Kernel sources linux-source-6.12 and -6.1 come from
# the same archive. Versions of Debian packages are those of the archive on the build day.
FROM debian:bookworm-20260202-slim AS base

ARG NB_USER=lwtbench
ARG NB_UID=1000
ENV DEBIAN_FRONTEND=noninteractive \
    LANG=C.UTF-8 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    USER=${NB_USER} \
    HOME=/home/${NB_USER} \
    LWTBENCH_VENV=/opt/lwtbench-venv \
    PATH=/opt/lwtbench-venv/bin:${PATH}

# What env/setup.sh itself needs (Python 3.11 from Debian 12, venv, make, git for provenance).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv make git ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid "${NB_UID}" --shell /bin/bash "${NB_USER}" \
    && python3 -m venv "${LWTBENCH_VENV}" \
    && chown -R "${NB_UID}:${NB_UID}" "${LWTBENCH_VENV}"

USER ${NB_UID}
WORKDIR ${HOME}

# The dependencies before the source: editing the project does not reinstall them.
COPY --chown=${NB_UID}:${NB_UID} requirements.lock ./
RUN python3 -m pip install --require-hashes -r requirements.lock


FROM base AS lab
USER 0
# The Debian packages of the lab, still before the source (same cache reasoning).
COPY env/apt-packages.txt /tmp/apt-packages.txt
# hadolint ignore=DL3008
RUN apt-get update \
    && grep -vE '^[[:space:]]*(#|$)' /tmp/apt-packages.txt > /tmp/apt-packages.list \
    && xargs -a /tmp/apt-packages.list apt-get install -y --no-install-recommends \
    && rm -rf /var/lib/apt/lists/* /tmp/apt-packages.*
COPY --chown=${NB_UID}:${NB_UID} . ./
USER ${NB_UID}
# The README's set-up, now a check: everything is in place, so it only installs the project.
RUN env/setup.sh --no-apt
CMD ["bash"]


FROM base AS notebooks
COPY --chown=${NB_UID}:${NB_UID} . ./
RUN env/setup.sh --no-apt
EXPOSE 8888
# JupyterLab on all interfaces (inside the container), the notebooks folder as its root and
# the figures notebook open. Add --ServerApp.token=... to choose the access token.
CMD ["jupyter", "lab", "--ip=0.0.0.0", "--port=8888", "--no-browser", \
     "--ServerApp.root_dir=notebooks", "--LabApp.default_url=/lab/tree/figures.ipynb"]
