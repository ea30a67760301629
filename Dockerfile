# The artifact in a container: the project installed with the same setup script as the README
# (env/setup.sh), JupyterLab serving the notebooks by default.
#
#   docker build -t lwtbench .
#   docker run --rm -p 8888:8888 lwtbench                 # JupyterLab on http://localhost:8888
#   docker run --rm lwtbench make figures                  # every figure + the claims table
#   docker run --rm --privileged lwtbench make test        # netns/veth tests need privileges
#
# Debian 12, like the machines the project is developed and tested on (the kernel sources
# linux-source-6.12 and -6.1 come from bookworm's archive).
FROM debian:12-slim

ENV DEBIAN_FRONTEND=noninteractive \
    LANG=C.UTF-8 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# What env/setup.sh itself needs to run; it installs everything else (env/apt-packages.txt).
# Versions come from the Debian 12 archive of the day, as on a reviewer's machine.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv make git ca-certificates \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /lwtbench
COPY . .

# The README's set-up: Debian packages + .venv with the project and its dev/trex extras; then
# JupyterLab (the lab extra, what `make lab` adds).
RUN env/setup.sh \
    && .venv/bin/python -m pip install -e ".[lab]" \
    && rm -rf /var/lib/apt/lists/*

ENV PATH=/lwtbench/.venv/bin:$PATH
EXPOSE 8888

# JupyterLab on all interfaces (inside the container), the notebooks folder as its root and
# the figures notebook open. Add --ServerApp.token=... to choose the access token.
CMD ["jupyter", "lab", "--ip=0.0.0.0", "--port=8888", "--no-browser", "--allow-root", \
     "--ServerApp.root_dir=/lwtbench/notebooks", "--LabApp.default_url=/lab/tree/figures.ipynb"]
