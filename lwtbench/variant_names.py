"""The names of the kernel variants, one list for the two things a variant name stands for.

A name such as ``debian-6.12`` means two different objects, kept apart on purpose:

- a *build* (:class:`lwtbench.kernel.variants.KernelVariant`): a Debian source package plus
  the patches reverted or applied, which the lab boots as User-Mode Linux or a DUT installs as a
  ``.deb``; it knows files, not behaviour;
- a *code behaviour* (:class:`lwtbench.model.variants.CodeVariant`): how that kernel's lwt
  encaps size their head and fill their dst cache, read from the same sources, which the model
  follows to predict reallocations; it knows behaviour, not files.

The two never import each other (the kernel layer builds without the model, the model predicts
without a kernel). The model has one name the kernel layer lacks: ``mitigated``, the series as
merged for Linux 6.14, which is described from the upstream diff and has no build of its own
(its lab kernel is ``as-merged``, with the same behaviour). tests/test_variant_names.py checks
that both registries use exactly these names.

A bottom-layer module: standard library only, so the lab's init inside User-Mode Linux can
read it.
"""

from __future__ import annotations

BUILT_VARIANTS: tuple[str, ...] = (
    "vanilla",
    "debian-6.12",
    "fixed",
    "debian-6.1",
    "as-merged",
    "debian-7.2",
)
"""Every kernel the project builds, in the order the lab and the reports list them."""

MODEL_ONLY_VARIANTS: tuple[str, ...] = ("mitigated",)
"""Code behaviours the model knows that have no build of their own."""

MODEL_VARIANTS: frozenset[str] = frozenset(BUILT_VARIANTS + MODEL_ONLY_VARIANTS)
"""Every name :func:`lwtbench.model.variants.variant` accepts (without ``:first``)."""
