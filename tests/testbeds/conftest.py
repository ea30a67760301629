"""TRex tests run whenever a TRex server is available, and the run says whether they ran.

Tests marked ``trex`` need a TRex install (``lwtbench trex build`` / ``lwtbench trex use``, or
``$LWTBENCH_TREX``). Without one they are deselected, not skipped, and the summary says so in
one line that CI logs keep: a skip would be a failure under ``LWTBENCH_NO_SKIP=1``, and a
silent pass would hide that the real server was never driven. ``env/trex.sh`` (run by
``.ci/run``) builds the server first when a trex-core source is at hand.
"""

from __future__ import annotations

import pytest

_STATE: dict[str, str] = {}


# last: after `-m` has deselected what the run does not select, so the line counts what runs
@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    trex_items = [i for i in items if i.get_closest_marker("trex")]
    if not trex_items:
        return
    from lwtbench.errors import LwtbenchError
    from lwtbench.testbeds.trex.install import SOURCE_ENV, find_trex

    try:
        install = find_trex()
    except LwtbenchError as exc:  # a broken $LWTBENCH_TREX: say it, do not run
        install, why = None, str(exc)
    else:
        why = f"no TRex install or build for this CPU; build one ({SOURCE_ENV}, env/trex.sh)"
    if install is None:
        _STATE["line"] = (
            f"TRex tests not run: no trex-core source ({len(trex_items)} deselected: {why})"
        )
        config.hook.pytest_deselected(items=trex_items)
        items[:] = [i for i in items if not i.get_closest_marker("trex")]
    else:
        profile = install.facts.get("profile")
        _STATE["line"] = (
            f"TRex tests run: {len(trex_items)} against TRex {install.version} "
            f"({install.origin}{f', profile {profile}' if profile else ''}) at {install.path}"
        )


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter):
    if "line" in _STATE:
        terminalreporter.write_sep("=", _STATE["line"], bold=True)
